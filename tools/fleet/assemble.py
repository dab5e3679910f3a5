"""Assemble a ``FleetSnapshot`` from raw hub objects and what the members said: pure, linear in the fleet.

The adapter fetches (directly, or from ``tools.fleet.cache``), this computes. Every lookup is a dict: one
deployment's namespace, revision record and ResourceOverrides are found by name, never by scanning (the
scans made 1,000 clusters with 5,000 deployments cost seconds of CPU per snapshot).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from tools.catalog import Catalog
from tools.fleet import conventions as cv
from tools.fleet import inventory as inv
from tools.fleet import rollout
from tools.fleet.models import Cluster, ClusterDeploymentState, Deployment, FleetSnapshot
from tools.messages import fleet as text

# the hub kinds a snapshot reads: (kind, namespace, label selector)
HUB_KINDS: tuple[tuple[str, str | None, str | None], ...] = (
    ("MemberCluster", None, None),
    ("ClusterResourcePlacement", None, None),
    ("Namespace", None, cv.DEPLOYMENT_LABEL),
    ("Workspace", None, cv.DEPLOYMENT_LABEL),
    ("InferenceSet", None, cv.DEPLOYMENT_LABEL),
    ("ConfigMap", cv.REVISIONS_NAMESPACE, None),
    ("ResourceOverride", None, cv.DEPLOYMENT_LABEL),
)


@dataclass
class HubObjects:
    """The hub objects of ``HUB_KINDS``, by kind."""

    by_kind: dict[str, list[dict]] = field(default_factory=dict)

    def of(self, kind: str) -> list[dict]:
        return self.by_kind.get(kind) or []


def _name(o: dict) -> str:
    return (o.get("metadata") or {}).get("name", "")


def placed_clusters(hub: HubObjects) -> set[str]:
    """Clusters some deployment's placement names (the only members whose KAITO status a snapshot shows)."""
    out: set[str] = set()
    for crp in hub.of("ClusterResourcePlacement"):
        out.update(((crp.get("spec") or {}).get("policy") or {}).get("clusterNames") or [])
    return out


def clusters_needing_nodes(hub: HubObjects) -> list[str]:
    """MemberClusters that report no GPU capacity (annotation or properties): only their Nodes tell."""
    return [_name(mc) for mc in hub.of("MemberCluster") if not inv.capacity_of(mc)]


# stands for a member whose KAITO status is still being read (``pending``) among a deployment's memo inputs
_PENDING = object()


def _state(cluster: str, deployment: str, primary: dict | None, member_objs: dict[tuple, dict] | None,
           crp: dict | None, pending: bool = False) -> ClusterDeploymentState:
    if member_objs is None:
        st = inv.state_from_placement(crp, cluster)
        if pending and st.reason == rollout.HUB_VIEW:  # said so: KAITO's own readiness is not known yet
            st = st.model_copy(update={"message": text.MEMBER_READ_PENDING})
        return st
    meta = (primary or {}).get("metadata") or {}
    obj = member_objs.get((deployment, meta.get("name"), (primary or {}).get("kind")))
    return inv.state_of(obj, cluster)


def _member_index(objs: list[dict] | None) -> dict[tuple, dict] | None:
    if objs is None:
        return None
    out: dict[tuple, dict] = {}
    for o in objs:
        meta = o.get("metadata") or {}
        out.setdefault((meta.get("namespace"), meta.get("name"), o.get("kind")), o)
    return out


T = TypeVar("T")


