"""From a deployment's current state and a target state to a Plan (pure).

``deploy`` and ``rollback`` both compute a ``Target`` (model, replicas, and an instance type per
cluster) and hand it here. The strategy follows KAITO's rules (FLEET_API §6.3):

* new deployment → create: Namespace, KAITO object, (per-cluster instance-type override), placement;
* model, instance type on a kept cluster, or kind (1 ↔ many replicas) changes are immutable in KAITO →
  blue/green: a new KAITO object beside the old one, wait until it is ready everywhere, then delete the
  old one; if the new side fails, the undo steps delete it and the old side keeps serving;
* replica count (InferenceSet N→M) and cluster-set changes → in place;
* nothing different → noop.
A blue/green that also changes the cluster set places both objects on the union of clusters during
the switch and keeps each off the clusters it does not belong on with ``Delete`` override rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from tools import manifests as mf
from tools import replica_owner
from tools.catalog import Catalog
from tools.fleet import conventions as cv
from tools.fleet.models import Deployment, FleetSnapshot, Revision
from tools.messages import plans as M
from tools.plan import ClusterAction, ObjectRef, Plan, Step


@dataclass
class Target:
    model: str
    replicas: int
    skus: dict[str, str]  # cluster -> instance type
    note: str = ""
    args: dict = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)  # cluster -> why a placement left it out
    team: str | None = None  # owner of a new deployment (its namespace's team label)

    @property
    def clusters(self) -> list[str]:
        return sorted(self.skus)


def _ref(obj: dict) -> ObjectRef:
    meta = obj["metadata"]
    return ObjectRef(apiVersion=obj["apiVersion"], kind=obj["kind"], name=meta["name"],
                     namespace=meta.get("namespace"))


def _kaito_ref(deployment: str, kind: str, name: str) -> ObjectRef:
    return ObjectRef(apiVersion=f"{cv.KAITO_GROUP}/{cv.KAITO_VERSION}", kind=kind, name=name, namespace=deployment)


def _usage(catalog: Catalog, snap: FleetSnapshot, model: str, sku: str, replicas: int, cluster: str) -> tuple[int, float]:
    """(GPUs, $/h) one deployment uses on one cluster."""
    m = catalog.get(model)
    nodes = ((m.nodes_on(sku) if m else None) or 1) * replicas
    s = catalog.sku(sku)
    c = snap.cluster(cluster)
    pool = c.pool(sku) if c else None
    price = (pool.price_per_node_hour if pool else None) or 0.0
    return nodes * (s.gpus if s else 0), nodes * price


def _envs(snap: FleetSnapshot, clusters: set[str]) -> list[str]:
    found = (snap.cluster(c) for c in clusters)
    return sorted({(c.environment if c else None) or "unknown" for c in found})


def _override_with_deletes(deployment: str, kaito: dict, skus: dict[str, str], hide_on: set[str]) -> dict | None:
    ro = mf.sku_override(deployment, kaito, skus)
    if not hide_on:
        return ro
    rules = [{"clusterSelector": {"clusterSelectorTerms": [
                 {"labelSelector": {"matchLabels": {cv.MEMBER_NAME_LABEL: c}}}]}, "overrideType": "Delete"}
             for c in sorted(hide_on)]
    if ro is None:
        name = kaito["metadata"]["name"]
        ro = {"apiVersion": f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}", "kind": "ResourceOverride",
              "metadata": {"name": f"{name}-sku", "namespace": deployment,
                           "labels": {cv.DEPLOYMENT_LABEL: deployment, cv.MANAGED_BY_LABEL: cv.MANAGED_BY_VALUE}},
              "spec": {"placement": {"name": deployment, "scope": "Cluster"},
                       "resourceSelectors": [{"group": cv.KAITO_GROUP, "version": cv.KAITO_VERSION,
                                              "kind": kaito["kind"], "name": name}],
                       "policy": {"overrideRules": rules}}}
    else:
        ro["spec"]["policy"]["overrideRules"] = ro["spec"]["policy"]["overrideRules"] + rules
    return ro


def _default_sku(skus: dict[str, str]) -> str:
    """The hub object's instance type: the most common one (ties: alphabetical)."""
    counts: dict[str, int] = {}
    for s in skus.values():
        counts[s] = counts.get(s, 0) + 1
    return sorted(counts, key=lambda s: (-counts[s], s))[0]


