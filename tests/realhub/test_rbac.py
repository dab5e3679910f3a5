"""The shipped RBAC (tools/data/rbac/fleetops-rbac.yaml) is complete and least-privilege: every (API group,
resource, verb, namespace) the fleet adapter asks the API server for during a full scenario — every read,
create, in-place update, blue/green, SKU override, rollback, partial and full undeploy, crash
reconcile, revision records, a staged rollout with its gates and a staged rollback — is granted, and no rule grants a verb nothing used."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from bot.lease import LeaseWriter
from tests.tools_mutating import staged_helpers
from tools import runner
from tools.args import AutoscaleArgs, CordonClusterArgs, DeployArgs, RollbackArgs, UncordonClusterArgs, UndeployArgs
from tools.executor import Executor
from tools.fleet import conventions as cv

RBAC = Path(__file__).resolve().parents[2] / "tools" / "data" / "rbac" / "fleetops-rbac.yaml"
STAGED = ["aks-centralindia-dev-1", "aks-westus3-staging-1", "aks-eastus-prod-1"]
SA = {"kind": "ServiceAccount", "name": "fleetops", "namespace": "fleetops-system"}


def _docs() -> list[dict]:
    return [d for d in yaml.safe_load_all(RBAC.read_text()) if d]


def _grants(docs: list[dict], role_names: set[str]) -> set[tuple[str, str, str, str | None]]:
    """(group, resource, verb, namespace or None for cluster-wide) the named roles grant."""
    out = set()
    for d in docs:
        if d["kind"] in ("ClusterRole", "Role") and d["metadata"]["name"] in role_names:
            ns = d["metadata"].get("namespace") if d["kind"] == "Role" else None
            for rule in d["rules"]:
                out |= {(g, r, v, ns) for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}
    return out


def _bound(docs: list[dict]) -> set[str]:
    """Roles bound to the ServiceAccount the file creates."""
    return {d["roleRef"]["name"] for d in docs if d["kind"] in ("ClusterRoleBinding", "RoleBinding")
            and any({k: s.get(k) for k in SA} == SA for s in d["subjects"])}


def _allowed(grants, group, resource, verb, namespace) -> bool:
    return (group, resource, verb, None) in grants or (namespace and (group, resource, verb, namespace) in grants)


def test_shipped_rbac_creates_and_binds_its_service_account():
    docs = _docs()
    assert any(d["kind"] == "ServiceAccount" and d["metadata"]["name"] == SA["name"]
               and d["metadata"]["namespace"] == SA["namespace"] for d in docs)
    assert {"fleetops-hub", "fleetops-revisions", "fleetops-member-reader"} <= _bound(docs)


@pytest.fixture
def recorded(fresh):
    emb, fleet = fresh
    calls: set = set()
    for kube in [fleet.hub, *fleet.members.values()]:
        kube.recorder = calls.add
    return emb, fleet, calls


def _run(fleet, tool, args):
    plan = runner.plan(tool, args, fleet)
    out = Executor(fleet, timeout=30, poll=0.05).apply(plan)
    assert out.status == "succeeded", out.message
    return plan


def test_every_call_of_a_full_scenario_is_granted_and_every_granted_verb_is_used(recorded):
    emb, fleet, calls = recorded
    fleet.hub.recorder = None  # the test's own write: a member whose GPU capacity must come from its Nodes
    fleet.hub.merge_patch("MemberCluster", "eks-us-east-1-prod-1",
                          {"metadata": {"annotations": {cv.GPU_CAPACITY_ANNOTATION: None}}})
    fleet.hub.recorder = calls.add
    assert fleet.get_cluster("eks-us-east-1-prod-1").gpus  # read from the member's Nodes
    cache = fleet.start_cache(wait=30)  # the fleet cache of serve and chat: list, then watch, each kind it reads
    for _ in range(600):
        if cache.watching():
            break
        time.sleep(0.05)
    assert fleet.snapshot().cluster("eks-us-east-1-prod-1").gpus  # served from the cache
    fleet.stop_cache()
    fleet.revisions("not-recorded")  # no records: falls back to KubeFleet's snapshots
    _run(fleet, "deploy", DeployArgs(model="phi-4-mini", name="rbac-new", clusters=["aks-westus3-staging-1"],
                                     replicas=2))  # a new InferenceSet
    _run(fleet, "rollback", RollbackArgs(deployment="gemma-staging"))  # InferenceSet → Workspace: deletes it
    _run(fleet, "deploy", DeployArgs(name="llama-support", replicas=3))  # in place
    _run(fleet, "autoscale", AutoscaleArgs(deployment="llama-support", min_replicas=2, max_replicas=3))  # an HPA
    _run(fleet, "autoscale", AutoscaleArgs(deployment="llama-support", enabled=False))  # deletes it
    _run(fleet, "cordon_cluster", CordonClusterArgs(name="aks-eastus-prod-1", reason="rbac check"))  # patch
    _run(fleet, "uncordon_cluster", UncordonClusterArgs(name="aks-eastus-prod-1"))
    plan = _run(fleet, "rollback", RollbackArgs(deployment="coder-assist"))  # blue/green, deletes the old side
    Executor(fleet).reconcile(plan)
    # one cluster without the deployment's instance type: a ResourceOverride; rolling back removes it
    _run(fleet, "deploy", DeployArgs(name="phi4-chat", clusters=["aks-eastus-prod-1", "aks-swedencentral-prod-1"]))
    _run(fleet, "rollback", RollbackArgs(deployment="phi4-chat"))
    _run(fleet, "undeploy", UndeployArgs(deployment="gemma-staging", clusters=["aks-northeurope-staging-1"]))
    _run(fleet, "undeploy", UndeployArgs(deployment="mistral-eu"))  # deletes placement and namespace
    # a staged rollout: External placement, strategy, run, a gate approved (status subresource), a gate
    # rejected (the run stopped), then a staged rollback (runs listed, snapshots listed, pinned run)
    _run(fleet, "deploy", DeployArgs(model="mistral-7b-instruct", name="mistral-all", clusters=STAGED))
    stops = iter([staged_helpers.approve, lambda f, g: f.stop_run(g["run"], "rbac check")])
    staged = runner.plan("deploy", DeployArgs(name="mistral-all", model="ministral-3-8b-instruct",
                                              stages=["dev", "staging", "prod"]), fleet)
    assert staged_helpers.Gatekeeper(fleet, staged, lambda f, g: next(stops)(f, g)).run().status == "failed"
    back = runner.plan("rollback", RollbackArgs(deployment="mistral-all", stages=["dev", "staging", "prod"]), fleet)
    assert staged_helpers.Gatekeeper(fleet, back, staged_helpers.approve).run().status == "succeeded"
    _run(fleet, "undeploy", UndeployArgs(deployment="mistral-all"))  # deletes its runs and strategies too
    writer = LeaseWriter(fleet, "rbac-check", duration=30)  # the one-writer Lease: create, get, update (renew)
    assert writer.step() and writer.step()
    emb.wait_idle()

    docs = _docs()
    hub_grants = _grants(docs, {"fleetops-hub", "fleetops-revisions"})
    member_grants = _grants(docs, {"fleetops-member-reader"})
    used = {"hub": set(), "member": set()}
    for cluster, group, resource, verb, namespace in sorted(calls, key=str):
        side = "hub" if cluster == emb.hub else "member"
        grants = hub_grants if side == "hub" else member_grants
        assert _allowed(grants, group, resource, verb, namespace), (side, group, resource, verb, namespace)
        used[side] |= {(group, resource, verb, None), (group, resource, verb, namespace)}
    assert hub_grants - used["hub"] == set(), "hub rules grant verbs nothing used"
    assert member_grants - used["member"] == set(), "member rules grant verbs nothing used"
