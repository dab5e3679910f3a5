"""Placement, step 7: what would fit when too few clusters do.

Suggestions (only when fewer than ``count`` clusters fit), in this order:
  * the named clusters are fewer than ``count``; an instance type that is not in the catalog;
  * clusters that fail exactly one filter (environment/geo/region/provider/gpu/instance_type, or not
    being among the named clusters), with the filter, the cluster's value and the option it would get;
  * other instance types with room on clusters whose wanted instance type is full;
  * the cost cap that would add the missing clusters, and by how much it must rise;
  * fewer replicas that would fit on clusters that are only short of capacity;
  * fewer clusters, when some but not all fit; otherwise the smallest instance types for the model.
"""
from __future__ import annotations

from tools.catalog import Catalog, Model
from tools.errors import did_you_mean
from tools.fleet.models import FleetSnapshot
from tools.messages import tools as M
from tools.placement_eval import HARDWARE_FILTERS, LABEL_FILTERS, Evaluation, Option, evaluate, fmt_option, make_option
from tools.placement_request import PlacementRequest
from tools.render import money

MAX_LINES = 4  # per kind of suggestion


def needs_evaluation(req: PlacementRequest, failed: list[str]) -> bool:
    """Whether a cluster that failed ``failed`` can appear in a suggestion for ``req``: every kind looks
    only at clusters that fail exactly one filter, and most kinds at one filter only."""
    if len(failed) != 1:
        return False
    f = failed[0]
    if f in LABEL_FILTERS + HARDWARE_FILTERS + ("clusters",):
        return True
    if f == "capacity":
        return bool(req.gpu or req.instance_type) or req.replicas >= 2
    return f == "max_cost_per_hour" and req.max_cost_per_hour is not None


def _cheapest(options: list[Option]) -> Option:
    return min(options, key=lambda o: (o.cost_key, -o.free_gpus_after, o.instance_type))


def _relaxations(model: Model, req: PlacementRequest, evals: list[Evaluation]) -> list[str]:
    found: list[tuple[Option, str]] = []
    for e in evals:
        if len(e.failures) != 1 or e.failed[0] not in LABEL_FILTERS + HARDWARE_FILTERS + ("clusters",):
            continue
        f = e.failed[0]
        if f == "clusters":
            if e.options:
                o = _cheapest(e.options)
                found.append((o, M.S_NOT_NAMED.format(cluster=o.cluster, option=fmt_option(o))))
            continue
        if f in LABEL_FILTERS:
            options, value = e.options, getattr(e.cluster, f) or M.R_UNSET
        else:
            options = evaluate(e.cluster, model, req, hardware=False).options
            attr = "gpu" if f == "gpu" else "instance_type"
            value = "/".join(sorted({getattr(p, attr) for p in e.cluster.gpus})) or M.R_UNSET
        if options:
            o = _cheapest(options)
            found.append((o, M.S_RELAX_FILTER.format(filter=f, wanted=getattr(req, f), cluster=o.cluster,
                                                     value=value, option=fmt_option(o))))
    found.sort(key=lambda x: (x[0].cost_key, x[0].cluster))
    return [s for _, s in found[:MAX_LINES]]


def _other_types(model: Model, req: PlacementRequest, evals: list[Evaluation]) -> list[str]:
    if not (req.gpu or req.instance_type):
        return []
    found: list[Option] = []
    for e in evals:
        if e.failed == ["capacity"]:
            full = {o.instance_type for o in e.fit}
            found += [o for o in evaluate(e.cluster, model, req, hardware=False).options
                      if o.instance_type not in full]
    found.sort(key=lambda o: (o.cost_key, o.cluster, o.instance_type))
    if not found:
        return []
    items = [M.S_OTHER_TYPE.format(option=fmt_option(o), cluster=o.cluster) for o in found[:MAX_LINES]]
    return [M.S_OTHER_TYPES.format(options="; ".join(items))]


