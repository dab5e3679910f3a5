"""What a ClusterResourcePlacement selects on the hub, and its ClusterResourceSnapshots (FLEET_API §5.2).

Shared by the simulated KubeFleet hub agent and the seed (which replays a deployment's history through
``ensure_snapshot`` so that seeded snapshots are exactly what the controller would have cut).
"""
from __future__ import annotations

import copy
import hashlib
import json

from tools.embedded.controllers.matching import selector_matches
from tools.embedded.crds import by_kind, load_types
from tools.embedded.errors import NotFound
from tools.embedded.store import NAMESPACE, ResourceType, Store
from tools.fleet import conventions as cv

FLEET_GROUPS = (cv.PLACEMENT_GROUP, cv.CLUSTER_GROUP)
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def snapshot_type() -> ResourceType:
    return by_kind("ClusterResourceSnapshot", cv.PLACEMENT_GROUP)


def placement_type() -> ResourceType:
    return by_kind("ClusterResourcePlacement", cv.PLACEMENT_GROUP)


def selectable_types() -> list[ResourceType]:
    """Namespaced kinds a namespace-wide selection carries: everything but KubeFleet's own kinds."""
    return sorted((rt for rt in load_types().values() if rt.namespaced and rt.group not in FLEET_GROUPS),
                  key=lambda rt: (rt.group, rt.kind))


def reserved_namespace(name: str) -> bool:
    return name == "default" or name.startswith(("kube-", "fleet-"))


def strip(obj: dict, rt: ResourceType | None = None, *, share: bool = False) -> dict:
    """The object as a snapshot holds it: no status, no server-set metadata. ``share``: the result shares the
    object's values (no copy), to compare only."""
    meta = obj.get("metadata") or {}
    out = {k: (v if share else copy.deepcopy(v)) for k, v in obj.items() if k not in ("metadata", "status")}
    if rt is not None:
        out["apiVersion"] = rt.api_version()
    m: dict = {"name": meta["name"]}
    if meta.get("namespace"):
        m["namespace"] = meta["namespace"]
    if meta.get("labels"):
        m["labels"] = dict(meta["labels"])
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    if annotations:
        m["annotations"] = annotations
    out["metadata"] = m
    return out


def selected_namespaces(store: Store, hub: str, crp: dict, reader=None) -> list[tuple[str, bool]]:
    """(namespace, with its resources) for every Namespace selector of the placement."""
    out: dict[str, bool] = {}
    all_ns = None
    for sel in (crp.get("spec") or {}).get("resourceSelectors") or []:
        if sel.get("kind") != "Namespace" or sel.get("group", "") != "":
            continue
        with_resources = sel.get("selectionScope", "NamespaceWithResources") != "NamespaceOnly"
        if sel.get("name"):
            names = [sel["name"]]
        else:
            if all_ns is None:
                all_ns = (reader or store).list(hub, NAMESPACE)[0]
            names = [n["metadata"]["name"] for n in all_ns
                     if selector_matches(sel.get("labelSelector") or {}, n["metadata"].get("labels"))]
        for n in names:
            if not reserved_namespace(n):
                out[n] = out.get(n, False) or with_resources
    return sorted(out.items())


def select(store: Store, hub: str, crp: dict, reader=None) -> list[dict]:
    """The stripped hub objects the placement selects: namespaces first, then their contents."""
    reader = reader or store
    namespaces, contents = [], []
    for ns, with_resources in selected_namespaces(store, hub, crp, reader):
        try:
            namespaces.append(strip(store.peek(hub, NAMESPACE, None, ns), NAMESPACE))
        except NotFound:
            continue
        if with_resources:
            for rt in selectable_types():
                contents += [strip(o, rt) for o in reader.scan(hub, rt, namespace=ns)[0]]  # (strip copies)
    contents.sort(key=lambda o: (o["apiVersion"], o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]))
    return namespaces + contents


