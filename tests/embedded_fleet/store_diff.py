"""Compare two embedded fleets' stores object by object, volatile fields normalised (``test_settled``).

Normalised: uids (each becomes the key of the object that has it, wherever it is referenced), resourceVersions,
timestamps (in any string), and which of a pool's nodes a workspace holds: the replay's node choice depends on
how two controller threads interleave, so a node's allocation labels are compared as the multiset of allocations
of its (cluster, instance type) pool, and node names in a workspace's status as ``<node>`` (each store is first
checked for consistency: every node a workspace lists carries that workspace's labels, and no other node does).
"""
from __future__ import annotations

import copy
import re

from tools.embedded.controllers.kaito import ALLOCATION_ANNOTATION
from tools.embedded.store import Store
from tools.fleet import conventions as cv

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
NODE_NAME = re.compile(r"aks-[a-z0-9]+-\d+-vmss\d{6}|ip-10-\d+-\d+-\d+\.[a-z0-9-]+\.compute\.internal")
ALLOCATION_KEYS = {cv.KAITO_WORKSPACE_LABEL, cv.KAITO_WORKSPACE_NAMESPACE_LABEL, "apps"}


def _walk(value, fn):
    if isinstance(value, dict):
        return {k: _walk(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, fn) for v in value]
    return fn(value)


def allocation_errors(store: Store) -> list[str]:
    """Workspaces whose listed worker nodes do not carry their labels, or nodes held by no listed workspace."""
    held: dict[tuple[str, str], tuple[str, str]] = {}  # (cluster, node) -> (ns, workspace) per the node's labels
    listed: dict[tuple[str, str], tuple[str, str]] = {}
    for (cluster, group, plural, ns, name), obj in list(store._objs.items()):
        if plural == "nodes":
            labels = obj["metadata"].get("labels") or {}
            if cv.KAITO_WORKSPACE_LABEL in labels:
                held[(cluster, name)] = (labels[cv.KAITO_WORKSPACE_NAMESPACE_LABEL], labels[cv.KAITO_WORKSPACE_LABEL])
        elif plural == "workspaces" and group == cv.KAITO_GROUP:
            for node in (obj.get("status") or {}).get("workerNodes") or []:
                listed[(cluster, node)] = (ns, name)
    return [f"{k}: held by {held.get(k)}, listed by {listed.get(k)}" for k in held.keys() | listed.keys()
            if held.get(k) != listed.get(k)]


def normalised(store: Store) -> dict:
    objs = {k: copy.deepcopy(o) for k, o in list(store._objs.items())}
    uids = {o["metadata"]["uid"]: "uid:" + "/".join(k) for k, o in objs.items() if o["metadata"].get("uid")}

    def scalar(v):
        if isinstance(v, str):
            if v in uids:
                return uids[v]
            return NODE_NAME.sub("<node>", TIME.sub("<time>", v)) if ("T" in v or "-" in v) else v
        return v

    out: dict = {}
    pools: dict[tuple[str, str], list] = {}
    for key, obj in objs.items():
        meta = obj["metadata"]
        meta.pop("resourceVersion", None)
        if key[2] == "nodes":
            labels = meta.get("labels") or {}
            alloc = {k: labels.pop(k) for k in list(labels) if k in ALLOCATION_KEYS}
            ann = (meta.get("annotations") or {}).pop(ALLOCATION_ANNOTATION, None)
            if not meta.get("annotations"):
                meta.pop("annotations", None)
            pools.setdefault((key[0], labels.get(cv.INSTANCE_TYPE_LABEL, "")), []).append(
                sorted([*alloc.items(), ("annotation", ann or "")]))
            out[key] = _walk(obj, lambda v: uids.get(v, TIME.sub("<time>", v)) if isinstance(v, str) else v)
            continue
        out[key] = _walk(obj, scalar)
    for pool, allocations in pools.items():
        out[("pool", *pool)] = sorted(allocations)
    return out


def differences(a: Store, b: Store, limit: int = 20) -> list[str]:
    """What differs between the two stores (empty: the same), at most ``limit`` lines."""
    na, nb = normalised(a), normalised(b)
    out = [f"only in the first: {k}" for k in sorted(na.keys() - nb.keys(), key=str)]
    out += [f"only in the second: {k}" for k in sorted(nb.keys() - na.keys(), key=str)]
    for k in sorted(na.keys() & nb.keys(), key=str):
        if na[k] != nb[k]:
            out.append(f"{k}: {_first_difference(na[k], nb[k])}")
    return out[:limit]


def _first_difference(a, b, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys(), key=str):
            if k not in a or k not in b:
                return f"{path}.{k}: {a.get(k, '<absent>')!r} != {b.get(k, '<absent>')!r}"
            if a[k] != b[k]:
                return _first_difference(a[k], b[k], f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {a!r} != {b!r}"
