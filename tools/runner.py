"""What a mutating tool's handler reads from the live fleet before planning, and ``plan()`` for scripts.

``live_inputs(ctx, deployment)`` gives the snapshot and the hub objects an update builds on (its KAITO
object and ResourceOverride); with ``retired=True`` the snapshot also holds a deployment that was removed
from every cluster but whose revision record remains (so a rollback can bring it back). Nothing here
writes: applying a plan is the executor's job, after approval.

``plan(name, args, fleet)`` plans any mutating tool of the ``tools`` package through the registry's
dispatcher (tests and scripts; the bot dispatches through ``bot.toolbox``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.catalog import Catalog
from tools.context import ToolContext
from tools.fleet import conventions as cv
from tools.fleet import inventory as inv
from tools.fleet.models import Deployment, FleetSnapshot
from tools.plan import Plan
from tools.registry import Registry

if TYPE_CHECKING:  # the adapter imports the kubernetes client; tools declare themselves without it
    from tools.fleet.adapter import Fleet


def _fleet(ctx: ToolContext) -> Fleet:
    if ctx.fleet is None:
        raise RuntimeError("a mutating tool plans against the live fleet, and the context has none")
    return ctx.fleet


def live_objects(fleet: Fleet, snap: FleetSnapshot, deployment: str | None) -> dict:
    """The hub KAITO object and its ResourceOverride of a deployment (for in-place updates), its placement, and
    when that is External (rolled out in stages once) the names of its update runs (``tools.staged_direct``)."""
    dep = snap.deployment(deployment) if deployment else None
    if dep is None or not dep.kaito_name:
        return {}
    kaito = fleet.hub.get(dep.kaito_kind, dep.kaito_name, dep.name)
    override = fleet.hub.get("ResourceOverride", f"{dep.kaito_name}-sku", dep.name)
    crp = fleet.hub.get("ClusterResourcePlacement", dep.name)
    out: dict = {"kaito": kaito, "override": override, "crp": crp}
    if (((crp or {}).get("spec") or {}).get("strategy") or {}).get("type") == "External":
        out["runs"] = fleet.update_runs(dep.name)
    return out


def with_retired(fleet: Fleet, snap: FleetSnapshot, deployment: str | None) -> FleetSnapshot:
    """``snap`` plus ``deployment`` when it was removed from every cluster but its revision record remains
    (no clusters, no hub objects), so that a rollback can bring it back."""
    if not deployment or snap.deployment(deployment) is not None:
        return snap
    cm_name = cv.revisions_configmap_name(deployment)
    cm = fleet.hub.get("ConfigMap", cm_name, cv.REVISIONS_NAMESPACE)
    revisions = inv.revisions_from_configmap(cm)
    if not revisions:
        return snap
    last = revisions[-1]
    retired = Deployment(
        name=deployment, model=last.model, instance_type=last.instance_type, replicas=last.replicas,
        revision=last.revision, clusters=[], revisions=revisions, kaito_kind=cv.kaito_kind(last.replicas),
        resource_versions={f"Namespace/{deployment}": None, f"ClusterResourcePlacement/{deployment}": None,
                           f"ConfigMap/{cv.REVISIONS_NAMESPACE}/{cm_name}": inv.version_token(cm)})
    return snap.model_copy(update={"deployments": [*snap.deployments, retired]})


def live_inputs(ctx: ToolContext, deployment: str | None, *, retired: bool = False) -> tuple[FleetSnapshot, dict]:
    """(snapshot, live hub objects of ``deployment``) for a mutating tool's pure ``plan``."""
    fleet = _fleet(ctx)
    snap = ctx.snapshot()
    if retired:
        snap = with_retired(fleet, snap, deployment)
    return snap, live_objects(fleet, snap, deployment)


def plan(name: str, args: Any, fleet: Fleet, snap: FleetSnapshot | None = None,
         catalog: Catalog | None = None) -> Plan:
    """Compute the plan of the ``tools`` package's mutating tool ``name`` from the live fleet (no writes)."""
    tools = Registry.discover("tools")
    if not tools.get(name).mutating:
        raise ValueError(f"'{name}' is a read-only tool: it has no plan")
    ctx = ToolContext(catalog=catalog or fleet.catalog, fleet=fleet, _snapshot=snap)
    result: Plan = tools.run(name, args, ctx)
    return result
