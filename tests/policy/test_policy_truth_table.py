"""Policy as a truth table: tool x environment x freeze x actor -> decision and who may approve."""
from datetime import UTC, datetime

import pytest

from bot.identity import Actor, groups_of
from bot.policy import Decision, Facts, decide, default_policy, loads_policy

NOW = datetime(2026, 12, 24, 12, 0, tzinfo=UTC)
POLICY_YAML = """
ttl: 4h
groups:
  approvers: {users: [U0ALICE, U0BOB, U0CAROL, U0DAVE], usergroups: [S0SRE]}
  freeze-override: {users: [U0ERIN, U0DAVE]}
rules:
  deploy: &std
    dev: {approvals: 0}
    staging: {approvals: 1}
    prod: {approvals: 2, approver_groups: [approvers]}
  rollback: *std
  undeploy: *std
  "*": *std
freezes:
  - name: year-end
    start: 2026-12-20T00:00:00Z
    end: 2027-01-04T00:00:00Z
    environments: [prod]
    reason: year-end change freeze
"""
ON, OFF = NOW, datetime(2026, 11, 1, tzinfo=UTC)  # inside / outside the freeze window
POLICY = loads_policy(POLICY_YAML, "test-policy.yaml")

REQUESTER = Actor("U0ALICE", "alice")  # an approver herself
BOB = Actor("U0BOB")  # approver
ZED = Actor("U0ZED")  # in no group
ERIN = Actor("U0ERIN")  # freeze-override only
SAM = Actor("U0SAM", usergroups=frozenset({"S0SRE"}))  # approver through a Slack user group
DAVE = Actor("U0DAVE")  # approver and freeze-override
CAROL = Actor("U0CAROL")

# (tool, environment) -> (kind, approvals, approver groups)
RULES = {
    ("deploy", "dev"): ("allow", 0, []),
    ("deploy", "staging"): ("approve", 1, []),
    ("deploy", "prod"): ("approve", 2, ["approvers"]),
    ("rollback", "dev"): ("allow", 0, []),
    ("rollback", "staging"): ("approve", 1, []),
    ("rollback", "prod"): ("approve", 2, ["approvers"]),
    ("undeploy", "dev"): ("allow", 0, []),
    ("undeploy", "staging"): ("approve", 1, []),
    ("undeploy", "prod"): ("approve", 2, ["approvers"]),
    ("scale", "dev"): ("allow", 0, []),  # via "*"
    ("scale", "staging"): ("approve", 1, []),
    ("scale", "prod"): ("approve", 2, ["approvers"]),
    ("list_clusters", "dev"): ("allow", 0, []),
    ("list_clusters", "staging"): ("allow", 0, []),
    ("list_clusters", "prod"): ("allow", 0, []),
}
# (environment, freeze on) -> may this actor approve the requester's mutating change?
CAN = {
    ("dev", False): {REQUESTER: False, BOB: False, ZED: False, ERIN: False, SAM: False},
    ("dev", True): {REQUESTER: False, BOB: False, ZED: False, ERIN: False, SAM: False},
    ("staging", False): {REQUESTER: False, BOB: True, ZED: True, ERIN: True, SAM: True},
    ("staging", True): {REQUESTER: False, BOB: True, ZED: True, ERIN: True, SAM: True},
    ("prod", False): {REQUESTER: False, BOB: True, ZED: False, ERIN: False, SAM: True},
    ("prod", True): {REQUESTER: False, BOB: True, ZED: False, ERIN: True, SAM: True},
}


def facts(tool, envs):
    return {"tool": tool, "mutating": tool != "list_clusters", "environments": set(envs),
            "clusters": ["c1"], "deployment": "phi-4"}


@pytest.mark.parametrize("freeze", [False, True], ids=["no-freeze", "freeze"])
@pytest.mark.parametrize("tool,env", sorted(RULES))
def test_decision(tool, env, freeze):
    d = decide(POLICY, REQUESTER, facts(tool, [env]), ON if freeze else OFF)
    kind, n, groups = RULES[(tool, env)]
    frozen = freeze and env == "prod" and tool != "list_clusters"
    assert d.kind == ("approve" if frozen else kind)
    assert d.approvals_required == n and d.approver_groups == groups
    assert [r.group for r in d.extra] == (["freeze-override"] if frozen else [])
    assert d.requester == "U0ALICE" and d.ttl_seconds == 4 * 3600
    assert d.reason.endswith(".") and tool in d.reason
    if frozen:
        assert "year-end change freeze" in d.reason and "freeze-override" in d.reason
    assert not d.is_satisfied([]) or d.kind == "allow"


