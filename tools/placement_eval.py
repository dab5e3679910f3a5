"""Placement, step 1-3: each cluster's filters and options (see tools/placement.py).

``evaluate(cluster, model, req)`` checks every filter on one cluster and lists its options (instance
types where the model fits, with room and under the cost cap). Pure. The request is
``tools.placement_request.PlacementRequest`` (validated by pydantic, nowhere else).
"""
from __future__ import annotations

from dataclasses import dataclass

from tools.catalog import Model
from tools.fleet.conventions import HEARTBEAT_MAX_AGE_SECONDS
from tools.fleet.models import Cluster, GpuPool
from tools.messages import tools as M
from tools.placement_request import PlacementRequest
from tools.render import age, money

LABEL_FILTERS = ("environment", "geo", "region", "provider")
HARDWARE_FILTERS = ("gpu", "instance_type")
# a cluster rejected for one of these is out whatever the user relaxes
HARD_FILTERS = ("unknown_cluster", "clusters", "exclude", "eligibility", "taint")
EPS = 1e-9


@dataclass(frozen=True)
class Option:
    """One instance type of one cluster where the model fits (nodes and cost for all replicas)."""

    cluster: str
    region: str | None
    instance_type: str
    gpu: str
    gpus_per_node: int
    nodes_per_replica: int
    nodes: int
    free_nodes: int  # including credit
    price: float | None
    cost: float | None
    free_gpus_after: int

    @property
    def has_room(self) -> bool:
        return self.nodes <= self.free_nodes

    def under(self, cap: float | None) -> bool:
        return cap is None or (self.cost is not None and self.cost <= cap + EPS)

    @property
    def cost_key(self) -> float:
        return float("inf") if self.cost is None else self.cost

    @property
    def region_key(self) -> str:
        return self.region or f"?{self.cluster}"


@dataclass
class Evaluation:
    cluster: Cluster
    failures: list[tuple[str, str]]  # (filter, one-line reason), in check order
    fit: list[Option]  # matching instance types where the model fits (room or not)
    options: list[Option]  # ... with room and under the cap: where it can go

    @property
    def failed(self) -> list[str]:
        return [f for f, _ in self.failures]

    @property
    def hard(self) -> bool:
        return any(f in HARD_FILTERS for f in self.failed)


def fmt_option(o: Option) -> str:
    return M.OPTION.format(nodes=o.nodes, instance_type=o.instance_type, gpu=o.gpu, cost=money(o.cost))


def free_after_text(o: Option) -> str:
    return M.FREE_AFTER.format(free=o.free_gpus_after, gpu=o.gpu,
                               gpus=M.plural(o.free_gpus_after, "GPU", "GPUs"))


def make_option(c: Cluster, p: GpuPool, npr: int, replicas: int, credit: int) -> Option:
    nodes = npr * replicas
    free = p.free_nodes + credit
    cost = None if p.price_per_node_hour is None else round(nodes * p.price_per_node_hour, 4)
    return Option(cluster=c.name, region=c.region, instance_type=p.instance_type, gpu=p.gpu,
                  gpus_per_node=p.gpus_per_node, nodes_per_replica=npr, nodes=nodes, free_nodes=free,
                  price=p.price_per_node_hour, cost=cost, free_gpus_after=(free - nodes) * p.gpus_per_node)


def eligibility_failures(c: Cluster) -> list[tuple[str, str]]:
    """Eligibility (heartbeat, joined, adapter's verdict) and taints, as KubeFleet's scheduler sees it."""
    out: list[tuple[str, str]] = []
    taints = [t for t in c.taints if t.effect == "NoSchedule"]
    stale = c.heartbeat_age_seconds is not None and c.heartbeat_age_seconds > HEARTBEAT_MAX_AGE_SECONDS
    if stale:
        out.append(("eligibility", M.R_HEARTBEAT.format(age=age(c.heartbeat_age_seconds))))
    elif not c.eligible:
        reason = c.ineligible_reason or ""
        explained_by_taints = taints and (not reason or reason.startswith("tainted"))
        if not explained_by_taints:
            if not c.joined and not reason:
                out.append(("eligibility", M.R_NOT_JOINED))
            else:
                out.append(("eligibility", M.R_INELIGIBLE.format(reason=reason or M.R_INELIGIBLE_DEFAULT)))
    if taints:
        out.append(("taint", M.R_TAINTED.format(taints=", ".join(str(t) for t in taints))))
    return out


