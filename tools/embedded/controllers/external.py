"""Placements with ``spec.strategy.type: External`` (FLEET_API §4.1, §5.3, §7.2): the hub agent schedules them
and keeps one ClusterResourceBinding per picked cluster, but never rolls them out itself. A binding starts
``Scheduled`` with no resource snapshot; only a ClusterStagedUpdateRun points it at a snapshot and sets it
``Bound``, and only then does the member agent apply that snapshot's content and report back on the binding
(RolloutStarted/Overridden/WorkSynchronized/Applied/Available, observedGeneration = the binding's generation).
A cluster that is no longer picked gets its binding ``Unscheduled`` and keeps what it runs until an update
run's deletion stage deletes the binding. Resource snapshots are still cut when the selection changes, and a
ClusterSchedulingPolicySnapshot ``<crp>-<n>`` records the policy and the scheduler's decisions.
"""
from __future__ import annotations

import hashlib
import json
from typing import Protocol

from tools.embedded.conditions import find, make, merge, rfc3339
from tools.embedded.controllers import placement_status as pst
from tools.embedded.controllers import snapshots as snap
from tools.embedded.controllers.base import Key
from tools.embedded.controllers.index import ObjectIndex
from tools.embedded.crds import by_kind
from tools.embedded.errors import NotFound
from tools.embedded.store import ResourceType, Store
from tools.fleet import conventions as cv
from tools.messages import embedded_staged as smsg


class HubAgent(Protocol):
    """What this module uses of the hub agent (``kubefleet.KubeFleetController``): scheduling, reachability, the
    member apply and the record of where each placement has put things."""

    store: Store
    hub: str
    reader: ObjectIndex | Store
    crp_rt: ResourceType
    _mcs: dict[str, dict]
    _placed: dict[str, set[str]]

    def enqueue_after(self, delay: float, key: Key) -> None: ...
    def _schedule(self, crp: dict, mcs: dict[str, dict], old_ps: dict[str, dict]
                  ) -> tuple[list[str], list[tuple[str, str]], int]: ...
    def _reachable(self, cluster: str) -> bool: ...
    def _stale_minutes(self, cluster: str) -> int: ...
    def _lagging(self, crp: str, cluster: str, index: int, prev: dict | None) -> float | None: ...
    def _overrides(self, selected: list[dict]) -> list[dict]: ...
    def _apply(self, cluster: str, crp: str, selected: list[dict], labels: dict, overrides: list[dict],
               now: str, gen: int) -> tuple[list[dict], list[dict]]: ...
    def _remove(self, cluster: str, crp: str) -> None: ...

POLICY_INDEX_LABEL = "kubernetes-fleet.io/policy-index"
NUMBER_OF_CLUSTERS_ANNOTATION = "kubernetes-fleet.io/number-of-clusters"
CRP_GENERATION_ANNOTATION = "kubernetes-fleet.io/CRP-generation"


def is_external(crp: dict | None) -> bool:
    return (((crp or {}).get("spec") or {}).get("strategy") or {}).get("type") == "External"


def binding_type() -> ResourceType:
    return by_kind("ClusterResourceBinding", cv.PLACEMENT_GROUP)


def policy_snapshot_type() -> ResourceType:
    return by_kind("ClusterSchedulingPolicySnapshot", cv.PLACEMENT_GROUP)


def list_bindings(reader, hub: str, crp_name: str) -> list[dict]:
    return reader.list(hub, binding_type(), label_selector=f"{cv.PARENT_CRP_LABEL}={crp_name}")[0]


def list_policy_snapshots(reader, hub: str, crp_name: str) -> list[dict]:
    items = reader.list(hub, policy_snapshot_type(), label_selector=f"{cv.PARENT_CRP_LABEL}={crp_name}")[0]
    return sorted(items, key=policy_index)


def policy_index(obj: dict) -> int:
    try:
        return int(obj["metadata"]["labels"][POLICY_INDEX_LABEL])
    except (KeyError, ValueError):
        return -1


def latest_policy_snapshot(reader, hub: str, crp_name: str) -> dict | None:
    items = [p for p in list_policy_snapshots(reader, hub, crp_name)
             if p["metadata"]["labels"].get(cv.IS_LATEST_LABEL) == "true"]
    return items[-1] if items else None