@pytest.mark.parametrize("freeze", [False, True], ids=["no-freeze", "freeze"])
@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
@pytest.mark.parametrize("actor", [REQUESTER, BOB, ZED, ERIN, SAM], ids=lambda a: a.id)
def test_can_approve(env, freeze, actor):
    d = decide(POLICY, REQUESTER, facts("deploy", [env]), ON if freeze else OFF)
    ok, why = d.can_approve(actor, REQUESTER.id, [])
    assert ok is CAN[(env, freeze)][actor], why
    assert why and why[0].islower()
    if actor is REQUESTER and d.kind == "approve":
        assert "someone else" in why


@pytest.mark.parametrize("approvers,expected", [
    ([BOB], False),
    ([BOB, CAROL], False),  # quorum met but no freeze override
    ([BOB, ERIN], False),  # override given, quorum not
    ([BOB, CAROL, ERIN], True),
    ([BOB, SAM, ERIN], True),  # SAM counts through the S0SRE user group
    ([REQUESTER, BOB, ERIN], False),  # the requester never counts
    ([BOB, BOB, ERIN], False),  # one person counts once
    ([BOB, DAVE], False),  # DAVE is in both groups but is one person
    ([BOB, CAROL, DAVE], True),  # DAVE fills the override
    ([DAVE, ERIN, BOB], True),  # DAVE as approver, ERIN as override
    ([ZED, ERIN, BOB], False),
])
def test_is_satisfied_prod_during_freeze(approvers, expected):
    d = decide(POLICY, REQUESTER, facts("deploy", ["prod"]), ON)
    assert d.is_satisfied(approvers) is expected
    assert d.is_satisfied([a.id for a in approvers if not a.usergroups] + [
        a for a in approvers if a.usergroups]) is expected


def test_is_satisfied_outside_freeze_and_staging():
    prod = decide(POLICY, REQUESTER, facts("deploy", ["prod"]), OFF)
    assert prod.is_satisfied([BOB, CAROL]) and not prod.is_satisfied([BOB, ZED])
    staging = decide(POLICY, REQUESTER, facts("deploy", ["staging"]), OFF)
    assert staging.is_satisfied([ZED]) and not staging.is_satisfied([REQUESTER])
    dev = decide(POLICY, REQUESTER, facts("deploy", ["dev"]), OFF)
    assert dev.kind == "allow" and dev.is_satisfied([])


def test_progress_during_freeze_is_explained():
    d = decide(POLICY, REQUESTER, facts("deploy", ["prod"]), ON)
    assert d.still_needed([]) == "2 approvals from approvers and 1 approval from freeze-override"
    assert d.still_needed([ERIN]) == "2 approvals from approvers"
    assert d.still_needed([BOB, CAROL, ERIN]) == "nothing"
    assert d.can_approve(BOB, existing_approvals=[BOB]) == (
        False, "you have already approved this change")
    assert d.can_approve(Actor("U0FRED"), existing_approvals=[])[0] is False
    # a second freeze-override-only person adds nothing once ERIN approved
    other = POLICY.model_copy(update={"groups": {**POLICY.groups, "freeze-override": POLICY.groups[
        "freeze-override"].model_copy(update={"users": ["U0ERIN", "U0FRANK"]})}})
    d2 = decide(other, REQUESTER, facts("deploy", ["prod"]), ON)
    ok, why = d2.can_approve(Actor("U0FRANK"), existing_approvals=[ERIN])
    assert not ok and "would not count" in why and "2 approvals from approvers" in why
    ok, why = d2.can_approve(CAROL, existing_approvals=[BOB, DAVE, ERIN])
    assert not ok and "already has the approvals" in why


@pytest.mark.parametrize("self_ok", [False, True])
def test_self_approval(self_ok):
    flag = str(self_ok).lower()
    policy = loads_policy(POLICY_YAML.replace(
        "staging: {approvals: 1}", f"staging: {{approvals: 1, allow_self_approval: {flag}}}"))
    d = decide(policy, REQUESTER, facts("deploy", ["staging"]), OFF)
    assert d.allow_self_approval is self_ok
    assert d.can_approve(REQUESTER)[0] is self_ok
    assert d.is_satisfied([REQUESTER]) is self_ok
    prod = decide(policy, REQUESTER, facts("deploy", ["prod"]), OFF)
    assert prod.can_approve(REQUESTER)[0] is False  # the rule for prod still forbids it


