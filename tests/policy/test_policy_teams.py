"""Requesters, owners and budgets as truth tables (``decide`` is pure): who may open what, the owning team's
approval, a budget breach overridden or denied; every decision names the rules that made it."""
from __future__ import annotations

import pytest

from bot.identity import Actor
from bot.policy import Facts, decide, default_policy, loads_policy
from bot.policy.requesters import may_request
from tests.policy.teams_policy import TEAMS_POLICY

POLICY = loads_policy(TEAMS_POLICY, "teams.yaml")
DENY_BUDGET = loads_policy(TEAMS_POLICY.replace("over_budget: override", "over_budget: deny"), "deny.yaml")

ALICE, BOB, CAROL, DAVE = Actor("U0ALICE"), Actor("U0BOB"), Actor("U0CAROL"), Actor("U0DAVE")
GRACE, HANK, IVY = Actor("U0GRACE"), Actor("U0HANK"), Actor("U0IVY")
ZED = Actor("U0ZED")  # in no group: a stranger
MLER = Actor("U0MLER", usergroups=frozenset({"S0ML"}))  # a requester through a Slack user group


def facts(tool: str = "deploy", env: str = "dev", **kw) -> Facts:
    return Facts(tool=tool, mutating=True, environments=frozenset({env}), **kw)


# (actor, tool, environment) -> may open the change
REQUESTERS = [
    (ZED, "deploy", "dev", False), (ZED, "deploy", "prod", False), (ZED, "undeploy", "dev", False),
    (GRACE, "deploy", "dev", True), (GRACE, "deploy", "prod", True), (GRACE, "undeploy", "prod", False),
    (MLER, "scale", "staging", True), (ALICE, "undeploy", "prod", True), (ALICE, "deploy", "dev", True),
]


@pytest.mark.parametrize(("actor", "tool", "env", "ok"), REQUESTERS)
def test_who_may_request(actor, tool, env, ok):
    assert may_request(POLICY, actor, tool, [env]).ok is ok


def test_a_stranger_is_refused_with_the_groups_to_ask_and_the_rule():
    d = decide(POLICY, ZED, facts("deploy", "dev"))
    assert d.kind == "deny"
    assert "You can't request deploy in dev" in d.reason
    assert "requesters or approvers" in d.reason
    assert d.rules == ["requesters.*.*"]


def test_the_more_specific_requester_rule_names_itself():
    d = decide(POLICY, GRACE, facts("undeploy", "prod"))
    assert d.kind == "deny"
    assert d.rules == ["requesters.undeploy.prod"]


def test_read_only_is_open_to_a_stranger():
    d = decide(POLICY, ZED, Facts(tool="list_clusters", mutating=False))
    assert d.kind == "allow"


def test_a_plan_over_several_environments_needs_each():
    assert not may_request(POLICY, GRACE, "undeploy", ["dev", "prod"]).ok


def test_without_requesters_anyone_may_request():
    loose = loads_policy(TEAMS_POLICY.split("requesters:\n  \"*\"")[0] + "rules:\n  \"*\": {dev: {approvals: 0}}\n")
    assert may_request(loose, ZED, "deploy", ["dev"]).ok


def test_the_shipped_default_names_requesters():
    p = default_policy()
    assert p.requesters is not None
    assert not may_request(p, ZED, "deploy", ["dev"]).ok
    assert may_request(p, Actor("U0ALICE"), "deploy", ["dev"]).ok


def test_the_decision_names_the_environment_rule():
    d = decide(POLICY, GRACE, facts("deploy", "prod"))
    assert "rules.*.prod" in d.rules


# --- owners ---------------------------------------------------------------------------------------------
def test_a_teams_deployment_needs_its_team_when_an_outsider_asks():
    d = decide(POLICY, ALICE, facts("scale", "dev", team="search"))
    assert d.kind == "approve"
    assert [r.group for r in d.extra] == ["team search"]
    assert "owners.team_approval" in d.rules


def test_the_owner_approval_comes_from_the_team():
    d = decide(POLICY, ALICE, facts("scale", "dev", team="search"))
    assert d.can_approve(BOB, "U0ALICE")[0] is False
    assert d.can_approve(HANK, "U0ALICE")[0] is True


