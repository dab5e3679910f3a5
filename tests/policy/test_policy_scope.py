"""Channel scopes as truth tables over the demo fleet's snapshot: which scope a request gets, what it sees, what a
plan may touch."""
from __future__ import annotations

import pytest

from bot.identity import Actor
from bot.policy import PolicyError, loads_policy
from bot.policy.scope import outside, reach, scoped_snapshot
from tests.policy.teams_policy import TEAMS_POLICY
from tests.snapshot_from_yaml import demo_snapshot

POLICY = loads_policy(TEAMS_POLICY.replace("environments: [staging, dev]\n", """environments: [staging, dev]
  eu-prod:
    channels: [C0EU]
    environments: [prod]
    cluster_labels: {fleetops.dev/geo: eu}
  search-only:
    channels: [C0SEARCH]
    teams: [search]
"""))
GRACE, JO = Actor("U0GRACE"), Actor("U0JO")  # Jo is a contractor (staging-only in DMs)


@pytest.mark.parametrize(("actor", "channel", "names"), [
    (GRACE, "C0STAGING", ("staging-only",)),
    (GRACE, "C0OPS", ()),             # a channel no scope lists: Grace's groups have no scope
    (GRACE, "D0GRACE", ()),
    (JO, "D0JO", ("staging-only",)),  # DMs follow the person's groups
    (JO, "terminal", ("staging-only",)),
    (JO, "C0OPS", ("staging-only",)),
    (JO, "C0EU", ("eu-prod",)),       # a scoped channel's scope, whoever asks
])
def test_which_scope_a_request_gets(actor, channel, names):
    assert reach(POLICY, actor, channel).names == names


def test_the_scope_names_its_rule():
    assert reach(POLICY, GRACE, "C0STAGING").rule == "scopes.staging-only.channels"
    assert reach(POLICY, JO, "D0JO").rule == "scopes.staging-only.groups"


def test_staging_sees_only_staging_and_dev_clusters():
    snap = scoped_snapshot(demo_snapshot(), reach(POLICY, GRACE, "C0STAGING"))
    assert {c.environment for c in snap.clusters} == {"staging", "dev"}


def test_staging_sees_no_prod_deployment():
    names = {d.name for d in scoped_snapshot(demo_snapshot(), reach(POLICY, GRACE, "C0STAGING")).deployments}
    assert names == {"gemma-staging", "granite-dev"}


def test_cluster_labels_narrow_prod_to_europe():
    snap = scoped_snapshot(demo_snapshot(), reach(POLICY, GRACE, "C0EU"))
    assert {c.name for c in snap.clusters} == {
        c.name for c in demo_snapshot().clusters if c.environment == "prod" and c.geo == "eu"}


def test_a_deployment_is_cut_to_the_scopes_clusters():
    snap = scoped_snapshot(demo_snapshot(), reach(POLICY, GRACE, "C0EU"))
    phi = snap.deployment("phi4-chat")
    assert phi is not None and phi.clusters == ["aks-westeurope-prod-1"]


def test_a_team_scope_hides_unowned_deployments():
    assert scoped_snapshot(demo_snapshot(), reach(POLICY, GRACE, "C0SEARCH")).deployments == []


def test_a_plan_on_prod_is_outside_staging():
    r = reach(POLICY, GRACE, "C0STAGING")
    assert outside(demo_snapshot(), r, ["aks-eastus-prod-1"], None) == ["aks-eastus-prod-1 (prod)"]


def test_a_plan_on_staging_is_inside_staging():
    r = reach(POLICY, GRACE, "C0STAGING")
    assert outside(demo_snapshot(), r, ["aks-westus3-staging-1"], "gemma-staging") == []


def test_another_teams_deployment_is_outside_a_team_scope():
    r = reach(POLICY, GRACE, "C0SEARCH")
    assert outside(demo_snapshot(), r, [], "granite-dev") == ["granite-dev (team unowned)"]


def test_no_scopes_means_the_whole_fleet():
    r = reach(loads_policy(TEAMS_POLICY.split("scopes:")[0]), JO, "D0JO")
    assert r.whole_fleet


@pytest.mark.parametrize(("change", "key"), [
    ("environments: [staging, dev]", "scopes.staging-only.environments"),
    ("groups: [contractors]", "scopes.staging-only.groups"),
    ("override_group: budget-override", "budgets.override_group"),
    ('"*": [requesters, approvers]', "requesters.*.*"),
])
def test_bad_references_name_their_key(change, key):
    bad = {"environments: [staging, dev]": "environments: [staging, qa]",
           "groups: [contractors]": "groups: [nobody]",
           "override_group: budget-override": "override_group: budget-overlords",
           '"*": [requesters, approvers]': '"*": [requesters, approverz]'}[change]
    with pytest.raises(PolicyError) as e:
        loads_policy(TEAMS_POLICY.replace(change, bad))
    assert key in [k for k, _ in e.value.problems]


def test_an_unknown_team_in_a_scope_is_named():
    text = TEAMS_POLICY.replace("environments: [staging, dev]", "environments: [staging, dev]\n    teams: [ghosts]")
    with pytest.raises(PolicyError) as e:
        loads_policy(text)
    assert "unknown team 'ghosts'" in str(e.value)


def test_a_misspelt_team_key_lists_the_allowed_ones():
    with pytest.raises(PolicyError) as e:
        loads_policy(TEAMS_POLICY.replace("budget_per_hour: 100", "budget: 100"))
    assert "budget_per_hour" in str(e.value)
