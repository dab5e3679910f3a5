"""``deploy``: create a deployment, or update one (model, instance type, replicas, clusters). Pure.

Target clusters: the named ``clusters``; else, for a new deployment, ``plan_placement`` picks them; else
an update keeps the clusters it runs on, also when only gpu or instance_type ask for another instance type
there. An update with a location argument (count, geo, region, environment, provider, prefer,
max_cost_per_hour) keeps those of its clusters that pass the filters and lets the placement add the rest
(``count`` defaults to its number of clusters), in its own environment unless ``environment`` is given.
Instance type per cluster: kept where nothing asks for a change, otherwise the placement's choice there.
A blue/green needs room for the new side beside the old (no credit); an in-place scale counts the
deployment's own nodes as free.

Set operations (DESIGN §4 wave 2): ``add_clusters`` keeps every cluster the deployment runs on and adds the
named ones; ``clusters`` on an existing deployment means "only there" (the plan and its intent say which
clusters it leaves, and the clusters it leaves lose it only once the new ones serve). ``deploy MODEL`` with
``clusters`` while the default-named deployment already runs elsewhere is ``AddOrMove``: never a silent move.
Named clusters that cannot take the change are named with the reason; a placement-based target that covers
every selected cluster ("all prod clusters") takes those that can and lists the others (``Plan.left_out``).
Every plan carries ``Plan.intent``: the meaning in words and the resolved arguments a re-plan uses.
"""
from __future__ import annotations

from tools import change, plan_text, staged, staged_direct
from tools.args import DeployArgs
from tools.catalog import Catalog, default_catalog
from tools.context import ToolContext
from tools.errors import InvalidRequest, UnknownName
from tools.fleet import conventions as cv
from tools.fleet.inventory import version_token
from tools.fleet.models import Deployment, FleetSnapshot, ObjectRef
from tools.manifests import default_name
from tools.messages import plans as M
from tools.placement import plan_placement
from tools.plan import Intent, Plan
from tools.registry import Tool
from tools.runner import live_inputs
from tools.targets import AddOrMove, known, own_environment, place_named, place_some

MAX_NAME = 55  # room for the "-r<revision>" suffix of the KAITO object within 63 characters
PLACEMENT_ARGS = ("count", "geo", "region", "environment", "provider", "gpu", "instance_type", "prefer",
                  "max_cost_per_hour")
RELOCATE_ARGS = ("count", "geo", "region", "environment", "provider", "prefer")  # may move an update elsewhere


def _filters(args: DeployArgs) -> dict:
    return {k: getattr(args, k) for k in PLACEMENT_ARGS if getattr(args, k) is not None and k != "count"}


def _place(snap: FleetSnapshot, catalog: Catalog, model: str, replicas: int, count: int, filters: dict,
           clusters: list[str] | None = None, credit: dict | None = None) -> dict[str, str]:
    if clusters:
        return place_named(snap, catalog, model, replicas, list(clusters), filters, credit)
    p = plan_placement(snap, catalog, model=model, replicas=replicas, count=count, credit=credit or {}, **filters)
    p.require()
    return {c.cluster: c.instance_type for c in p.chosen}


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
        known(snap, list(args.clusters))
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
                                                            own_environment(filters, current, snap), current))
        skus, out = place_some(snap, catalog, model, replicas, args.count or 1, filters)
        return change.Target(model, replicas, skus, left_out=out)
    # mutable update: keep the instance type where the deployment already runs
    if args.clusters:
        wanted = list(args.clusters)
    elif placement_asked:
        filters = own_environment(filters, current, snap)
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
    history = None
    if current is not None and current.removing and args.model is not None:
        # its namespace is Terminating (an undeploy in progress): a new deployment, created once it is gone
        # (the executor waits for it, with progress); its revision numbers continue the recorded history
        history, current = _retired(current), None
    elif current is not None and current.removing:
        raise InvalidRequest(M.REMOVING_NO_UPDATE.format(name=name))
    if current is None and args.model is None:
        raise UnknownName.among("deployment", name, [d.name for d in snap.deployments])
    if current is not None and args.name is None:
        asked = list(args.clusters or args.add_clusters or [])
        if asked:
            raise AddOrMove(name, current.model, list(current.clusters), asked)
        raise InvalidRequest(M.NAME_TAKEN.format(name=name, model=current.model,
                                                 clusters=", ".join(current.clusters) or "no cluster"))
    live = live or {}
    wanted = _with_added(args, current, snap, name)
    target = target_for(wanted, current, snap, catalog)
    target.team = args.team if current is None else None
    p = change.build("deploy", args.given(), name, current or history, target, snap, catalog,
                     live.get("kaito"), live.get("override"))
    p.left_out = dict(target.left_out)
    p.intent = _intent(args, name, current, target, catalog)
    if args.stages:  # rolled out environment by environment through a KubeFleet staged update run
        return staged.staged_update(p.seal(), list(args.stages), snap, current, list(live.get("runs") or []))
    # rolled out in stages before (External): carried out through a gate-less update run (tools.staged_direct)
    return staged_direct.through_runs(p.seal(), live.get("crp"), snap, list(live.get("runs") or []))


