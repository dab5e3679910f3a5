"""Placement, the rejections: every cluster that was not chosen, with its reason, written on demand.

``plan_placement`` screens every cluster without building text (``placement_eval.Screen``); what it keeps
per rejected cluster is the cluster, the filters it failed (or, for a cluster that fits but was
outranked, its best option). The sentence saying why is written only when asked for: all of them for
``Placement.rejected`` (JSON, ``--all``), a few examples per reason for the summary of a large fleet.
Pure; the same sentences as before (``evaluate`` again on that one cluster).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from tools.catalog import Model
from tools.fleet.models import Cluster
from tools.placement_eval import HARD_FILTERS, Best, Evaluation, Option, evaluate
from tools.placement_request import PlacementRequest
from tools.placement_result import Rejection, RejectionGroup

OUTRANKED = "outranked"  # the group of clusters that fit but were not among the first ``count``


def rejection_reason(ev: Evaluation) -> str:
    hard = [r for f, r in ev.failures if f in HARD_FILTERS]
    return "; ".join(hard or [r for _, r in ev.failures])


def group_key(failed: list[str]) -> tuple[str, ...]:
    """The filters a rejection's sentence names: the hard ones when there are, else all of them."""
    hard = tuple(f for f in failed if f in HARD_FILTERS)
    return hard or tuple(failed)


# a rejected cluster: (the cluster, the filters it failed (none when outranked), its best option when outranked)
_Entry = tuple[Cluster, list[str], Best | None]


class Rejections:
    """The rejected clusters of one placement, in the order they are listed (unknown names first,
    then the snapshot's order); ``all()`` writes every reason once and keeps them."""

    def __init__(self, model: Model, req: PlacementRequest, outranked_reason: Callable[[Option], str],
                 option: Callable[[Cluster, Best], Option]):
        self.model, self.req, self._outranked_reason, self._option = model, req, outranked_reason, option
        self.unknown: list[Rejection] = []
        self.entries: list[_Entry] = []
        self._all: list[Rejection] | None = None

    def add_failed(self, c: Cluster, failed: list[str]) -> None:
        self.entries.append((c, failed, None))

    def add_outranked(self, c: Cluster, best: Best) -> None:
        self.entries.append((c, [], best))

    def __len__(self) -> int:
        return len(self.unknown) + len(self.entries)

    def _rejection(self, e: _Entry) -> Rejection:
        c, failed, best = e
        if best is not None:
            o = self._option(c, best)
            return Rejection(cluster=o.cluster, reason=self._outranked_reason(o), instance_type=o.instance_type,
                             cost_per_hour=o.cost)
        return Rejection(cluster=c.name, reason=rejection_reason(evaluate(c, self.model, self.req)),
                         failed_filters=list(failed))

    def all(self) -> list[Rejection]:
        if self._all is None:
            self._all = self.unknown + [self._rejection(e) for e in self.entries]
        return self._all

    def _keyed(self) -> Iterator[tuple[tuple[str, ...], Rejection | _Entry]]:
        for r in self.unknown:
            yield ("unknown_cluster",), r
        for e in self.entries:
            yield ((OUTRANKED,) if e[2] is not None else group_key(e[1])), e

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
