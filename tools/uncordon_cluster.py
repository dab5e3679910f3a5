"""``uncordon_cluster``: placement may choose a cordoned member cluster again. Pure planning.

Removes the ``fleetops.dev/cordoned`` taint and the cordon annotations with one JSON merge patch of the
MemberCluster; every other taint stays. A cordon set by hand (the taint without annotations) is
uncordoned the same way. See ``tools.cordon_cluster``.
"""
from __future__ import annotations

from tools.args import UncordonClusterArgs
from tools.cordon_cluster import MEMBER_CLUSTER_API, NotCordoned, base_of, cluster_ref, find_cluster, taint_dict
from tools.fleet import conventions as cv
from tools.fleet.models import FleetSnapshot
from tools.messages import clusterops as M
from tools.plan import ClusterAction, Plan, Step
from tools.readonly import coerce_args
from tools.registry import Tool


def plan(snap: FleetSnapshot, args: UncordonClusterArgs) -> Plan:
    c = find_cluster(snap, args.name)
    ours = next((t for t in c.taints if t.key == cv.CORDON_TAINT_KEY), None)
    others = [t for t in c.taints if t.key != cv.CORDON_TAINT_KEY]
    if ours is None or c.cordon is None:
        other = M.NOT_CORDONED_OTHER.format(taints=", ".join(str(t) for t in others)) if others else ""
        raise NotCordoned(M.NOT_CORDONED.format(cluster=c.name, other=other))
    taints = [taint_dict(t) for t in others]
    patch = {"metadata": {"annotations": {k: None for k in cv.CORDON_ANNOTATIONS}}, "spec": {"taints": taints}}
    final = {"apiVersion": MEMBER_CLUSTER_API, "kind": "MemberCluster", "metadata": {"name": c.name},
             "spec": {"taints": taints}}
    cd = c.cordon
    was = M.UNCORDON_WAS.format(who=M.CORDON_BY.format(who=cd.by) if cd.by else M.UNCORDON_BY_HAND,
                                when=f", {M.CORDON_AT.format(at=cd.at)}" if cd.at else "",
                                why=f", {M.CORDON_REASON.format(reason=cd.reason)}" if cd.reason else "")
    diff = [M.DIFF_UNCORDON.format(cluster=c.name, taint=str(ours), annotations=", ".join(cv.CORDON_ANNOTATIONS))]
    if others:
        diff.append(M.DIFF_KEEP_TAINTS.format(taints=", ".join(str(t) for t in others)))
    p = Plan(tool="uncordon_cluster", args=args.given(), deployment="", strategy="in_place",
             summary=M.PLAN_UNCORDON.format(cluster=c.name, environment=c.environment or M.UNKNOWN_ENV, was=was),
             actions=[ClusterAction(cluster=c.name, action="update", detail=M.ACTION_UNCORDON.format(taint=str(ours)))],
             manifests=[final], steps=[Step(kind="patch", ref=cluster_ref(c.name), manifest=patch)],
             diff="\n".join(diff), environments=[c.environment or "unknown"], clusters=[c.name], base=base_of(c))
    return p.seal()


def handler(ctx, args) -> Plan:  # ctx: ToolContext; args: UncordonClusterArgs | dict
    return plan(ctx.snapshot(), coerce_args(UncordonClusterArgs, args))


TOOL = Tool("uncordon_cluster", UncordonClusterArgs, True, handler)
