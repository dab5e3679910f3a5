"""Starting and following a ClusterStagedUpdateRun (the executor's ``start_run`` and ``run_stages`` steps;
``tools.staged`` plans them).

Starting (``start``). KubeFleet validates a run once, when it initializes it, and a failed validation is final:
a run created before the scheduler picked the placement's clusters ("policy snapshot not fully scheduled yet",
too few bindings) never runs. So the run is created only once the placement reports itself scheduled for its
current generation on every cluster the plan names (bounded by the executor's limit; past it the step fails
saying so, nothing created). A run pinned to a resource snapshot index is created only while KubeFleet still
keeps that index. A run without an index rolls what the placement selects on the hub when it initializes
(KubeFleet selects and snapshots it then), i.e. everything the plan wrote before this step. A run that already
exists (a finish after a crash) is kept and followed on, never re-created.

Following (``follow``). The run's status is polled (FLEET_API §7.2): every change of a cluster's state in a stage is a ``cluster``
progress event (with the stage); a stage whose after-stage Approval request KubeFleet created becomes a
``gate`` event (``Gate``) once KAITO reports the step's object ready on every cluster of that stage (the
placement's ``Available`` says nothing about a model serving, §4.2). The gate is approved by people
(``bot.changes.gates`` writes the ``Approved`` condition); the run then goes on. The step ends when the
run succeeded (then KAITO must report the object ready on every cluster), failed, failed to initialize (at
once, with KubeFleet's reason), pinned a resource snapshot that does not hold the step's KAITO object as the
plan wrote it (a KubeFleet that takes the latest snapshot instead of cutting one: the run is stopped before it
rolls anything, and the step fails saying so), or was stopped (a rejected gate: ``fleetops.dev/stop-reason`` says by whom and
why). The wait has no limit while a gate waits
for people (up to ``GATE_WAIT``); otherwise (KAITO not ready yet at a gate included) the run must make progress
within the executor's limit.

Soak. A stage whose strategy has a ``TimedWait`` before its Approval (``deploy``/``rollback`` with ``soak``)
soaks once its clusters are updated: KubeFleet creates the approval request at once, but the gate is opened
(the ``gate`` event, hence the Slack card) only once the task reports ``WaitTimeElapsed=True``, so nobody is
asked to approve a stage that is still soaking. Meanwhile ``step`` events say "stage dev: soaking, 8m left"
(the time left read from the task's condition message; at most once per ``SOAK_REPORT_EVERY`` seconds), and
"soak of 10m done" when it elapsed. A soak is progress KubeFleet owns: the executor's limit does not apply
while a stage soaks.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, Field

from tools import staged
from tools.args import soak_seconds, soak_text
from tools.fleet import conventions as cv
from tools.fleet.models import ClusterDeploymentState, ObjectRef
from tools.messages import staged as M
from tools.outcome import Listener, ProgressEvent
from tools.plan import Step


class Executor(Protocol):
    """What following a run needs of ``tools.executor.Executor`` (not imported: the executor imports this)."""

    fleet: Any
    poll: float
    _limit: float

    def _watch(self, check: Callable[[], dict[str, ClusterDeploymentState]], emit: Listener,
               states: dict[str, ClusterDeploymentState]) -> dict[str, ClusterDeploymentState]: ...

GATE_WAIT = 7 * 24 * 3600.0  # how long a gate may wait for people before the step gives up (the run stays)
SOAK_REPORT_EVERY = 60.0  # seconds between two "soaking, 8m left" reports of one stage
_DURATION = re.compile(r"(?<![\w.])((?:\d+(?:\.\d+)?[hms])+)(?!\w)")


class Gate(BaseModel):
    """One stage gate: the approval request KubeFleet created after ``stage``; ``next``: the stage (and
    environment) it lets through, whose policy says who may approve."""

    request: str
    run: str
    stage: str
    next: str | None = None
    deployment: str = ""
    clusters: dict[str, str] = Field(default_factory=dict)  # cluster -> its state in the stage ("ready")


def _cond(obj: dict, ctype: str) -> dict | None:
    return next((c for c in (obj.get("conditions") or []) if c.get("type") == ctype), None)


def _true(obj: dict, ctype: str) -> bool:
    c = _cond(obj, ctype)
    return bool(c) and c.get("status") == "True"  # type: ignore[union-attr]


def cluster_word(c: dict) -> str:
    """A cluster's state in a stage, in one word."""
    done = _cond(c, "Succeeded")
    if done is not None:
        return "updated" if done.get("status") == "True" else "failed"
    return "updating" if _true(c, "Started") else "waiting"


