"""``move``: take a deployment off some clusters and onto others, make before break. Pure planning.

``from_clusters`` (default: every cluster it runs on) must be clusters it runs on; ``to_clusters`` must be
clusters of the fleet it does not run on yet, and all of them must be able to take it (each one that cannot
is named with the reason). Without ``to_clusters`` the placement picks one replacement for each cluster left,
honouring geo / region / environment / provider / gpu / prefer, in the deployment's own environment unless
``environment`` is given, never a cluster it already runs on; each replacement says why it was chosen.

The model, replicas and the instance types on the clusters it keeps do not change, so the KAITO object
stays: the placement first covers old and new clusters, the new copies must become ready, and only then
does the placement shrink (per-cluster blue/green: ``tools.change``). If a new copy fails, the undo puts
the placement back and the old copies keep serving. A move never touches a cluster it was not asked to
leave; the plan's intent says which it leaves, which it gains and which it keeps.
"""
from __future__ import annotations

from tools import change, plan_text, staged_direct
from tools.args import MoveArgs
from tools.catalog import Catalog, default_catalog
from tools.context import ToolContext
from tools.errors import InvalidRequest, UnknownName
from tools.fleet.models import Deployment, FleetSnapshot
from tools.messages import plans as M
from tools.placement import plan_placement
from tools.plan import Intent, Plan
from tools.registry import Tool
from tools.runner import live_inputs
from tools.targets import known, left_out, own_environment, place_named, reasons

FILTERS = ("geo", "region", "environment", "provider", "gpu", "prefer")


def _leaving(args: MoveArgs, dep: Deployment, snap: FleetSnapshot) -> list[str]:
    if not dep.clusters:
        raise InvalidRequest(M.MOVE_NOWHERE.format(deployment=dep.name))
    leaving = list(args.from_clusters or dep.clusters)
    known(snap, leaving)
    foreign = [c for c in leaving if c not in dep.clusters]
    if foreign:
        raise InvalidRequest(M.NOT_ON_CLUSTERS.format(deployment=dep.name, clusters=", ".join(foreign),
                                                      current=", ".join(dep.clusters)))
    return sorted(leaving)


def _replacements(args: MoveArgs, dep: Deployment, leaving: list[str], snap: FleetSnapshot,
                  catalog: Catalog) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(new cluster -> instance type, new cluster -> why, left out -> reason)."""
    filters = {k: getattr(args, k) for k in FILTERS if getattr(args, k) is not None}
    if args.to_clusters:
        to = list(args.to_clusters)
        known(snap, to)
        already = [c for c in to if c in dep.clusters]
        if already:
            raise InvalidRequest(M.ALREADY_ON.format(deployment=dep.name, clusters=", ".join(already),
                                                     todo=M.ALREADY_ON_MOVE))
        return place_named(snap, catalog, dep.model, dep.replicas, to, filters), {}, {}
    p = plan_placement(snap, catalog, model=dep.model, replicas=dep.replicas, count=len(leaving),
                       exclude=tuple(dep.clusters), **own_environment(filters, dep, snap))
    p.require()
    return {c.cluster: c.instance_type for c in p.chosen}, reasons(p), left_out(p)


def plan(args: MoveArgs, snap: FleetSnapshot, catalog: Catalog | None = None, live: dict | None = None) -> Plan:
    """``live``: {"kaito": the hub KAITO object, "override": its ResourceOverride, "crp": its placement, "runs": its
    update runs when the placement is External} (see ``tools.runner``)."""
    catalog = catalog or default_catalog()
    dep = snap.deployment(args.deployment)
    if dep is None:
        raise UnknownName.among("deployment", args.deployment, [d.name for d in snap.deployments])
    leaving = _leaving(args, dep, snap)
    skus, why, out = _replacements(args, dep, leaving, snap, catalog)
    kept = [c for c in dep.clusters if c not in leaving]
    target = change.Target(dep.model, dep.replicas, {**{c: dep.instance_type_on(c) for c in kept}, **skus})
    live = live or {}
    p = change.build("move", args.given(), dep.name, dep, target, snap, catalog, live.get("kaito"),
                     live.get("override"))
    gained = list(skus)  # in the placement's order: the first replaces the first cluster left, ...
    pairs = dict(zip(gained, leaving, strict=True)) if len(gained) == len(leaving) else {}
    for a in p.actions:
        if a.cluster in skus:
            a.detail = M.ACTION_MOVE_IN.format(old=pairs.get(a.cluster, plan_text.names(leaving)),
                                               detail=why.get(a.cluster, a.detail))
        elif a.cluster in leaving:
            a.detail = M.ACTION_MOVE_OUT.format(new=plan_text.names(gained))
    p.summary = M.PLAN_MOVE.format(deployment=dep.name, from_clusters=", ".join(leaving),
                                   to_clusters=plan_text.names(gained))
    p.left_out = out
    resolved = {**args.given(), "deployment": dep.name, "from_clusters": leaving, "to_clusters": sorted(gained)}
    text = M.INTENT_MOVE.format(deployment=dep.name, from_clusters=", ".join(leaving),
                                to_clusters=plan_text.names(gained)) + plan_text.keeps(kept)
    p.intent = Intent(text=text, args=resolved)
    # rolled out in stages before (External): carried out through a gate-less update run (tools.staged_direct)
    return staged_direct.through_runs(p.seal(), (live or {}).get("crp"), snap, list((live or {}).get("runs") or []))


def handle(ctx: ToolContext, args: MoveArgs) -> Plan:
    """Plan against the live fleet: its snapshot and the hub objects the move builds on."""
    snap, live = live_inputs(ctx, args.deployment)
    return plan(args, snap, ctx.catalog, live=live)


TOOL = Tool("move", MoveArgs, mutating=True, handler=handle)
