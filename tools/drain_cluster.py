"""``drain_cluster``: cordon a member cluster and move every deployment off it, as one change. Pure planning.

The plan is made of parts (``Plan.parts``), run in order by the executor, each sealed with its own steps,
undo and revision record:

1. the cordon (``cordon_cluster``'s one MemberCluster patch), unless the cluster is already cordoned (a drain
   keeps an existing cordon as it is);
2. one ``move`` per deployment on the cluster (``tools.move``'s planning: a replacement chosen by placement in
   the deployment's own environment, with the reason it was chosen), blue/green per deployment: the
   replacement is placed beside the drained copy, must be ready, and only then does the drained copy go;
3. a deployment with no possible replacement stays where it is: a ``noop`` part that names it with the
   reason, so the plan and the outcome both say so.

Replacements are chosen one deployment after the other, each seeing the room the earlier ones take on
their new clusters, so two deployments are never both promised the same free nodes. The parent plan holds
no steps; its base, manifests, clusters and environments are the union of its parts' (the freshness check
and the policy cover them all). Refuses an unknown cluster (with did-you-mean) and a cluster with nothing to
drain (already cordoned, and running no deployment or none that can move).
"""
from __future__ import annotations

from tools import cordon_cluster, move, plan_text
from tools.args import CordonClusterArgs, DrainClusterArgs, MoveArgs
from tools.catalog import Catalog, default_catalog
from tools.context import ToolContext
from tools.errors import NothingFits, ToolError
from tools.fleet.models import Cluster, Deployment, FleetSnapshot
from tools.messages import clusterops as M
from tools.placement import Placement
from tools.plan import ClusterAction, Intent, Plan
from tools.readonly import coerce_args
from tools.registry import Tool
from tools.runner import live_inputs, live_objects
from tools.targets import left_out


class NothingToDrain(ToolError):
    kind = "nothing_to_drain"


def _environment_of(dep: Deployment, snap: FleetSnapshot) -> str:
    envs = {c.environment for c in (snap.cluster(n) for n in dep.clusters) if c and c.environment}
    return ", ".join(sorted(envs)) or M.UNKNOWN_ENV


def _why(e: ToolError, dep: Deployment, snap: FleetSnapshot) -> str:
    """Why ``dep`` has no replacement, in words: the clusters that could have taken it and why they cannot,
    or that every other cluster of its environment already runs it."""
    if isinstance(e, NothingFits) and isinstance(e.placement, Placement):
        out = left_out(e.placement)
        if out:
            return "; ".join(f"{c}: {r}" for c, r in sorted(out.items()))
        return M.DRAIN_NO_OTHER.format(environment=_environment_of(dep, snap), clusters=", ".join(dep.clusters))
    return e.message


def _gained(part: Plan) -> dict[str, str]:
    """cluster -> instance type of the copies a move part starts."""
    return {a.cluster: a.instance_type or "" for a in part.actions if a.action == "create"}


def _reserve(snap: FleetSnapshot, catalog: Catalog, dep: Deployment, gained: dict[str, str]) -> FleetSnapshot:
    """``snap`` with the nodes a moved deployment takes on its new clusters counted as used."""
    room = snap.model_copy(deep=True)
    m = catalog.get(dep.model)
    for cluster, sku in gained.items():
        c = room.cluster(cluster)
        pool = c.pool(sku) if c else None
        if pool is not None:
            pool.used_nodes += ((m.nodes_on(sku) if m else None) or 1) * dep.replicas
    return room


def _left_in_place(c: Cluster, dep: Deployment, why: str, snap: FleetSnapshot) -> Plan:
    envs = {(x.environment if x else None) or "unknown" for x in (snap.cluster(n) for n in dep.clusters)}
    return Plan(tool="drain_cluster", args={"name": c.name}, deployment=dep.name, strategy="noop",
                summary=M.DRAIN_LEFT_IN_PLACE.format(deployment=dep.name, cluster=c.name, why=why),
                actions=[ClusterAction(cluster=c.name, action="keep",
                                       detail=M.ACTION_DRAIN_KEEP.format(deployment=dep.name, why=why))],
                environments=sorted(envs), clusters=[c.name]).seal()


def _moves(c: Cluster, snap: FleetSnapshot, catalog: Catalog, live: dict[str, dict]) -> tuple[list[Plan], dict[str, str]]:
    """(a move part per deployment that can go, deployment -> why for those that cannot)."""
    parts: list[Plan] = []
    stuck: dict[str, str] = {}
    room = snap
    for name in sorted(c.deployments):
        dep = snap.deployment(name)
        if dep is None:
            continue
        try:
            part = move.plan(MoveArgs(deployment=name, from_clusters=[c.name]), room, catalog, live.get(name))
        except ToolError as e:
            stuck[name] = _why(e, dep, snap)
            continue
        parts.append(part)
        room = _reserve(room, catalog, dep, _gained(part))
    return parts, stuck