def open_gates(run: dict) -> list[tuple[dict, str]]:
    """(stage status, approval request name) of every after-stage approval created and not approved yet."""
    out = []
    for stage in (run.get("status") or {}).get("stagesStatus") or []:
        for task in stage.get("afterStageTaskStatus") or []:
            if task.get("type") == "Approval" and _true(task, "ApprovalRequestCreated") \
                    and not _true(task, "ApprovalRequestApproved") and task.get("approvalRequestName"):
                out.append((stage, task["approvalRequestName"]))
    return out


def soaking(stage: dict) -> list[dict]:
    """The stage's after-stage TimedWait tasks that have not elapsed yet."""
    return [t for t in stage.get("afterStageTaskStatus") or []
            if t.get("type") == "TimedWait" and not _true(t, "WaitTimeElapsed")]


def soak_left(task: dict) -> str | None:
    """The time a TimedWait task has left, from its condition message ("Waiting 7m58s more ..."), rounded
    for people ("8m"; seconds only under a minute); None when the status does not say."""
    c = _cond(task, "WaitTimeElapsed")
    m = _DURATION.search((c or {}).get("message") or "")
    if not m:
        return None
    n = soak_seconds(m.group(1))
    return soak_text(n) if n < 60 else soak_text(-(-n // 60) * 60)


def soak_total(run: dict, stage: str) -> str:
    """The TimedWait of ``stage`` in the strategy the run froze ("" when not found)."""
    for st in ((run.get("status") or {}).get("stagedUpdateStrategySnapshot") or {}).get("stages") or []:
        if st.get("name") == stage:
            for task in st.get("afterStageTasks") or []:
                if task.get("type") == "TimedWait":
                    return str(task.get("waitTime") or "")
    return ""


def _rolled(stage: dict) -> bool:
    """Every cluster of the stage runs the run's snapshot (its after-stage tasks may still wait)."""
    clusters = stage.get("clusters") or []
    return _true(stage, "Succeeded") or (bool(clusters) and all(cluster_word(c) == "updated" for c in clusters))


def stage_progress(run: dict) -> list[tuple[str, str, str]]:
    """(stage, cluster, state word) for every cluster of every stage the run reports."""
    return [(s.get("stageName", ""), c.get("clusterName", ""), cluster_word(c))
            for s in (run.get("status") or {}).get("stagesStatus") or [] for c in s.get("clusters") or []]


def follow(ex: Executor, step: Step, i: int, emit: Listener,
           states: dict[str, ClusterDeploymentState]) -> tuple[bool, str]:
    """Follow the run ``step.ref`` until it ends; (ok, why not)."""
    assert step.ref is not None
    fleet, name = ex.fleet, step.ref.name
    kaito = step.manifest
    emit(ProgressEvent(kind="step", step=i, message=step.note or M.STEP_RUN))
    seen: dict[tuple[str, str], str] = {}
    told: set[str] = set()
    waiting_told: set[str] = set()
    soak_told: dict[str, tuple[float, str]] = {}  # stage -> (when, what was said) of its last soak report
    last_change = time.monotonic()
    interval = 0.05
    pinned_checked = kaito is None
    while True:
        run = fleet.get(step.ref)
        if run is None:
            return False, M.RUN_GONE.format(run=name)
        status = run.get("status") or {}
        init = _cond(status, "Initialized")
        if init is not None and init.get("status") == "False":
            return False, M.RUN_INIT_FAILED.format(run=name, why=init.get("message") or init.get("reason") or "-")
        stages = status.get("stagesStatus") or []
        if not pinned_checked and status.get("resourceSnapshotIndexUsed") not in (None, ""):
            pinned_checked = True
            wrong = _not_pinned(ex, run, kaito or {})
            if wrong:
                fleet.stop_run(name, wrong)
                return False, M.RUN_FAILED.format(run=name, why=wrong)
        order = [s.get("stageName", "") for s in stages]
        for stage, cluster, word in stage_progress(run):
            if seen.get((stage, cluster)) != word:
                seen[(stage, cluster)] = word
                last_change = time.monotonic()
                emit(ProgressEvent(kind="cluster", cluster=cluster, stage=stage, state=word,
                                   message=M.RUN_CLUSTER.format(stage=stage, state=word)))
        soaks = _report_soaks(run, stages, soak_told, emit)
        at_gate = False
        for st, request in open_gates(run):
            if st.get("stageName", "") in soaks:  # KubeFleet asked already; people are asked once the soak is over
                continue
            if request in told:  # waiting for people: no limit but GATE_WAIT
                at_gate = True
                continue
            clusters = [c.get("clusterName", "") for c in st.get("clusters") or []]
            ready = _kaito_states(ex, kaito, clusters) if kaito else {}
            failed = [s for s in ready.values() if s.state == "Failed"]
            if failed:
                why = M.RUN_CLUSTER_FAILED.format(name=_name(kaito), cluster=failed[0].cluster,
                                                  stage=st.get("stageName"), why=failed[0].message or "failed")
                fleet.stop_run(name, why)
                return False, M.RUN_FAILED.format(run=name, why=why)
            if all(s.state == "Ready" for s in ready.values()):
                states.update(ready)
                sname = st.get("stageName", "")
                nxt = order[order.index(sname) + 1] if sname in order and order.index(sname) + 1 < len(order) \
                    else None
                gate = Gate(request=request, run=name, stage=sname, next=nxt,
                            deployment=(kaito or {}).get("metadata", {}).get("namespace", ""),
                            clusters={c: "ready" for c in clusters})
                told.add(request)
                last_change = time.monotonic()
                emit(ProgressEvent(kind="gate", stage=sname, gate=gate.model_dump(), message=M.RUN_GATE.format(
                    stage=sname, request=request, next=nxt or "-", clusters=", ".join(clusters))))
            elif request not in waiting_told:
                waiting_told.add(request)
                emit(ProgressEvent(kind="step", stage=st.get("stageName"), message=M.RUN_GATE_NOT_READY.format(
                    stage=st.get("stageName"), name=_name(kaito), clusters=", ".join(clusters))))
        done = _cond(status, "Succeeded")
        if done is not None and done.get("status") == "True":
            emit(ProgressEvent(kind="step", message=M.RUN_DONE.format(run=name)))
            if kaito:
                return _final_ready(ex, kaito, step.clusters, emit, states)
            return True, ""
        if done is not None and done.get("status") == "False":
            return False, M.RUN_FAILED.format(run=name, why=done.get("message") or done.get("reason") or "failed")
        if (run.get("spec") or {}).get("state") == "Stop":
            why = ((run.get("metadata") or {}).get("annotations") or {}).get(cv.STOP_REASON_ANNOTATION) \
                or M.RUN_STOPPED_NOWHY
            finished = [s.get("stageName", "") for s in stages if _rolled(s)]
            current = next((s.get("stageName", "") for s in stages if not _rolled(s)), "-")
            gated = [st.get("stageName", "") for st, _ in open_gates(run)]
            where = M.AT_GATE.format(stage=gated[0]) if gated else M.IN_STAGE.format(stage=current)
            rest = [s for s in order if s not in finished]
            why = why.replace(f" {where}", "")  # a reason that names the gate itself: said once
            return False, M.RUN_STOPPED.format(run=name, where=where, why=why,
                                               done=", ".join(finished) or M.NOTHING,
                                               rest=", ".join(rest) or M.NOTHING,
                                               deployment=(kaito or {}).get("metadata", {}).get("namespace", "")
                                               or name.rsplit("-run-", 1)[0])
        limit = GATE_WAIT if at_gate or soaks else ex._limit
        if time.monotonic() - last_change >= limit:
            stage_now = next((s.get("stageName", "") for s in stages if not _true(s, "Succeeded")), "-")
            return False, M.RUN_TIMEOUT.format(run=name, duration=f"{int(limit)}s", stage=stage_now)
        time.sleep(interval)
        interval = min(ex.poll, interval * 1.5)


def _report_soaks(run: dict, stages: list[dict], told: dict[str, tuple[float, str]], emit: Listener) -> set[str]:
    """Say which stages soak (and how long is left) and which soak just ended; the names of the soaking ones."""
    out: set[str] = set()
    now = time.monotonic()
    for st in stages:
        name = st.get("stageName", "")
        tasks = soaking(st)
        if tasks and _rolled(st):
            out.add(name)
            left = soak_left(tasks[0])
            said = M.RUN_SOAKING.format(stage=name, left=left) if left else \
                M.RUN_SOAKING_TOTAL.format(stage=name, soak=soak_total(run, name) or "-")
            last = told.get(name)
            if last is None or (said != last[1] and now - last[0] >= SOAK_REPORT_EVERY):
                told[name] = (now, said)
                emit(ProgressEvent(kind="step", stage=name, message=said))
        elif name in told and not tasks and any(t.get("type") == "TimedWait"
                                                 for t in st.get("afterStageTaskStatus") or []):
            del told[name]
            emit(ProgressEvent(kind="step", stage=name, message=M.RUN_SOAKED.format(
                stage=name, soak=soak_total(run, name) or "-")))
    return out


def start(ex: Executor, step: Step, i: int, emit: Listener) -> tuple[bool, str]:
    """Create the run ``step.manifest`` once its placement is scheduled on ``step.clusters`` (module doc)."""
    run = step.manifest or {}
    name, spec = run["metadata"]["name"], run.get("spec") or {}
    placement, index = spec.get("placementName", ""), spec.get("resourceSnapshotIndex")
    clusters = ", ".join(step.clusters)
    emit(ProgressEvent(kind="step", step=i, message=(
        M.STEP_START_PINNED.format(run=name, index=index, placement=placement, clusters=clusters) if index is not None
        else M.STEP_START.format(run=name, placement=placement, clusters=clusters))))
    if ex.fleet.get(ObjectRef.of(run)) is not None:
        emit(ProgressEvent(kind="step", step=i, message=M.RUN_EXISTS.format(run=name)))
        return True, ""
    ok, why = _await_scheduled(ex, placement, step.clusters, name, emit)
    if not ok:
        return False, why
    if index is not None:
        kept = sorted(snapshot_indices(ex.fleet.resource_snapshots(placement)))
        if int(index) not in kept:
            return False, M.RUN_INDEX_GONE.format(index=index, placement=placement, run=name,
                                                  indices=", ".join(map(str, kept)) or M.NOTHING)
    ex.fleet.apply(run)
    emit(ProgressEvent(kind="step", step=i, message=M.RUN_CREATED.format(run=name)))
    return True, ""


def snapshot_indices(snapshots: list[dict]) -> set[int]:
    """The resource indices of a placement's ClusterResourceSnapshots."""
    out = set()
    for s in snapshots:
        value = ((s.get("metadata") or {}).get("labels") or {}).get(cv.RESOURCE_INDEX_LABEL, "")
        if value.isdigit():
            out.add(int(value))
    return out


def scheduled_on(crp: dict | None, clusters: list[str]) -> tuple[bool, str]:
    """(the placement reports itself scheduled, for its current generation, on every one of ``clusters``; why not)."""
    if crp is None:
        return False, ""
    gen = (crp.get("metadata") or {}).get("generation")
    status = crp.get("status") or {}
    cond = _cond(status, "ClusterResourcePlacementScheduled")
    if cond is None or cond.get("observedGeneration") != gen:
        return False, M.RUN_NOT_SCHEDULED_YET
    if cond.get("status") != "True":
        return False, cond.get("message") or cond.get("reason") or M.RUN_NOT_SCHEDULED_YET
    placed = {ps.get("clusterName") for ps in status.get("placementStatuses") or [] if _true(ps, "Scheduled")}
    missing = [c for c in clusters if c not in placed]
    return (not missing), (M.RUN_NOT_PICKED.format(clusters=", ".join(missing)) if missing else "")


def _await_scheduled(ex: Executor, placement: str, clusters: list[str], run: str,
                     emit: Listener) -> tuple[bool, str]:
    ref = ObjectRef(apiVersion=f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}", kind="ClusterResourcePlacement",
                    name=placement)
    deadline = time.monotonic() + ex._limit
    interval, told, why = 0.05, False, ""
    while True:
        crp = ex.fleet.get(ref)
        ok, why = scheduled_on(crp, clusters)
        if ok:
            return True, ""
        if crp is None:
            why = M.RUN_NO_PLACEMENT.format(placement=placement)
        if time.monotonic() >= deadline:
            return False, M.RUN_NOT_SCHEDULED.format(placement=placement, clusters=", ".join(clusters), run=run,
                                                     duration=f"{int(ex._limit)}s", why=why)
        if not told:
            told = True
            emit(ProgressEvent(kind="step", message=M.RUN_WAIT_SCHEDULED.format(
                placement=placement, clusters=", ".join(clusters), run=run)))
        time.sleep(interval)
        interval = min(ex.poll, interval * 1.5)


def _not_pinned(ex: Executor, run: dict, kaito: dict) -> str:
    """Why the run's pinned snapshot does not roll ``kaito`` as the plan wrote it ("" when it does)."""
    placement = (run.get("spec") or {}).get("placementName", "")
    index = str((run.get("status") or {}).get("resourceSnapshotIndexUsed"))
    held = staged.snapshot_objects(ex.fleet.resource_snapshots(placement)).get(int(index)) if index.isdigit() else None
    meta = kaito.get("metadata") or {}
    found = next((o for o in held or [] if o.get("kind") == kaito.get("kind")
                  and (o.get("metadata") or {}).get("name") == meta.get("name")), None)
    want = {k: v for k, v in kaito.items() if k not in ("metadata", "status", "apiVersion", "kind")}
    if found is not None and _within(want, found):
        return ""
    return M.RUN_WRONG_SNAPSHOT.format(index=index, name=meta.get("name", ""), run=run["metadata"]["name"])


def _within(want: object, have: object) -> bool:
    """``want`` is contained in ``have`` (the API server adds defaults)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and _within(v, have[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and len(want) == len(have) and all(
            _within(a, b) for a, b in zip(want, have, strict=True))
    return want == have


def _name(kaito: dict | None) -> str:
    return str(((kaito or {}).get("metadata") or {}).get("name") or "")


def _kaito_states(ex: Executor, kaito: dict, clusters: list[str]) -> dict[str, ClusterDeploymentState]:
    meta = kaito.get("metadata") or {}
    return {c: ex.fleet.member_state(c, meta.get("namespace", ""), kaito["kind"], meta["name"]) for c in clusters}


def _final_ready(ex: Executor, kaito: dict, clusters: list[str], emit: Listener,
                 states: dict[str, ClusterDeploymentState]) -> tuple[bool, str]:
    """After the last stage: KAITO must report the object ready everywhere (as a plain rollout's wait)."""
    final = ex._watch(lambda: _kaito_states(ex, kaito, clusters), emit, states)
    bad = [s for s in final.values() if s.state != "Ready"]
    if bad:
        return False, M.RUN_CLUSTER_FAILED.format(name=_name(kaito), cluster=bad[0].cluster, stage="-",
                                                  why=bad[0].message or bad[0].state)
    return True, ""
