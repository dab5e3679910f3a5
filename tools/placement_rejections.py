"""Placement, the rejections: every cluster that was not chosen, with its reason, written on demand.

``plan_placement`` screens every cluster without building text (``placement_eval.Screen``); what it keeps
per rejected cluster is the filters it failed (none for a cluster that fits but was outranked: its best
option is screened again when needed). The sentence saying why is written only when asked for: all of them for
``Placement.rejected`` (JSON, ``--all``), a few examples per reason for the summary of a large fleet.
Pure; the same sentences as before (``evaluate`` again on that one cluster).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from tools.catalog import Model
from tools.fleet.models import Cluster
from tools.placement_eval import HARD_FILTERS, PASSED, Evaluation, Failed, Option, Screen, evaluate
from tools.placement_request import PlacementRequest
from tools.placement_result import Rejection, RejectionGroup

OUTRANKED = "outranked"  # the group of clusters that fit but were not among the first ``count``


def rejection_reason(ev: Evaluation) -> str:
    hard = [r for f, r in ev.failures if f in HARD_FILTERS]
    return "; ".join(hard or [r for _, r in ev.failures])


def group_key(failed: list[str] | Failed) -> tuple[str, ...]:
    """The filters a rejection's sentence names: the hard ones when there are, else all of them."""
    hard = tuple(f for f in failed if f in HARD_FILTERS)
    return hard or tuple(failed)


class Rejections:
    """The rejected clusters of one placement, in the order they are listed (unknown names first, then
    the snapshot's order: every cluster but the chosen ones); ``all()`` writes every reason once and keeps
    them. It holds the snapshot's cluster list and the screen's per-cluster result (``fails``: the filters
    each cluster failed, shared tuples, ``()`` for one that fits), nothing per cluster of its own; a
    cluster that fits but was outranked is screened again when its reason is written."""

    def __init__(self, model: Model, req: PlacementRequest, clusters: list[Cluster], fails: list[Failed],
                 chosen: list[int], screen: Screen, outranked_reason: Callable[[Option], str]):
        self.model, self.req, self.clusters, self.fails = model, req, clusters, fails
        self.chosen = frozenset(chosen)
        self.screen, self._outranked_reason = screen, outranked_reason
        self.unknown: list[Rejection] = []
        self._all: list[Rejection] | None = None

    def __len__(self) -> int:
        return len(self.unknown) + len(self.clusters) - len(self.chosen)

    def _entries(self) -> Iterator[int]:
        chosen = self.chosen
        return (i for i in range(len(self.clusters)) if i not in chosen)

    def _rejection(self, i: int) -> Rejection:
        c, failed = self.clusters[i], self.fails[i]
        if not failed:
            _, best = self.screen(c)
            assert best is not None  # it passed every filter: it has a best option
            o = self.screen.option(c, best)
            return Rejection(cluster=o.cluster, reason=self._outranked_reason(o), instance_type=o.instance_type,
                             cost_per_hour=o.cost)
        return Rejection(cluster=c.name, reason=rejection_reason(evaluate(c, self.model, self.req)),
                         failed_filters=list(failed))

    def all(self) -> list[Rejection]:
        if self._all is None:
            self._all = self.unknown + [self._rejection(i) for i in self._entries()]
        return self._all

    def _keyed(self) -> Iterator[tuple[tuple[str, ...], Rejection | int]]:
        for r in self.unknown:
            yield ("unknown_cluster",), r
        keys: dict[Failed, tuple[str, ...]] = {PASSED: (OUTRANKED,)}
        fails = self.fails
        for i in self._entries():
            f = fails[i]
            key = keys.get(f)
            if key is None:
                key = keys[f] = group_key(f)
            yield key, i

    def groups(self, examples: int = 3) -> list[RejectionGroup]:
        """Rejections grouped by the filters their reasons name, largest group first (ties: first seen),
        each with its count and the first ``examples`` rejections written out."""
        counts: dict[tuple[str, ...], int] = {}
        shown: dict[tuple[str, ...], list[Rejection]] = {}
        for key, item in self._keyed():
            counts[key] = counts.get(key, 0) + 1
            some = shown.setdefault(key, [])
            if len(some) < examples:
                some.append(item if isinstance(item, Rejection) else self._rejection(item))
        order = sorted(counts, key=lambda k: -counts[k])  # stable: ties keep the order first seen
        return [RejectionGroup(filters=list(k), count=counts[k], examples=shown[k]) for k in order]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rejections) and self.all() == other.all()

    __hash__ = None  # type: ignore[assignment]
