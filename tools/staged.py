"""Staged rollouts (``deploy``/``rollback`` with ``stages``): a plan walked environment by environment through
KubeFleet's ClusterStagedUpdateRun, with an approval gate between stages (FLEET_API §6.1, §7). Pure.

Stages. Each stage is an environment: the deployment's clusters whose ``fleetops.dev/environment`` label is
that environment, in the order asked. A stage with none of the deployment's clusters is kept in the plan
and said plainly ("stage staging: no cluster of mistral-all is in staging"); it is left out of the
strategy (nothing to roll there, so no gate after it). A cluster of the deployment in no stage is refused
(KubeFleet would never update it). An approval gate follows every non-empty stage but the last; who may
approve it is the policy for the *next* stage's environment (``Stage.gate_env``). The change request
itself needs the strictest policy of all the stages' environments (``Plan.environments`` lists them all).

What is written. The placement becomes ``strategy.type: External`` (KubeFleet no longer rolls it by
itself; it cannot go back), ``revisionHistoryLimit`` 20 so older snapshots stay for rollbacks; a
ClusterStagedUpdateStrategy ``<deployment>-stages`` (one stage per environment, ``labelSelector`` on the
environment label, ``afterStageTasks: [Approval]`` where a gate follows; with a ``soak`` (``10m``) a
``TimedWait`` of that long comes first, ``[TimedWait, Approval]``: KubeFleet creates the approval request at
once but lets the next stage go only once both are done, and the executor opens the gate only once the soak
elapsed; the last stage gets no soak, nothing follows it), and a ClusterStagedUpdateRun
``<deployment>-run-<n>`` created with ``state: Run`` and no ``resourceSnapshotIndex``, so it cuts (and pins)
the snapshot of what is on the hub at that moment; the executor creates it (``start_run`` step) only once the
placement is scheduled on the deployment's clusters (``tools.staged_run.start``), after every other write of
the plan. The executor follows the run (``run_stages`` step):
per-cluster progress, a gate once KubeFleet asked for the approval *and* KAITO reports the new object
ready on every cluster of the stage; people approve the gate from Slack or chat (``bot.changes.gates``).

Model changes. A KAITO Workspace's model, instance type and kind are immutable (FLEET_API §6.3), so a
staged model update is blue/green, stage by stage, never removing what serves before its replacement
serves: the new object (``<deployment>-r<revision>``) is added on the hub *beside* the old one (External:
nothing moves yet); the first run rolls the snapshot holding both, so each stage's clusters start the
new copy while the old one keeps serving; the gate after a stage opens only once the new copy is ready
there. When the last stage is done, the old object is deleted on the hub and a second run (strategy
``<deployment>-stages-cleanup``: the same stages, no gates) removes the old copy stage by stage. A gate
rejected stops the run: the stages rolled so far serve both copies, the others only the old one.
Replica changes (InferenceSet) roll in place through one run. Changing the set of clusters in stages is
refused (two requests: the clusters first, then the staged update).

Staged rollback (``roll mistral-all back in stages``) uses KubeFleet's supported way: a run pinned to an
older resource snapshot index (``resourceSnapshotIndex``), named in the plan. The index is the newest one
below the latest that holds the KAITO object of the revision rolled back to; when that snapshot also holds
the current object (the transition snapshot of a finished staged update), the old copy comes back beside
the current one stage by stage, and a cleanup run then removes the current copy; when it does not (a run
stopped at a gate), the pinned run takes the stages that got the new copy back to the old snapshot and
leaves the others as they are. The hub objects become the snapshot's again. An index KubeFleet no longer
keeps is refused with the indices it has.
"""
from __future__ import annotations

import itertools
import re

from tools import manifests as mf
from tools.errors import InvalidRequest
from tools.fleet import conventions as cv
from tools.fleet.models import Deployment, FleetSnapshot, Revision
from tools.messages import staged as M
from tools.plan import ClusterAction, Intent, ObjectRef, Plan, Stage, Step

