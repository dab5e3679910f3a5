import pytest

from bot.cli import main
from bot.policy import PolicyError, get_policy, load_policy, loads_policy

GOOD = """
ttl: 2h
groups:
  approvers: {users: [U0ALICE, U0BOB], usergroups: [S0SRE]}
  freeze-override: {users: [U0ERIN]}
rules:
  deploy:
    dev: {approvals: 0}
    staging: {approvals: 1, allow_self_approval: true}
    prod: {approvals: 2, approver_groups: [approvers], ttl: 1h}
  undeploy:
    prod: {deny: "use the runbook"}
freezes:
  - {name: year-end, start: 2020-12-20T00:00:00Z, end: 2099-01-04T00:00:00Z, reason: holidays}
"""


@pytest.mark.parametrize("text,key,problem", [
    ("ttl: soon\nrules: {deploy: {prod: {}}}", "ttl", "not a duration"),
    ("rules: {deploy: {prod: {approvals: two}}}", "rules.deploy.prod.approvals", "valid integer"),
    ("rules: {deploy: {prod: {approvals: -1}}}", "rules.deploy.prod.approvals", "greater than"),
    ("rules: {deploy: {prod: {approval: 1}}}", "rules.deploy.prod.approval",
     "unknown key (allowed here: approvals, approver_groups"),
    ("rule: {}\nrules: {deploy: {prod: {}}}", "rule", "allowed here: ttl, groups, rules, freezes"),
    ("rules: {deploy: {prod: 2}}", "rules.deploy.prod", "must be a mapping"),
    ("rules: {deploy: {production: {}}}", "rules.deploy.production", "did you mean 'prod'"),
    ("rules: {deplyo: {prod: {}}}", "rules.deplyo", "did you mean 'deploy'"),
    ("rules: {list_clusters: {prod: {}}}", "rules.list_clusters", "only reads the fleet"),
    ("rules: {deploy: {prod: {approvals: 1, approver_groups: [sre]}}}",
     "rules.deploy.prod.approver_groups", "unknown group 'sre'"),
    ("groups: {approvers: {users: [alice]}}\nrules: {deploy: {prod: {}}}", "groups.approvers.users",
     "not a Slack user id"),
    ("groups: {approvers: {usergroups: [U0X]}}\nrules: {deploy: {prod: {}}}",
     "groups.approvers.usergroups", "not a Slack user group id"),
    ("groups: {approvers: {members: [U0X]}}\nrules: {deploy: {prod: {}}}", "groups.approvers.members",
     "allowed here: users, usergroups"),
    ("rules: {deploy: {prod: {ttl: 4 hours}}}", "rules.deploy.prod.ttl", "not a duration"),
    ("rules: {deploy: {prod: {}}}\nfreezes: [{start: 2026-01-02, end: 2026-01-01, reason: x}]",
     "freezes[0].end", "ends before it starts"),
    ("rules: {deploy: {prod: {}}}\nfreezes: [{start: 2026-01-01, end: 2026-01-02}]",
     "freezes[0].reason", "is required"),
    ("rules: {deploy: {prod: {}}}\nfreezes: [{start: 2026-01-01, end: 2026-01-02, reason: x, "
     "environments: [qa]}]", "freezes[0].environments", "unknown environment 'qa'"),
    ("rules: {deploy: {prod: {}}}\nfreezes: [{start: 2026-01-01, end: 2026-01-02, reason: x, "
     "override_group: vp}]", "freezes[0].override_group", "unknown group 'vp'"),
    ("rules: {}", "rules", "every mutating request would be denied"),
])
def test_invalid_policy_names_the_key(text, key, problem):
    with pytest.raises(PolicyError) as info:
        loads_policy(text, "team.yaml")
    assert any(k == key and problem in p for k, p in info.value.problems), info.value.problems
    assert str(info.value).startswith("team.yaml")


def test_several_problems_are_listed_together():
    with pytest.raises(PolicyError) as info:
        loads_policy("rules: {deplyo: {prd: {}}}", "team.yaml")
    text = str(info.value)
    assert text.splitlines()[0] == "team.yaml is not a valid fleetops policy:"
    assert "rules.deplyo:" in text and "rules.deplyo.prd:" in text


@pytest.mark.parametrize("text,fragment", [
    ("rules:\n  *:\n    prod: {}\n", 'write "*" in quotes'),
    ("rules: [a, b", "line 1"),
    ("- just\n- a list\n", "YAML mapping"),
])
def test_yaml_problems(text, fragment):
    with pytest.raises(PolicyError, match=None) as info:
        loads_policy(text, "team.yaml")
    assert fragment in str(info.value)


def test_file_errors(tmp_path):
    with pytest.raises(PolicyError, match="no such file"):
        load_policy(tmp_path / "none.yaml")
    path = tmp_path / "p.yaml"
    path.write_text(GOOD)
    p = load_policy(path)
    assert p.source == str(path) and p.ttl_seconds == 7200
    assert get_policy(None).source == "policy_default.yaml" and get_policy(path) == p


def test_policy_check_explains_a_valid_file(tmp_path, capsys):
    path = tmp_path / "team.yaml"
    path.write_text(GOOD)
    assert main(["policy", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: valid policy." in out
    assert "expire after 2h" in out
    assert "approvers: users U0ALICE, U0BOB; members of Slack user groups S0SRE" in out
    assert "staging: needs 1 approval from anyone; the requester may approve their own request" in out
    assert "prod: needs 2 approvals from approvers; expires after 1h" in out
    assert "dev: runs without approval" in out
    assert "prod: denied (use the runbook)" in out
    assert "year-end: 2020-12-20 00:00 to 2099-01-04 00:00, prod: holidays." in out
    assert "also need 1 approval from freeze-override" in out and "[active now]" in out


def test_policy_check_rejects_an_invalid_file(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("rules: {deploy: {prod: {approvals: many}}}")
    assert main(["policy", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "rules.deploy.prod.approvals" in err and str(path) in err


def test_policy_check_default(capsys):
    assert main(["policy", "check"]) == 0
    out = capsys.readouterr().out
    assert "policy_default.yaml: valid policy." in out and "U0ERIN" in out