def build(tool: str, args: dict, deployment: str, current: Deployment | None, target: Target,
          snap: FleetSnapshot, catalog: Catalog, live_kaito: dict | None = None,
          live_override: dict | None = None, keep_replica_owner: bool = True) -> Plan:
    """The plan that takes ``deployment`` from ``current`` (None = absent) to ``target``.

    ``keep_replica_owner``: an autoscaled InferenceSet's HPA keeps the replica count (``replica_owner.keep``);
    a rollback passes False and puts autoscaling back as its revision had it (``tools.rollback_hpa``).

    ``live_kaito``/``live_override`` are the current hub KAITO object and its ResourceOverride (needed for
    in-place updates, which must leave KAITO's immutable fields untouched)."""
    new_rev = (max([r.revision for r in current.revisions] + [current.revision]) if current else 0) + 1
    cur_clusters = set(current.clusters) if current else set()
    tgt_clusters = set(target.clusters)
    actions: list[ClusterAction] = []
    gpu_delta, cost_delta, peak = 0, 0.0, 0
    for c in sorted(cur_clusters | tgt_clusters):
        old_g, old_c = _usage(catalog, snap, current.model, current.instance_type_on(c), current.replicas, c) \
            if current and c in cur_clusters else (0, 0.0)
        new_g, new_c = _usage(catalog, snap, target.model, target.skus[c], target.replicas, c) \
            if c in tgt_clusters else (0, 0.0)
        gpu_delta += new_g - old_g
        cost_delta += new_c - old_c
        peak += new_g
        actions.append(ClusterAction(cluster=c, action="keep", detail="", instance_type=target.skus.get(c),
                                     gpu_delta=new_g - old_g, cost_delta_per_hour=round(new_c - old_c, 4)))

    revision = Revision(revision=new_rev, model=target.model, instance_type=_default_sku(target.skus),
                        replicas=target.replicas, clusters=target.clusters,
                        instance_types={c: s for c, s in target.skus.items() if s != _default_sku(target.skus)},
                        note=target.note or None)
    base: dict[str, str | None] = dict(current.resource_versions) if current else {
        f"Namespace/{deployment}": None, f"ClusterResourcePlacement/{deployment}": None}
    plan = Plan(tool=tool, args=args, deployment=deployment, strategy="noop", summary="", actions=actions,
                gpu_delta=gpu_delta, cost_delta_per_hour=round(cost_delta, 4),
                environments=_envs(snap, cur_clusters | tgt_clusters),
                clusters=sorted(cur_clusters | tgt_clusters), base=base, revision=revision)

    immutable = current is not None and (
        current.model != target.model
        or cv.kaito_kind(current.replicas) != cv.kaito_kind(target.replicas)
        or any(current.instance_type_on(c) != target.skus[c] for c in cur_clusters & tgt_clusters))
    if current is None or (not current.clusters and not current.kaito_name):  # new, or back after an undeploy
        _create(plan, deployment, target, new_rev)
    elif immutable:
        _blue_green(plan, deployment, current, target, new_rev, live_override)
        plan.peak_gpu_delta = peak
    elif current.replicas != target.replicas or cur_clusters != tgt_clusters:
        _in_place(plan, deployment, current, target, new_rev, live_kaito or {}, live_override)
    else:
        plan.strategy = "noop"
        plan.summary = M.PLAN_NOOP.format(deployment=deployment)
        plan.revision = None
        for a in plan.actions:
            a.action, a.detail = "keep", M.ACTION_KEEP
    if keep_replica_owner:
        replica_owner.keep(plan, deployment, live_override)
    _describe(plan, current, target, cur_clusters, tgt_clusters)
    return plan.seal()