@pytest.mark.parametrize("envs,n,groups", [
    (["dev", "prod"], 2, ["approvers"]),
    (["dev", "staging"], 1, []),
    (["staging", "prod"], 2, ["approvers"]),
    ([], 2, ["approvers"]),  # unknown environment: strictest rule
])
def test_several_environments_take_the_strictest(envs, n, groups):
    d = decide(POLICY, REQUESTER, facts("deploy", envs), OFF)
    assert (d.kind, d.approvals_required, d.approver_groups) == ("approve", n, groups)
    assert "strictest" in d.reason


def test_freeze_window_bounds_and_environments():
    start, end = datetime(2026, 12, 20, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC)
    assert decide(POLICY, BOB, facts("deploy", ["prod"]), start).extra
    assert not decide(POLICY, BOB, facts("deploy", ["prod"]), end).extra
    assert decide(POLICY, BOB, facts("deploy", ["staging"]), start).extra == []
    d = decide(POLICY, BOB, facts("deploy", ["dev", "prod"]), start)
    assert d.extra and d.approvals_required == 2


def test_freeze_without_override_members_denies():
    policy = loads_policy(POLICY_YAML.replace("freeze-override: {users: [U0ERIN, U0DAVE]}",
                                              "freeze-override: {users: []}"))
    d = decide(policy, REQUESTER, facts("deploy", ["prod"]), ON)
    assert d.kind == "deny" and "freeze" in d.reason and "override" in d.reason
    assert d.can_approve(BOB) == (False, "this change was denied by policy, so it cannot be approved")
    assert not d.is_satisfied([BOB, CAROL, ERIN])
    frozen_dev = loads_policy(POLICY_YAML.replace("environments: [prod]", 'environments: ["*"]'))
    d = decide(frozen_dev, REQUESTER, facts("deploy", ["dev"]), ON)
    assert d.kind == "approve" and d.approvals_required == 0 and d.is_satisfied([ERIN])
    assert not d.is_satisfied([ZED])


def test_missing_rule_and_deny_rule():
    policy = loads_policy("""
groups: {approvers: {users: [U0BOB]}}
rules:
  deploy:
    prod: {approvals: 2, approver_groups: [approvers], ttl: 1h}
    staging: {approvals: 1, ttl: 30m}
  undeploy: {prod: {deny: "undeploy prod by hand, with the runbook"}}
""")
    assert decide(policy, BOB, facts("rollback", ["prod"]), OFF).kind == "deny"
    d = decide(policy, BOB, facts("deploy", ["dev"]), OFF)
    assert d.kind == "deny" and "rules.deploy.dev" in d.reason
    d = decide(policy, BOB, facts("undeploy", ["prod"]), OFF)
    assert d.kind == "deny" and "runbook" in d.reason
    d = decide(policy, BOB, facts("deploy", ["prod", "staging"]), OFF)
    assert d.ttl_seconds == 1800 and d.approvals_required == 2


def test_decision_survives_storage():
    d = decide(POLICY, REQUESTER, facts("deploy", ["prod"]), ON)
    again = Decision.model_validate_json(d.model_dump_json())
    assert again == d
    assert again.can_approve(ERIN)[0] and again.is_satisfied([BOB, CAROL, ERIN])


def test_groups_of():
    assert groups_of(POLICY, DAVE) == {"approvers", "freeze-override"}
    assert groups_of(POLICY, SAM) == {"approvers"}
    assert groups_of(POLICY, ZED) == set()


def test_default_policy_matches_design():
    p = default_policy()
    alice = Actor("U0ALICE")
    for tool in ("deploy", "rollback", "undeploy"):
        assert decide(p, alice, facts(tool, ["dev"]), OFF).kind == "allow"
        st = decide(p, alice, facts(tool, ["staging"]), OFF)
        assert (st.kind, st.approvals_required, st.approver_groups) == ("approve", 1, [])
        pr = decide(p, alice, facts(tool, ["prod"]), OFF)
        assert (pr.kind, pr.approvals_required, pr.approver_groups) == ("approve", 2, ["approvers"])
        assert pr.ttl_seconds == 4 * 3600
        assert pr.is_satisfied(["U0BOB", "U0CAROL"]) and not pr.is_satisfied(["U0ALICE", "U0BOB"])
    assert decide(p, alice, facts("list_clusters", ["prod"]), OFF).kind == "allow"
    assert p.groups["approvers"].users == ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"]
    assert p.groups["freeze-override"].users == ["U0ERIN"]
    assert p.freezes == []


def test_may_decide_names_who_may_reject():
    """Anyone who could fill an approval (regular or freeze override) may decide on (reject) a request."""
    policy = default_policy()
    d = decide(policy, REQUESTER, Facts(tool="deploy", mutating=True, environments=frozenset({"prod"})))
    assert d.may_decide(BOB)
    assert not d.may_decide(Actor("U0FRED"))