def _retired(dep: Deployment) -> Deployment:
    """A deployment being removed, as the history a new one continues: no clusters, no objects, its namespace
    and placement to be absent when the new one is created."""
    cm = f"ConfigMap/{cv.REVISIONS_NAMESPACE}/{cv.revisions_configmap_name(dep.name)}"
    return dep.model_copy(update={
        "clusters": [], "kaito_name": None, "states": [], "removing": False, "other_kaito": [],
        "resource_versions": {f"Namespace/{dep.name}": None, f"ClusterResourcePlacement/{dep.name}": None,
                              cm: dep.resource_versions.get(cm)}})


def _with_added(args: DeployArgs, current: Deployment | None, snap: FleetSnapshot, name: str) -> DeployArgs:
    """``add_clusters`` as the full cluster list: every cluster it runs on plus the added ones."""
    if args.add_clusters is None:
        return args
    if current is None:
        raise InvalidRequest(M.ADD_NEEDS_DEPLOYMENT.format(name=name, clusters=",".join(args.add_clusters)))
    known(snap, list(args.add_clusters))
    already = [c for c in args.add_clusters if c in current.clusters]
    if already:
        raise InvalidRequest(M.ALREADY_ON.format(deployment=name, clusters=", ".join(already),
                                                 todo=M.ALREADY_ON_ADD))
    return args.model_copy(update={"clusters": [*current.clusters, *args.add_clusters], "add_clusters": None})


def _intent(args: DeployArgs, name: str, current: Deployment | None, target: change.Target,
            catalog: Catalog) -> Intent:
    """The request in words and the resolved arguments: where a placement chose the clusters, the chosen
    clusters (a re-plan must not choose again); an update that did not ask about clusters records none, so
    that a re-plan never removes a cluster added meanwhile."""
    resolved = {k: v for k, v in args.given().items() if k != "count"}
    resolved["name"] = name
    located = args.clusters is not None or any(getattr(args, k) is not None for k in RELOCATE_ARGS)
    if args.add_clusters is None and (current is None or located):
        resolved["clusters"] = target.clusters
    if current is None:
        text = M.INTENT_CREATE.format(model=target.model, deployment=name, clusters=plan_text.names(target.clusters))
    else:
        text = plan_text.update_text(name, current, target, catalog)
    if args.stages:
        text += M.INTENT_STAGES.format(stages=" → ".join(args.stages))
    return Intent(text=text, args=resolved)


def handle(ctx: ToolContext, args: DeployArgs) -> Plan:
    """Plan against the live fleet: its snapshot and the hub objects an update builds on."""
    snap, live = live_inputs(ctx, args.name)
    name = args.name or (default_name(args.model) if args.model else None)
    if name and ctx.fleet is not None and snap.deployment(name) is not None:
        live = {**live, "crp": ctx.fleet.get(ObjectRef("ClusterResourcePlacement", name))}
        if args.stages or staged_direct.is_external(live["crp"]):
            live["runs"] = ctx.fleet.update_runs(name)
    foreign = None
    if name and snap.deployment(name) is None and ctx.fleet is not None:
        ns = ctx.fleet.get(ObjectRef("Namespace", name))  # a namespace fleetops did not create
        if ns is not None and cv.DEPLOYMENT_LABEL not in ((ns.get("metadata") or {}).get("labels") or {}):
            foreign = ns
    if foreign is None and args.adopt:
        raise InvalidRequest(M.NOTHING_TO_ADOPT.format(name=name))
    if foreign is not None and not args.adopt:
        raise InvalidRequest(M.NS_NOT_MANAGED.format(name=name))
    p = plan(args, snap, ctx.catalog, live=live)
    if foreign is None:
        return p
    # Adopting: the namespace exists and must still be the one seen now (its version is the plan's base, so a
    # change to it before execution makes the plan stale); applying the plan's Namespace labels it as fleetops'.
    p.base[f"Namespace/{name}"] = version_token(foreign)
    if p.intent is not None:
        p.intent = p.intent.model_copy(update={"text": p.intent.text + M.INTENT_ADOPT.format(name=name)})
    p.summary = p.summary + M.INTENT_ADOPT.format(name=name)
    return p.seal()


TOOL = Tool("deploy", DeployArgs, mutating=True, handler=handle)