def test_the_team_approval_completes_it():
    d = decide(POLICY, ALICE, facts("scale", "dev", team="search"))
    assert d.is_satisfied([HANK])


def test_a_team_member_requesting_needs_no_extra():
    d = decide(POLICY, GRACE, facts("scale", "dev", team="search"))
    assert d.kind == "allow"


def test_in_prod_the_team_comes_on_top_of_the_quorum():
    d = decide(POLICY, GRACE.__class__("U0ALICE"), facts("scale", "prod", team="search"))
    assert not d.is_satisfied([BOB, CAROL])
    assert d.is_satisfied([BOB, CAROL, HANK])


def test_team_membership_through_a_slack_user_group():
    d = decide(POLICY, Actor("U0VIS", usergroups=frozenset({"S0VISION", "S0ML"})), facts("scale", "dev", team="vision"))
    assert d.kind == "allow"


def test_owners_off_needs_no_team():
    off = loads_policy(TEAMS_POLICY.replace("team_approval: true", "team_approval: false"))
    assert decide(off, ALICE, facts("scale", "dev", team="search")).kind == "allow"


def test_an_unknown_team_label_needs_nothing_extra():
    assert decide(POLICY, ALICE, facts("scale", "dev", team="unowned")).kind == "allow"


# --- budgets --------------------------------------------------------------------------------------------
def test_the_decision_shows_the_spend_before_and_after():
    d = decide(POLICY, GRACE, facts("deploy", "dev", team="search", spend_before=40.0, spend_after=60.0))
    assert "Team search's GPU spend: $40.00/h now, $60.00/h after this change (budget $100.00/h)." in d.reason


def test_within_budget_needs_nothing_extra():
    d = decide(POLICY, GRACE, facts("deploy", "dev", team="search", spend_before=40.0, spend_after=60.0))
    assert d.kind == "allow"


def test_a_breach_needs_a_budget_override():
    d = decide(POLICY, GRACE, facts("deploy", "dev", team="search", spend_before=90.0, spend_after=130.0))
    assert d.kind == "approve"
    assert [r.group for r in d.extra] == ["budget-override"]


def test_the_budget_override_is_given_by_its_group():
    d = decide(POLICY, GRACE, facts("deploy", "dev", team="search", spend_before=90.0, spend_after=130.0))
    assert d.can_approve(ALICE, "U0GRACE")[0] is False
    assert d.is_satisfied([DAVE])


def test_a_breach_names_the_budget_rules():
    d = decide(POLICY, GRACE, facts("deploy", "dev", team="search", spend_before=90.0, spend_after=130.0))
    assert {"teams.search.budget_per_hour", "budgets.over_budget"} <= set(d.rules)


def test_a_breach_is_denied_when_the_policy_says_deny():
    d = decide(DENY_BUDGET, GRACE, facts("deploy", "dev", team="search", spend_before=90.0, spend_after=130.0))
    assert d.kind == "deny"
    assert "over team search's budget" in d.reason


def test_a_plan_that_lowers_the_spend_of_a_team_over_budget_may_run():
    d = decide(DENY_BUDGET, GRACE, facts("scale", "dev", team="search", spend_before=150.0, spend_after=120.0))
    assert d.kind == "allow"


def test_the_decision_keeps_its_team_facts_for_a_later_check():
    d = decide(POLICY, GRACE, facts("deploy", "dev", team="search", spend_before=90.0, spend_after=130.0))
    assert d.facts == {"team": "search", "spend_before": 90.0, "spend_after": 130.0}


def test_someone_who_may_request_a_tool_nowhere_is_refused_before_planning():
    from bot.policy.requesters import no_requester

    refusal = no_requester(POLICY, ZED, "undeploy")
    assert refusal is not None and "only members of approvers or requesters" in refusal.reason


def test_someone_who_may_request_a_tool_somewhere_is_planned_first():
    from bot.policy.requesters import no_requester

    assert no_requester(POLICY, GRACE, "undeploy") is None
