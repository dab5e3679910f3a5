"""Seed the embedded fleet *settled*: every object written in the form the replay and the controllers leave it.

``seed.seed`` replays each deployment's history through the store (admission on every write), then the simulated
KubeFleet and KAITO controllers place everything on the members: about 50 ms of CPU per member, minutes for a
fleet of thousands. ``seed_settled`` computes the same end state directly, with the same pure functions the
replay and the controllers use (the manifests and member builders, snapshot cutting and hashing, placement and
KAITO status builders, admission's defaulting) and inserts each object once (``Store.insert``: no admission, no
copies), then hands the controllers the bookkeeping they would have built, so that they start with nothing to do.

What is the same as the replay (``tests/embedded_fleet/test_settled.py`` compares both object by object): every
object, its labels, annotations, spec, status, generation and observedGeneration; snapshots (one per revision
whose selection changed, the latest labelled so); the revision ConfigMaps; the placed namespaces and KAITO objects
on members, their status, InferenceSet children and the GPU nodes they hold. What differs: uids,
resourceVersions, timestamps, and which of a pool's free nodes a workspace holds (the replay's order is that of
two controller threads racing; here workspaces claim nodes in placement-name order, each from the
lowest-named free nodes, as the KAITO stand-in does).
"""
from __future__ import annotations

import functools
import gc
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tools.catalog import default_catalog
from tools.embedded import manifests as mf
from tools.embedded import members as mb
from tools.embedded.conditions import rfc3339
from tools.embedded.controllers import kaito_status as ks
from tools.embedded.controllers import placement_status as pst
from tools.embedded.controllers import snapshots as snap
from tools.embedded.controllers.faults import Faults
from tools.embedded.controllers.kaito import ALLOCATION_ANNOTATION, fate_from
from tools.embedded.controllers.kubefleet import APPLIED_WORK_API, failure
from tools.embedded.crds import by_kind
from tools.embedded.fleetspec import DeploymentSpec, FleetSpec
from tools.embedded.schema import defaults
from tools.embedded.seed import SeedResult, add_clusters
from tools.embedded.store import CONFIGMAP, NAMESPACE, NODE, ResourceType, Store, new_uid, spec_part
from tools.fleet import conventions as cv
from tools.messages import embedded as msg


@functools.cache
def _workspace_type() -> ResourceType:
    return by_kind("Workspace", cv.KAITO_GROUP)


@dataclass
class KaitoState:
    """What the KAITO stand-in would have learnt while settling: each workspace's stage by uid, the
    workspaces short of GPU nodes, and (cluster, namespace, name) -> uid."""

    stages: dict[str, str] = field(default_factory=dict)
    short: set[tuple[str, str, str]] = field(default_factory=set)
    uid_of: dict[tuple[str, str, str], str] = field(default_factory=dict)


@dataclass
class Settled:
    result: SeedResult
    kaito: KaitoState