def _actions(parts: list[Plan]) -> list[ClusterAction]:
    """The cordon's line, then each deployment's clusters that change (named by deployment)."""
    out: list[ClusterAction] = []
    for p in parts:
        for a in p.actions:
            if not p.deployment:
                out.append(a.model_copy())
            elif p.strategy == "noop" or a.action != "keep":
                detail = a.detail if p.strategy == "noop" else \
                    M.ACTION_DRAIN_PART.format(deployment=p.deployment, detail=a.detail)
                out.append(a.model_copy(update={"detail": detail}))
    return out


def plan(args: DrainClusterArgs, snap: FleetSnapshot, catalog: Catalog | None = None,
         live: dict[str, dict] | None = None) -> Plan:
    """``live``: deployment -> its hub objects (``tools.runner.live_objects``), for the moves."""
    catalog = catalog or default_catalog()
    c = cordon_cluster.find_cluster(snap, args.name)
    if c.cordon is not None and not c.deployments:
        raise NothingToDrain(M.NOTHING_TO_DRAIN.format(cluster=c.name, detail=cordon_cluster.describe(c.cordon)))
    parts: list[Plan] = []
    if c.cordon is None:
        parts.append(cordon_cluster.plan(snap, CordonClusterArgs(name=c.name, reason=args.reason)))
    moves, stuck = _moves(c, snap, catalog, live or {})
    parts += moves
    parts += [_left_in_place(c, d, stuck[d.name], snap) for d in (snap.deployment(n) for n in sorted(stuck)) if d]
    stuck_text = "; ".join(M.DRAIN_STUCK_ONE.format(deployment=d, why=w) for d, w in sorted(stuck.items()))
    if all(p.strategy == "noop" for p in parts):  # cordoned already, and nothing can move: a plan that does nothing
        raise NothingToDrain(M.NOTHING_TO_DRAIN_STUCK.format(cluster=c.name, detail=cordon_cluster.describe(c.cordon),
                                                             stuck=stuck_text))
    env = c.environment or M.UNKNOWN_ENV
    if not c.deployments:
        summary = M.DRAIN_NOTHING.format(cluster=c.name)
        text = M.INTENT_DRAIN_NOTHING.format(cluster=c.name)
    else:
        cordon = M.DRAIN_CORDON if c.cordon is None else M.DRAIN_CORDONED.format(
            detail=cordon_cluster.describe(c.cordon))
        moved = "; ".join(M.DRAIN_MOVE_SHORT.format(deployment=p.deployment, targets=plan_text.names(_gained(p)))
                          for p in moves) or M.DRAIN_NO_MOVES
        summary = M.PLAN_DRAIN.format(cluster=c.name, environment=env, cordon=cordon, moves=moved,
                                      stuck=M.DRAIN_STUCK_TAIL.format(stuck=stuck_text) if stuck else "")
        text = M.INTENT_DRAIN.format(cluster=c.name, deployments=plan_text.names(c.deployments),
                                     stuck=M.INTENT_DRAIN_STUCK.format(stuck=plan_text.names(stuck)) if stuck else "")
    base: dict[str, str | None] = {}
    for p in parts:
        base.update(p.base)
    drain = Plan(tool="drain_cluster", args=args.given(), deployment="", strategy="in_place", summary=summary,
             actions=_actions(parts), manifests=[m for p in parts for m in p.manifests],
             deletes=[d for p in parts for d in p.deletes],
             diff="\n\n".join(p.diff or p.summary for p in parts),
             gpu_delta=sum(p.gpu_delta for p in parts),
             cost_delta_per_hour=round(sum(p.cost_delta_per_hour for p in parts), 4),
             peak_gpu_delta=max([p.peak_gpu_delta for p in parts], default=0),
             environments=sorted({c.environment or "unknown", *(e for p in parts for e in p.environments)}),
             clusters=sorted({c.name, *(x for p in parts for x in p.clusters)}), base=base,
             intent=Intent(text=text, args={**args.given(), "name": c.name}), parts=parts)
    return drain.seal()


def handle(ctx: ToolContext, args: DrainClusterArgs | dict) -> Plan:
    """Plan against the live fleet: its snapshot and the hub objects of every deployment on the cluster."""
    a = coerce_args(DrainClusterArgs, args)
    snap, _ = live_inputs(ctx, None)
    c = snap.cluster(a.name)
    live = {n: live_objects(ctx.fleet, snap, n) for n in (c.deployments if c else [])} if ctx.fleet else {}
    return plan(a, snap, ctx.catalog, live)


TOOL = Tool("drain_cluster", DrainClusterArgs, mutating=True, handler=handle)