def _raise_cap(model: Model, req: PlacementRequest, evals: list[Evaluation], missing: int) -> list[str]:
    cap = req.max_cost_per_hour
    if cap is None:
        return []
    over = [_cheapest(evaluate(e.cluster, model, req, cap=False).options)
            for e in evals if e.failed == ["max_cost_per_hour"]]
    over = sorted((o for o in over if o.cost is not None), key=lambda o: (o.cost_key, o.cluster))[:missing]
    if not over:
        return []
    needed = max(o.cost_key for o in over)
    names = ", ".join(f"{o.cluster} ({money(o.cost)})" for o in over)
    tpl = M.S_RAISE_CAP if len(over) >= missing else M.S_RAISE_CAP_SHORT
    return [tpl.format(cap=money(cap), needed=money(needed), delta=money(round(needed - cap, 2)),
                       clusters=names)]


def _fewer_replicas(req: PlacementRequest, evals: list[Evaluation]) -> list[str]:
    if req.replicas < 2:
        return []
    found: list[tuple[int, Option]] = []
    for e in evals:
        if e.failed != ["capacity"]:
            continue
        best: tuple[int, Option] | None = None
        for o in e.fit:
            r = min(o.free_nodes // o.nodes_per_replica, req.replicas - 1)
            if r < 1:
                continue
            pool = e.cluster.pool(o.instance_type)
            if pool is None:  # an option always comes from one of the cluster's pools
                continue
            opt = make_option(e.cluster, pool, o.nodes_per_replica, r, o.free_nodes - pool.free_nodes)
            if opt.under(req.max_cost_per_hour) and (best is None or (r, -opt.cost_key) > (best[0], -best[1].cost_key)):
                best = (r, opt)
        if best:
            found.append(best)
    found.sort(key=lambda x: (-x[0], x[1].cost_key, x[1].cluster))
    return [M.S_FEWER_REPLICAS.format(fit=r, replicas=req.replicas, cluster=o.cluster, nodes=o.nodes,
                                      instance_type=o.instance_type, cost=money(o.cost))
            for r, o in found[:MAX_LINES]]


def _smallest(catalog: Catalog, model: Model) -> list[str]:
    sizes = sorted((n, name) for name, n in model.nodes_by_sku.items() if n)
    if not sizes:
        return []
    fewest = sizes[0][0]
    opts = [f"{n} × {name} ({catalog.gpu_of(name) or '?'})" for n, name in sizes if n == fewest]
    return [M.S_SMALLEST.format(options=", ".join(opts[:MAX_LINES]))]


def suggest(snapshot: FleetSnapshot, catalog: Catalog, model: Model, req: PlacementRequest,
            evals: list[Evaluation], chosen: list[Option]) -> list[str]:
    """What would make the placement work (see the module docstring)."""
    out: list[str] = []
    missing = req.count - len(chosen)
    if req.clusters is not None:
        fleet = {c.name for c in snapshot.clusters}
        known = [n for n in req.clusters if n in fleet]
        if len(known) < req.count:
            out.append(M.S_EXPLICIT.format(n=len(known), count=req.count))
    it = req.instance_type
    if it and it.lower() not in {s.lower() for s in catalog.skus}:
        sugg = did_you_mean(it, catalog.skus)
        hint = M.S_UNKNOWN_INSTANCE_TYPE_HINT.format(names=", ".join(sugg)) if sugg else ""
        out.append(M.S_UNKNOWN_INSTANCE_TYPE.format(instance_type=it, hint=hint))
    out += _relaxations(model, req, evals)
    out += _other_types(model, req, evals)
    out += _raise_cap(model, req, evals, missing)
    out += _fewer_replicas(req, evals)
    if chosen:
        out.append(M.S_FEWER_CLUSTERS.format(n=len(chosen), count=req.count))
    elif not out:
        out += _smallest(catalog, model)
    return out

