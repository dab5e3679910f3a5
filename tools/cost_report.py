"""cost_report: what the fleet's GPUs cost, per hour and per 30-day month. Read-only, pure.

Cost = price per node-hour × nodes in use, for every deployment on every cluster it is placed on (nodes =
KAITO's nodes per replica on that instance type × replicas). Rows are grouped by ``group_by``
(deployment, cluster, environment, team or model; default deployment) and filtered by ``deployment``,
``environment`` (of the cluster) and ``team`` (the ``fleetops.dev/team`` label, else "unowned"). A month is
30 days (720 hours). Nodes without a known price are listed apart and not counted.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools.args import CostReportArgs
from tools.catalog import Catalog, default_catalog
from tools.context import ToolContext
from tools.errors import UnknownName
from tools.fleet.models import FleetSnapshot
from tools.messages import tools as M
from tools.readonly import ToolResult, coerce_args
from tools.registry import Tool
from tools.render import filters_text, table
from tools.teams import team_of

HOURS_PER_MONTH = 24 * 30


class CostRow(BaseModel):
    group: str
    nodes: int = 0
    gpus: int = 0
    cost_per_hour: float = 0.0
    cost_per_month: float = 0.0


class CostReportResult(ToolResult):
    group_by: str
    rows: list[CostRow]
    total: CostRow
    unpriced: list[str] = Field(default_factory=list)  # "deployment on cluster (instance type)"
    filters: dict[str, Any] = Field(default_factory=dict, exclude=True)

    def render(self) -> str:
        filt = filters_text(self.filters)
        suffix = f" ({filt})" if filt else ""
        if not self.rows:
            return M.COST_NONE.format(filters=suffix)
        t = self.total
        head = list(M.COST_HEAD)
        head[0] = M.COST_GROUP_NAMES[self.group_by]
        lines = [M.COST_TITLE.format(filters=suffix, hour=_usd(t.cost_per_hour), month=_usd(t.cost_per_month),
                                     nodes=t.nodes, gpus=t.gpus),
                 table(head, [(r.group, r.nodes, r.gpus, r.cost_per_hour, r.cost_per_month) for r in self.rows],
                       right=(1, 2, 3, 4))]
        if self.unpriced:
            lines.append(M.COST_UNPRICED.format(what="; ".join(self.unpriced)))
        return "\n".join(lines)


def _usd(x: float) -> str:
    return f"${x:,.2f}"


def run(snapshot: FleetSnapshot, args: CostReportArgs | dict | None = None,
        catalog: Catalog | None = None) -> CostReportResult:
    a = coerce_args(CostReportArgs, args)
    catalog = catalog or default_catalog()
    group_by = a.group_by or "deployment"
    if a.deployment is not None and snapshot.deployment(a.deployment) is None:
        raise UnknownName.among("deployment", a.deployment, [d.name for d in snapshot.deployments])
    groups: dict[str, CostRow] = {}
    unpriced: list[str] = []
    for d in sorted(snapshot.deployments, key=lambda d: d.name):
        if (a.deployment and d.name != a.deployment) or (a.team and team_of(d) != a.team):
            continue
        model = catalog.get(d.model)
        for cname in d.clusters:
            cluster = snapshot.cluster(cname)
            env = (cluster.environment if cluster else None) or M.R_UNSET
            if a.environment and env != a.environment:
                continue
            sku = d.instance_type_on(cname)
            pool = cluster.pool(sku) if cluster else None
            nodes = ((model.nodes_on(sku) if model else None) or 1) * d.replicas
            key = {"deployment": d.name, "cluster": cname, "environment": env, "team": team_of(d),
                   "model": d.model}[group_by]
            row = groups.setdefault(key, CostRow(group=key))
            row.nodes += nodes
            row.gpus += nodes * (pool.gpus_per_node if pool else 0)
            if pool is None or pool.price_per_node_hour is None:
                unpriced.append(f"{d.name} on {cname} ({sku})")
                continue
            row.cost_per_hour += nodes * pool.price_per_node_hour
    rows = sorted(groups.values(), key=lambda r: (-r.cost_per_hour, r.group))
    raw = sum(r.cost_per_hour for r in rows)
    for r in rows:
        r.cost_per_month = round(r.cost_per_hour * HOURS_PER_MONTH, 2)
        r.cost_per_hour = round(r.cost_per_hour, 2)
    total = CostRow(group="total", nodes=sum(r.nodes for r in rows), gpus=sum(r.gpus for r in rows),
                    cost_per_hour=round(raw, 2), cost_per_month=round(raw * HOURS_PER_MONTH, 2))
    return CostReportResult(group_by=group_by, rows=rows, total=total, unpriced=unpriced, filters=a.given())


def handle(ctx: ToolContext, args: CostReportArgs) -> CostReportResult:
    return run(ctx.snapshot(), args, ctx.catalog)


TOOL = Tool("cost_report", CostReportArgs, mutating=False, handler=handle)