def _group(objs: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    out: dict[str, list[T]] = {}
    for o in objs:
        out.setdefault(key(o), []).append(o)
    return out


@dataclass
class Memo:
    """Deployments assembled before, each with the raw objects it was made from: a deployment whose objects
    are all the same ones (``is``; the cache replaces an object on every change) is reused as it was, with
    the nodes it uses. Kept by the fleet cache across snapshots; ``None`` (the direct path): no reuse."""

    deployments: dict[str, tuple[list[object], Deployment, dict[tuple[str, str], int]]] = field(default_factory=dict)
    # cluster name -> (its MemberCluster, its Nodes, its nodes in use, its deployments; the Cluster made of them):
    # while those stay the same only what time changes is worked out again (``inventory.cluster_at``)
    clusters: dict[str, tuple[tuple[object, object, dict[str, int], list[str]], Cluster, inv.Standing]] = field(
        default_factory=dict)


def _same(a: list[object], b: list[object]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


@dataclass
class Placed:
    """The deployments part of a snapshot: every deployment, the nodes they use per (cluster, instance type) and
    the deployments on each cluster (what the clusters part counts as used)."""

    deployments: list[Deployment]
    used: dict[tuple[str, str], int]
    on_cluster: dict[str, list[str]]


def assemble(hub: HubObjects, member_kaito: dict[str, list[dict] | None], member_nodes: dict[str, list[dict] | None],
             catalog: Catalog, now: datetime, memo: Memo | None = None,
             pending: Iterable[str] = ()) -> FleetSnapshot:
    """Clusters with GPU inventory and every deployment with per-cluster state.

    ``member_kaito[c]``: the KAITO objects member ``c`` reports (None or absent: the hub's placement status
    stands in); ``member_nodes[c]``: its Nodes, for MemberClusters without capacity properties; ``pending``:
    members whose KAITO status is being read (the hub's view stands in, and its message says so)."""
    placed = assemble_deployments(hub, member_kaito, catalog, memo, pending)
    return FleetSnapshot(clusters=assemble_clusters(hub.of("MemberCluster"), placed, member_nodes, catalog, now, memo),
                         deployments=placed.deployments)


def assemble_deployments(hub: HubObjects, member_kaito: dict[str, list[dict] | None], catalog: Catalog,
                         memo: Memo | None = None, pending: Iterable[str] = ()) -> Placed:
    """Every deployment with per-cluster state (``assemble``'s deployments part: no MemberCluster read)."""
    pending = set(pending)
    crps, nss = hub.of("ClusterResourcePlacement"), hub.of("Namespace")
    kaito = hub.of("Workspace") + hub.of("InferenceSet")
    cms = {_name(cm): cm for cm in hub.of("ConfigMap")}
    overrides = hub.of("ResourceOverride")
    crp_by_name = {_name(c): c for c in crps}
    ns_by_name = {_name(n): n for n in nss}
    ros_by_ns = _group(overrides, lambda o: (o.get("metadata") or {}).get("namespace") or "")
    kaito_by_dep = _group(kaito, lambda o: ((o["metadata"].get("labels") or {}).get(cv.DEPLOYMENT_LABEL)
                                            or o["metadata"].get("namespace")))
    dep_names = sorted(set(ns_by_name) | set(kaito_by_dep)
                       | {n for n, c in crp_by_name.items() if cv.DEPLOYMENT_LABEL in (c["metadata"].get("labels") or {})})
    members: dict[str, dict[tuple, dict] | None] = {}  # indexed when first needed

    def member(c: str) -> dict[tuple, dict] | None:
        if c not in members:
            members[c] = _member_index(member_kaito.get(c))
        return members[c]

    deployments: list[Deployment] = []
    used: dict[tuple[str, str], int] = {}
    on_cluster: dict[str, list[str]] = {}
    kept: dict[str, tuple[list[object], Deployment, dict[tuple[str, str], int]]] = {}
    for name in dep_names:
        crp = crp_by_name.get(name)
        objs = kaito_by_dep.get(name, [])
        clusters = list(((crp or {}).get("spec") or {}).get("policy", {}).get("clusterNames") or [])
        cm = cms.get(cv.revisions_configmap_name(name))
        dep_ros = ros_by_ns.get(name, [])
        inputs: list[object] = [crp, cm, ns_by_name.get(name), *objs, *dep_ros,
                                *(_PENDING if c in pending else member_kaito.get(c) for c in clusters)]
        before = memo.deployments.get(name) if memo is not None else None
        if before is not None and _same(before[0], inputs):
            dep, dep_used = before[1], before[2]
        else:
            revisions = inv.revision_history(cm)
            primary = inv.primary_kaito(objs)
            states = [_state(c, name, primary, member(c), crp, c in pending) for c in clusters]
            dep = inv.deployment_from(name, objs, crp, revisions, states, ns_by_name.get(name),
                                      (cm or {}).get("metadata", {}).get("resourceVersion"), dep_ros)
            dep_used = inv.used_nodes([(c, o) for c in clusters for o in objs], catalog, dep_ros)
        kept[name] = (inputs, dep, dep_used)
        deployments.append(dep)
        for c in clusters:
            on_cluster.setdefault(c, []).append(name)
        for key, n in dep_used.items():
            used[key] = used.get(key, 0) + n
    if memo is not None:
        memo.deployments = kept
    return Placed(deployments, used, on_cluster)


def deployment_of(kind: str, obj: dict) -> str | None:
    """The deployment whose assembly reads ``obj`` of hub kind ``kind`` (``assemble_deployments``' grouping);
    None for a MemberCluster (the clusters part reads those)."""
    meta = obj.get("metadata") or {}
    if kind in ("ClusterResourcePlacement", "Namespace"):
        return meta.get("name")
    if kind in ("Workspace", "InferenceSet"):
        return (meta.get("labels") or {}).get(cv.DEPLOYMENT_LABEL) or meta.get("namespace")
    if kind == "ResourceOverride":
        return meta.get("namespace") or ""
    if kind == "ConfigMap":
        prefix = cv.revisions_configmap_name("")
        name = meta.get("name") or ""
        return name[len(prefix):] if name.startswith(prefix) else None
    return None


def reassemble_deployments(before: Placed, names: Iterable[str], hub_of: Callable[[str], HubObjects],
                           member_kaito: dict[str, list[dict] | None], catalog: Catalog, memo: Memo,
                           pending: Iterable[str] = ()) -> Placed:
    """``before`` (made with ``memo``) with the deployments ``names`` assembled again from their own objects
    (``hub_of(name)``: the hub objects ``deployment_of`` gives that name), the rest as they were: the same
    ``Placed`` a full ``assemble_deployments`` gives, at the cost of the names (a few changes in a fleet of
    tens of thousands of deployments)."""
    names = set(names)
    sub_hub = HubObjects()
    for name in sorted(names):
        for kind, objs in hub_of(name).by_kind.items():
            sub_hub.by_kind.setdefault(kind, []).extend(objs)
    sub_memo = Memo(deployments={n: memo.deployments[n] for n in names if n in memo.deployments})
    sub = assemble_deployments(sub_hub, member_kaito, catalog, sub_memo, pending)
    used = dict(before.used)
    on_cluster = dict(before.on_cluster)
    touched: set[str] = set()
    by_name = {d.name: d for d in before.deployments}
    for n in names:
        old = memo.deployments.pop(n, None)
        by_name.pop(n, None)
        if old is None:
            continue
        for key, k in old[2].items():
            left = used.get(key, 0) - k
            if left:
                used[key] = left
            else:
                used.pop(key, None)
        touched.update(old[1].clusters)
    for n, entry in sub_memo.deployments.items():
        memo.deployments[n] = entry
        by_name[n] = entry[1]
        for key, k in entry[2].items():
            used[key] = used.get(key, 0) + k
        touched.update(entry[1].clusters)
    for c in touched:  # new lists: the clusters memo compares with the ones it was made from
        on = [n for n in (on_cluster.get(c) or []) if n not in names]
        on.extend(d.name for d in sub.deployments if c in d.clusters)
        if on:
            on_cluster[c] = sorted(on)
        else:
            on_cluster.pop(c, None)
    return Placed([by_name[n] for n in sorted(by_name)], used, on_cluster)


def assemble_clusters(mcs: list[dict], placed: Placed, member_nodes: dict[str, list[dict] | None],
                      catalog: Catalog, now: datetime, memo: Memo | None = None) -> list[Cluster]:
    """Clusters with GPU inventory as of ``now``, what ``placed`` uses of it counted (``assemble``'s clusters
    part); with a memo, a cluster whose inputs are the same objects is only brought to ``now``."""
    used, on_cluster = placed.used, placed.on_cluster
    used_on: dict[str, dict[str, int]] = {}
    for (c, sku), n in used.items():
        used_on.setdefault(c, {})[sku] = n
    clusters_out: list[Cluster] = []
    made: dict[str, tuple[tuple[object, object, dict[str, int], list[str]], Cluster, inv.Standing]] = {}
    for mc in sorted(mcs, key=_name):
        name = _name(mc)
        cl_inputs = (mc, member_nodes.get(name), used_on.get(name, {}), on_cluster.get(name, []))
        before_cl = memo.clusters.get(name) if memo is not None else None
        if before_cl is not None and _same_cluster(before_cl[0], cl_inputs):
            standing = before_cl[2]
            cl = inv.cluster_at(before_cl[1], standing, now)
        else:
            standing = inv.standing_of(mc)
            cl = inv.cluster_from(mc, catalog, used, cl_inputs[3], now, member_nodes.get(name))
        made[name] = (cl_inputs, cl, standing)
        clusters_out.append(cl)
    if memo is not None:
        memo.clusters = made
    return clusters_out


def _same_cluster(a: tuple[object, object, dict[str, int], list[str]],
                  b: tuple[object, object, dict[str, int], list[str]]) -> bool:
    return a[0] is b[0] and a[1] is b[1] and a[2] == b[2] and a[3] == b[3]
