"""``cordon_cluster``: placement stops choosing a member cluster; what runs there stays. Pure planning.

KubeFleet's own mechanism: a ``NoSchedule`` taint ``fleetops.dev/cordoned`` on the MemberCluster
(placements without a matching toleration skip it; ``kubectl fleet draincluster`` cordons the same way).
The taint's value is the reason as a label value; the full reason, who asked, when and the change id go
into annotations. Who and when are known only when the change runs, so the plan holds the executor's
placeholders (``tools.executor.STAMPS``) and the executor fills them in (its ``requester`` argument).
The plan is one JSON merge patch of the MemberCluster (its other taints kept as they are), its base the
MemberCluster's version token (the spec generation: heartbeats rewrite the status every minute).
"""
from __future__ import annotations

import re

from tools.args import CordonClusterArgs
from tools.errors import ToolError, UnknownName
from tools.executor import STAMP_CHANGE, STAMP_NOW, STAMP_REQUESTER
from tools.fleet import conventions as cv
from tools.fleet.models import Cluster, Cordon, FleetSnapshot, Taint
from tools.messages import clusterops as M
from tools.plan import ClusterAction, ObjectRef, Plan, Step
from tools.readonly import coerce_args
from tools.registry import Tool

MEMBER_CLUSTER_API = f"{cv.CLUSTER_GROUP}/{cv.CLUSTER_VERSION}"


class AlreadyCordoned(ToolError):
    kind = "already_cordoned"


class NotCordoned(ToolError):
    kind = "not_cordoned"


def find_cluster(snap: FleetSnapshot, name: str) -> Cluster:
    c = snap.cluster(name)
    if c is None:
        raise UnknownName.among("cluster", name, [x.name for x in snap.clusters])
    return c


def cluster_ref(name: str) -> ObjectRef:
    return ObjectRef(apiVersion=MEMBER_CLUSTER_API, kind="MemberCluster", name=name)


def base_of(c: Cluster) -> dict[str, str | None]:
    return {f"MemberCluster/{c.name}": c.resource_version}


def taint_value(reason: str | None) -> str:
    """The reason as a taint value (a label value: ≤ 63 of [a-z0-9.-_], alphanumeric at both ends)."""
    slug = re.sub(r"[^a-z0-9]+", "-", (reason or "").lower()).strip("-")[:63].strip("-")
    return slug or "cordoned"


def taint_dict(t: Taint) -> dict:
    return {"key": t.key, "value": t.value, "effect": t.effect} if t.value else {"key": t.key, "effect": t.effect}


def describe(cordon: Cordon | None) -> str:
    """" (reason: …, by …, since …)" for messages; "" when nothing is known."""
    if cordon is None:
        return ""
    parts = []
    if cordon.reason:
        parts.append(M.CORDON_REASON.format(reason=cordon.reason))
    parts.append(M.CORDON_BY.format(who=cordon.by) if cordon.by else M.CORDON_BY_HAND)
    if cordon.at:
        parts.append(M.CORDON_AT.format(at=cordon.at))
    return M.CORDON_DETAIL.format(parts=", ".join(parts))


def plan(snap: FleetSnapshot, args: CordonClusterArgs) -> Plan:
    c = find_cluster(snap, args.name)
    if c.cordon is not None:
        raise AlreadyCordoned(M.ALREADY_CORDONED.format(cluster=c.name, detail=describe(c.cordon)))
    taint = Taint(key=cv.CORDON_TAINT_KEY, value=taint_value(args.reason), effect="NoSchedule")
    others = [t for t in c.taints if t.key != cv.CORDON_TAINT_KEY]
    taints = [taint_dict(t) for t in others] + [taint_dict(taint)]
    patch = {"metadata": {"annotations": {
                cv.CORDON_REASON_ANNOTATION: args.reason or "", cv.CORDON_BY_ANNOTATION: STAMP_REQUESTER,
                cv.CORDON_AT_ANNOTATION: STAMP_NOW, cv.CORDON_CHANGE_ANNOTATION: STAMP_CHANGE}},
             "spec": {"taints": taints}}
    final = {"apiVersion": MEMBER_CLUSTER_API, "kind": "MemberCluster", "metadata": {"name": c.name},
             "spec": {"taints": taints}}
    deps = sorted(c.deployments)
    env = c.environment or M.UNKNOWN_ENV
    diff = [M.DIFF_CORDON.format(cluster=c.name, taint=str(taint), annotations=", ".join(cv.CORDON_ANNOTATIONS))]
    if others:
        diff.append(M.DIFF_KEEP_TAINTS.format(taints=", ".join(str(t) for t in others)))
    p = Plan(tool="cordon_cluster", args=args.given(), deployment="", strategy="in_place",
             summary=M.PLAN_CORDON.format(cluster=c.name, environment=env, n=len(deps),
                                          deployments=f" ({', '.join(deps)})" if deps else "",
                                          reason=args.reason or M.NO_REASON),
             actions=[ClusterAction(cluster=c.name, action="update", detail=M.ACTION_CORDON.format(taint=str(taint)))],
             manifests=[final], steps=[Step(kind="patch", ref=cluster_ref(c.name), manifest=patch)],
             diff="\n".join(diff), environments=[c.environment or "unknown"], clusters=[c.name], base=base_of(c))
    return p.seal()


def handler(ctx, args) -> Plan:  # ctx: ToolContext; args: CordonClusterArgs | dict
    return plan(ctx.snapshot(), coerce_args(CordonClusterArgs, args))


TOOL = Tool("cordon_cluster", CordonClusterArgs, True, handler)
