"""Seed the embedded fleet's store from a ``FleetSpec``: the hub as KubeFleet and fleetops left it.

Writes, through the store (so through admission when it is on):
* every cluster: ``default``, ``kube-system``, ``fleet-system`` namespaces; members: their Nodes;
* hub: ``fleet-member-<name>`` and ``fleetops-system`` namespaces, one MemberCluster per member (with
  status, heartbeat = now; the fleet applies the file's heartbeat ages once the controllers settled);
* hub, per deployment: the history replayed revision by revision — Namespace, KAITO object (new
  object when model/instance type/kind changes, in-place replicas change otherwise), the CRP, and a
  ClusterResourceSnapshot cut by the same function KubeFleet's controller uses — then the revision
  ConfigMap ``fleetops-system/rev-<name>``.

Member-side state (placed namespaces, KAITO objects and their status, allocated nodes) is produced by
the simulated controllers; ``seed`` returns the file's per-cluster states to pin on the KAITO stand-in.
No ``hf-token`` Secret is written: gated models reference it, and it is expected to be pre-provisioned
per member (placing it would copy the token into every snapshot, FLEET_API §10.2).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.embedded import manifests as mf
from tools.embedded import members as mb
from tools.embedded.conditions import rfc3339
from tools.embedded.controllers import snapshots as snap
from tools.embedded.crds import by_kind
from tools.embedded.fleetspec import DeploymentSpec, FleetSpec, StatusSpec
from tools.embedded.store import CONFIGMAP, NAMESPACE, NODE, Store
from tools.fleet import conventions as cv


@dataclass
class SeedResult:
    # (cluster, namespace, KAITO workspace name, state) for the KAITO stand-in
    pins: list[tuple[str, str, str, StatusSpec]] = field(default_factory=list)
    # member -> minutes since its last heartbeat, per the fleet file
    heartbeat_ages: dict[str, float] = field(default_factory=dict)


def add_clusters(store: Store, spec: FleetSpec) -> None:
    store.add_cluster(spec.hub.name)
    for c in spec.clusters:
        store.add_cluster(c.name)


def _namespaces(store: Store, cluster: str, names: list[str]) -> None:
    for n in names:
        store.create(cluster, NAMESPACE, None, mf.namespace(n))


def seed_members(store: Store, spec: FleetSpec, now: datetime) -> None:
    for c in spec.clusters:
        _namespaces(store, c.name, ["default", "kube-system", "fleet-system"])
        for node in mb.nodes(c, now):
            store.create(c.name, NODE, None, node)


def seed_member_clusters(store: Store, spec: FleetSpec, now: datetime) -> None:
    hub = spec.hub.name
    rt = by_kind("MemberCluster", cv.CLUSTER_GROUP)
    for c in spec.clusters:
        created = store.create(hub, rt, None, mb.member_cluster(c, spec.labels))
        created["status"] = mb.member_cluster_status(c, now=now, generation=created["metadata"]["generation"])
        store.replace(hub, rt, None, c.name, created, subresource="status")


Pin = tuple[str, str, str, StatusSpec]


def seed_deployment(store: Store, hub: str, dep: DeploymentSpec, now: datetime, reader: Any = None) -> list[Pin]:
    """Replay the deployment's revisions on the hub; returns the pins for its non-Ready members. ``reader``:
    the controllers' ``ObjectIndex`` (a store scan per snapshot made seeding quadratic in deployments)."""
    crp_rt = snap.placement_type()
    history = mf.object_history(dep)
    store.create(hub, NAMESPACE, None, mf.deployment_namespace(dep.name))
    prev: mf.RevisionObject | None = None
    for ro in history:
        obj = mf.kaito_object(dep.name, ro)
        rt = by_kind(ro.kind, cv.KAITO_GROUP)
        if prev is None or ro.object_name != prev.object_name:
            store.create(hub, rt, dep.name, obj)
            if prev is not None:
                store.delete(hub, by_kind(prev.kind, cv.KAITO_GROUP), dep.name, prev.object_name)
        else:
            cur = store.get(hub, rt, dep.name, ro.object_name)
            store.replace(hub, rt, dep.name, ro.object_name, {**obj, "metadata": {
                **cur["metadata"], "labels": obj["metadata"]["labels"]}})
        if prev is None:  # created once, labelled with the current revision (its spec never changed)
            crp = store.create(hub, crp_rt, None, mf.placement(dep.name, dep.clusters, history[-1].spec.revision))
        snap.ensure_snapshot(store, hub, crp, snap.select(store, hub, crp, reader), reader)
        prev = ro
    n = len(history)
    records = [mf.revision_record(dep, ro, rfc3339(now - timedelta(days=3 * (n - i), hours=i)))
               for i, ro in enumerate(history)]
    store.create(hub, CONFIGMAP, cv.REVISIONS_NAMESPACE, mf.revisions_configmap(dep.name, records))
    last = history[-1]
    pins = []
    for cluster, state in dep.status.items():
        if state.state == "Ready":
            continue
        name = last.object_name if last.kind == "Workspace" else f"{last.object_name}-{last.spec.replicas - 1}"
        pins.append((cluster, dep.name, name, state))
    return pins


def seed(store: Store, spec: FleetSpec, now: datetime | None = None, reader: Any = None) -> SeedResult:
    """Everything but the controllers' work; run the controllers afterwards to place deployments."""
    now = now or datetime.now(UTC)
    add_clusters(store, spec)
    hub = spec.hub.name
    _namespaces(store, hub, ["default", "kube-system", "fleet-system", cv.REVISIONS_NAMESPACE]
                + [f"fleet-member-{c.name}" for c in spec.clusters if len(c.name) <= 50])
    seed_members(store, spec, now)
    seed_member_clusters(store, spec, now)
    result = SeedResult(heartbeat_ages={c.name: c.heartbeat_age_minutes for c in spec.clusters
                                        if c.heartbeat_age_minutes > 0})
    for dep in spec.deployments:
        result.pins += seed_deployment(store, hub, dep, now, reader)
    return result
