"""Acting as the person (policy ``impersonation``): hub requests carry Impersonate-User / Impersonate-Group, the
embedded hub's RBAC for impersonated identities decides, and the bot reports a refusal truthfully. Through the real
adapter (kubernetes client over HTTP) and the pipeline with the offline interpreter."""
from __future__ import annotations

import pytest
import yaml

from bot.identity import Actor
from bot.policy import default_policy, loads_policy
from bot.policy.impersonation import NotMapped, identity_of
from tests.pipeline.pipeline_helpers import ALICE, BOB, CAROL, acted, ask
from tools.fleet.errors import FleetForbidden
from tools.fleet.impersonation import Identity, impersonating

READ = ["get", "list", "watch"]


def _policy(enabled: bool = True):
    data = default_policy().model_dump(mode="json", exclude={"source"})
    data["impersonation"] = {"enabled": enabled, "users": {
        "U0ALICE": {"user": "alice@corp", "groups": ["viewers"]},
        "U0BOB": {"user": "bob@corp", "groups": ["viewers", "fleet-admins"]},
        "U0CAROL": {"user": "carol@corp", "groups": ["viewers"]},
    }}
    return loads_policy(yaml.safe_dump(data))


@pytest.fixture
def hub_rbac(own):
    rbac = own[0].server.impersonation
    rbac.clear()
    rbac.allow("group:viewers", verbs=READ)
    rbac.allow("group:fleet-admins", verbs=["*"])
    yield rbac
    rbac.clear()


def test_impersonation_is_off_by_default():
    assert default_policy().impersonation.enabled is False
    assert identity_of(default_policy().impersonation, "U0ALICE") is None


def test_the_hub_receives_the_headers_and_denies_what_the_identity_may_not_do(own, hub_rbac):
    _, fleet = own
    with impersonating(Identity("carol@corp", ("viewers", "oncall")), fleet.hub.cluster):
        assert fleet.hub.list("MemberCluster")
        with pytest.raises(FleetForbidden) as denied:
            fleet.hub.merge_patch("ClusterResourcePlacement", "coder-assist", {"metadata": {"labels": {"x": "y"}}})
    seen = hub_rbac.seen
    assert (seen[0].user, seen[0].groups, seen[0].verb, seen[0].allowed) == (
        "carol@corp", ("viewers", "oncall"), "list", True)
    assert (seen[-1].verb, seen[-1].resource, seen[-1].allowed) == ("patch", "clusterresourceplacements", False)
    assert 'User "carol@corp" cannot patch resource "clusterresourceplacements"' in str(denied.value)
    fleet.hub.list("MemberCluster")  # outside the block: the bot's own identity, no header
    assert len(hub_rbac.seen) == len(seen)


def test_members_are_not_impersonated(own, hub_rbac):
    _, fleet = own
    member = next(iter(fleet.members.values()))
    with impersonating(Identity("carol@corp", ("viewers",)), fleet.hub.cluster):
        member.list("Node")
    assert hub_rbac.seen == []


def test_a_read_acts_as_the_requester(make_pipeline, hub_rbac):
    pipe = make_pipeline(policy=_policy())
    r = ask(pipe, "list clusters", who=ALICE)
    assert r.kind == "result"
    assert {s.user for s in hub_rbac.seen} == {"alice@corp"}


def test_a_stranger_gets_a_truthful_refusal_and_nothing_reaches_the_hub(make_pipeline, hub_rbac):
    pipe = make_pipeline(policy=_policy())
    r = ask(pipe, "list clusters", who=Actor("U0RANDOMGUEST"))
    assert r.kind == "error"
    assert "U0RANDOMGUEST has no Kubernetes identity" in r.text
    assert hub_rbac.seen == []
    with pytest.raises(NotMapped):
        identity_of(_policy().impersonation, "U0RANDOMGUEST")


def test_an_execution_acts_as_the_approver_and_the_hub_refusal_is_reported(make_pipeline, hub_rbac):
    pipe = make_pipeline(policy=_policy())
    r = ask(pipe, "deploy gemma 3 4b as gemma-imp1 on aks-westus3-staging-1", who=ALICE)
    assert r.kind == "change" and r.change.state == "pending"
    done = pipe.changes.approve(r.change.id, CAROL)  # carol may only read the hub
    assert acted(done)
    assert done.state == "failed"
    assert 'User "carol@corp" cannot' in done.outcome["message"]
    writes = [s for s in hub_rbac.seen if s.verb not in READ]
    assert writes and {s.user for s in writes} == {"carol@corp"}
    assert not any(s.allowed for s in writes)


def test_an_execution_by_an_approver_the_hub_allows_succeeds_as_them(make_pipeline, hub_rbac):
    pipe = make_pipeline(policy=_policy())
    r = ask(pipe, "deploy gemma 3 4b as gemma-imp2 on aks-westus3-staging-1", who=ALICE)
    done = pipe.changes.approve(r.change.id, BOB)
    assert acted(done) and done.state == "succeeded"
    writes = [s for s in hub_rbac.seen if s.verb not in READ]
    assert writes and {(s.user, s.allowed) for s in writes} == {("bob@corp", True)}
