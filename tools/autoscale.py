"""``autoscale``: min/max replicas of a deployment through a HorizontalPodAutoscaler. Pure planning.

The HPA (``autoscaling/v2``, named like the deployment, in its namespace on the hub) targets the KAITO
InferenceSet's scale subresource; the deployment's ClusterResourcePlacement already selects the whole
namespace, so the HPA lands on every member beside the InferenceSet and scales it there. The metric is
``conventions.AUTOSCALE_METRIC`` (requests waiting per replica), average ``AUTOSCALE_TARGET_AVERAGE``.

The member's HPA, not KubeFleet, owns the InferenceSet's replica count there: the KAITO object's
ResourceOverride gets a rule removing ``spec.replicas`` from what KubeFleet applies (``tools.replica_owner``),
else KubeFleet's work applier would re-apply the hub's count over every scaling decision. Turning
autoscaling on or off is a revision of its own (``Revision.autoscaling`` says which), so that ``rollback``
puts the autoscaler back as the target revision had it.

* InferenceSet-backed deployment → in place: apply the HPA, then the override rule, then the new revision
  label on the InferenceSet (noop when the HPA already says the same and the rule is there).
* Workspace-backed (one fixed replica, KAITO has no scale subresource there) → blue/green first: a new
  InferenceSet (a new revision, starting at min_replicas) beside the Workspace, wait until it is ready
  everywhere, delete the Workspace, then apply the HPA and the override rule. If the new side fails, it
  is removed and the Workspace keeps serving.
* ``enabled: false`` → delete the HPA, then the rule (the override goes when nothing else is in it): the
  members go back to the hub's replica count; noop without either.

GPUs and cost are counted at max_replicas ("up to"). Refused: unknown deployment, a deployment on no
cluster, max_replicas above what a cluster can give (free nodes plus what the deployment holds there),
and a Workspace whose clusters have no room to start the InferenceSet beside it.
"""
from __future__ import annotations

from tools import manifests as mf
from tools import replica_owner as owner
from tools import staged_direct
from tools.args import AutoscaleArgs
from tools.catalog import Catalog, default_catalog
from tools.errors import InvalidRequest, UnknownName
from tools.fleet import conventions as cv
from tools.fleet import inventory as inv
from tools.fleet.kube import Ref
from tools.fleet.models import Deployment, FleetSnapshot, Revision
from tools.messages import clusterops as M
from tools.messages import plans as PM
from tools.plan import ClusterAction, ObjectRef, Plan, Step
from tools.readonly import coerce_args
from tools.registry import Tool

hpa_manifest = owner.hpa_manifest  # the manifest lives beside the replica-ownership rule it goes with


def _hpa_ref(deployment: str) -> ObjectRef:
    return ObjectRef(apiVersion=cv.HPA_API_VERSION, kind="HorizontalPodAutoscaler", name=cv.hpa_name(deployment),
                     namespace=deployment)


def _kaito_ref(obj: dict) -> ObjectRef:
    meta = obj["metadata"]
    return ObjectRef(apiVersion=obj["apiVersion"], kind=obj["kind"], name=meta["name"], namespace=meta.get("namespace"))


def inference_set(dep: Deployment, name: str, replicas: int, revision: int) -> dict:
    """The InferenceSet that replaces a Workspace (the manifests builder picks the kind by replica count,
    so build it for 2 and set the real starting count: an InferenceSet may run one replica)."""
    obj = mf.kaito_object(dep.name, name, dep.model, dep.instance_type, 2, revision)
    obj["spec"]["replicas"] = replicas
    return obj


