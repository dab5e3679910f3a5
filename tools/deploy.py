"""``deploy``: create a deployment, or update one (model, instance type, replicas, clusters). Pure.

Target clusters: the named ``clusters``; else, for a new deployment, ``plan_placement`` picks them; else
an update keeps the clusters it runs on, also when only gpu or instance_type ask for another instance type
there. An update with a location argument (count, geo, region, environment, provider, prefer,
max_cost_per_hour) keeps those of its clusters that pass the filters and lets the placement add the rest
(``count`` defaults to its number of clusters), in its own environment unless ``environment`` is given.
Instance type per cluster: kept where nothing asks for a change, otherwise the placement's choice there.
A blue/green needs room for the new side beside the old (no credit); an in-place scale counts the
deployment's own nodes as free.
"""
from __future__ import annotations

from tools import change
from tools.args import DeployArgs
from tools.catalog import Catalog, default_catalog
from tools.context import ToolContext
from tools.errors import InvalidRequest, UnknownName
from tools.fleet import conventions as cv
from tools.fleet.models import Deployment, FleetSnapshot
from tools.manifests import default_name
from tools.messages import plans as M
from tools.placement import plan_placement
from tools.plan import Plan
from tools.registry import Tool
from tools.runner import live_inputs

MAX_NAME = 55  # room for the "-r<revision>" suffix of the KAITO object within 63 characters
PLACEMENT_ARGS = ("count", "geo", "region", "environment", "provider", "gpu", "instance_type", "prefer",
                  "max_cost_per_hour")
RELOCATE_ARGS = ("count", "geo", "region", "environment", "provider", "prefer")  # may move an update elsewhere


def _filters(args: DeployArgs) -> dict:
    return {k: getattr(args, k) for k in PLACEMENT_ARGS if getattr(args, k) is not None and k != "count"}


def _place(snap: FleetSnapshot, catalog: Catalog, model: str, replicas: int, count: int, filters: dict,
           clusters: list[str] | None = None, credit: dict | None = None) -> dict[str, str]:
    p = plan_placement(snap, catalog, model=model, replicas=replicas, count=count, clusters=clusters,
                       credit=credit or {}, **filters)
    if clusters and p.unknown_clusters:
        name = p.unknown_clusters[0]
        raise UnknownName.among("cluster", name, [c.name for c in snap.clusters])
    p.require()
    return {c.cluster: c.instance_type for c in p.chosen}


def _own_environment(filters: dict, current: Deployment, snap: FleetSnapshot) -> dict:
    """An update stays in the deployment's environment unless the request names one."""
    envs = {c.environment for c in (snap.cluster(n) for n in current.clusters) if c and c.environment}
    if "environment" not in filters and len(envs) == 1:
        return {**filters, "environment": envs.pop()}
    return filters


def _relocate(snap: FleetSnapshot, catalog: Catalog, model: str, replicas: int, count: int, filters: dict,
              current: Deployment, credit: dict | None = None) -> dict[str, str]:
    """Clusters for an update asked to move, grow or shrink: the clusters it runs on that pass the filters
    stay (best first); the placement adds others."""
    mine = plan_placement(snap, catalog, model=model, replicas=replicas, count=min(count, len(current.clusters)),
                          clusters=list(current.clusters), credit=credit or {}, **filters)
    skus = {c.cluster: c.instance_type for c in mine.chosen}
    if len(skus) < count:
        more = plan_placement(snap, catalog, model=model, replicas=replicas, count=count - len(skus),
                              exclude=tuple(skus), credit=credit or {}, **filters)
        more.require()
        skus.update({c.cluster: c.instance_type for c in more.chosen})
    return skus


