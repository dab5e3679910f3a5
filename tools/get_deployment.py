"""get_deployment: one deployment's revision history and, per cluster, the KAITO state, reason and
message. Read-only, pure. Unknown name -> ``UnknownName`` with did-you-mean."""
from __future__ import annotations

from pydantic import BaseModel, Field

from tools.args import GetDeploymentArgs
from tools.context import ToolContext
from tools.errors import UnknownName
from tools.fleet.models import FleetSnapshot
from tools.messages import tools as M
from tools.readonly import ClusterState, ToolResult, coerce_args
from tools.registry import Tool
from tools.render import table


class ClusterStateDetail(ClusterState):
    kaito_object: str | None = None
    ready_replicas: int | None = None


class RevisionRow(BaseModel):
    revision: int
    model: str
    instance_type: str
    replicas: int
    clusters: list[str]
    applied_at: str | None = None
    change_id: str | None = None
    note: str | None = None


class DeploymentDetail(BaseModel):
    name: str
    model: str
    instance_type: str
    replicas: int
    revision: int
    status: str
    kaito_kind: str
    kaito_name: str | None
    clusters: list[ClusterStateDetail]
    revisions: list[RevisionRow] = Field(default_factory=list)


class GetDeploymentResult(ToolResult):
    deployment: DeploymentDetail

    def render(self) -> str:
        d = self.deployment
        out = [M.DEPLOYMENT_TITLE.format(name=d.name, model=d.model, instance_type=d.instance_type,
                                         replicas=d.replicas, revision=d.revision, status=d.status)]
        if d.kaito_name:
            out.append(M.DEPLOYMENT_KAITO.format(kind=d.kaito_kind, name=d.kaito_name))
        out.append(M.DEPLOYMENT_CLUSTERS)
        if d.clusters:
            out.append(table(M.DEPLOYMENT_CLUSTERS_HEAD,
                             [(s.cluster, s.state, s.reason, s.message) for s in d.clusters], indent="  "))
        else:
            out.append(M.DEPLOYMENT_NO_CLUSTERS)
        out.append(M.DEPLOYMENT_REVISIONS)
        if d.revisions:
            rows = [(M.DEPLOYMENT_CURRENT.format(revision=r.revision) if r.revision == d.revision
                     else r.revision, r.model, r.instance_type, r.replicas, r.clusters, r.applied_at, r.note)
                    for r in d.revisions]
            out.append(table(M.DEPLOYMENT_REVISIONS_HEAD, rows, indent="  ", right=(3,)))
        else:
            out.append(M.DEPLOYMENT_NO_REVISIONS)
        return "\n".join(out)


def run(snapshot: FleetSnapshot, args: GetDeploymentArgs | dict) -> GetDeploymentResult:
    a = coerce_args(GetDeploymentArgs, args)
    d = snapshot.deployment(a.name)
    if d is None:
        raise UnknownName.among("deployment", a.name, [x.name for x in snapshot.deployments])
    states = []
    for name in d.clusters:
        s = d.state_on(name)
        states.append(ClusterStateDetail(
            cluster=name, state=s.state if s else "Unknown", reason=s.reason if s else None,
            message=s.message if s else None, kaito_object=(s.kaito_object if s else None) or d.kaito_name,
            ready_replicas=s.ready_replicas if s else None))
    revisions = [RevisionRow(revision=r.revision, model=r.model, instance_type=r.instance_type,
                             replicas=r.replicas, clusters=list(r.clusters), applied_at=r.applied_at,
                             change_id=r.change_id, note=r.note)
                 for r in sorted(d.revisions, key=lambda r: r.revision)]
    detail = DeploymentDetail(name=d.name, model=d.model, instance_type=d.instance_type,
                              replicas=d.replicas, revision=d.revision, status=d.status,
                              kaito_kind=d.kaito_kind, kaito_name=d.kaito_name, clusters=states,
                              revisions=revisions)
    return GetDeploymentResult(deployment=detail)


def handle(ctx: ToolContext, args: GetDeploymentArgs) -> GetDeploymentResult:
    return run(ctx.snapshot(), args)


TOOL = Tool("get_deployment", GetDeploymentArgs, mutating=False, handler=handle)
