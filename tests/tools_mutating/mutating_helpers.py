"""Helpers for the mutating-tool tests: plan and execute on an embedded fleet, check what the fleet then
holds (hub and members) against an expectation written by the test, and dry-run a plan's manifests.

Expectations come from the tests (demo-fleet.yaml + the arguments), not from the plan under test; the
catalog numbers come from the raw catalog YAML (``tests.snapshot_from_yaml``).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from tests.snapshot_from_yaml import demo_fleet_raw, nodes_per_replica
from tools import runner
from tools.executor import Executor, Outcome
from tools.fleet import conventions as cv
from tools.fleet.adapter import Fleet
from tools.plan import Plan

KINDS = ("Workspace", "InferenceSet")


def raw_deployment(name: str) -> dict:
    return next(d for d in demo_fleet_raw()["deployments"] if d["name"] == name)


@dataclass
class Expect:
    """What a deployment should look like once a change has rolled out."""

    deployment: str
    model: str
    replicas: int
    skus: dict[str, str]  # cluster -> instance type on that member
    kaito_name: str
    revision: int
    gone: list[str] = field(default_factory=list)  # KAITO objects that must have left hub and members
    freed: list[str] = field(default_factory=list)  # clusters the deployment must have left

    @property
    def kind(self) -> str:
        return cv.kaito_kind(self.replicas)


def execute(fleet: Fleet, plan: Plan, timeout: float = 20.0, **kw) -> tuple[Outcome, list]:
    """Dry-run the plan's manifests, then apply it; (outcome, progress events)."""
    assert_dry_run_accepts(fleet, plan)
    events: list = []
    out = Executor(fleet, timeout=timeout, poll=0.05).apply(plan, on_event=events.append, **kw)
    return out, events


def plan_and_run(emb, fleet: Fleet, tool: str, args, timeout: float = 20.0) -> tuple[Plan, Outcome, list]:
    plan = runner.plan(tool, args, fleet)
    out, events = execute(fleet, plan, timeout)
    emb.wait_idle()
    return plan, out, events


def _model_of(obj: dict) -> str:
    if obj["kind"] == "InferenceSet":
        return obj["spec"]["template"]["inference"]["preset"]["name"]
    return obj["inference"]["preset"]["name"]


def _sku_of(obj: dict) -> str:
    if obj["kind"] == "InferenceSet":
        return obj["spec"]["template"]["resource"]["instanceType"]
    return obj["resource"]["instanceType"]


def _ready(obj: dict) -> bool:
    kind = "InferenceSetReady" if obj["kind"] == "InferenceSet" else "WorkspaceSucceeded"
    return any(c["type"] == kind and c["status"] == "True" for c in (obj.get("status") or {}).get("conditions") or [])


def kaito_objects(kube, namespace: str) -> list[dict]:
    """The KAITO objects in ``namespace`` (not the Workspaces an InferenceSet made for its replicas)."""
    return [o for kind in KINDS for o in kube.list(kind, namespace)
            if not any(r.get("kind") == "InferenceSet" for r in o["metadata"].get("ownerReferences") or [])]