def _policy_hash(crp: dict) -> str:
    policy = dict((crp.get("spec") or {}).get("policy") or {})
    policy.pop("numberOfClusters", None)  # left out of the hash (FLEET_API §4.1)
    return hashlib.sha256(json.dumps(policy, sort_keys=True).encode()).hexdigest()


def _owner_ref(crp: dict) -> dict:
    return {"apiVersion": crp.get("apiVersion") or snap.placement_type().api_version(),
            "kind": "ClusterResourcePlacement", "name": crp["metadata"]["name"], "uid": crp["metadata"]["uid"],
            "blockOwnerDeletion": True, "controller": True}


def ensure_policy_snapshot(store: Store, hub: str, crp: dict, targets: list[str], wanted: int, reader) -> dict:
    """The latest policy snapshot of ``crp``, cut anew when the policy's hash changed; its cluster count and
    scheduling decisions kept current."""
    rt = policy_snapshot_type()
    name = crp["metadata"]["name"]
    gen = int(crp["metadata"].get("generation", 1))
    digest = _policy_hash(crp)
    snaps = list_policy_snapshots(reader, hub, name)
    latest = next((s for s in reversed(snaps) if s["metadata"]["labels"].get(cv.IS_LATEST_LABEL) == "true"), None)
    if latest is None or latest["spec"].get("policyHash") != digest:
        limit = int((crp.get("spec") or {}).get("revisionHistoryLimit") or 10)
        indices = sorted({policy_index(s) for s in snaps})
        doomed = set(indices[: max(0, len(indices) - (limit - 1))])
        for s in snaps:
            if policy_index(s) in doomed:
                _delete_quietly(store, hub, rt, s["metadata"]["name"])
            elif s["metadata"]["labels"].get(cv.IS_LATEST_LABEL) == "true":
                s["metadata"]["labels"][cv.IS_LATEST_LABEL] = "false"
                store.replace(hub, rt, None, s["metadata"]["name"], s)
        index = policy_index(snaps[-1]) + 1 if snaps else 0
        spec: dict = {"policyHash": digest}
        if (crp.get("spec") or {}).get("policy"):
            spec["policy"] = crp["spec"]["policy"]
        latest = store.create(hub, rt, None, {
            "apiVersion": rt.api_version(), "kind": rt.kind,
            "metadata": {"name": f"{name}-{index}",
                         "labels": {cv.PARENT_CRP_LABEL: name, POLICY_INDEX_LABEL: str(index),
                                    cv.IS_LATEST_LABEL: "true"},
                         "annotations": {NUMBER_OF_CLUSTERS_ANNOTATION: str(wanted),
                                         CRP_GENERATION_ANNOTATION: str(gen)},
                         "ownerReferences": [_owner_ref(crp)]},
            "spec": spec,
        })
    annotations = latest["metadata"].setdefault("annotations", {})
    if annotations.get(NUMBER_OF_CLUSTERS_ANNOTATION) != str(wanted) or \
            annotations.get(CRP_GENERATION_ANNOTATION) != str(gen):
        annotations[NUMBER_OF_CLUSTERS_ANNOTATION] = str(wanted)
        annotations[CRP_GENERATION_ANNOTATION] = str(gen)
        latest = store.replace(hub, rt, None, latest["metadata"]["name"], latest)
    old = latest.get("status") or {}
    status = {
        "observedCRPGeneration": gen,
        "conditions": merge(old.get("conditions"), [make("Scheduled", "True", "Scheduled", "", gen)]),
        "targetClusters": [{"clusterName": c, "selected": True, "reason": smsg.SCHEDULED_REASON} for c in targets],
    }
    if status != old:
        latest["status"] = status
        latest = store.replace(hub, rt, None, latest["metadata"]["name"], latest, subresource="status")
    return latest


def _binding_name(crp: dict, cluster: str) -> str:
    suffix = hashlib.sha256(f'{crp["metadata"]["uid"]}/{cluster}'.encode()).hexdigest()[:8]
    return f'{crp["metadata"]["name"]}-{cluster}-{suffix}'