def _matches(p: GpuPool, req: PlacementRequest, hardware: bool) -> bool:
    if not hardware:
        return True
    if req.gpu and p.gpu != req.gpu:
        return False
    return not req.instance_type or p.instance_type.lower() == req.instance_type.lower()


def evaluate(c: Cluster, model: Model, req: PlacementRequest, *, labels: bool = True,
             hardware: bool = True, cap: bool = True) -> Evaluation:
    """Check every filter on ``c``; ``labels``/``hardware``/``cap`` False skip those filters
    (used to find what relaxing a filter would give)."""
    failures: list[tuple[str, str]] = []
    if not req.listed(c.name):
        failures.append(("clusters", M.R_NOT_LISTED))
    if req.excluded(c.name):
        failures.append(("exclude", M.R_EXCLUDED))
    failures += eligibility_failures(c)
    for f in LABEL_FILTERS if labels else ():
        wanted, have = getattr(req, f), getattr(c, f)
        if wanted and (have or "").lower() != wanted.lower():
            failures.append((f, M.R_LABEL.format(filter=f, value=have or M.R_UNSET, wanted=wanted)))

    pools = c.gpus
    if hardware and req.gpu and not any(p.gpu == req.gpu for p in pools):
        failures.append(("gpu", M.R_NO_GPU.format(gpu=req.gpu)))
    it = req.instance_type
    if hardware and it and not any(p.instance_type.lower() == it.lower() for p in pools):
        failures.append(("instance_type", M.R_NO_INSTANCE_TYPE.format(instance_type=it)))
    matching = [p for p in pools if _matches(p, req, hardware)] if hardware and (req.gpu or it) else pools
    hw_failed = any(f in HARDWARE_FILTERS for f, _ in failures)
    if not matching and not hw_failed:
        if hardware and req.gpu and it:
            failures.append(("instance_type", M.R_HW_MISMATCH.format(instance_type=it, gpu=req.gpu)))
        else:
            failures.append(("model", M.R_NO_GPUS))

    fit: list[Option] = []
    credit = req.credit
    for p in matching:
        npr = model.nodes_on(p.instance_type)
        if npr:
            fit.append(make_option(c, p, npr, req.replicas,
                                   credit.get((c.name, p.instance_type), 0) if credit else 0))
    if matching and not fit:
        types = ", ".join(p.instance_type for p in matching)
        failures.append(("model", M.R_MODEL_DOES_NOT_FIT.format(model=model.short, types=types)))
    roomy = [o for o in fit if o.nodes <= o.free_nodes]  # Option.has_room
    if fit and not roomy:  # name the instance type that comes closest
        near = min(fit, key=lambda o: (o.nodes - o.free_nodes, o.cost_key, o.instance_type))
        reason = M.R_NO_CAPACITY.format(nodes=near.nodes, instance_type=near.instance_type,
                                        free=max(near.free_nodes, 0))
        if len(fit) > 1:
            reason += M.R_NO_CAPACITY_OTHERS.format(n=len(fit) - 1)
        failures.append(("capacity", reason))
    limit = req.max_cost_per_hour if cap else None
    options = [o for o in roomy if o.under(limit)]
    if roomy and not options:
        cheapest = min(roomy, key=lambda o: (o.cost_key, o.instance_type))
        if cheapest.cost is None:
            reason = M.R_NO_PRICE.format(instance_type=cheapest.instance_type)
        else:
            reason = M.R_OVER_CAP.format(cost=money(cheapest.cost), cap=money(limit),
                                         nodes=cheapest.nodes, instance_type=cheapest.instance_type)
        failures.append(("max_cost_per_hour", reason))
    return Evaluation(cluster=c, failures=failures, fit=fit, options=options)


# a cluster's best option, unbuilt, as plain values (nothing the garbage collector tracks once a collection has
# looked at it): the index of its pool in ``Cluster.gpus``, nodes per replica, credit, cost (inf when unpriced),
# free GPUs after
Best = tuple[int, int, int, float, int]
Failed = tuple[str, ...]  # filters a cluster failed, in ``evaluate``'s order; one shared tuple per combination
PASSED: Failed = ()


