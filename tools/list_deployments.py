"""list_deployments: model deployments, optionally filtered. Read-only, pure.

Filters: model (preset id, case-insensitive), cluster (placed on it; an unknown cluster name is an
``UnknownName`` error), environment (any of its clusters is in that environment), status
(ready/progressing/failed = ``Deployment.status``), team (the ``fleetops.dev/team`` label of its namespace,
"unowned" without one). Listed by name.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools.args import ListDeploymentsArgs
from tools.context import ToolContext
from tools.errors import UnknownName
from tools.fleet.models import Deployment, FleetSnapshot
from tools.messages import tools as M
from tools.readonly import ClusterState, ToolResult, cluster_states, coerce_args
from tools.registry import Tool
from tools.render import filters_text, table
from tools.teams import team_of


class DeploymentRow(BaseModel):
    name: str
    model: str
    instance_type: str
    replicas: int
    revision: int
    status: str
    clusters: list[ClusterState]


class ListDeploymentsResult(ToolResult):
    deployments: list[DeploymentRow]
    filters: dict[str, Any] = Field(default_factory=dict, exclude=True)

    def render(self) -> str:
        filt = filters_text(self.filters)
        suffix = f" ({filt})" if filt else ""
        if not self.deployments:
            return M.DEPLOYMENTS_NONE.format(filters=suffix)
        rows = [(d.name, d.model, d.instance_type, d.replicas, d.revision, d.status,
                 ", ".join(M.CLUSTER_STATE.format(cluster=s.cluster, state=s.state) for s in d.clusters))
                for d in self.deployments]
        return "\n".join([M.DEPLOYMENTS_COUNT.format(n=len(self.deployments), filters=suffix),
                          table(M.DEPLOYMENTS_HEAD, rows, right=(3, 4))])


def deployment_row(d: Deployment) -> DeploymentRow:
    return DeploymentRow(name=d.name, model=d.model, instance_type=d.instance_type, replicas=d.replicas,
                         revision=d.revision, status=d.status, clusters=cluster_states(d))


def run(snapshot: FleetSnapshot, args: ListDeploymentsArgs | dict | None = None) -> ListDeploymentsResult:
    a = coerce_args(ListDeploymentsArgs, args)
    names = [c.name for c in snapshot.clusters]
    if a.cluster is not None and a.cluster not in names:
        raise UnknownName.among("cluster", a.cluster, names)
    env = {c.name: (c.environment or "").lower() for c in snapshot.clusters}
    out = []
    for d in sorted(snapshot.deployments, key=lambda d: d.name):
        if a.model and d.model.lower() != a.model.lower():
            continue
        if a.cluster and a.cluster not in d.clusters:
            continue
        if a.environment and not any(env.get(c) == a.environment for c in d.clusters):
            continue
        if a.status and d.status != a.status:
            continue
        if a.team and team_of(d) != a.team:
            continue
        out.append(deployment_row(d))
    return ListDeploymentsResult(deployments=out, filters=a.given())


def handle(ctx: ToolContext, args: ListDeploymentsArgs) -> ListDeploymentsResult:
    return run(ctx.snapshot(), args)


TOOL = Tool("list_deployments", ListDeploymentsArgs, mutating=False, handler=handle)
