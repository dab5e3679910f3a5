"""Placement: which clusters should run a model, and one line for every cluster saying why. Pure.

Algorithm (the contract; tests compare it with an independent calculation):

1. Candidates: every cluster of the snapshot. With ``clusters`` only those are considered (others are
   rejected "not among the requested clusters"; names that are not in the fleet are rejected by name
   with a did-you-mean); clusters in ``exclude`` are rejected "excluded".
2. Filters, all evaluated on every cluster so that ``failed_filters`` names each one that failed:
   eligibility (``Cluster.eligible`` False, or heartbeat older than 5 minutes), taints (any NoSchedule
   taint), environment / geo / region / provider (equal, case-insensitive), gpu / instance_type (the
   cluster has such an instance type), model (the catalog's ``nodesBySku`` lists the instance type),
   capacity (``nodes_per_replica × replicas ≤ free_nodes + credit[(cluster, instance_type)]``), and the
   cost cap (option cost ``≤ max_cost_per_hour``).
3. An *option* is one instance type of one cluster that passes every filter:
   ``nodes = nodes_per_replica × replicas``, ``cost = nodes × price per node-hour``,
   ``free_gpus_after = (free_nodes + credit − nodes) × gpus_per_node`` (GPUs of that instance type).
4. Each cluster's best option: prefer cost or spread → (cost, −free_gpus_after, instance type);
   prefer capacity → (−free_gpus_after, cost, instance type).
5. Ranking of the clusters by their best option: cost → (cost, −free_gpus_after, name); capacity →
   (−free_gpus_after, name); spread → greedy: repeatedly take the first cluster in cost order whose
   region is not used yet; once every region is used, the rest in cost order.
6. ``chosen`` = the first ``count`` clusters of the ranking; the other fitting clusters are rejected
   with "fits at $X/h but ...". ``ok`` is ``len(chosen) == count``. When fewer than ``count`` fit,
   ``suggestions`` say what would (``tools.placement_explain``).
"""
from __future__ import annotations

from typing import Any

from tools.catalog import Catalog, Model, UnknownModel, default_catalog
from tools.errors import UnknownName, did_you_mean
from tools.fleet.models import Cluster, FleetSnapshot
from tools.messages import tools as M
from tools.placement_eval import Best, Failed, Option, Screen, evaluate, fmt_option, free_after_text
from tools.placement_explain import needs_evaluation, suggest
from tools.placement_rejections import Rejections
from tools.placement_request import PlacementRequest
from tools.placement_result import Choice, Placement, Rejection
from tools.render import money


def _resolve_model(catalog: Catalog, text: str) -> Model:
    try:
        return catalog.resolve(text)
    except UnknownModel as e:
        raise UnknownName("model", text, e.suggestions) from None


def _choice(o: Option, reason: str) -> Choice:
    return Choice(cluster=o.cluster, instance_type=o.instance_type, gpu=o.gpu,
                  nodes_per_replica=o.nodes_per_replica, nodes=o.nodes, cost_per_hour=o.cost,
                  free_gpus_after=o.free_gpus_after, reason=reason, region=o.region,
                  gpus_per_node=o.gpus_per_node, price_per_node_hour=o.price)


def best_option(options: list[Option], prefer: str) -> Option:
    if prefer == "capacity":
        return min(options, key=lambda o: (-o.free_gpus_after, o.cost_key, o.instance_type))
    return min(options, key=lambda o: (o.cost_key, -o.free_gpus_after, o.instance_type))


def rank(best: list[Option], prefer: str) -> list[Option]:
    """Order the clusters' best options (step 5 of the module docstring). O(n log n).

    The spread greedy ("repeatedly the first cluster in cost order whose region is unused") picks, in
    cost order, the cheapest cluster of every region, then the rest in cost order: one sort, one pass.
    """
    if prefer == "capacity":
        return sorted(best, key=lambda o: (-o.free_gpus_after, o.cluster))
    by_cost = sorted(best, key=lambda o: (o.cost_key, -o.free_gpus_after, o.cluster))
    if prefer != "spread":
        return by_cost
    firsts: list[Option] = []
    others: list[Option] = []
    seen: set[str] = set()
    for o in by_cost:
        if o.region_key in seen:
            others.append(o)
        else:
            seen.add(o.region_key)
            firsts.append(o)
    return firsts + others


def _rank_fitting(clusters: list[Cluster], best: dict[int, Best], prefer: str) -> list[int]:
    """``rank`` on the screened clusters that fit (index in ``clusters`` → best option), without building
    their options: the same keys, as tuples of plain values (the garbage collector stops tracking them
    at its first look). Returns the indices in ranking order."""
    keyed: list[tuple[float | int | str, ...]]
    if prefer == "capacity":
        keyed = [(-b[4], clusters[i].name, i) for i, b in best.items()]
    else:
        keyed = [(b[3], -b[4], clusters[i].name, i) for i, b in best.items()]
    keyed.sort()  # names are distinct: the index never decides
    ordered = [int(k[-1]) for k in keyed]
    if prefer != "spread":
        return ordered
    firsts: list[int] = []
    others: list[int] = []
    seen: set[str] = set()
    for i in ordered:
        c = clusters[i]
        region = c.region or f"?{c.name}"  # Option.region_key
        if region in seen:
            others.append(i)
        else:
            seen.add(region)
            firsts.append(i)
    return firsts + others