ENV_LABEL = cv.LABELS["environment"]
STRATEGY_KIND = "ClusterStagedUpdateStrategy"
RUN_KIND = "ClusterStagedUpdateRun"
APPROVAL_KIND = "ClusterApprovalRequest"
HISTORY_LIMIT = 20  # snapshots kept for staged rollbacks (FLEET_API §5.2)
KAITO_KINDS = ("Workspace", "InferenceSet")


def stage_name(env: str) -> str:
    """A stage name KubeFleet accepts (``^[a-z0-9]+$``)."""
    return re.sub(r"[^a-z0-9]", "", env.lower())[:63] or "stage"


def stages_of(envs: list[str], clusters: list[str], snap: FleetSnapshot, deployment: str) -> list[Stage]:
    """The stages in order, each with the deployment's clusters in that environment, and the gates."""
    def env_of(c: str) -> str | None:
        found = snap.cluster(c)
        return found.environment if found else None

    order = list(dict.fromkeys(e.lower() for e in envs))
    outside = [c for c in sorted(clusters) if (env_of(c) or "").lower() not in order]
    if outside:
        raise InvalidRequest(M.UNCOVERED.format(deployment=deployment, stages=", ".join(order), clusters=", ".join(
            f"{c} ({env_of(c) or 'no environment label'})" for c in outside)))
    stages = [Stage(name=stage_name(e), environment=e,
                    clusters=sorted(c for c in clusters if (env_of(c) or "").lower() == e)) for e in order]
    filled = [s for s in stages if s.clusters]
    if not filled:
        raise InvalidRequest(M.ALL_EMPTY.format(deployment=deployment, stages=", ".join(order)))
    for here, nxt in itertools.pairwise(filled):
        here.gate, here.gate_env = True, nxt.environment
    return stages


def strategy(deployment: str, stages: list[Stage], gates: bool = True, soak: str | None = None) -> dict:
    """The ClusterStagedUpdateStrategy: one stage per non-empty environment; an Approval after a gated one,
    preceded by a TimedWait of ``soak`` (a KubeFleet waitTime, "10m") when given."""
    specs = []
    for s in stages:
        if not s.clusters:
            continue
        spec: dict = {"name": s.name, "labelSelector": {"matchLabels": {ENV_LABEL: s.environment}}}
        if gates and s.gate:
            wait = [{"type": "TimedWait", "waitTime": soak}] if soak else []
            spec["afterStageTasks"] = [*wait, {"type": "Approval"}]
        specs.append(spec)
    return {"apiVersion": f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}", "kind": STRATEGY_KIND,
            "metadata": {"name": strategy_name(deployment, gates), "labels": _labels(deployment)},
            "spec": {"stages": specs}}


def strategy_name(deployment: str, gates: bool = True) -> str:
    return f"{deployment}-stages" if gates else f"{deployment}-stages-cleanup"


def run(deployment: str, name: str, strategy_ref: str, index: int | None = None) -> dict:
    """A ClusterStagedUpdateRun created running; ``index``: pinned to that resource snapshot index."""
    spec: dict = {"placementName": deployment, "stagedRolloutStrategyName": strategy_ref, "state": "Run"}
    if index is not None:
        spec["resourceSnapshotIndex"] = str(index)
    return {"apiVersion": f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}", "kind": RUN_KIND,
            "metadata": {"name": name, "labels": _labels(deployment)}, "spec": spec}


def run_names(deployment: str, existing: list[str], n: int) -> list[str]:
    """``n`` run names not taken yet: ``<deployment>-run-<k>``."""
    out: list[str] = []
    k = 1
    while len(out) < n:
        name = f"{deployment}-run-{k}"
        if name not in existing:
            out.append(name)
        k += 1
    return out


def external(crp: dict) -> dict:
    """The deployment's placement, rolled only by update runs from now on."""
    out = mf.desired(crp)
    spec = dict(out.get("spec") or {})
    spec["strategy"] = {"type": "External"}
    spec["revisionHistoryLimit"] = max(HISTORY_LIMIT, int(spec.get("revisionHistoryLimit") or 0))
    out["spec"] = spec
    return out


