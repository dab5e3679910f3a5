"""``undeploy``: remove a deployment from some or all of its clusters. Pure.

Some clusters: the placement shrinks (KubeFleet removes the objects there), in place. All clusters: the
placement is deleted first (KubeFleet removes what it placed), then, once the members are clean, the hub
namespace with its KAITO object. The revision history stays, so a later rollback can bring it back.
Never a replacement: the intent says which clusters it leaves and which it keeps, and records them
(``intent.args["clusters"]``), so a re-plan never removes a cluster added since.
"""
from __future__ import annotations

from tools import change, plan_text, staged_direct
from tools.args import UndeployArgs
from tools.catalog import Catalog, default_catalog
from tools.context import ToolContext
from tools.errors import InvalidRequest, UnknownName
from tools.fleet import conventions as cv
from tools.fleet.models import FleetSnapshot, Revision
from tools.messages import plans as M
from tools.plan import ClusterAction, Intent, ObjectRef, Plan, Step
from tools.registry import Tool
from tools.runner import live_inputs


def plan(args: UndeployArgs, snap: FleetSnapshot, catalog: Catalog | None = None,
         live: dict | None = None) -> Plan:
    catalog = catalog or default_catalog()
    dep = snap.deployment(args.deployment)
    if dep is None:
        raise UnknownName.among("deployment", args.deployment, [d.name for d in snap.deployments])
    removing = list(args.clusters or dep.clusters)
    foreign = [c for c in removing if c not in dep.clusters]
    if foreign:
        if any(snap.cluster(c) is None for c in foreign):
            bad = next(c for c in foreign if snap.cluster(c) is None)
            raise UnknownName.among("cluster", bad, [c.name for c in snap.clusters])
        raise InvalidRequest(M.NOT_ON_CLUSTERS.format(deployment=dep.name, clusters=", ".join(foreign),
                                                      current=", ".join(dep.clusters) or "no cluster"))
    remaining = [c for c in dep.clusters if c not in removing]
    if remaining:
        target = change.Target(dep.model, dep.replicas, {c: dep.instance_type_on(c) for c in remaining})
        live = live or {}
        p = change.build("undeploy", args.given(), dep.name, dep, target, snap, catalog,
                         live.get("kaito"), live.get("override"))
        p.summary = M.PLAN_UNDEPLOY_SOME.format(deployment=dep.name, clusters=", ".join(removing),
                                                remaining=", ".join(remaining))
        for a in p.actions:
            if a.action == "remove":
                a.detail = M.ACTION_UNDEPLOY
    else:
        p = _remove_all(args, dep, snap, catalog)
    p.intent = _intent(dep.name, removing, remaining)
    # rolled out in stages before (External): carried out through a gate-less update run (tools.staged_direct)
    return staged_direct.through_runs(p.seal(), (live or {}).get("crp"), snap, list((live or {}).get("runs") or []))


def _intent(deployment: str, removing: list[str], remaining: list[str]) -> Intent:
    if remaining:
        text = M.INTENT_UNDEPLOY_SOME.format(deployment=deployment, clusters=plan_text.names(removing)) + \
            plan_text.keeps(remaining)
    else:
        text = M.INTENT_UNDEPLOY_ALL.format(deployment=deployment, clusters=plan_text.names(removing))
    return Intent(text=text, args={"deployment": deployment, "clusters": sorted(removing)})


def _remove_all(args: UndeployArgs, dep, snap: FleetSnapshot, catalog: Catalog) -> Plan:
    kref = ObjectRef(apiVersion=f"{cv.KAITO_GROUP}/{cv.KAITO_VERSION}", kind=dep.kaito_kind,
                     name=dep.kaito_name or cv.kaito_object_name(dep.name, dep.revision), namespace=dep.name)
    crp = ObjectRef(apiVersion=f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}", kind="ClusterResourcePlacement",
                    name=dep.name)
    ns = ObjectRef(apiVersion="v1", kind="Namespace", name=dep.name)
    actions, gpus, cost = [], 0, 0.0
    for c in dep.clusters:
        g, usd = change._usage(catalog, snap, dep.model, dep.instance_type_on(c), dep.replicas, c)
        gpus -= g
        cost -= usd
        actions.append(ClusterAction(cluster=c, action="remove", detail=M.ACTION_UNDEPLOY,
                                     instance_type=dep.instance_type_on(c), gpu_delta=-g,
                                     cost_delta_per_hour=round(-usd, 4)))
    new_rev = max([r.revision for r in dep.revisions] + [dep.revision]) + 1
    p = Plan(tool="undeploy", args=args.given(), deployment=dep.name, strategy="remove",
             summary=M.PLAN_UNDEPLOY_ALL.format(deployment=dep.name, clusters=", ".join(dep.clusters)),
             actions=actions, deletes=[crp, ns],
             steps=[Step(kind="delete", ref=crp),
                    Step(kind="wait_absent", ref=kref, clusters=list(dep.clusters), note=M.STEP_WAIT_GONE),
                    Step(kind="delete", ref=ns)],
             gpu_delta=gpus, cost_delta_per_hour=round(cost, 4),
             environments=change._envs(snap, set(dep.clusters)), clusters=sorted(dep.clusters),
             base=dict(dep.resource_versions),
             revision=Revision(revision=new_rev, model=dep.model, instance_type=dep.instance_type,
                               replicas=dep.replicas, clusters=[], note="undeployed"))
    p.diff = "\n".join([M.DIFF_HEADER.format(deployment=dep.name, strategy="remove", old=dep.revision, new=new_rev),
                        M.DIFF_CHANGE.format(label="clusters", old=", ".join(dep.clusters), new="-"),
                        M.DIFF_DELETE.format(kind="ClusterResourcePlacement", name=dep.name),
                        M.DIFF_DELETE.format(kind="Namespace", name=f"{dep.name} (with {kref.kind} {kref.name})"),
                        M.DIFF_GPU.format(gpu=f"{gpus:+d}", cost=f"{cost:+.2f}")])
    return p.seal()


def handle(ctx: ToolContext, args: UndeployArgs) -> Plan:
    """Plan against the live fleet: its snapshot and the hub objects an update builds on."""
    snap, live = live_inputs(ctx, args.deployment)
    return plan(args, snap, ctx.catalog, live=live)


TOOL = Tool("undeploy", UndeployArgs, mutating=True, handler=handle)