class _Pool:
    """What one replica of the deployment needs on one cluster, and what the cluster has."""

    def __init__(self, snap: FleetSnapshot, catalog: Catalog, dep: Deployment, cluster: str):
        self.cluster, self.sku = cluster, dep.instance_type_on(cluster)
        m, s = catalog.get(dep.model), catalog.sku(self.sku)
        self.nodes = (m.nodes_on(self.sku) if m else None) or 1
        self.gpus_per_node = s.gpus if s else 0
        c = snap.cluster(cluster)
        pool = c.pool(self.sku) if c else None
        self.free = pool.free_nodes if pool else 0
        self.price = (pool.price_per_node_hour if pool else None) or 0.0
        self.mine = dep.replicas * self.nodes  # nodes the deployment holds there now

    @property
    def fit(self) -> int:
        return max(0, (self.free + self.mine) // self.nodes)

    def delta(self, replicas: int, now: int) -> tuple[int, float]:
        n = (replicas - now) * self.nodes
        return n * self.gpus_per_node, n * self.price


def plan(snap: FleetSnapshot, args: AutoscaleArgs, catalog: Catalog | None = None, live_hpa: dict | None = None,
         live_override: dict | None = None, live_kaito: dict | None = None) -> Plan:
    """``live_*``: the hub's HPA, the KAITO object's ResourceOverride and the KAITO object, as they are now."""
    catalog = catalog or default_catalog()
    dep = snap.deployment(args.deployment)
    if dep is None:
        raise UnknownName.among("deployment", args.deployment, [d.name for d in snap.deployments])
    if not dep.clusters:
        raise InvalidRequest(M.NOT_PLACED.format(deployment=dep.name))
    pools = [_Pool(snap, catalog, dep, c) for c in sorted(dep.clusters)]
    base = dict(dep.resource_versions)
    base[f"HorizontalPodAutoscaler/{dep.name}/{cv.hpa_name(dep.name)}"] = inv.version_token(live_hpa)
    if dep.kaito_name:
        base[f"ResourceOverride/{dep.name}/{cv.kaito_override_name(dep.kaito_name)}"] = \
            inv.version_token(live_override)
    envs = sorted({(c.environment if c else None) or "unknown" for c in map(snap.cluster, dep.clusters)})
    p = Plan(tool="autoscale", args=args.given(), deployment=dep.name, strategy="noop", summary="",
             environments=envs, clusters=sorted(dep.clusters), base=base)
    if not args.enabled:
        return _off(p, dep, pools, live_hpa, live_override, live_kaito).seal()
    lo, hi = args.min_replicas, args.max_replicas
    if lo is None or hi is None:  # the argument model already refuses this; kept for direct callers
        raise InvalidRequest(M.NO_RANGE)
    short = [x for x in pools if x.fit < hi]
    if short:
        limits = "; ".join(M.TOO_MANY_LIMIT.format(cluster=x.cluster, fit=x.fit, nodes=x.nodes, sku=x.sku,
                                                   free=x.free, mine=x.mine) for x in short)
        raise InvalidRequest(M.TOO_MANY_REPLICAS.format(max=hi, deployment=dep.name, limits=limits,
                                                        fit=min(x.fit for x in pools)))
    gpus = sum(x.delta(hi, dep.replicas)[0] for x in pools)
    cost = sum(x.delta(hi, dep.replicas)[1] for x in pools)
    p.gpu_delta, p.cost_delta_per_hour = gpus, round(cost, 4)
    for x in pools:
        g, c = x.delta(hi, dep.replicas)
        p.actions.append(ClusterAction(cluster=x.cluster, action="scale", instance_type=x.sku, gpu_delta=g,
                                       cost_delta_per_hour=round(c, 4),
                                       detail=M.ACTION_AUTOSCALE.format(min=lo, max=hi, now=dep.replicas, gpus=g,
                                                                        cost=M.money(c))))
    summary = M.PLAN_AUTOSCALE.format(deployment=dep.name, min=lo, max=hi, clusters=", ".join(p.clusters),
                                      metric=cv.AUTOSCALE_METRIC, target=cv.AUTOSCALE_TARGET_AVERAGE, gpus=gpus,
                                      cost=M.money(cost))
    if dep.kaito_kind == "Workspace":
        _convert(p, dep, pools, lo, hi, live_override)
        p.summary = summary + M.PLAN_AUTOSCALE_CONVERT.format(old=dep.kaito_name, new=p.manifests[0]["metadata"]["name"])
    else:
        target_name = dep.kaito_name or cv.kaito_object_name(dep.name, dep.revision)
        hpa = hpa_manifest(dep.name, target_name, lo, hi)
        if live_hpa is not None and _same(live_hpa, hpa) and owner.has_rule(live_override):
            p.summary = M.PLAN_AUTOSCALE_SAME.format(deployment=dep.name, min=lo, max=hi)
            p.actions, p.gpu_delta, p.cost_delta_per_hour = [], 0, 0.0
            return p.seal()
        ro = owner.with_rule(live_override, dep.name, "InferenceSet", target_name)
        rev = _next_revision(dep)
        kaito = _relabelled(dep, target_name, live_kaito, rev)
        # the HPA first, then the override handing it the replica count, then the revision label
        p.strategy, p.manifests, p.summary = "in_place", [hpa, ro, kaito], summary + M.PLAN_AUTOSCALE_OWNER
        p.steps = [Step(kind="apply", manifest=m) for m in p.manifests]
        p.revision = _revision(dep, rev, M.AUTOSCALE_NOTE.format(min=lo, max=hi), owner.state(lo, hi))
    target: dict = p.manifests[0] if dep.kaito_kind == "Workspace" else {"kind": "InferenceSet", "metadata": {
        "name": dep.kaito_name}}
    p.diff = "\n".join([M.DIFF_AUTOSCALE.format(deployment=dep.name, min=lo, max=hi, metric=cv.AUTOSCALE_METRIC,
                                                target=cv.AUTOSCALE_TARGET_AVERAGE, kind=target["kind"],
                                                name=target["metadata"]["name"]),
                        M.DIFF_REPLICAS_OWNER.format(name=cv.kaito_override_name(target["metadata"]["name"]))]
                       + [PM.DIFF_APPLY.format(kind=m["kind"], name=f"{dep.name}/{m['metadata']['name']}")
                          for m in p.manifests]
                       + [PM.DIFF_DELETE.format(kind=d.kind, name=f"{dep.name}/{d.name}") for d in p.deletes]
                       + [M.DIFF_CEILING.format(gpus=gpus, cost=f"{cost:+.2f}")])
    return p.seal()


def _next_revision(dep: Deployment) -> int:
    return max([r.revision for r in dep.revisions] + [dep.revision]) + 1


def _relabelled(dep: Deployment, name: str, live_kaito: dict | None, revision: int) -> dict:
    """The hub InferenceSet labelled with the new revision (its spec as it is)."""
    if live_kaito is not None:
        return mf.relabel(live_kaito, revision)
    return inference_set(dep, name, dep.replicas, revision)


def _revision(dep: Deployment, revision: int, note: str, autoscaling: dict[str, int]) -> Revision:
    return Revision(revision=revision, model=dep.model, instance_type=dep.instance_type, replicas=dep.replicas,
                    clusters=sorted(dep.clusters), instance_types=dict(dep.instance_types), note=note,
                    autoscaling=autoscaling)


def _same(live: dict, want: dict) -> bool:
    return (live.get("spec") or {}) == want["spec"] and \
        all(((live.get("metadata") or {}).get("labels") or {}).get(k) == v for k, v in want["metadata"]["labels"].items())


def _off(p: Plan, dep: Deployment, pools: list[_Pool], live_hpa: dict | None, live_override: dict | None,
         live_kaito: dict | None) -> Plan:
    if live_hpa is None and not owner.has_rule(live_override):
        p.summary = M.PLAN_AUTOSCALE_NONE.format(deployment=dep.name)
        return p
    old_max = int(((live_hpa or {}).get("spec") or {}).get("maxReplicas") or dep.replicas)
    gpus = sum(x.delta(dep.replicas, old_max)[0] for x in pools)
    cost = sum(x.delta(dep.replicas, old_max)[1] for x in pools)
    # the HPA goes first, then KubeFleet gets the replica count back (the hub's) on every member
    p.strategy = "in_place"
    p.deletes, p.steps, p.manifests = removal(dep.name, live_hpa, live_override)
    if dep.kaito_name and dep.kaito_kind == "InferenceSet":
        rev = _next_revision(dep)
        kaito = _relabelled(dep, dep.kaito_name, live_kaito, rev)
        p.manifests.append(kaito)
        p.steps.append(Step(kind="apply", manifest=kaito))
        p.revision = _revision(dep, rev, M.AUTOSCALE_OFF_NOTE, {})
    p.gpu_delta, p.cost_delta_per_hour = gpus, round(cost, 4)
    p.actions = [ClusterAction(cluster=x.cluster, action="update", instance_type=x.sku,
                               gpu_delta=x.delta(dep.replicas, old_max)[0],
                               cost_delta_per_hour=round(x.delta(dep.replicas, old_max)[1], 4),
                               detail=M.ACTION_AUTOSCALE_OFF.format(replicas=dep.replicas)) for x in pools]
    p.summary = M.PLAN_AUTOSCALE_OFF.format(deployment=dep.name, replicas=dep.replicas, gpus=gpus, cost=M.money(cost))
    p.diff = "\n".join([M.DIFF_AUTOSCALE_OFF.format(deployment=dep.name, name=cv.hpa_name(dep.name))]
                       + [PM.DIFF_APPLY.format(kind=m["kind"], name=f"{dep.name}/{m['metadata']['name']}")
                          for m in p.manifests]
                       + [PM.DIFF_DELETE.format(kind=d.kind, name=f"{dep.name}/{d.name}") for d in p.deletes]
                       + [M.DIFF_CEILING.format(gpus=gpus, cost=f"{cost:+.2f}")])
    return p


def removal(deployment: str, live_hpa: dict | None, live_override: dict | None
            ) -> tuple[list[ObjectRef], list[Step], list[dict]]:
    """(deletes, steps, manifests) that take autoscaling away: the HPA, then the override rule that hands it
    the replica count (the override goes with it when nothing else is left in it). Also used by rollback."""
    deletes: list[ObjectRef] = [_hpa_ref(deployment)] if live_hpa is not None else []
    manifests: list[dict] = []
    if owner.has_rule(live_override) and live_override is not None:
        rest = owner.without_rule(live_override)
        if rest is None:
            deletes.append(_kaito_ref(live_override))
        else:
            manifests.append(rest)
    steps = [Step(kind="delete", ref=d) for d in deletes[:1] if d.kind == "HorizontalPodAutoscaler"]
    steps += [Step(kind="apply", manifest=m) for m in manifests]
    steps += [Step(kind="delete", ref=d) for d in deletes if d.kind != "HorizontalPodAutoscaler"]
    return deletes, steps, manifests


def _convert(p: Plan, dep: Deployment, pools: list[_Pool], lo: int, hi: int, live_override: dict | None) -> None:
    """Workspace → InferenceSet blue/green, then the HPA (see the module docstring)."""
    start = lo
    cramped = next((x for x in pools if x.free < start * x.nodes), None)
    if cramped is not None:
        raise InvalidRequest(M.NO_ROOM_TO_SWITCH.format(deployment=dep.name, cluster=cramped.cluster, start=start,
                                                        nodes=cramped.nodes, sku=cramped.sku, free=cramped.free))
    new_rev = _next_revision(dep)
    new_name = cv.kaito_object_name(dep.name, new_rev)
    new = inference_set(dep, new_name, start, new_rev)
    skus = {c: dep.instance_type_on(c) for c in dep.clusters}
    ro_new = mf.sku_override(dep.name, new, skus)
    # once the HPA is there, the override also hands it the replica count (KubeFleet: one override per object)
    ro_final = owner.with_rule(ro_new, dep.name, "InferenceSet", new_name)
    old_ref = ObjectRef(apiVersion=f"{cv.KAITO_GROUP}/{cv.KAITO_VERSION}", kind="Workspace",
                        name=dep.kaito_name or cv.kaito_object_name(dep.name, dep.revision), namespace=dep.name)
    hpa = hpa_manifest(dep.name, new_name, lo, hi)
    new_ref = _kaito_ref(new)
    steps = ([Step(kind="apply", manifest=ro_new)] if ro_new else []) + [
        Step(kind="apply", manifest=new),
        Step(kind="wait_ready", ref=new_ref, clusters=sorted(dep.clusters), note=PM.STEP_WAIT_READY)]
    deletes = [old_ref] + ([_kaito_ref(live_override)] if live_override else [])
    steps += [Step(kind="delete", ref=d) for d in deletes]
    steps += [Step(kind="apply", manifest=hpa), Step(kind="apply", manifest=ro_final),
              Step(kind="wait_absent", ref=old_ref, clusters=sorted(dep.clusters), note=PM.STEP_WAIT_GONE)]
    undo = [Step(kind="delete", ref=new_ref), Step(kind="delete", ref=_kaito_ref(ro_final)),
            Step(kind="wait_absent", ref=new_ref, clusters=sorted(dep.clusters), note=PM.STEP_WAIT_GONE)]
    p.strategy = "blue_green"
    p.manifests = [new, hpa, ro_final]
    p.deletes, p.steps, p.undo = deletes, steps, undo
    p.peak_gpu_delta = sum(start * x.nodes * x.gpus_per_node for x in pools)
    default = new["spec"]["template"]["resource"]["instanceType"]
    p.revision = Revision(revision=new_rev, model=dep.model, instance_type=default, replicas=start,
                          clusters=sorted(dep.clusters), instance_types={c: s for c, s in skus.items() if s != default},
                          note=M.AUTOSCALE_NOTE.format(min=lo, max=hi), autoscaling=owner.state(lo, hi))
    for a in p.actions:
        a.action = "replace"
        a.detail = f"{M.ACTION_AUTOSCALE_CONVERT.format(old=old_ref.name, new=new_name, min=lo, max=hi)}; {a.detail}"


def live_objects(fleet, dep: Deployment) -> tuple[dict | None, dict | None, dict | None]:
    """(HPA, the KAITO object's ResourceOverride, the KAITO object) of ``dep`` on the hub now."""
    hpa = fleet.get(Ref("HorizontalPodAutoscaler", cv.hpa_name(dep.name), dep.name))
    if not dep.kaito_name or not dep.kaito_kind:
        return hpa, None, None
    return hpa, fleet.get(Ref("ResourceOverride", cv.kaito_override_name(dep.kaito_name), dep.name)), \
        fleet.get(Ref(dep.kaito_kind, dep.kaito_name, dep.name))


def handler(ctx, args) -> Plan:  # ctx: ToolContext; args: AutoscaleArgs | dict
    a = coerce_args(AutoscaleArgs, args)
    snap = ctx.snapshot()
    live: tuple[dict | None, dict | None, dict | None] = (None, None, None)
    dep = snap.deployment(a.deployment)
    if ctx.fleet is not None and dep is not None:
        live = live_objects(ctx.fleet, dep)
    return staged_direct.on_live(ctx.fleet, plan(snap, a, ctx.catalog, *live), snap)


TOOL = Tool("autoscale", AutoscaleArgs, True, handler)