def _labels(deployment: str) -> dict:
    return {cv.DEPLOYMENT_LABEL: deployment, cv.MANAGED_BY_LABEL: cv.MANAGED_BY_VALUE}


def _ref(obj: dict) -> ObjectRef:
    meta = obj["metadata"]
    return ObjectRef(apiVersion=obj["apiVersion"], kind=obj["kind"], name=meta["name"],
                     namespace=meta.get("namespace"))


def run_ref(name: str) -> ObjectRef:
    return ObjectRef(apiVersion=f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}", kind=RUN_KIND, name=name)


def _stage_of(stages: list[Stage]) -> dict[str, str]:
    return {c: s.environment for s in stages for c in s.clusters}


def soak_of(args: dict) -> str | None:
    """The soak asked for (already a KubeFleet waitTime: ``tools.args`` validated it), or None."""
    value = args.get("soak")
    return str(value) if value else None


def _describe(p: Plan, stages: list[Stage], runs: list[str], cleanup: str | None, pinned: str | None) -> None:
    """Stage lines in the diff and the per-cluster action details ("stage dev: ...")."""
    where = _stage_of(stages)
    soak = soak_of(p.args)
    for a in p.actions:
        if a.cluster in where:
            a.detail = M.ACTION_IN_STAGE.format(stage=where[a.cluster], detail=a.detail)
    lines = [M.DIFF_STAGES.format(run=runs[0], strategy=strategy_name(p.deployment), pinned=pinned or "")]
    for i, s in enumerate(stages, 1):
        if not s.clusters:
            lines.append(M.DIFF_STAGE_EMPTY.format(i=i, stage=s.environment, deployment=p.deployment))
            continue
        then = M.DIFF_GATE.format(next=s.gate_env) if s.gate else M.DIFF_LAST
        if s.gate and soak:
            then = M.DIFF_SOAK.format(soak=soak, then=then)
        lines.append(M.DIFF_STAGE.format(i=i, stage=s.environment, clusters=", ".join(s.clusters), then=then))
    if cleanup:
        lines.append(cleanup)
    p.diff = "\n".join([*lines, p.diff]) if p.diff else "\n".join(lines)


def _gates_text(stages: list[Stage], soak: str | None = None) -> str:
    gated = [s.environment for s in stages if s.gate]
    if not gated:
        return M.NO_GATES
    return (M.SOAK_GATES if soak else M.GATES).format(after=", ".join(gated), soak=soak)