def _rolled_out(store: Store, hub: str, crp_name: str, prev: dict | None) -> str:
    """The snapshot a cluster already runs from before the placement became External ("" = none)."""
    index = (prev or {}).get("observedResourceIndex")
    if not index or (find(prev.get("conditions") if prev else None, "Applied") or {}).get("status") != "True":
        return ""
    name = f"{crp_name}-{index}-snapshot"
    try:
        store.get(hub, snap.snapshot_type(), None, name)
    except NotFound:
        return ""
    return name


def sync_bindings(store: Store, hub: str, crp: dict, targets: list[str], policy_name: str, reader,
                  old_ps: dict[str, dict] | None = None) -> dict[str, dict]:
    """One binding per target: a new one is ``Scheduled`` with no snapshot, or ``Bound`` to the snapshot the
    cluster was already running when the placement switched from RollingUpdate to External; bindings of
    clusters no longer picked become ``Unscheduled``. Returns every binding of the placement by cluster."""
    rt = binding_type()
    name = crp["metadata"]["name"]
    bindings = {b["spec"]["targetCluster"]: b for b in list_bindings(reader, hub, name)}
    for cluster in targets:
        b = bindings.get(cluster)
        if b is None:
            current = _rolled_out(store, hub, name, (old_ps or {}).get(cluster))
            bindings[cluster] = store.create(hub, rt, None, {
                "apiVersion": rt.api_version(), "kind": rt.kind,
                "metadata": {"name": _binding_name(crp, cluster), "labels": {cv.PARENT_CRP_LABEL: name},
                             "ownerReferences": [_owner_ref(crp)]},
                "spec": {"state": "Bound" if current else "Scheduled", "resourceSnapshotName": current,
                         "schedulingPolicySnapshotName": policy_name, "targetCluster": cluster,
                         "clusterDecision": {"clusterName": cluster, "selected": True,
                                             "reason": smsg.SCHEDULED_REASON}},
            })
        elif b["spec"].get("state") == "Unscheduled" or b["spec"].get("schedulingPolicySnapshotName") != policy_name:
            if b["spec"].get("state") == "Unscheduled":
                b["spec"]["state"] = "Scheduled"
            b["spec"]["schedulingPolicySnapshotName"] = policy_name
            bindings[cluster] = store.replace(hub, rt, None, b["metadata"]["name"], b)
    for cluster, b in list(bindings.items()):
        if cluster not in targets and b["spec"].get("state") != "Unscheduled":
            b["spec"]["state"] = "Unscheduled"
            bindings[cluster] = store.replace(hub, rt, None, b["metadata"]["name"], b)
    return bindings


def waiting(cluster: str, gen: int, now: str) -> dict:
    """Per-cluster placement status of a cluster no update run has reached yet."""
    return {"clusterName": cluster, "conditions": [
        make("Scheduled", "True", "Scheduled", f'Successfully scheduled resources for placement in "{cluster}": '
             f"{smsg.SCHEDULED_REASON}", gen, now),
        make("RolloutStarted", "False", "RolloutNotStartedYet", smsg.WAITING_FOR_RUN, gen, now)]}


def write_binding_status(store: Store, hub: str, binding: dict, ps: dict) -> None:
    """Report the member's per-cluster result on the binding (what the update run watches)."""
    gen = int(binding["metadata"].get("generation", 1))
    old = binding.get("status") or {}
    conds = [{**c, "observedGeneration": gen} for c in ps.get("conditions") or [] if c["type"] != "Scheduled"]
    status: dict = {"conditions": merge(old.get("conditions"), conds)}
    if ps.get("failedPlacements"):
        status["failedPlacements"] = ps["failedPlacements"]
    if status != old:
        binding["status"] = status
        store.replace(hub, binding_type(), None, binding["metadata"]["name"], binding, subresource="status")


