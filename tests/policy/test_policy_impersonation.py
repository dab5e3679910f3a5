"""The policy's ``impersonation`` section: validated with plain-words errors, explained by ``policy check``, off by
default, and (when on) the RBAC the bot then needs emitted by ``fleetops manifests``: ``impersonate`` on exactly
the mapped users and groups."""
from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest
import yaml

from bot.cli import main
from bot.policy import PolicyError, default_policy, loads_policy

RULES = "rules: {deploy: {'*': {approvals: 0}}}\n"
ON = RULES + """impersonation:
  enabled: true
  users:
    U0ALICE: {user: alice@corp, groups: [sre, viewers]}
    U0BOB: {user: bob@corp}
"""


def test_off_by_default():
    assert default_policy().impersonation.enabled is False


@pytest.mark.parametrize(("text", "key"), [
    (RULES + "impersonation: {enabled: true}", "impersonation.users"),
    (RULES + "impersonation: {enabled: true, users: {alice: {user: a}}}", "impersonation.users.alice"),
    (RULES + "impersonation: {enabled: true, users: {U0ALICE: {user: a, group: [x]}}}",
     "impersonation.users.U0ALICE.group"),
    (RULES + "impersonation: {enable: true}", "impersonation.enable"),
])
def test_a_wrong_section_names_the_key(text, key):
    with pytest.raises(PolicyError) as e:
        loads_policy(text)
    assert key in str(e.value)


def test_policy_check_explains_it(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text(ON)
    assert main(["policy", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Impersonation: on." in out
    assert "executions as the last approver" in out
    assert "U0ALICE as alice@corp (groups sre, viewers)" in out


def _manifests(policy: str, tmp_path) -> list[dict]:
    path = tmp_path / "policy.yaml"
    path.write_text(policy)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["manifests", "--policy", str(path)]) == 0
    return [d for d in yaml.safe_load_all(out.getvalue()) if d]


def test_manifests_grant_impersonate_on_the_mapped_identities_only(tmp_path):
    objs = _manifests(ON, tmp_path)
    (role,) = [o for o in objs if o["kind"] == "ClusterRole" and o["metadata"]["name"] == "fleetops-impersonate"]
    rules = {r["resources"][0]: r for r in role["rules"]}
    assert rules["users"]["verbs"] == ["impersonate"]
    assert rules["users"]["resourceNames"] == ["alice@corp", "bob@corp"]
    assert rules["groups"]["resourceNames"] == ["sre", "viewers"]
    (binding,) = [o for o in objs if o["kind"] == "ClusterRoleBinding"
                  and o["metadata"]["name"] == "fleetops-impersonate"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "fleetops", "namespace": "fleetops-system"}]


def test_manifests_without_impersonation_grant_none(tmp_path):
    objs = _manifests(RULES, tmp_path)
    assert not [o for o in objs if o["metadata"]["name"] == "fleetops-impersonate"]