def _create(plan: Plan, dep: str, t: Target, rev: int) -> None:
    default = _default_sku(t.skus)
    name = cv.kaito_object_name(dep, rev)
    ns, kaito, crp = mf.namespace(dep, t.team), mf.kaito_object(dep, name, t.model, default, t.replicas, rev), \
        mf.placement(dep, t.clusters)
    ro = mf.sku_override(dep, kaito, t.skus)
    plan.strategy = "create"
    plan.manifests = [o for o in (ns, kaito, ro, crp) if o]
    plan.steps = [Step(kind="apply", manifest=o) for o in plan.manifests] + [
        Step(kind="wait_ready", ref=_ref(kaito), clusters=t.clusters, note=M.STEP_WAIT_READY)]
    for a in plan.actions:
        a.action, a.detail = "create", M.ACTION_CREATE.format(sku=t.skus[a.cluster], replicas=t.replicas)
    plan.summary = M.PLAN_CREATE.format(deployment=dep, model=t.model, n=len(t.clusters),
                                        clusters=", ".join(t.clusters))


def _in_place(plan: Plan, dep: str, cur: Deployment, t: Target, rev: int, live: dict, live_ro: dict | None) -> None:
    kaito = mf.relabel(live, rev, t.replicas) if live else mf.kaito_object(
        dep, cur.kaito_name or cv.kaito_object_name(dep, rev), t.model, cur.instance_type, t.replicas, rev)
    added = set(t.clusters) - set(cur.clusters)
    removed = set(cur.clusters) - set(t.clusters)
    # clusters already running keep their override rules; new clusters get theirs
    skus = {c: cur.instance_type_on(c) for c in set(cur.clusters) & set(t.clusters)}
    skus.update({c: t.skus[c] for c in added})
    ro = mf.sku_override(dep, kaito, skus)
    crp = mf.placement(dep, t.clusters)
    plan.strategy = "in_place"
    plan.manifests = [o for o in (kaito, ro, crp) if o]
    if live_ro is not None and ro is None:
        plan.deletes = [_ref(live_ro)]
    kref = _ref(kaito)
    # wait where something changed: every cluster when the replica count changes, else the new ones
    changed = t.clusters if cur.replicas != t.replicas else sorted(added)
    if added and removed:
        _switch_over(plan, dep, cur, t, kaito, ro, crp, changed, live, live_ro)
    else:
        plan.steps = [Step(kind="apply", manifest=o) for o in plan.manifests]
        plan.steps += [Step(kind="delete", ref=d) for d in plan.deletes]
        if changed:
            plan.steps.append(Step(kind="wait_ready", ref=kref, clusters=changed, note=M.STEP_WAIT_READY))
        if removed:
            plan.steps.append(Step(kind="wait_absent", ref=kref, clusters=sorted(removed), note=M.STEP_WAIT_GONE))
    for a in plan.actions:
        if a.cluster in added:
            a.action, a.detail = "create", M.ACTION_CREATE.format(sku=t.skus[a.cluster], replicas=t.replicas)
        elif a.cluster in removed:
            a.action, a.detail = "remove", M.ACTION_REMOVE
        elif cur.replicas != t.replicas:
            a.action, a.detail = "scale", M.ACTION_SCALE.format(old=cur.replicas, new=t.replicas)
        else:
            a.action, a.detail = "keep", M.ACTION_KEEP
    plan.summary = M.PLAN_IN_PLACE.format(deployment=dep)