def staged_update(p: Plan, envs: list[str], snap: FleetSnapshot, current: Deployment | None,
                  existing_runs: list[str]) -> Plan:
    """``p`` (a ``deploy`` plan from ``tools.change.build``) rolled out in stages. See the module doc."""
    if p.strategy == "noop":
        return p
    if current is not None and set(current.clusters) != set(p.revision.clusters if p.revision else p.clusters):
        raise InvalidRequest(M.CLUSTERS_CHANGE.format(deployment=p.deployment))
    stages = stages_of(envs, p.revision.clusters if p.revision else p.clusters, snap, p.deployment)
    crp = next(m for m in p.manifests if m["kind"] == "ClusterResourcePlacement")
    crp_ext = external(crp)
    soak = soak_of(p.args)
    gated, cleanup_strategy = strategy(p.deployment, stages, soak=soak), strategy(p.deployment, stages, gates=False)
    kaito = next(m for m in p.manifests if m["kind"] in KAITO_KINDS)
    others = [m for m in p.manifests if m["kind"] != "ClusterResourcePlacement"]
    first, second = run_names(p.deployment, existing_runs, 2)
    steps = [Step(kind="apply", manifest=crp_ext), Step(kind="apply", manifest=gated)]
    # Namespace first (a new deployment), then the override before the object (its instance type is immutable)
    order = {"Namespace": 0, "ResourceOverride": 1}
    steps += [Step(kind="apply", manifest=m) for m in sorted(others, key=lambda m: order.get(m["kind"], 2))]
    steps += [Step(kind="delete", ref=d) for d in p.deletes if d.kind not in KAITO_KINDS
              and p.strategy != "blue_green"]
    the_run = run(p.deployment, first, gated["metadata"]["name"])
    rolled = list(p.revision.clusters if p.revision else p.clusters)
    steps += [Step(kind="start_run", manifest=the_run, clusters=rolled),
              Step(kind="run_stages", ref=run_ref(first), manifest=kaito, clusters=rolled, note=M.STEP_RUN)]
    cleanup_line = None
    if p.strategy == "blue_green":
        old = next(d for d in p.deletes if d.kind in KAITO_KINDS)
        steps += [Step(kind="delete", ref=d) for d in p.deletes]
        steps += [Step(kind="apply", manifest=cleanup_strategy),
                  Step(kind="start_run", manifest=run(p.deployment, second, cleanup_strategy["metadata"]["name"]),
                       clusters=rolled),
                  Step(kind="run_stages", ref=run_ref(second), clusters=list(current.clusters) if current else [],
                       note=M.STEP_CLEANUP),
                  Step(kind="wait_absent", ref=old, clusters=sorted(current.clusters) if current else [],
                       note=M.STEP_GONE)]
        cleanup_line = M.DIFF_CLEANUP.format(old=old.name, run=second)
    p.steps, p.undo, p.stages = steps, [], stages
    p.manifests = [crp_ext if m is crp else m for m in p.manifests] + [gated]
    _describe(p, stages, [first], cleanup_line, None)
    p.summary = M.SUMMARY.format(summary=p.summary, stages=" → ".join(s.environment for s in stages),
                                 gates=_gates_text(stages, soak))
    if soak and p.intent is not None:
        p.intent.text += M.INTENT_SOAK.format(soak=soak)
    return p.seal()


# --- staged rollback ------------------------------------------------------------------------------
def snapshot_objects(snapshots: list[dict]) -> dict[int, list[dict]]:
    """resource index -> the objects its snapshots hold (all pieces of the group)."""
    out: dict[int, list[dict]] = {}
    for s in snapshots:
        labels = (s.get("metadata") or {}).get("labels") or {}
        try:
            idx = int(labels.get(cv.RESOURCE_INDEX_LABEL, ""))
        except ValueError:
            continue
        out.setdefault(idx, []).extend((s.get("spec") or {}).get("selectedResources") or [])
    return out


def _names(objs: list[dict]) -> set[str]:
    return {(o.get("metadata") or {}).get("name", "") for o in objs if o.get("kind") in KAITO_KINDS}


def kaito_name_of(rev: Revision, deployment: str) -> str:
    for m in rev.manifests:
        if m.get("kind") in KAITO_KINDS:
            return str((m.get("metadata") or {}).get("name"))
    return cv.kaito_object_name(deployment, rev.revision)


def pick_index(by_index: dict[int, list[dict]], target: str, deployment: str) -> int:
    """The newest snapshot index below the latest that holds the object ``target``."""
    if not by_index:
        raise InvalidRequest(M.NO_SNAPSHOTS.format(deployment=deployment))
    latest = max(by_index)
    found = [i for i, objs in by_index.items() if i != latest and target in _names(objs)]
    if not found:
        raise InvalidRequest(M.SNAPSHOT_GONE.format(deployment=deployment, target=target,
                                                    indices=", ".join(map(str, sorted(by_index)))))
    return max(found)


