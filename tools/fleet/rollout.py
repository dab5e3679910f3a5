"""Is a change rolled out on a cluster? Pure functions over the hub's placement status and snapshots.

A cluster is done with a hub change only when the ClusterResourcePlacement's per-cluster status refers
to a resource snapshot that holds the change (its ``observedResourceIndex`` is at least the first index
whose ``selectedResources`` contain the object as it is on the hub now) and its ``Applied`` and
``Available`` conditions are True for the placement's current generation (FLEET_API §4.2, §5.2). Until
then the status may still describe the previous snapshot: the member has not applied the change yet.
``Available`` says nothing about a KAITO model serving (not trackable), so where fleetops can read the
member, KAITO's own readiness is checked as well (the adapter does that).
"""
from __future__ import annotations

from tools.fleet import conventions as cv
from tools.fleet.models import ClusterDeploymentState
from tools.messages import fleet as text

HUB_VIEW = "HubView"  # reason of a Ready that rests on the hub's placement status only


def _content(obj: dict) -> dict:
    """What a snapshot must hold for ``obj`` to count as placed: everything but server metadata/status."""
    out = {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion")}
    out["labels"] = dict((obj.get("metadata") or {}).get("labels") or {})
    return out


def _same_object(a: dict, b: dict) -> bool:
    ma, mb = a.get("metadata") or {}, b.get("metadata") or {}
    return (a.get("kind"), ma.get("name"), ma.get("namespace")) == (b.get("kind"), mb.get("name"), mb.get("namespace"))


def snapshot_index(snapshots: list[dict], hub_obj: dict | None) -> int | None:
    """The first resource index whose snapshot holds ``hub_obj`` exactly as it is now (None: none yet)."""
    if hub_obj is None:
        return None
    want = _content(hub_obj)
    found = []
    for snap in snapshots:
        try:
            idx = int(((snap.get("metadata") or {}).get("labels") or {}).get(cv.RESOURCE_INDEX_LABEL, ""))
        except ValueError:
            continue
        if any(_same_object(r, hub_obj) and _content(r) == want
               for r in (snap.get("spec") or {}).get("selectedResources") or []):
            found.append(idx)
    return min(found) if found else None


def _cond(ps: dict, ctype: str) -> dict | None:
    return next((c for c in ps.get("conditions") or [] if c.get("type") == ctype), None)


def placement_state(crp: dict | None, cluster: str, index: int | None, name: str) -> ClusterDeploymentState:
    """One cluster as the hub reports it for the change held by snapshot ``index``."""
    def state(st: str, reason: str, message: str) -> ClusterDeploymentState:
        return ClusterDeploymentState(cluster=cluster, state=st, reason=reason, message=message)  # type: ignore[arg-type]

    if crp is None:
        return state("Pending", "NoPlacement", text.RO_NO_PLACEMENT)
    if index is None:
        return state("Pending", "NoSnapshotYet", text.RO_NO_SNAPSHOT.format(name=name))
    gen = int((crp.get("metadata") or {}).get("generation") or 0)
    ps = next((p for p in (crp.get("status") or {}).get("placementStatuses") or []
               if p.get("clusterName") == cluster), None)
    if ps is None:
        return state("Pending", "NotScheduled", text.RO_NOT_SCHEDULED)
    try:
        seen = int(ps.get("observedResourceIndex", ""))
    except ValueError:
        seen = -1
    if seen < index:
        return state("Pending", "OldSnapshot", text.RO_OLD_SNAPSHOT.format(seen=seen if seen >= 0 else "none",
                                                                         want=index))

    def current(c: dict | None, status: str) -> bool:
        return bool(c) and c.get("status") == status and int(c.get("observedGeneration", -1)) == gen  # type: ignore[union-attr]

    applied, available = _cond(ps, "Applied"), _cond(ps, "Available")
    if current(applied, "False"):
        failed: dict = next(iter(ps.get("failedPlacements") or []), {})
        why = ((failed.get("condition") or {}).get("message") or applied.get("message") or "")  # type: ignore[union-attr]
        return state("Failed", applied.get("reason") or "ApplyFailed", why)  # type: ignore[union-attr]
    if not current(applied, "True"):
        return state("Progressing", "ApplyPending", (applied or {}).get("message") or text.RO_NOT_APPLIED)
    if not current(available, "True"):
        return state("Progressing", "NotAvailable", (available or {}).get("message") or text.RO_NOT_AVAILABLE)
    return state("Ready", HUB_VIEW, text.RO_HUB_VIEW)


def hub_summary(deployment: str, namespace: dict | None, crp: dict | None, kaito: list[dict]) -> str:
    """What is on the hub for ``deployment`` now, in one sentence (for timeouts and failures)."""
    parts = []
    if namespace is not None:
        removing = bool((namespace.get("metadata") or {}).get("deletionTimestamp"))
        parts.append(text.RO_HUB_NAMESPACE.format(name=deployment, state=" (Terminating)" if removing else ""))
    for o in kaito:
        parts.append(f"{o['kind']} {o['metadata']['name']}")
    if crp is not None:
        clusters = ((crp.get("spec") or {}).get("policy") or {}).get("clusterNames") or []
        idx = (crp.get("status") or {}).get("observedResourceIndex")
        parts.append(text.RO_HUB_PLACEMENT.format(clusters=", ".join(clusters) or "-", index=idx or "-"))
    return text.RO_HUB_NOW.format(what="; ".join(parts) if parts else text.RO_HUB_NOTHING)