def _switch_over(plan: Plan, dep: str, cur: Deployment, t: Target, kaito: dict, ro: dict | None, crp: dict,
                 changed: list[str], live: dict, live_ro: dict | None) -> None:
    """Clusters both join and leave (a move, or "only there"): make before break. The object is placed on
    the union first; the clusters it leaves lose it only once it serves on the new ones. If the new side
    fails, the undo steps put the placement (and the override) back and the old clusters keep serving."""
    added = sorted(set(t.clusters) - set(cur.clusters))
    removed = sorted(set(cur.clusters) - set(t.clusters))
    union = sorted(set(cur.clusters) | set(t.clusters))
    kref = _ref(kaito)
    # during the switch every cluster keeps (or gets) its instance type: an override rule dropped too early
    # would change an immutable field on a member that still serves
    switch_skus = {c: cur.instance_type_on(c) for c in cur.clusters}
    switch_skus.update({c: t.skus[c] for c in added})
    ro_switch = mf.sku_override(dep, kaito, switch_skus)
    steps = [Step(kind="apply", manifest=kaito)]
    if ro_switch:
        steps.append(Step(kind="apply", manifest=ro_switch))
    steps.append(Step(kind="apply", manifest=mf.placement(dep, union)))
    steps.append(Step(kind="wait_ready", ref=kref, clusters=changed, note=M.STEP_WAIT_READY))
    steps.append(Step(kind="apply", manifest=crp))
    steps.append(Step(kind="wait_absent", ref=kref, clusters=removed, note=M.STEP_WAIT_GONE))
    if ro:
        steps.append(Step(kind="apply", manifest=ro))
    elif ro_switch or live_ro:
        gone = _ref(ro_switch or live_ro)  # type: ignore[arg-type]
        plan.deletes = [gone]
        steps.append(Step(kind="delete", ref=gone))
    # undo: the placement back to the old clusters, the new copies gone, then the override as it was
    undo = [Step(kind="apply", manifest=mf.placement(dep, sorted(cur.clusters))),
            Step(kind="wait_absent", ref=kref, clusters=added, note=M.STEP_WAIT_GONE)]
    if live_ro:
        undo.append(Step(kind="apply", manifest=mf.desired(live_ro)))
    elif ro_switch:
        undo.append(Step(kind="delete", ref=_ref(ro_switch)))
    if live:  # the object's revision label (and replicas) as they were
        undo.append(Step(kind="apply", manifest=mf.desired(live)))
    plan.steps, plan.undo = steps, undo