def target_for(args: DeployArgs, current: Deployment | None, snap: FleetSnapshot, catalog: Catalog) -> change.Target:
    model = args.model or current.model  # type: ignore[union-attr]
    replicas = args.replicas or (current.replicas if current else 1)
    filters = _filters(args)
    placement_asked = any(getattr(args, k) is not None for k in PLACEMENT_ARGS)
    immutable = current is not None and (model != current.model
                                         or cv.kaito_kind(replicas) != cv.kaito_kind(current.replicas)
                                         or args.instance_type is not None or args.gpu is not None)
    if args.clusters:
        unknown = [c for c in args.clusters if snap.cluster(c) is None]
        if unknown:
            raise UnknownName.among("cluster", unknown[0], [c.name for c in snap.clusters])
    if current is None or immutable:
        # every target cluster needs the new side's full size (blue/green keeps the old side meanwhile)
        if args.clusters:
            return change.Target(model, replicas, _place(snap, catalog, model, replicas, len(args.clusters),
                                                          filters, clusters=list(args.clusters)))
        relocate = any(getattr(args, k) is not None for k in RELOCATE_ARGS)
        if current and not relocate:
            if model == current.model and args.instance_type is None and args.gpu is None:
                # only the kind changes (1 <-> many replicas): keep each instance type
                skus: dict[str, str] = {}
                for c in current.clusters:
                    skus.update(_place(snap, catalog, model, replicas, 1,
                                       {**filters, "instance_type": current.instance_type_on(c)}, clusters=[c]))
                return change.Target(model, replicas, skus)
            return change.Target(model, replicas, _place(snap, catalog, model, replicas, len(current.clusters),
                                                          filters, clusters=list(current.clusters)))
        if current:
            return change.Target(model, replicas, _relocate(snap, catalog, model, replicas,
                                                            args.count or len(current.clusters),
                                                            _own_environment(filters, current, snap), current))
        return change.Target(model, replicas, _place(snap, catalog, model, replicas, args.count or 1, filters))
    # mutable update: keep the instance type where the deployment already runs
    if args.clusters:
        wanted = list(args.clusters)
    elif placement_asked:
        filters = _own_environment(filters, current, snap)
        credit = {(c, current.instance_type_on(c)): _nodes(catalog, current, c) for c in current.clusters}
        wanted = list(_relocate(snap, catalog, model, replicas, args.count or len(current.clusters), filters,
                                current, credit))
    else:
        wanted = list(current.clusters)
    skus = {}
    added = [c for c in wanted if c not in current.clusters]
    if added:
        skus.update(_place(snap, catalog, model, replicas, len(added), filters, clusters=added))
    for c in wanted:
        if c in current.clusters:
            skus[c] = current.instance_type_on(c)
            _check_scale(snap, catalog, current, c, replicas)
    return change.Target(model, replicas, skus)


def _nodes(catalog: Catalog, dep: Deployment, cluster: str) -> int:
    m = catalog.get(dep.model)
    return ((m.nodes_on(dep.instance_type_on(cluster)) if m else None) or 1) * dep.replicas


def _check_scale(snap: FleetSnapshot, catalog: Catalog, dep: Deployment, cluster: str, replicas: int) -> None:
    if replicas <= dep.replicas:
        return
    sku = dep.instance_type_on(cluster)
    m = catalog.get(dep.model)
    per = (m.nodes_on(sku) if m else None) or 1
    need = per * (replicas - dep.replicas)
    c = snap.cluster(cluster)
    pool = c.pool(sku) if c else None
    free = pool.free_nodes if pool else 0
    if need > free:
        raise InvalidRequest(M.NO_CAPACITY.format(cluster=cluster, free=free, sku=sku, deployment=dep.name, need=need))


def plan(args: DeployArgs, snap: FleetSnapshot, catalog: Catalog | None = None,
         live: dict | None = None) -> Plan:
    """``live``: {"kaito": the current hub KAITO object, "override": its ResourceOverride} for updates."""
    catalog = catalog or default_catalog()
    name = args.name or (default_name(args.model) if args.model else None)
    if name is None:
        raise InvalidRequest(M.NEED_MODEL)
    if len(name) > MAX_NAME:
        raise InvalidRequest(M.NAME_TOO_LONG.format(max=MAX_NAME, name=name, n=len(name)))
    current = snap.deployment(name)
    if current is None and args.model is None:
        raise UnknownName.among("deployment", name, [d.name for d in snap.deployments])
    if current is not None and args.name is None:
        raise InvalidRequest(M.NAME_TAKEN.format(name=name, model=current.model,
                                                 clusters=", ".join(current.clusters) or "no cluster"))
    target = target_for(args, current, snap, catalog)
    live = live or {}
    return change.build("deploy", args.given(), name, current, target, snap, catalog,
                        live.get("kaito"), live.get("override"))


def handle(ctx: ToolContext, args: DeployArgs) -> Plan:
    """Plan against the live fleet: its snapshot and the hub objects an update builds on."""
    snap, live = live_inputs(ctx, args.name)
    return plan(args, snap, ctx.catalog, live=live)


TOOL = Tool("deploy", DeployArgs, mutating=True, handler=handle)
