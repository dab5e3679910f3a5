"""``rollback``: plan a change back to a chosen revision (default: the previous one). Pure.

The target comes from the bot's own revision record (full manifests, stored on the hub), never from
KubeFleet's snapshot retention. Going back becomes a new revision (history only grows), applied with the
same rules as any update: blue/green when the model, an instance type or the kind differs, else in place.

The plan records its target: ``Plan.intent.args["to_revision"]`` is the revision resolved when the request
was made, and the intent says it in words ("Roll back coder-assist: revision 3 (Qwen2.5-Coder-32B, H100) →
revision 2 (Qwen2.5-Coder-7B, H100)"). A re-plan from those args goes to the same revision; when the
deployment already runs what that revision ran (another rollback got there first), it is refused with the
reason instead of turning into a change the other way.

Autoscaling goes back too (``tools.rollback_hpa``): to a revision recorded before autoscale was enabled, the
HPA (and the override rule that gave it the replica count) is removed; to one that autoscaled, it is put back.
"""
from __future__ import annotations

from collections.abc import Sequence

from tools import change, plan_text, rollback_hpa, staged, staged_direct
from tools.args import RollbackArgs
from tools.catalog import Catalog, default_catalog
from tools.context import ToolContext
from tools.errors import InvalidRequest, UnknownName
from tools.fleet import conventions as cv
from tools.fleet import inventory as inv
from tools.fleet.models import Deployment, FleetSnapshot, ObjectRef, Revision
from tools.messages import plans as M
from tools.plan import Intent, Plan
from tools.registry import Tool
from tools.runner import live_inputs


def pick(revisions: Sequence[Revision], current: int, deployment: str, to: int | None) -> Revision:
    """The revision to return to: ``to``, or the latest one before ``current``."""
    available = sorted(r.revision for r in revisions)
    if to is None:
        earlier = [r for r in revisions if r.revision < current and r.clusters]
        if not earlier:
            raise InvalidRequest(M.NO_REVISIONS.format(deployment=deployment))
        return max(earlier, key=lambda r: r.revision)
    match = next((r for r in revisions if r.revision == to), None)
    if match is None:
        raise InvalidRequest(M.UNKNOWN_REVISION.format(deployment=deployment, revision=to,
                                                       available=", ".join(map(str, available)) or "none"))
    if to == current:
        raise InvalidRequest(M.SAME_REVISION.format(deployment=deployment, revision=to))
    return match


def plan(args: RollbackArgs, snap: FleetSnapshot, catalog: Catalog | None = None,
         live: dict | None = None) -> Plan:
    catalog = catalog or default_catalog()
    current = snap.deployment(args.deployment)
    if current is None:
        raise UnknownName.among("deployment", args.deployment, [d.name for d in snap.deployments])
    rev = pick(current.revisions, current.revision, current.name, args.to_revision)
    live = live or {}
    if args.stages:  # KubeFleet's way: a staged update run pinned to an older resource snapshot index
        intent = _intent(args, current, rev, catalog)
        return staged.staged_rollback(args.given(), current, rev, snap, list(args.stages),
                                      list(live.get("snapshots") or []), live.get("crp"), live.get("override"),
                                      list(live.get("runs") or []), intent.text, "rollback")
    unknown = [c for c in rev.clusters if snap.cluster(c) is None]
    if unknown:
        raise UnknownName.among("cluster", unknown[0], [c.name for c in snap.clusters])
    skus = {c: rev.instance_types.get(c, rev.instance_type) for c in rev.clusters}
    _check_fits(snap, catalog, current, rev, skus)
    target = change.Target(rev.model, rev.replicas, skus, note=M.PLAN_ROLLBACK_NOTE.format(revision=rev.revision))
    p = change.build("rollback", args.given(), current.name, current, target, snap, catalog,
                     live.get("kaito"), live.get("override"), keep_replica_owner=False)
    if p.strategy == "noop":
        if not rollback_hpa.differs(current, rev, live):
            raise InvalidRequest(M.ROLLBACK_ALREADY.format(deployment=current.name, revision=rev.revision,
                                                           current=current.revision))
        rollback_hpa.only_autoscale(p, current, rev, live, target.note or "")
    p.base[f"HorizontalPodAutoscaler/{current.name}/{cv.hpa_name(current.name)}"] = inv.version_token(live.get("hpa"))
    rollback_hpa.apply(p, current, rev, live)
    p.intent = _intent(args, current, rev, catalog)
    # rolled out in stages before (External): carried out through a gate-less update run (tools.staged_direct)
    return staged_direct.through_runs(p.seal(), live.get("crp"), snap, list(live.get("runs") or []))