def _blue_green(plan: Plan, dep: str, cur: Deployment, t: Target, rev: int, live_ro: dict | None) -> None:
    old_name = cur.kaito_name or cv.kaito_object_name(dep, cur.revision)
    old_ref = _kaito_ref(dep, cur.kaito_kind, old_name)
    new_name = cv.kaito_object_name(dep, rev)
    new = mf.kaito_object(dep, new_name, t.model, _default_sku(t.skus), t.replicas, rev)
    new_ref = _ref(new)
    cur_set, tgt_set = set(cur.clusters), set(t.clusters)
    union = sorted(cur_set | tgt_set)
    ro_new_final = mf.sku_override(dep, new, t.skus)
    ro_new_switch = _override_with_deletes(dep, new, t.skus, cur_set - tgt_set)
    # the placement already selects the namespace: the new object's override must be in place before the
    # object itself, or it lands with the default instance type (immutable in KAITO) where it should differ
    steps: list[Step] = [Step(kind="apply", manifest=ro_new_switch)] if ro_new_switch else []
    steps.append(Step(kind="apply", manifest=new))
    undo: list[Step] = [Step(kind="delete", ref=new_ref)]
    if ro_new_switch:
        undo.append(Step(kind="delete", ref=_ref(ro_new_switch)))
    ro_old_switch = None
    if cur_set != tgt_set:
        old_obj_stub = {"apiVersion": old_ref.apiVersion, "kind": old_ref.kind,
                        "metadata": {"name": old_name, "namespace": dep}, "resource": {"instanceType": cur.instance_type},
                        "spec": {"template": {"resource": {"instanceType": cur.instance_type}}}}
        old_skus = {c: cur.instance_type_on(c) for c in cur_set}
        ro_old_switch = _override_with_deletes(dep, old_obj_stub, old_skus, tgt_set - cur_set)
        if ro_old_switch:
            steps.append(Step(kind="apply", manifest=ro_old_switch))
            undo.append(Step(kind="apply", manifest=mf.desired(live_ro)) if live_ro
                        else Step(kind="delete", ref=_ref(ro_old_switch)))
        steps.append(Step(kind="apply", manifest=mf.placement(dep, union)))
        undo.append(Step(kind="apply", manifest=mf.placement(dep, sorted(cur_set))))
    steps.append(Step(kind="wait_ready", ref=new_ref, clusters=t.clusters, note=M.STEP_WAIT_READY))
    # switch over: remove the old side
    old_ro = live_ro or (ro_old_switch if cur_set != tgt_set else None)  # the switch may have made one
    deletes = [old_ref] + ([_ref(old_ro)] if old_ro else [])
    steps += [Step(kind="delete", ref=d) for d in deletes]
    final = [new] + ([ro_new_final] if ro_new_final else []) + [mf.placement(dep, t.clusters)]
    if cur_set != tgt_set:
        steps.append(Step(kind="apply", manifest=mf.placement(dep, t.clusters)))
        if ro_new_final:
            steps.append(Step(kind="apply", manifest=ro_new_final))
        elif ro_new_switch:
            steps.append(Step(kind="delete", ref=_ref(ro_new_switch)))
    steps.append(Step(kind="wait_absent", ref=old_ref, clusters=sorted(cur_set), note=M.STEP_WAIT_GONE))
    undo.append(Step(kind="wait_absent", ref=new_ref, clusters=union, note=M.STEP_WAIT_GONE))
    plan.strategy = "blue_green"
    plan.manifests = final
    plan.deletes = deletes
    plan.steps = steps
    plan.undo = undo
    for a in plan.actions:
        if a.cluster not in tgt_set:
            a.action, a.detail = "remove", M.ACTION_REMOVE
        elif a.cluster not in cur_set:
            a.action, a.detail = "create", M.ACTION_CREATE.format(sku=t.skus[a.cluster], replicas=t.replicas)
        else:
            a.action, a.detail = "replace", M.ACTION_REPLACE.format(old=old_name, new=new_name, sku=t.skus[a.cluster])
    plan.summary = M.PLAN_BLUE_GREEN.format(deployment=dep, old=old_name, new=new_name)


def _describe(plan: Plan, cur: Deployment | None, t: Target, cur_set: set[str], tgt_set: set[str]) -> None:
    lines = [M.DIFF_HEADER.format(deployment=plan.deployment, strategy=M.STRATEGY_NAMES.get(plan.strategy, plan.strategy),
                                  old=cur.revision if cur else "-",
                                  new=plan.revision.revision if plan.revision else (cur.revision if cur else "-"))]

    def row(label: str, old, new) -> None:
        same = cur is None or old == new
        lines.append(M.DIFF_ROW.format(label=label, value=new) if same
                     else M.DIFF_CHANGE.format(label=label, old=old, new=new))

    row("model", cur.model if cur else None, t.model)
    old_skus = (", ".join(sorted({cur.instance_type_on(c) for c in cur_set})) or "-") if cur else None
    row("instance type", old_skus, ", ".join(sorted(set(t.skus.values()))))
    row("replicas", cur.replicas if cur else None, t.replicas)
    row("clusters", (", ".join(sorted(cur_set)) or "-") if cur else None, ", ".join(sorted(tgt_set)) or "-")
    for m in plan.manifests:
        lines.append(M.DIFF_APPLY.format(kind=m["kind"], name=_ref(m).key().split("/", 1)[1]))
    for d in plan.deletes:
        lines.append(M.DIFF_DELETE.format(kind=d.kind, name=d.key().split("/", 1)[1]))
    lines.append(M.DIFF_GPU.format(gpu=f"{plan.gpu_delta:+d}", cost=f"{plan.cost_delta_per_hour:+.2f}"))
    if plan.strategy == "blue_green":
        lines.append(M.DIFF_PEAK.format(peak=plan.peak_gpu_delta))
    plan.diff = "\n".join(lines)