class _Members:
    """Free GPU nodes per (cluster, instance type), by name, and the Node objects (not yet inserted)."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, dict]] = {}  # cluster -> name -> Node
        self.free: dict[tuple[str, str], list[str]] = {}  # (cluster, sku) -> free node names, sorted

    def add(self, cluster: str, nodes: list[dict]) -> None:
        by_name = self.nodes.setdefault(cluster, {})
        for n in nodes:
            name = n["metadata"]["name"]
            by_name[name] = n
            labels = n["metadata"].get("labels") or {}
            sku = labels.get(cv.INSTANCE_TYPE_LABEL)
            if sku and cv.KAITO_WORKSPACE_LABEL not in labels:
                self.free.setdefault((cluster, sku), []).append(name)
        for sku in {(n["metadata"].get("labels") or {}).get(cv.INSTANCE_TYPE_LABEL) for n in nodes}:
            self.free.get((cluster, sku or ""), []).sort()


def seed_settled(store: Store, spec: FleetSpec, now: datetime | None = None,
                 faults: Faults | None = None) -> Settled:
    """Write the fleet as ``seed`` + settled controllers leave it (before the file's heartbeat ages apply).

    The cyclic garbage collector is off meanwhile (these objects hold no cycles: the collections a large seed
    triggers only walked the growing store, about a seventh of the time) and the seeded objects are frozen
    afterwards (they live as long as the fleet: later collections need not walk them)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _seed_settled(store, spec, now, faults)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _seed_settled(store: Store, spec: FleetSpec, now: datetime | None, faults: Faults | None) -> Settled:
    now = now or datetime.now(UTC)
    ts = rfc3339(now)
    hub = spec.hub.name
    add_clusters(store, spec)
    for n in ["default", "kube-system", "fleet-system", cv.REVISIONS_NAMESPACE] + \
            [f"fleet-member-{c.name}" for c in spec.clusters if len(c.name) <= 50]:
        _insert(store, hub, NAMESPACE, mf.namespace(n), ts)
    members = _Members()
    for c in spec.clusters:
        for n in ["default", "kube-system", "fleet-system"]:
            _insert(store, c.name, NAMESPACE, mf.namespace(n), ts)
        members.add(c.name, mb.nodes(c, now))
    mc_rt = by_kind("MemberCluster", cv.CLUSTER_GROUP)
    for c in spec.clusters:
        mc = mb.member_cluster(c, spec.labels)
        mc["status"] = mb.member_cluster_status(c, now=now, generation=1)
        _insert(store, hub, mc_rt, mc, ts)
    out = Settled(SeedResult(heartbeat_ages={c.name: c.heartbeat_age_minutes for c in spec.clusters
                                             if c.heartbeat_age_minutes > 0}), KaitoState())
    placed = []
    for dep in spec.deployments:
        pins, crp, latest = _hub_deployment(store, hub, dep, now)
        out.result.pins += pins
        placed.append((dep, crp, latest))
    fates = {(c, ns, name): fate_from(s) for c, ns, name, s in out.result.pins}
    for dep, crp, latest in sorted(placed, key=lambda p: p[0].name):  # the KubeFleet resync's order: by name
        _place(dep, crp, latest, store, members, fates, faults, out.kaito, ts)
    for cluster, nodes in members.nodes.items():
        for node in nodes.values():
            _insert(store, cluster, NODE, node, ts)
    return out


def _copy(value):
    """A deep copy of JSON-like data (dicts, lists, scalars): several times quicker than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _placed_copy(obj: dict) -> dict:
    """A snapshot's (stripped) object for one member: its own top level and metadata, the rest shared with the
    snapshot. Safe as the store's objects are never changed in place (``tools.embedded.store``), and defaulting
    finds nothing missing below the top level (the hub object was defaulted against the same CRD)."""
    out = dict(obj)
    meta = out["metadata"] = dict(obj["metadata"])
    for k in ("labels", "annotations"):
        if k in meta:
            meta[k] = dict(meta[k])
    return out


def _insert(store: Store, cluster: str, rt: ResourceType, obj: dict, ts: str, generation: int = 1,
            defaulted: bool = False) -> dict:
    """Store ``obj`` (owned by the store from now on) as admission would have defaulted it."""
    obj["apiVersion"] = rt.api_version()
    obj["kind"] = rt.kind
    if not defaulted:
        defaults(rt, obj)
    meta = obj["metadata"]
    if "uid" not in meta:
        meta["uid"] = new_uid()
    meta.setdefault("creationTimestamp", ts)
    meta["generation"] = generation
    return store.insert(cluster, rt, obj)


# --- the hub --------------------------------------------------------------------------------------------


def _hub_deployment(store: Store, hub: str, dep: DeploymentSpec, now: datetime) -> tuple[list, dict, dict]:
    """The replay of ``seed.seed_deployment`` computed: namespace, current KAITO object (its generation counting
    the in-place spec changes), the CRP, one snapshot per revision whose selection changed, the ConfigMap.
    Returns the pins for the KAITO stand-in, the CRP and its latest snapshot (as stored)."""
    ts = rfc3339(now)
    history = mf.object_history(dep)
    ns = mf.deployment_namespace(dep.name)
    defaults(NAMESPACE, ns)
    ns_stripped = snap.strip({**ns, "apiVersion": "v1", "kind": "Namespace"}, NAMESPACE)
    crp_rt = snap.placement_type()
    crp = mf.placement(dep.name, dep.clusters, history[-1].spec.revision)
    crp["metadata"]["uid"] = new_uid()
    defaults(crp_rt, crp)
    snaps: list[dict] = []  # (the snapshot CRs, by index)
    cur: dict | None = None
    gen = 1
    prev: mf.RevisionObject | None = None
    rt = crp_rt
    for ro in history:
        rt = by_kind(ro.kind, cv.KAITO_GROUP)
        obj = mf.kaito_object(dep.name, ro)
        obj["apiVersion"] = rt.api_version()
        defaults(rt, obj)
        if prev is None or ro.object_name != prev.object_name:
            gen = 1
        elif cur is not None and spec_part(obj) != spec_part(cur):
            gen += 1
        cur = obj
        selected = [ns_stripped, _copy(snap.strip(obj, rt, share=True))]
        digest = snap.resource_hash(selected)
        if not snaps or snaps[-1]["metadata"]["annotations"][cv.RESOURCE_HASH_ANNOTATION] != digest:
            if snaps:
                snaps[-1]["metadata"]["labels"][cv.IS_LATEST_LABEL] = "false"
            index = int(snaps[-1]["metadata"]["labels"][cv.RESOURCE_INDEX_LABEL]) + 1 if snaps else 0
            snaps.append(_snapshot(crp, index, selected, digest))
            limit = int(crp["spec"].get("revisionHistoryLimit") or 10)
            del snaps[: max(0, len(snaps) - limit)]
        prev = ro
    assert cur is not None and prev is not None  # (a deployment has at least one revision: FleetSpec)
    _insert(store, hub, NAMESPACE, ns, ts, defaulted=True)
    _insert(store, hub, rt, cur, ts, generation=gen, defaulted=True)
    _insert(store, hub, crp_rt, crp, ts, defaulted=True)  # (its status is written once placed: _place)
    for s in snaps:
        _insert(store, hub, snap.snapshot_type(), s, ts)
    n = len(history)
    records = [mf.revision_record(dep, ro, rfc3339(now - timedelta(days=3 * (n - i), hours=i)))
               for i, ro in enumerate(history)]
    _insert(store, hub, CONFIGMAP, mf.revisions_configmap(dep.name, records), ts)
    pins = []
    for cluster, state in dep.status.items():
        if state.state == "Ready":
            continue
        name = prev.object_name if prev.kind == "Workspace" else f"{prev.object_name}-{prev.spec.replicas - 1}"
        pins.append((cluster, dep.name, name, state))
    return pins, crp, snaps[-1]


def _snapshot(crp: dict, index: int, selected: list[dict], digest: str) -> dict:
    """``snapshots.ensure_snapshot``'s new ClusterResourceSnapshot."""
    rt = snap.snapshot_type()
    name = crp["metadata"]["name"]
    return {
        "apiVersion": rt.api_version(), "kind": rt.kind,
        "metadata": {
            "name": f"{name}-{index}-snapshot",
            "labels": {cv.PARENT_CRP_LABEL: name, cv.RESOURCE_INDEX_LABEL: str(index), cv.IS_LATEST_LABEL: "true"},
            "annotations": {cv.RESOURCE_HASH_ANNOTATION: digest, cv.NUMBER_OF_SNAPSHOTS_ANNOTATION: "1",
                            cv.NUMBER_OF_ENVELOPED_ANNOTATION: "0"},
            "ownerReferences": [{"apiVersion": crp.get("apiVersion") or snap.placement_type().api_version(),
                                 "kind": "ClusterResourcePlacement", "name": name, "uid": crp["metadata"]["uid"],
                                 "blockOwnerDeletion": True, "controller": True}],
        },
        "spec": {"selectedResources": selected},
    }


# --- the members: what the KubeFleet hub agent and the KAITO stand-in do on the first resync ---------------


def _place(dep: DeploymentSpec, crp: dict, latest: dict, store: Store, members: _Members, fates: dict,
           faults: Faults | None, kaito: KaitoState, ts: str) -> None:
    """The hub agent's first reconcile of a seeded CRP: its latest snapshot applied on each of its clusters
    (with the KAITO stand-in's work there), then its status."""
    crp_rt = snap.placement_type()
    index = int(latest["metadata"]["labels"][cv.RESOURCE_INDEX_LABEL])
    selected = latest["spec"]["selectedResources"]
    gen = int(crp["metadata"]["generation"])
    statuses = []
    for cluster in dep.clusters:  # (PickFixed; every member has joined and beats at this point)
        injected = faults.apply_failure(cluster, dep.name) if faults else None
        if injected and selected:
            fails = [failure(selected[0], injected, gen, ts)]
            statuses.append(pst.apply_failed(cluster, index, gen, fails, fails[0]["condition"]["message"], ts))
            continue
        work = pst.work_name(dep.name)
        owner = {"apiVersion": APPLIED_WORK_API, "kind": "AppliedWork", "name": work,
                 "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{cluster}/{work}")), "blockOwnerDeletion": False}
        for obj in selected:
            desired = _placed_copy(obj)
            desired["metadata"]["ownerReferences"] = [owner]
            rt = NAMESPACE if obj["kind"] == "Namespace" else by_kind(obj["kind"], cv.KAITO_GROUP)
            placed = _insert(store, cluster, rt, desired, ts)
            if rt.kind == "Workspace":
                _workspace(store, cluster, placed, members, fates, faults, kaito, ts)
            elif rt.kind == "InferenceSet":
                _inferenceset(store, cluster, rt, placed, members, fates, faults, kaito, ts)
        statuses.append(pst.applied(cluster, index, gen, dep.name, [], ts))
    status = {"selectedResources": snap.identifiers(selected), "observedResourceIndex": str(index),
              "placementStatuses": statuses,
              "conditions": pst.placement_conditions(statuses, len(dep.clusters), gen, ts)}
    crp["status"] = status  # (what ``pst.with_transitions`` makes of it against no old status)
    defaults(crp_rt, crp, "status")


