"""Placement, the answer: the chosen clusters with their reasons, every rejection, suggestions; JSON and text."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, computed_field

from tools.errors import NothingFits
from tools.messages import tools as M
from tools.render import filters_text, money, table


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


class Placement(BaseModel):
    model: str
    replicas: int
    count: int
    prefer: str
    filters: dict[str, Any] = Field(default_factory=dict)
    chosen: list[Choice] = Field(default_factory=list)
    rejected: list[Rejection] = Field(default_factory=list)
    suggestions: list[str] = Field(default_factory=list)

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
        out = self.model_dump(mode="json")
        out["total_cost_per_hour"] = self.total_cost_per_hour
        return out

    def render(self) -> str:
        """Plain-text placement: title, chosen table, one line per cluster, suggestions."""
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
        if self.rejected:
            lines.append(M.PLACEMENT_REJECTED)
            lines += _reason_lines([(r.cluster, r.reason) for r in self.rejected])
        if self.suggestions:
            lines.append(M.PLACEMENT_SUGGESTIONS)
            lines += [f"  - {s}" for s in self.suggestions]
        return "\n".join(lines)


def _reason_lines(pairs: list[tuple[str, str]]) -> list[str]:
    w = max(len(n) for n, _ in pairs)
    return [f"  {n.ljust(w)}  {r}" for n, r in pairs]
