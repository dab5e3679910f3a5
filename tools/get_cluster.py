"""get_cluster: one member cluster with labels, eligibility, taints, heartbeat, GPU pools and the
deployments on it (with their state there), and a cordon's reason, who and when. Read-only, pure. Unknown name -> ``UnknownName``."""
from __future__ import annotations

from pydantic import BaseModel, Field

from tools.args import GetClusterArgs
from tools.context import ToolContext
from tools.errors import UnknownName
from tools.fleet.models import Cordon, FleetSnapshot
from tools.messages import clusterops as CM
from tools.messages import tools as M
from tools.readonly import (
    GpuRow,
    TaintRow,
    ToolResult,
    coerce_args,
    cordon_text,
    deployments_on,
    gpu_row,
    not_placeable_reason,
    status_word,
    taint_rows,
)
from tools.registry import Tool
from tools.render import age, kv, table


class DeploymentOnCluster(BaseModel):
    name: str
    model: str
    instance_type: str
    replicas: int
    revision: int
    status: str  # the deployment's overall status
    state: str  # KAITO state on this cluster
    reason: str | None = None
    message: str | None = None


class ClusterDetail(BaseModel):
    name: str
    region: str | None
    geo: str | None
    environment: str | None
    provider: str | None
    labels: dict[str, str]
    kubernetes_version: str | None
    node_count: int | None
    joined: bool
    heartbeat_age_seconds: float | None
    taints: list[TaintRow]
    eligible: bool
    ineligible_reason: str | None
    status: str
    gpus: list[GpuRow]
    free_gpus: int
    deployments: list[DeploymentOnCluster] = Field(default_factory=list)
    cordon: Cordon | None = None  # reason, by (who asked), at (ISO time), change_id


class GetClusterResult(ToolResult):
    cluster: ClusterDetail

    def render(self) -> str:
        c = self.cluster
        facts = [(label, getattr(c, f)) for f, label in M.CLUSTER_FIELDS]
        facts += [
            (M.CLUSTER_JOINED, c.joined),
            (M.CLUSTER_HEARTBEAT, M.CLUSTER_HEARTBEAT_AGE.format(age=age(c.heartbeat_age_seconds))
             if c.heartbeat_age_seconds is not None else None),
            (M.CLUSTER_ELIGIBLE, M.YES if c.status == M.OK else f"{M.NO} ({c.ineligible_reason})"),
            (CM.CLUSTER_CORDON, cordon_text(c.cordon)),
            (M.CLUSTER_TAINTS, [str(t) for t in c.taints]),
            (M.CLUSTER_LABELS, [f"{k}={v}" for k, v in sorted(c.labels.items())]),
        ]
        out = [M.CLUSTER_TITLE.format(name=c.name), kv(facts, indent="  "), M.CLUSTER_GPUS]
        if c.gpus:
            out.append(table(M.CLUSTER_GPUS_HEAD, [
                (p.instance_type, p.gpu, p.gpus_per_node, p.capacity_nodes, p.used_nodes, p.free_nodes,
                 p.free_gpus, p.price_per_node_hour) for p in c.gpus], indent="  ", right=(2, 3, 4, 5, 6, 7)))
        else:
            out.append(M.CLUSTER_NO_GPUS)
        out.append(M.CLUSTER_DEPLOYMENTS)
        if c.deployments:
            out.append(table(M.CLUSTER_DEPLOYMENTS_HEAD, [
                (d.name, d.model, d.instance_type, d.replicas, d.revision, d.state,
                 f"{d.reason}: {d.message}" if d.reason and d.message else d.reason or d.message)
                for d in c.deployments], indent="  ", right=(3, 4)))
        else:
            out.append(M.CLUSTER_NO_DEPLOYMENTS)
        return "\n".join(out)


def run(snapshot: FleetSnapshot, args: GetClusterArgs | dict) -> GetClusterResult:
    a = coerce_args(GetClusterArgs, args)
    c = snapshot.cluster(a.name)
    if c is None:
        raise UnknownName.among("cluster", a.name, [x.name for x in snapshot.clusters])
    deps = []
    for d in deployments_on(snapshot, c.name):
        s = d.state_on(c.name)
        deps.append(DeploymentOnCluster(
            name=d.name, model=d.model, instance_type=d.instance_type, replicas=d.replicas,
            revision=d.revision, status=d.status, state=s.state if s else "Unknown",
            reason=s.reason if s else None, message=s.message if s else None))
    detail = ClusterDetail(
        name=c.name, region=c.region, geo=c.geo, environment=c.environment, provider=c.provider,
        labels=dict(c.labels), kubernetes_version=c.kubernetes_version, node_count=c.node_count,
        joined=c.joined, heartbeat_age_seconds=c.heartbeat_age_seconds, taints=taint_rows(c),
        eligible=c.eligible, ineligible_reason=None if c.eligible and not c.taints else not_placeable_reason(c),
        status=status_word(c), gpus=[gpu_row(p) for p in c.gpus],
        free_gpus=sum(p.free_gpus for p in c.gpus), deployments=deps, cordon=c.cordon)
    return GetClusterResult(cluster=detail)


def handle(ctx: ToolContext, args: GetClusterArgs) -> GetClusterResult:
    return run(ctx.snapshot(), args)


TOOL = Tool("get_cluster", GetClusterArgs, mutating=False, handler=handle)