def check_rolled_out(fleet: Fleet, e: Expect, plan: Plan | None = None) -> None:
    """The hub and every member hold exactly the expected deployment (and nothing of what it replaced)."""
    hub = fleet.hub
    crp = hub.get("ClusterResourcePlacement", e.deployment)
    assert crp is not None, f"no placement for {e.deployment}"
    assert crp["spec"]["policy"]["placementType"] == "PickFixed"
    assert sorted(crp["spec"]["policy"]["clusterNames"]) == sorted(e.skus)
    objs = kaito_objects(hub, e.deployment)
    assert [o["metadata"]["name"] for o in objs] == [e.kaito_name], "hub KAITO objects"
    obj = objs[0]
    assert obj["kind"] == e.kind and _model_of(obj) == e.model
    if e.kind == "InferenceSet":
        assert obj["spec"]["replicas"] == e.replicas
    assert obj["metadata"]["labels"][cv.REVISION_LABEL] == str(e.revision)
    assert obj["metadata"]["labels"][cv.DEPLOYMENT_LABEL] == e.deployment
    for name in e.gone:
        assert all(o["metadata"]["name"] != name for o in objs)
    # overrides: only for the current object, and only where an instance type differs from the hub object's
    ros = hub.list("ResourceOverride", e.deployment)
    differs = {c: s for c, s in e.skus.items() if s != _sku_of(obj)}
    assert [r["metadata"]["name"] for r in ros] == ([f"{e.kaito_name}-sku"] if differs else []), "overrides"
    for ro in ros:
        assert [s["name"] for s in ro["spec"]["resourceSelectors"]] == [e.kaito_name]
    # members: the right object, instance type after overrides, replicas, ready, nodes held
    for cluster, sku in e.skus.items():
        member = fleet.members[cluster]
        here = kaito_objects(member, e.deployment)
        assert [o["metadata"]["name"] for o in here] == [e.kaito_name], (cluster, "member KAITO objects")
        m = here[0]
        assert (m["kind"], _model_of(m), _sku_of(m)) == (e.kind, e.model, sku), cluster
        if e.kind == "InferenceSet":
            assert m["spec"]["replicas"] == e.replicas
        assert _ready(m), (cluster, m.get("status"))
        nodes = member.list("Node", label_selector=f"{cv.KAITO_WORKSPACE_NAMESPACE_LABEL}={e.deployment}")
        assert len(nodes) == nodes_per_replica(e.model, sku) * e.replicas, (cluster, "nodes held")
        for n in nodes:
            labels = n["metadata"]["labels"]
            assert labels[cv.INSTANCE_TYPE_LABEL] == sku
            assert labels[cv.KAITO_WORKSPACE_LABEL].startswith(e.kaito_name)
    for cluster in e.freed:
        member = fleet.members[cluster]
        assert kaito_objects(member, e.deployment) == [], (cluster, "still holds the deployment")
        assert member.list("Node", label_selector=f"{cv.KAITO_WORKSPACE_NAMESPACE_LABEL}={e.deployment}") == []
    # the revision record: numbered, with the full manifests the plan applied
    rec = fleet.revisions(e.deployment)[-1]
    assert rec.revision == e.revision
    assert (rec.model, rec.replicas, sorted(rec.clusters)) == (e.model, e.replicas, sorted(e.skus))
    assert {c: rec.instance_types.get(c, rec.instance_type) for c in rec.clusters} == e.skus
    if plan is not None:
        assert rec.manifests == plan.manifests and rec.applied_at


def check_gone(fleet: Fleet, deployment: str, clusters: list[str]) -> None:
    """Nothing of ``deployment`` is left on the hub or on ``clusters``."""
    assert fleet.hub.get("ClusterResourcePlacement", deployment) is None
    assert fleet.hub.get("Namespace", deployment) is None
    for c in clusters:
        assert kaito_objects(fleet.members[c], deployment) == []
        assert fleet.members[c].list("Node", label_selector=f"{cv.KAITO_WORKSPACE_NAMESPACE_LABEL}={deployment}") == []


def plan_manifests(plan: Plan) -> list[dict]:
    """Every object the plan may apply: its final manifests, the switch-over steps and the undo steps."""
    out = list(plan.manifests)
    out += [s.manifest for s in plan.steps + plan.undo if s.kind in ("apply", "start_run") and s.manifest]
    return out


def assert_dry_run_accepts(fleet: Fleet, plan: Plan) -> int:
    """Server-side-apply dry run (dryRun=All, fieldValidation=Strict) of every manifest of ``plan`` on the
    hub (schema + CEL); KAITO objects also on a member, where KAITO's admission webhook runs (in the
    member's ``default`` namespace, since the deployment's namespace may not be there yet)."""
    member = fleet.members[sorted(fleet.members)[0]]
    n = 0
    for m in plan_manifests(plan):
        ns = m["metadata"].get("namespace")
        if ns and fleet.hub.get("Namespace", ns) is None:  # a create: its namespace is not there yet
            m = _in_default(m)
        fleet.hub.apply(m, dry_run=True)
        if m["kind"] in KINDS:
            member.apply(_in_default(m), dry_run=True)
        n += 1
    return n


def _in_default(m: dict) -> dict:
    out = copy.deepcopy(m)
    out["metadata"]["namespace"] = "default"
    return out