class Screen:
    """``evaluate`` without the words: which filters fail on a cluster and, when none does, its best
    option (step 4). One per request; a call costs a few attribute reads per GPU pool and builds no
    text and no ``Option`` (the explanation of a rejection is ``evaluate`` again, for the few clusters
    whose reasons are shown). ``tests/placement/test_placement_screen.py`` checks that it agrees with
    ``evaluate`` + ``best_option`` on every cluster of synthetic fleets.

    What it returns outlives the call only as shared or untracked objects: the failed filters are one
    interned tuple per combination, the best option a tuple of numbers. A placement over thousands of
    clusters keeps one of each per cluster until its answer is written; had they been new lists and tuples
    holding pools (as before), each young-generation collection during the scan would promote thousands of
    live objects, and the promotions trigger full collections that walk the whole fleet cache (100-600 ms
    at 5,000 clusters, the spikes ``bench/placement.py`` saw)."""

    def __init__(self, model: Model, req: PlacementRequest):
        self.req = req
        self.labels = [(f, w.lower()) for f in LABEL_FILTERS if (w := getattr(req, f))]
        self.gpu = req.gpu
        self.it = req.instance_type.lower() if req.instance_type else None
        self.nodes_by_sku = model.nodes_by_sku
        self.replicas = req.replicas
        self.credit = req.credit
        self.cap = req.max_cost_per_hour
        self.capacity_first = req.prefer == "capacity"
        self.listed = None if req.clusters is None else frozenset(req.clusters)
        self.excluded = frozenset(req.exclude)
        self._failed: dict[Failed, Failed] = {PASSED: PASSED}

    def __call__(self, c: Cluster) -> tuple[Failed, Best | None]:
        """(failed filters in ``evaluate``'s order, the best option when every filter passes)."""
        name = c.name
        failed: list[str] = []
        if self.listed is not None and name not in self.listed:
            failed.append("clusters")
        if name in self.excluded:
            failed.append("exclude")
        taints = c.taints
        tainted = bool(taints) and any(t.effect == "NoSchedule" for t in taints)
        age_s = c.heartbeat_age_seconds
        if age_s is not None and age_s > HEARTBEAT_MAX_AGE_SECONDS:
            failed.append("eligibility")
        elif not c.eligible:
            reason = c.ineligible_reason or ""
            if not (tainted and (not reason or reason.startswith("tainted"))):
                failed.append("eligibility")
        if tainted:
            failed.append("taint")
        for f, wanted in self.labels:
            if (getattr(c, f) or "").lower() != wanted:
                failed.append(f)
        pools = c.gpus
        gpu, it = self.gpu, self.it
        hw_failed = matching = False
        if gpu or it:
            if gpu and not any(p.gpu == gpu for p in pools):
                failed.append("gpu")
                hw_failed = True
            if it and not any(p.instance_type.lower() == it for p in pools):
                failed.append("instance_type")
                hw_failed = True
        best: Best | None = None
        best_key: tuple | None = None
        fits = roomy = False
        credit, cap, replicas, per_sku = self.credit, self.cap, self.replicas, self.nodes_by_sku
        for j, p in enumerate(pools):
            if (gpu and p.gpu != gpu) or (it and p.instance_type.lower() != it):
                continue
            matching = True
            npr = per_sku.get(p.instance_type)
            if not npr:
                continue
            fits = True
            npr = int(npr)
            nodes = npr * replicas
            extra = credit.get((name, p.instance_type), 0) if credit else 0
            free = p.free_nodes + extra
            if nodes > free:
                continue
            roomy = True
            price = p.price_per_node_hour
            cost = None if price is None else round(nodes * price, 4)
            if cap is not None and (cost is None or cost > cap + EPS):
                continue
            after = (free - nodes) * p.gpus_per_node
            ck = float("inf") if cost is None else cost
            key = (-after, ck, p.instance_type) if self.capacity_first else (ck, -after, p.instance_type)
            if best_key is None or key < best_key:
                best_key, best = key, (j, npr, extra, ck, after)
        if not matching:
            if not hw_failed:
                failed.append("instance_type" if gpu and it else "model")
        elif not fits:
            failed.append("model")
        elif not roomy:
            failed.append("capacity")
        elif best is None:
            failed.append("max_cost_per_hour")
        if not failed:
            return PASSED, best
        t = tuple(failed)
        return self._failed.setdefault(t, t), None

    def option(self, c: Cluster, best: Best) -> Option:
        j, npr, extra = best[:3]
        return make_option(c, c.gpus[j], npr, self.replicas, extra)