def reconcile_external(ctl: HubAgent, crp: dict) -> None:
    store, hub, reader = ctl.store, ctl.hub, ctl.reader
    name = crp["metadata"]["name"]
    gen = int(crp["metadata"].get("generation", 1))
    now = rfc3339()
    selected = snap.select(store, hub, crp, reader)
    snap.ensure_snapshot(store, hub, crp, selected, reader)
    mcs = dict(ctl._mcs)
    old_status = crp.get("status") or {}
    old_ps = {ps.get("clusterName"): ps for ps in old_status.get("placementStatuses") or [] if ps.get("clusterName")}
    targets, failed, wanted = ctl._schedule(crp, mcs, old_ps)
    policy = ensure_policy_snapshot(store, hub, crp, targets, wanted, reader)
    bindings = sync_bindings(store, hub, crp, targets, policy["metadata"]["name"], reader, old_ps)
    statuses: list[dict] = []
    for cluster in targets:
        b = bindings[cluster]
        ps = _bound_status(ctl, crp, b, mcs, old_ps.get(cluster), gen, now)
        statuses.append(ps or waiting(cluster, gen, now))
    for cluster in sorted(ctl._placed.get(name, set()) - set(bindings)):
        if cluster not in mcs or ctl._reachable(cluster):  # its binding was deleted (deletion stage)
            ctl._remove(cluster, name)
            ctl._placed[name].discard(cluster)
    statuses += [pst.unscheduled(c, gen, message, now) for c, message in failed]
    new_status: dict = {"selectedResources": snap.identifiers(selected), "placementStatuses": statuses,
                        "conditions": pst.placement_conditions(statuses, wanted, gen, now)}
    indices = {ps.get("observedResourceIndex") for ps in statuses if ps.get("clusterName")}
    if len(indices) == 1 and None not in indices:
        new_status["observedResourceIndex"] = indices.pop()
    new_status = pst.with_transitions(old_status, new_status)
    if new_status != old_status:
        crp["status"] = new_status
        store.replace(hub, ctl.crp_rt, None, name, crp, subresource="status")


def _bound_status(ctl: HubAgent, crp: dict, b: dict, mcs: dict, prev: dict | None, gen: int,
                  now: str) -> dict | None:
    """Apply the binding's snapshot on its member (when bound and reachable) and return the per-cluster status."""
    spec = b["spec"]
    cluster, name = spec["targetCluster"], crp["metadata"]["name"]
    if spec.get("state") != "Bound" or not spec.get("resourceSnapshotName"):
        return None
    try:
        res = ctl.store.get(ctl.hub, snap.snapshot_type(), None, spec["resourceSnapshotName"])
    except NotFound:
        return None
    index = int(res["metadata"]["labels"].get(cv.RESOURCE_INDEX_LABEL, "0"))
    if not ctl._reachable(cluster):
        if prev and prev.get("observedResourceIndex") == str(index) and \
                (find(prev.get("conditions"), "Applied") or {}).get("status") == "True":
            return prev
        return pst.unreachable(cluster, index, gen, name, ctl._stale_minutes(cluster), now)
    wait = ctl._lagging(name, cluster, index, prev)
    if wait is not None:
        ctl.enqueue_after(wait, ("crp", name))
        return prev or pst.pending(cluster, index, gen, name, now)
    selected = res["spec"].get("selectedResources") or []
    labels = mcs[cluster]["metadata"].get("labels") or {}
    failures, used = ctl._apply(cluster, name, selected, labels, ctl._overrides(selected), now, gen)
    ctl._placed.setdefault(name, set()).add(cluster)
    if failures:
        ps = pst.apply_failed(cluster, index, gen, failures, failures[0]["condition"]["message"], now)
    else:
        ps = pst.applied(cluster, index, gen, name, used, now)
    write_binding_status(ctl.store, ctl.hub, b, ps)
    return ps


def delete_all(store: Store, hub: str, crp_name: str, reader) -> None:
    """A deleted placement takes its bindings and policy snapshots with it."""
    for b in list_bindings(reader, hub, crp_name):
        _delete_quietly(store, hub, binding_type(), b["metadata"]["name"])
    for p in list_policy_snapshots(reader, hub, crp_name):
        _delete_quietly(store, hub, policy_snapshot_type(), p["metadata"]["name"])


def _delete_quietly(store: Store, cluster: str, rt: ResourceType, name: str) -> None:
    try:
        store.delete(cluster, rt, None, name)
    except NotFound:
        pass
