"""Where a change may go: named clusters that must all take it, or a placement-based target that takes
the clusters that can and lists the others with the reason. Pure.

* ``place_named``: every named cluster must take the model; otherwise ``ClustersUnfit`` names each cluster
  that cannot, with the reason ("tainted fleetops.dev/cordoned=gpu-driver-upgrade:NoSchedule"), never only
  "0 of 1 cluster(s) fit".
* ``place_some``: ``count`` clusters by placement. When ``count`` is exactly the number of clusters the
  filters select ("all prod clusters": the interpreter gives that count), only those that can take the change are chosen and the rest are left out with the
  reason; otherwise ``count`` must fit (asking for more clusters than there are is an error). Either way
  the plan lists the selected clusters left out.
"""
from __future__ import annotations

from tools.catalog import Catalog
from tools.errors import InvalidRequest, NothingFits, UnknownName
from tools.fleet.models import Deployment, FleetSnapshot
from tools.messages import plans as M
from tools.placement import Placement, Rejection, plan_placement
from tools.placement_eval import HARDWARE_FILTERS, LABEL_FILTERS

# a cluster rejected for one of these was not selected by the request at all (not "left out")
NOT_SELECTED = (*LABEL_FILTERS, *HARDWARE_FILTERS, "clusters", "exclude", "unknown_cluster")


class ClustersUnfit(NothingFits):
    """Named clusters that cannot take the change, each with the reason."""

    kind = "clusters_unfit"

    def __init__(self, placement: Placement, unfit: dict[str, str]):
        super().__init__(placement)
        self.unfit = unfit
        which = "; ".join(M.CANNOT_TAKE_ONE.format(cluster=c, reason=r) for c, r in sorted(unfit.items()))
        self.message = M.CANNOT_TAKE.format(model=placement.model, clusters=which, hint=M.CANNOT_TAKE_HINT)
        self.args = (self.message,)

    def to_json(self) -> dict:
        return {**super().to_json(), "unfit": self.unfit}


class AddOrMove(InvalidRequest):
    """``deploy MODEL to C`` while a deployment of that name already runs elsewhere: add, or move?"""

    kind = "add_or_move"

    def __init__(self, name: str, model: str, current: list[str], requested: list[str]):
        self.name, self.current, self.requested = name, list(current), list(requested)
        super().__init__(M.ADD_OR_MOVE.format(name=name, model=model, current=", ".join(current) or "no cluster",
                                              requested=",".join(requested)))
        self.message = self.detail  # the question stands on its own

    def to_json(self) -> dict:
        return {**super().to_json(), "deployment": self.name, "current": self.current,
                "requested": self.requested}


def known(snap: FleetSnapshot, clusters: list[str]) -> None:
    """``UnknownName`` (with did-you-mean) for the first name that is not a cluster of the fleet."""
    names = [c.name for c in snap.clusters]
    for c in clusters:
        if c not in names:
            raise UnknownName.among("cluster", c, names)


def left_out(p: Placement) -> dict[str, str]:
    """Clusters the request selected (labels, hardware) that cannot take the change, with the reason."""
    return {r.cluster: r.reason for r in p.rejected if _unfit(r)}


def _unfit(r: Rejection) -> bool:
    return bool(r.failed_filters) and not any(f in NOT_SELECTED for f in r.failed_filters)


def place_named(snap: FleetSnapshot, catalog: Catalog, model: str, replicas: int, clusters: list[str],
                filters: dict, credit: dict | None = None) -> dict[str, str]:
    """cluster -> instance type on every named cluster, or ``ClustersUnfit`` naming each one that cannot."""
    known(snap, clusters)
    p = plan_placement(snap, catalog, model=model, replicas=replicas, count=len(clusters), clusters=clusters,
                       credit=credit or {}, **filters)
    if not p.ok:
        unfit = {r.cluster: r.reason for r in p.rejected if r.cluster in clusters}
        if unfit:
            raise ClustersUnfit(p, unfit)
        p.require()
    return {c.cluster: c.instance_type for c in p.chosen}


def place_some(snap: FleetSnapshot, catalog: Catalog, model: str, replicas: int, count: int, filters: dict,
               exclude: tuple[str, ...] = (), credit: dict | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """(cluster -> instance type, left out: cluster -> reason) for ``count`` clusters chosen by placement."""
    p = plan_placement(snap, catalog, model=model, replicas=replicas, count=count, exclude=exclude,
                       credit=credit or {}, **filters)
    out = left_out(p)
    selected = len(p.chosen) + sum(1 for r in p.rejected if r.instance_type is not None) + len(out)
    if not p.ok and not (p.chosen and count == selected):  # exactly "all of them": take those that can
        p.require()
    return {c.cluster: c.instance_type for c in p.chosen}, out


def own_environment(filters: dict, current: Deployment, snap: FleetSnapshot) -> dict:
    """A change to an existing deployment stays in its environment unless the request names one."""
    envs = {c.environment for c in (snap.cluster(n) for n in current.clusters) if c and c.environment}
    if "environment" not in filters and len(envs) == 1:
        return {**filters, "environment": envs.pop()}
    return filters


def reasons(p: Placement) -> dict[str, str]:
    """cluster -> why the placement chose it."""
    return {c.cluster: c.reason for c in p.chosen}