def _workspace(store: Store, cluster: str, ws: dict, members: _Members, fates: dict, faults: Faults | None,
               kaito: KaitoState, ts: str) -> None:
    """``KaitoController._workspace`` on a new workspace with no readiness delay: claim nodes, write status."""
    meta = ws["metadata"]
    ns, name, uid = meta["namespace"], meta["name"], meta["uid"]
    kaito.uid_of[(cluster, ns, name)] = uid
    model = (((ws.get("inference") or {}).get("preset")) or {}).get("name", "")
    sku = (ws.get("resource") or {}).get("instanceType", "")
    entry = default_catalog().get(model) if model else None
    need = entry.nodes_on(sku) if entry else None
    if entry is None or need is None:
        reason, text = (("PresetNotFound", msg.KAITO_UNKNOWN_MODEL.format(model=model)) if entry is None else
                        ("InstanceTypeNotSupported", msg.KAITO_DOES_NOT_FIT.format(model=model, sku=sku)))
        ws["status"] = ks.workspace_failed(reason, text, need=None, gen=1, now=ts)
        defaults(_workspace_type(), ws, "status")
        return
    free = members.free.get((cluster, sku), [])
    if len(free) < need:
        kaito.short.add((cluster, ns, name))
        kaito.stages[uid] = "short"
        text = msg.KAITO_INSUFFICIENT.format(need=need, sku=sku, s="" if need == 1 else "s", free=len(free))
        ws["status"] = ks.workspace_failed("InsufficientGPUCapacity", text, need=need, gen=1, now=ts)
        defaults(_workspace_type(), ws, "status")
        return
    held, members.free[(cluster, sku)] = free[:need], free[need:]
    add = {cv.KAITO_WORKSPACE_LABEL: name, cv.KAITO_WORKSPACE_NAMESPACE_LABEL: ns}
    add.update(((ws.get("resource") or {}).get("labelSelector") or {}).get("matchLabels") or {})
    for node_name in held:
        node = members.nodes[cluster][node_name]
        labels = node["metadata"].setdefault("labels", {})
        fresh = [k for k in add if k not in labels]
        labels.update(add)
        node["metadata"].setdefault("annotations", {})[ALLOCATION_ANNOTATION] = ",".join(sorted(fresh))
    kaito.stages[uid] = "final"
    fate = fates.get((cluster, ns, name))
    if fate is None:
        deployment = (meta.get("labels") or {}).get(cv.DEPLOYMENT_LABEL) or ns
        fate = (faults.fate_for(cluster, deployment) if faults else None) or ks.READY
    status = ks.workspace_status("final", fate, need=need, sku=sku, nodes=sorted(held), gen=1, now=ts)
    ws["status"] = status  # (the controller merges its conditions with the old ones: there are none)
    defaults(_workspace_type(), ws, "status")


def _inferenceset(store: Store, cluster: str, rt: ResourceType, iset: dict, members: _Members, fates: dict,
                  faults: Faults | None, kaito: KaitoState, ts: str) -> None:
    """``KaitoController._inferenceset``: one child Workspace per replica, each settled, then the set's status."""
    ws_rt = _workspace_type()
    children = []
    for i in range(int((iset.get("spec") or {}).get("replicas", 1))):
        child = _insert(store, cluster, ws_rt, ks.child_workspace(iset, i), ts)
        _workspace(store, cluster, child, members, fates, faults, kaito, ts)
        children.append(child)
    status = ks.inferenceset_status(iset, children, ts)
    iset["status"] = status  # (merged with no old conditions: the same)
    defaults(rt, iset, "status")