def _chosen_reasons(top: list[Option], prefer: str) -> list[str]:
    out: list[str] = []
    regions: set[str] = set()
    for o in top:
        option, free = fmt_option(o), free_after_text(o)
        if prefer == "capacity":
            out.append(M.C_CAPACITY.format(option=option, free_after=free))
        elif prefer == "spread":
            if o.region_key in regions:
                out.append(M.C_SPREAD_REUSED.format(option=option, free_after=free))
            else:
                out.append(M.C_SPREAD_NEW_REGION.format(region=o.region or M.R_UNSET, option=option,
                                                        free_after=free))
        else:
            out.append(M.C_COST.format(option=option, free_after=free))
        regions.add(o.region_key)
    return out


class _Outranked:
    """Why a fitting cluster was not chosen; what it needs from ``chosen`` is computed once."""

    def __init__(self, prefer: str, chosen: list[Option]):
        n = len(chosen)
        self.prefer = prefer
        self.words = {"n": n, "clusters": M.plural(n, "cluster", "clusters"), "were": M.plural(n, "was", "were")}
        self.min_free = min((c.free_gpus_after for c in chosen), default=None)
        self.max_cost = max((c.cost_key for c in chosen), default=None)
        self.by_region: dict[str, str] = {}
        for c in chosen:
            self.by_region.setdefault(c.region_key, c.cluster)

    def reason(self, o: Option) -> str:
        words = {**self.words, "cost": money(o.cost)}
        if self.prefer == "capacity":
            strictly = self.min_free is None or self.min_free > o.free_gpus_after
            tpl = M.R_OUTRANKED_CAPACITY if strictly else M.R_OUTRANKED_CAPACITY_TIE
            return tpl.format(free=o.free_gpus_after, gpu=o.gpu, **words)
        if self.prefer == "spread":
            other = self.by_region.get(o.region_key)
            if other is not None:
                return M.R_OUTRANKED_SPREAD_REGION.format(cost=money(o.cost), region=o.region or M.R_UNSET,
                                                          other=other)
            return M.R_OUTRANKED_SPREAD.format(**words)
        strictly = self.max_cost is None or self.max_cost < o.cost_key
        return (M.R_OUTRANKED_COST if strictly else M.R_OUTRANKED_COST_TIE).format(**words)


def plan_placement(snapshot: FleetSnapshot, catalog: Catalog | None = None,
                   req: PlacementRequest | Any = None, **kwargs: Any) -> Placement:
    """Choose ``req.count`` clusters for ``req.model`` (see the module docstring).

    ``req`` may be a ``PlacementRequest``, a tool argument model (``PlanPlacementArgs``,
    ``DeployArgs``), a dict, or omitted in favour of keyword arguments.
    Raises ``UnknownName`` for a model that is not in the catalog.

    O(n log n) in the fleet's size and no text per cluster: every cluster is screened
    (``placement_eval.Screen``), the fitting ones ranked, and the reasons of the rejected ones are
    written when asked for (``Placement.rejected``, or a few per reason in a summary).
    """
    catalog = catalog or default_catalog()
    req = PlacementRequest.coerce(req, **kwargs)
    model = _resolve_model(catalog, req.model)

    screen = Screen(model, req)
    clusters = snapshot.clusters
    # per cluster the filters it failed (shared tuples), and the best options of those that fit: nothing
    # per cluster that the garbage collector would keep tracking (see ``Screen``)
    fails: list[Failed] = []
    fitting: dict[int, Best] = {}
    for i, c in enumerate(clusters):
        failed, b = screen(c)
        fails.append(failed)
        if b is not None:
            fitting[i] = b
    chosen_at = _rank_fitting(clusters, fitting, req.prefer)[: req.count]
    top = [screen.option(clusters[i], fitting[i]) for i in chosen_at]
    del fitting

    chosen = [_choice(o, why) for o, why in zip(top, _chosen_reasons(top, req.prefer), strict=True)]
    rejections = Rejections(model, req, clusters, fails, chosen_at, screen, _Outranked(req.prefer, top).reason)
    if req.clusters:
        names = [c.name for c in clusters]
        known = set(names)
        for name in req.clusters:
            if name not in known:
                sugg = did_you_mean(name, names)
                hint = M.R_UNKNOWN_HINT.format(names=", ".join(sugg)) if sugg else ""
                rejections.unknown.append(Rejection(cluster=name, reason=M.R_UNKNOWN_CLUSTER.format(hint=hint),
                                                    failed_filters=["unknown_cluster"]))

    placement = Placement(model=model.preset, replicas=req.replicas, count=req.count, prefer=req.prefer,
                          filters=req.filters(), chosen=chosen).with_rejections(rejections)
    if not placement.ok:
        wanted = {f: needs_evaluation(req, list(f)) for f in set(fails)}
        evals = [evaluate(c, model, req) for c, f in zip(clusters, fails, strict=True) if wanted[f]]
        placement.suggestions = suggest(snapshot, catalog, model, req, evals, top)
    return placement