def resource_hash(selected: list[dict]) -> str:
    raw = json.dumps(selected, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()


def identifiers(selected: list[dict]) -> list[dict]:
    """``status.selectedResources`` entries."""
    out = []
    for o in selected:
        group, _, version = o["apiVersion"].rpartition("/")
        ident = {"group": group, "version": version, "kind": o["kind"], "name": o["metadata"]["name"]}
        if o["metadata"].get("namespace"):
            ident["namespace"] = o["metadata"]["namespace"]
        out.append(ident)
    return out


def list_snapshots(store: Store, hub: str, crp_name: str, reader=None, *, share: bool = False) -> list[dict]:
    """The placement's snapshots by index (copies; ``share``: the stored objects themselves, to read only)."""
    read = (reader or store).scan if share else (reader or store).list
    snaps = read(hub, snapshot_type(), label_selector=f"{cv.PARENT_CRP_LABEL}={crp_name}")[0]
    return sorted(snaps, key=_index)


def _index(snap: dict) -> int:
    try:
        return int(snap["metadata"]["labels"][cv.RESOURCE_INDEX_LABEL])
    except (KeyError, ValueError):
        return -1


def latest_index(store: Store, hub: str, crp_name: str, reader=None) -> int | None:
    snaps = list_snapshots(store, hub, crp_name, reader, share=True)
    latest = [s for s in snaps if s["metadata"]["labels"].get(cv.IS_LATEST_LABEL) == "true"] or snaps
    return _index(latest[-1]) if latest else None


def ensure_snapshot(store: Store, hub: str, crp: dict, selected: list[dict], reader=None) -> int:
    """Index of the latest snapshot, cutting a new one when the selection's hash changed."""
    rt = snapshot_type()
    name = crp["metadata"]["name"]
    digest = resource_hash(selected)
    snaps = list_snapshots(store, hub, name, reader, share=True)  # (read only: one is copied to be changed)
    latest = [s for s in snaps if s["metadata"]["labels"].get(cv.IS_LATEST_LABEL) == "true"]
    if latest and (latest[-1]["metadata"].get("annotations") or {}).get(cv.RESOURCE_HASH_ANNOTATION) == digest:
        return _index(latest[-1])
    new_index = _index(snaps[-1]) + 1 if snaps else 0
    limit = int((crp.get("spec") or {}).get("revisionHistoryLimit") or 10)
    indices = sorted({_index(s) for s in snaps})
    doomed = set(indices[: max(0, len(indices) - (limit - 1))])
    for s in snaps:
        if _index(s) in doomed:
            _delete_quietly(store, hub, rt, s["metadata"]["name"])
        elif s["metadata"]["labels"].get(cv.IS_LATEST_LABEL) == "true":
            s = {**s, "metadata": {**s["metadata"], "labels": {**s["metadata"]["labels"],
                                                                 cv.IS_LATEST_LABEL: "false"}}}
            store.replace(hub, rt, None, s["metadata"]["name"], s)
    store.create(hub, rt, None, {
        "apiVersion": rt.api_version(),
        "kind": rt.kind,
        "metadata": {
            "name": f"{name}-{new_index}-snapshot",
            "labels": {cv.PARENT_CRP_LABEL: name, cv.RESOURCE_INDEX_LABEL: str(new_index),
                       cv.IS_LATEST_LABEL: "true"},
            "annotations": {cv.RESOURCE_HASH_ANNOTATION: digest, cv.NUMBER_OF_SNAPSHOTS_ANNOTATION: "1",
                            cv.NUMBER_OF_ENVELOPED_ANNOTATION: "0"},
            "ownerReferences": [{"apiVersion": crp.get("apiVersion") or placement_type().api_version(),
                                 "kind": "ClusterResourcePlacement", "name": name,
                                 "uid": crp["metadata"]["uid"], "blockOwnerDeletion": True,
                                 "controller": True}],
        },
        "spec": {"selectedResources": selected},
    })
    return new_index


def delete_snapshots(store: Store, hub: str, crp_name: str, reader=None) -> None:
    rt = snapshot_type()
    for s in list_snapshots(store, hub, crp_name, reader):
        _delete_quietly(store, hub, rt, s["metadata"]["name"])


def _delete_quietly(store: Store, cluster: str, rt: ResourceType, name: str, namespace: str | None = None) -> None:
    try:
        store.delete(cluster, rt, namespace, name)
    except NotFound:
        pass