def _intent(args: RollbackArgs, current: Deployment, rev: Revision, catalog: Catalog) -> Intent:
    now = next((r for r in current.revisions if r.revision == current.revision), None) or Revision(
        revision=current.revision, model=current.model, instance_type=current.instance_type,
        replicas=current.replicas, clusters=list(current.clusters), instance_types=dict(current.instance_types))
    text = M.INTENT_ROLLBACK.format(deployment=current.name, old=current.revision,
                                    old_what=plan_text.revision_label(now, catalog), new=rev.revision,
                                    new_what=plan_text.revision_label(rev, catalog))
    if args.stages:
        text += M.INTENT_STAGES.format(stages=" → ".join(args.stages))
    return Intent(text=text, args={**args.given(), "deployment": current.name, "to_revision": rev.revision})


def _check_fits(snap: FleetSnapshot, catalog: Catalog, current: Deployment, rev: Revision,
                skus: dict[str, str]) -> None:
    """Refuse a rollback the clusters cannot run now (the instance type is gone, the model does not run on it,
    or too few nodes are free) instead of planning a change that can only fail. A new KAITO object (create or
    blue/green) needs all its nodes free; an in-place change only the extra replicas'."""
    model = catalog.get(rev.model)
    kept = [c for c in skus if c in current.clusters]
    new_object = not current.kaito_name or current.model != rev.model \
        or cv.kaito_kind(current.replicas) != cv.kaito_kind(rev.replicas) \
        or any(current.instance_type_on(c) != skus[c] for c in kept)
    for c, sku in sorted(skus.items()):
        cluster = snap.cluster(c)
        pool = cluster.pool(sku) if cluster else None
        per = model.nodes_on(sku) if model else None
        why = M.ROLLBACK_NO_SKU if pool is None else M.ROLLBACK_NO_FIT if not per else None
        if why or pool is None or per is None:
            raise InvalidRequest(M.ROLLBACK_UNFIT.format(revision=rev.revision, deployment=current.name,
                                                         model=rev.model, sku=sku, cluster=c,
                                                         why=(why or M.ROLLBACK_NO_FIT).format(sku=sku)))
        need = per * rev.replicas - (per * current.replicas if c in kept and not new_object else 0)
        if need > pool.free_nodes:
            raise InvalidRequest(M.NO_CAPACITY.format(cluster=c, free=pool.free_nodes, sku=sku,
                                                      deployment=current.name, need=need))


def handle(ctx: ToolContext, args: RollbackArgs) -> Plan:
    """Plan against the live fleet: its snapshot, the hub objects an update builds on and the autoscaler."""
    snap, live = live_inputs(ctx, args.deployment, retired=True)
    if ctx.fleet is not None and snap.deployment(args.deployment) is not None:
        live = {**live, "hpa": ctx.fleet.get(ObjectRef(apiVersion=cv.HPA_API_VERSION, kind="HorizontalPodAutoscaler",
                                                       name=cv.hpa_name(args.deployment), namespace=args.deployment))}
    if ctx.fleet is not None:
        live = {**live, "crp": ctx.fleet.get(ObjectRef("ClusterResourcePlacement", args.deployment))}
        if args.stages or staged_direct.is_external(live["crp"]):
            live.update(snapshots=ctx.fleet.resource_snapshots(args.deployment),
                        runs=ctx.fleet.update_runs(args.deployment))
    return plan(args, snap, ctx.catalog, live=live)


TOOL = Tool("rollback", RollbackArgs, mutating=True, handler=handle)
