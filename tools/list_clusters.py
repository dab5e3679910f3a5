"""list_clusters: member clusters with their GPU inventory, optionally filtered. Read-only, pure.

Filters: region, geo, environment, provider (equal, case-insensitive); gpu (the cluster has an
instance type with that GPU model); min_free_gpus (free GPUs of that GPU model when gpu is given,
else all free GPUs of the cluster, at least N); status (placeable, cordoned, ineligible:
``readonly.has_status``). Clusters are listed by name; a cordon shows its reason, who and when.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel, Field

from tools.args import ListClustersArgs
from tools.context import ToolContext
from tools.fleet.conventions import CORDON_TAINT_KEY
from tools.fleet.models import Cluster, Cordon, FleetSnapshot
from tools.messages import clusterops as CM
from tools.messages import placement as PM
from tools.messages import tools as M
from tools.readonly import (
    GpuRow,
    TaintRow,
    ToolResult,
    coerce_args,
    cordon_text,
    gpu_row,
    has_status,
    not_placeable_reason,
    status_word,
    taint_rows,
)
from tools.registry import Tool
from tools.render import filters_text, table

SUMMARY_OVER = 30  # ``render()`` lists up to this many clusters, and summarises beyond
SUMMARY_ROWS = 10  # clusters listed in a summary
EXAMPLES = 3  # not-placeable clusters named per status in a summary


class ClusterRow(BaseModel):
    name: str
    region: str | None
    geo: str | None
    environment: str | None
    provider: str | None
    eligible: bool
    ineligible_reason: str | None
    gpus: list[GpuRow]
    # extras (allowed by the contract: never remove the keys above)
    status: str
    free_gpus: int
    taints: list[TaintRow] = Field(default_factory=list)
    heartbeat_age_seconds: float | None = None
    deployments: list[str] = Field(default_factory=list)
    cordon: Cordon | None = None  # reason, by (who asked), at (ISO time), change_id


class ListClustersResult(ToolResult):
    clusters: list[ClusterRow]
    filters: dict[str, Any] = Field(default_factory=dict, exclude=True)

    @property
    def summarised(self) -> bool:
        """Whether ``render()`` summarises rather than listing every cluster."""
        return len(self.clusters) > SUMMARY_OVER

    def not_placeable_groups(self, examples: int = EXAMPLES) -> list[tuple[str, int, list[ClusterRow]]]:
        """(status, how many clusters, the first ``examples`` of them) for every status other than ok,
        largest first."""
        counts: Counter[str] = Counter()
        shown: dict[str, list[ClusterRow]] = {}
        for c in self.clusters:
            if c.status != M.OK:
                counts[c.status] += 1
                some = shown.setdefault(c.status, [])
                if len(some) < examples:
                    some.append(c)
        return [(status, n, shown[status]) for status, n in counts.most_common()]

    def render(self, full: bool | None = None) -> str:
        """One row per instance type of every cluster and a note per cluster that is not placeable; over
        ``SUMMARY_OVER`` clusters (unless ``full``) counts by status and GPU model, the not-placeable ones
        grouped by status with examples, and the first ``SUMMARY_ROWS`` clusters."""
        filt = filters_text(self.filters)
        suffix = f" ({filt})" if filt else ""
        if not self.clusters:
            return M.CLUSTERS_NONE.format(filters=suffix)
        if full is None:
            full = not self.summarised
        if not full:
            return self._summary(suffix)
        return "\n".join(self._table(self.clusters, suffix))

    def _table(self, clusters: list[ClusterRow], suffix: str) -> list[str]:
        rows: list[list[Any]] = []  # cells: text, numbers, None (shown as table() shows them)
        for c in clusters:
            first: list[Any] = [c.name, c.region, c.environment, c.provider, c.status]
            if not c.gpus:
                rows.append(first + [None] * 5)
            for i, p in enumerate(c.gpus):
                lead = first if i == 0 else [""] * len(first)
                rows.append(lead + [p.instance_type, p.gpu, f"{p.free_nodes}/{p.capacity_nodes}",
                                    p.free_gpus, p.price_per_node_hour])
        out = [M.CLUSTERS_COUNT.format(n=len(clusters), filters=suffix),
               table(M.CLUSTERS_HEAD, rows, right=(8, 9))]
        notes = [M.CLUSTER_NOTE.format(name=c.name, reason=not_placeable_reason_text(c))
                 for c in clusters if c.status != M.OK]
        if notes:
            out += [M.CLUSTERS_NOTES, *notes]
        return out

    def status_line(self, suffix: str = "") -> str:
        """``5,000 cluster(s): 4,585 ok, 206 cordoned, 209 ineligible.``"""
        statuses = Counter(c.status for c in self.clusters)
        return PM.CLUSTERS_SUMMARY.format(n=len(self.clusters), filters=suffix,
                                          statuses=", ".join(f"{n:,} {s}" for s, n in statuses.most_common()))

    def _summary(self, suffix: str) -> str:
        out = [self.status_line(suffix)]
        free: Counter[str] = Counter()
        cap: Counter[str] = Counter()
        for c in self.clusters:
            for p in c.gpus:
                free[p.gpu] += p.free_gpus
                cap[p.gpu] += p.capacity_nodes * p.gpus_per_node
        if cap:
            out.append(PM.CLUSTERS_GPUS.format(gpus=", ".join(PM.CLUSTERS_GPU.format(gpu=g, free=free[g], cap=cap[g])
                                                               for g in sorted(cap))))
        groups = self.not_placeable_groups()
        if groups:
            out.append(M.CLUSTERS_NOTES)
            for status, n, some in groups:
                out.append(PM.CLUSTERS_GROUP.format(count=f"{n:,}", status=status))
                out += ["    " + M.CLUSTER_NOTE.format(name=c.name, reason=not_placeable_reason_text(c)).strip()
                        for c in some]
                if n > len(some):
                    out.append(PM.SUMMARY_MORE.format(n=n - len(some)))
        out.append(PM.CLUSTERS_FIRST.format(n=SUMMARY_ROWS))
        out += self._table(self.clusters[:SUMMARY_ROWS], suffix)[1:]
        out.append(PM.CLUSTERS_ALL)
        return "\n".join(out)


def not_placeable_reason_text(c: ClusterRow) -> str:
    if c.cordon is not None:
        other = [t for t in c.taints if t.key != CORDON_TAINT_KEY]
        line = f"{CM.CORDONED}: {cordon_text(c.cordon)}"
        if other:
            line += "; tainted " + ", ".join(f"{t.key}={t.value}:{t.effect}" for t in other)
        if c.ineligible_reason and not c.ineligible_reason.startswith("tainted"):
            line += f"; {c.ineligible_reason}"
        return line
    if c.ineligible_reason:
        return c.ineligible_reason
    return "tainted " + ", ".join(f"{t.key}={t.value}:{t.effect}" for t in c.taints)


def free_gpus(c: Cluster, gpu: str | None = None) -> int:
    return sum(p.free_gpus for p in c.gpus if gpu is None or p.gpu == gpu)


def _eq(have: str | None, want: str | None) -> bool:
    return want is None or (have or "").lower() == str(want).lower()


def matches(c: Cluster, a: ListClustersArgs) -> bool:
    if not all(_eq(getattr(c, f), getattr(a, f)) for f in ("region", "geo", "environment", "provider")):
        return False
    if a.gpu and not any(p.gpu == a.gpu for p in c.gpus):
        return False
    if not has_status(c, a.status):
        return False
    return a.min_free_gpus is None or free_gpus(c, a.gpu) >= a.min_free_gpus


def cluster_row(c: Cluster) -> ClusterRow:
    reason = c.ineligible_reason if not c.eligible else None
    if reason is None and not c.eligible:
        reason = not_placeable_reason(c)
    return ClusterRow(name=c.name, region=c.region, geo=c.geo, environment=c.environment,
                      provider=c.provider, eligible=c.eligible, ineligible_reason=reason,
                      gpus=[gpu_row(p) for p in c.gpus], status=status_word(c), free_gpus=free_gpus(c),
                      taints=taint_rows(c), heartbeat_age_seconds=c.heartbeat_age_seconds,
                      deployments=sorted(c.deployments), cordon=c.cordon)


def run(snapshot: FleetSnapshot, args: ListClustersArgs | dict | None = None) -> ListClustersResult:
    a = coerce_args(ListClustersArgs, args)
    rows = [cluster_row(c) for c in sorted(snapshot.clusters, key=lambda c: c.name) if matches(c, a)]
    return ListClustersResult(clusters=rows, filters=a.given())


def handle(ctx: ToolContext, args: ListClustersArgs) -> ListClustersResult:
    return run(ctx.snapshot(), args)


TOOL = Tool("list_clusters", ListClustersArgs, mutating=False, handler=handle)