def staged_rollback(args: dict, current: Deployment, rev: Revision, snap: FleetSnapshot, envs: list[str],
                    snapshots: list[dict], crp: dict | None, live_override: dict | None,
                    existing_runs: list[str], intent_text: str, tool: str) -> Plan:
    """Back to revision ``rev`` in stages: a run pinned to the snapshot index holding its KAITO object."""
    dep = current.name
    target = kaito_name_of(rev, dep)
    now = current.kaito_name or ""
    by_index = snapshot_objects(snapshots)
    index = pick_index(by_index, target, dep)
    held = by_index[index]
    both = bool(now) and now != target and now in _names(held)
    stages = stages_of(envs, current.clusters, snap, dep)
    first, second = run_names(dep, existing_runs, 2)
    soak = soak_of(args)
    gated, cleanup_strategy = strategy(dep, stages, soak=soak), strategy(dep, stages, gates=False)
    crp_ext = external(crp or mf.placement(dep, current.clusters))
    leaving = {now, f"{now}-sku"} if now and now != target else set()  # the current object and its override
    restore = [mf.desired(o) for o in held if o.get("kind") in (*KAITO_KINDS, "ResourceOverride")
               and (o.get("metadata") or {}).get("name") not in leaving]
    target_obj = next(o for o in restore if o["kind"] in KAITO_KINDS and o["metadata"]["name"] == target)
    deletes: list[ObjectRef] = []
    if now and now != target:
        deletes.append(ObjectRef(apiVersion=f"{cv.KAITO_GROUP}/{cv.KAITO_VERSION}", kind=current.kaito_kind,
                                 name=now, namespace=dep))
        if live_override is not None:
            deletes.append(_ref(live_override))
    restored = {(o["kind"], o["metadata"]["name"]) for o in restore}
    deletes = [d for d in deletes if (d.kind, d.name) not in restored]
    steps = [Step(kind="apply", manifest=crp_ext), Step(kind="apply", manifest=gated)]
    steps += [Step(kind="apply", manifest=o) for o in sorted(restore, key=lambda o: o["kind"] != "ResourceOverride")]
    steps += [Step(kind="start_run", manifest=run(dep, first, gated["metadata"]["name"], index),
                   clusters=list(current.clusters)),
              Step(kind="run_stages", ref=run_ref(first), manifest=target_obj, clusters=list(current.clusters),
                   note=M.STEP_RUN)]
    steps += [Step(kind="delete", ref=d) for d in deletes]
    cleanup_line = None
    gone = next((d for d in deletes if d.kind in KAITO_KINDS), None)
    if both:
        steps += [Step(kind="apply", manifest=cleanup_strategy),
                  Step(kind="start_run", manifest=run(dep, second, cleanup_strategy["metadata"]["name"]),
                       clusters=list(current.clusters)),
                  Step(kind="run_stages", ref=run_ref(second), clusters=list(current.clusters), note=M.STEP_CLEANUP)]
        cleanup_line = M.DIFF_CLEANUP.format(old=now, run=second)
    if gone is not None:
        steps.append(Step(kind="wait_absent", ref=gone, clusters=sorted(current.clusters), note=M.STEP_GONE))
    where = _stage_of(stages)
    actions = [ClusterAction(cluster=c, action="replace" if now != target else "update",
                             detail=M.ACTION_BACK.format(now=now or "-", target=target, index=index),
                             instance_type=rev.instance_types.get(c, rev.instance_type))
               for c in sorted(current.clusters) if c in where]
    pinned = M.PINNED.format(index=index, target=target, revision=rev.revision,
                             indices=", ".join(map(str, sorted(by_index))))
    p = Plan(tool=tool, args=args, deployment=dep, strategy="blue_green" if now != target else "in_place",
             summary=M.SUMMARY_BACK.format(deployment=dep, index=index, target=target, revision=rev.revision,
                                           stages=" → ".join(s.environment for s in stages),
                                           gates=_gates_text(stages, soak)),
             actions=actions, manifests=[crp_ext, gated, *restore], deletes=deletes, steps=steps,
             environments=sorted({(c.environment or "unknown") for c in (snap.cluster(n) for n in current.clusters)
                                  if c is not None}),
             clusters=sorted(current.clusters), base=dict(current.resource_versions), stages=stages,
             intent=Intent(text=intent_text + (M.INTENT_SOAK.format(soak=soak) if soak else ""), args=args))
    _describe(p, stages, [first], cleanup_line, pinned)
    return p.seal()
