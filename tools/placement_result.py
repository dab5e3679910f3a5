"""Placement, the answer: the chosen clusters with their reasons, every rejection, suggestions; JSON and text.

The rejections are written on demand (``tools.placement_rejections``): ``rejected`` lists every one
(JSON, ``render(full=True)``, ``--all``); over a large fleet ``render()`` groups them by reason with
counts and a few examples (``rejection_groups``).
"""
from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field, PrivateAttr, computed_field

from tools.errors import NothingFits
from tools.messages import placement as PM
from tools.messages import tools as M
from tools.render import filters_text, money, table

# ``render()`` lists every rejection up to this many, and groups them by reason beyond
SUMMARY_OVER = 25
EXAMPLES = 3  # rejections written out per group in a summary


class Choice(BaseModel):
    cluster: str
    instance_type: str
    gpu: str
    nodes_per_replica: int
    nodes: int
    cost_per_hour: float | None
    free_gpus_after: int
    reason: str
    region: str | None = None
    gpus_per_node: int = 1
    price_per_node_hour: float | None = None


class Rejection(BaseModel):
    cluster: str
    reason: str
    failed_filters: list[str] = Field(default_factory=list)
    # set for clusters that fit but were outranked
    instance_type: str | None = None
    cost_per_hour: float | None = None


class RejectionGroup(BaseModel):
    """Rejections whose reasons name the same filters (``outranked``: fit but not among the first)."""

    filters: list[str]
    count: int
    examples: list[Rejection]

    @property
    def label(self) -> str:
        return PM.group_label(self.filters)


class RejectionSource(Protocol):
    def __len__(self) -> int: ...

    def all(self) -> list[Rejection]: ...

    def groups(self, examples: int = EXAMPLES) -> list[RejectionGroup]: ...


class Placement(BaseModel):
    model: str
    replicas: int
    count: int
    prefer: str
    filters: dict[str, Any] = Field(default_factory=dict)
    chosen: list[Choice] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)
    _rejections: RejectionSource | None = PrivateAttr(default=None)

    def with_rejections(self, source: RejectionSource) -> Placement:
        self._rejections = source
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rejected(self) -> list[Rejection]:
        """Every cluster that was not chosen, with its reason (written on first use)."""
        return [] if self._rejections is None else self._rejections.all()

    @property
    def rejected_count(self) -> int:
        return 0 if self._rejections is None else len(self._rejections)

    def rejection_groups(self, examples: int = EXAMPLES) -> list[RejectionGroup]:
        """The rejections grouped by reason, largest group first, ``examples`` written out per group."""
        return [] if self._rejections is None else self._rejections.groups(examples)

    @property
    def summarised(self) -> bool:
        """Whether ``render()`` groups the rejections rather than listing each."""
        return self.rejected_count > SUMMARY_OVER

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return len(self.chosen) == self.count

    @property
    def clusters(self) -> list[str]:
        return [c.cluster for c in self.chosen]

    @property
    def total_cost_per_hour(self) -> float | None:
        costs = [c.cost_per_hour for c in self.chosen]
        return None if any(c is None for c in costs) else round(sum(costs), 2)  # type: ignore[arg-type]

    @property
    def unknown_clusters(self) -> list[str]:
        return [r.cluster for r in self.rejected if "unknown_cluster" in r.failed_filters]

    def require(self) -> Placement:
        """Return self when ``ok``, else raise ``NothingFits`` (for mutating tools)."""
        if not self.ok:
            raise NothingFits(self)
        return self

    def to_json(self) -> dict:
        dumped = self.model_dump(mode="json")
        order = ("model", "replicas", "count", "prefer", "filters", "chosen", "rejected", "suggestions")
        out = {k: dumped.pop(k) for k in order}
        out.update(dumped)
        out["total_cost_per_hour"] = self.total_cost_per_hour
        return out

    def render(self, full: bool | None = None) -> str:
        """Plain-text placement: title, chosen table, why, the rejections, suggestions. The rejections
        are one line per cluster when ``full`` (default: up to ``SUMMARY_OVER`` of them), else grouped
        by reason with counts and a few examples."""
        filt = filters_text(self.filters)
        lines = [M.PLACEMENT_TITLE.format(model=self.model, count=self.count, replicas=self.replicas,
                                          prefer=self.prefer,
                                          filters=M.PLACEMENT_FILTERS.format(filters=filt) if filt else "")]
        if self.chosen:
            lines.append(M.PLACEMENT_CHOSEN.format(n=len(self.chosen), count=self.count))
            rows = [(c.cluster, c.region, c.instance_type, c.gpu, c.nodes, money(c.cost_per_hour),
                     c.free_gpus_after) for c in self.chosen]
            lines.append(table(M.PLACEMENT_HEAD, rows, indent="  ", right=(4, 5, 6)))
            if len(self.chosen) > 1:
                lines.append("  " + M.PLACEMENT_TOTAL.format(cost=money(self.total_cost_per_hour),
                                                             nodes=sum(c.nodes for c in self.chosen)))
            lines.append(M.PLACEMENT_WHY)
            lines += _reason_lines([(c.cluster, c.reason) for c in self.chosen])
        else:
            lines.append(M.PLACEMENT_NONE_CHOSEN.format(count=self.count))
        if full is None:
            full = not self.summarised
        if full and self.rejected:
            lines.append(M.PLACEMENT_REJECTED)
            lines += _reason_lines([(r.cluster, r.reason) for r in self.rejected])
        elif not full and self.rejected_count:
            lines += summary_lines(self.rejected_count, self.rejection_groups())
        if self.suggestions:
            lines.append(M.PLACEMENT_SUGGESTIONS)
            lines += [f"  - {s}" for s in self.suggestions]
        return "\n".join(lines)


def _reason_lines(pairs: list[tuple[str, str]]) -> list[str]:
    w = max(len(n) for n, _ in pairs)
    return [f"  {n.ljust(w)}  {r}" for n, r in pairs]


def summary_lines(total: int, groups: list[RejectionGroup]) -> list[str]:
    """``Rejected: 4,987 clusters, by reason``, then per group its count, label and examples."""
    lines = [PM.SUMMARY_TITLE.format(n=total, clusters=M.plural(total, "cluster", "clusters"))]
    w = max(len(f"{g.count:,}") for g in groups)
    for g in groups:
        lines.append(PM.SUMMARY_GROUP.format(count=f"{g.count:,}".rjust(w), label=g.label))
        lines += ["    " + line for line in _reason_lines([(r.cluster, r.reason) for r in g.examples])]
        if g.count > len(g.examples):
            lines.append(PM.SUMMARY_MORE.format(n=g.count - len(g.examples)))
    lines.append(PM.SUMMARY_ALL)
    return lines
