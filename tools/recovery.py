"""After a crash: end an interrupted change in a true state, from its plan, its revision record and the hub.

The executor writes the change's revision record ``in_progress`` before its first hub write (persist before
acting), so after a ``kill -9`` at any point the record, the plan and the hub say together where it got to:

* its record is complete → it had finished (the crash came before the outcome was stored): ``succeeded``;
* nothing of the plan is on the hub (nothing it creates, nothing it deletes gone, nothing it changes
  changed) → ``failed``, its in-progress record dropped: it can be planned and approved again;
* a plan without a rollout wait (an undeploy, an in-place change of placement only) → its steps run again
  (every step is idempotent) to the end: ``succeeded`` or ``failed`` as a live run would;
* the new side is confirmed on every cluster (placement status for the new snapshot, applied, available;
  KAITO ready where member contexts exist) → the remaining steps run (a blue/green deletes its old side
  only now): ``succeeded`` with the revision recorded;
* the old side is still there and the new side failed, or never got fully onto the hub → undone (a new
  deployment removed, a blue/green's new side dropped): ``failed``, nothing of it left;
* otherwise (still rolling out, or past the switch-over without confirmation) → ``attention``, with what is
  on the hub per cluster; a person resolves it (``resolve``: finish, undo, or mark reviewed).

* a staged rollout (its update run may be waiting at a gate for people) → ``attention``; ``resolve finish``
  applies its steps again (all idempotent: the same run object is left as it is) and follows the run on.

Nothing here waits for a rollout to progress: what recovery decides, it decides from one look at the hub.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

from tools.fleet import conventions as cv
from tools.fleet.models import ClusterDeploymentState, ObjectRef, Revision
from tools.messages import plans as M
from tools.outcome import Listener, Outcome, ProgressEvent
from tools.plan import Plan, Step

if TYPE_CHECKING:
    from tools.fleet.adapter import Fleet

Status = Literal["succeeded", "failed", "attention"]
Action = Literal["finish", "undo", "reviewed"]


class Executor(Protocol):
    """What recovery uses of ``tools.executor.Executor`` (which calls into this module)."""

    fleet: Fleet

    def prepare(self, plan: Plan) -> None: ...
    def stamps(self, change_id: str | None, requester: str | None) -> dict[str, str]: ...
    def carry_out(self, plan: Plan, emit: Listener, change_id: str | None, stamps: dict[str, str],
                  start: int = 0) -> Outcome: ...
    def failed(self, plan: Plan, change_id: str | None, detail: str, undone: bool,
               states: dict[str, ClusterDeploymentState], emit: Listener) -> Outcome: ...
    def undo_steps(self, plan: Plan) -> list[Step]: ...
    def run_undo(self, plan: Plan, emit: Listener, stamps: dict[str, str]) -> tuple[bool, str]: ...
    def write_intent(self, plan: Plan, change_id: str | None) -> None: ...
    def forget_intent(self, plan: Plan, change_id: str | None) -> None: ...
    def mark_failed(self, plan: Plan, change_id: str | None, note: str) -> None: ...
    def way_back(self, plan: Plan) -> str: ...
    def stale_changes(self, plan: Plan) -> dict[str, tuple[str | None, str | None]]: ...
    def matches(self, manifest: dict) -> bool: ...


def _record(ex: Executor, plan: Plan) -> Revision | None:
    if plan.revision is None:
        return None
    return next((r for r in ex.fleet.recorded_revisions(plan.deployment)
                 if r.revision == plan.revision.revision), None)


def created(plan: Plan) -> set[ObjectRef]:
    """The objects the plan creates (not in its base): its final manifests and every object a step applies."""
    objs = plan.manifests + [st.manifest for st in plan.steps if st.kind == "apply" and st.manifest]
    return {r for r in (ObjectRef.of(m) for m in objs) if plan.base.get(r.key()) is None}


def _changed(ex: Executor, plan: Plan) -> list[str]:
    """Base objects that changed, leaving out the revision record (the intent itself changes it)."""
    record = f"ConfigMap/{cv.REVISIONS_NAMESPACE}/{cv.revisions_configmap_name(plan.deployment)}"
    return [k for k in ex.stale_changes(plan) if k != record]


def removed(ex: Executor, plan: Plan) -> list[ObjectRef]:
    """Objects the plan deletes that existed when it was made and are gone now (past the switch-over)."""
    return [d for d in plan.deletes if plan.base.get(d.key()) is not None and ex.fleet.get(d) is None]


def _pre_switch_complete(ex: Executor, plan: Plan, upto: int) -> bool:
    """Every apply before the first wait is on the hub as the plan says (the new side is fully there)."""
    return all(ex.matches(st.manifest) for st in plan.steps[:upto] if st.kind == "apply" and st.manifest)


def _wait_step(plan: Plan) -> Step | None:
    return next((st for st in plan.steps if st.kind == "wait_ready" and st.ref), None)


def _states(ex: Executor, plan: Plan, step: Step) -> dict[str, ClusterDeploymentState]:
    assert step.ref is not None
    if ex.fleet.get(step.ref) is None:
        return {c: ClusterDeploymentState(cluster=c, state="Pending", reason="NotOnHub",
                                          message=M.RECOVER_NOT_ON_HUB.format(name=step.ref.name))
                for c in step.clusters}
    return ex.fleet.rollout_state(plan.deployment, step.ref, step.clusters)


def on_hub(ex: Executor, plan: Plan, states: dict[str, ClusterDeploymentState] | None = None) -> str:
    """Exactly what is on the hub for this deployment, and per cluster what the new side's status is."""
    text = ex.fleet.hub_summary(plan.deployment)
    if states:
        per = "; ".join(f"{c}: {s.state}" + (f" ({s.message or s.reason})" if (s.message or s.reason) else "")
                        for c, s in sorted(states.items()))
        text = f"{text} {M.RECOVER_PER_CLUSTER.format(clusters=per)}"
    return text


def where(ex: Executor, plan: Plan, change_id: str | None
          ) -> tuple[Status, str, Literal["done", "untouched", "rerun", "finish", "undo", "attention"]]:
    """(status, why, what to do) from one look at the record and the hub; writes nothing."""
    rec = _record(ex, plan)
    if rec is not None and rec.status is None and (change_id is None or rec.change_id == change_id):
        return "succeeded", M.RECOVER_DONE.format(revision=rec.revision), "done"
    if rec is not None and rec.status == "failed" and rec.change_id == change_id:
        return "failed", rec.note or M.RECOVER_FAILED_BEFORE, "done"
    if not _changed(ex, plan) and not removed(ex, plan) and all(ex.fleet.get(r) is None for r in created(plan)):
        return "failed", M.RECOVER_UNTOUCHED, "untouched"
    if plan.stages:  # a staged rollout waits on people at its gates: a person resumes it (resolve finish)
        return "attention", f"{M.RECOVER_STAGED} {on_hub(ex, plan)}", "attention"
    wait = _wait_step(plan)
    if wait is None:
        return "succeeded", M.RECOVER_RERUN, "rerun"
    switch = plan.steps.index(wait)
    states = _states(ex, plan, wait)
    ready = all(s.state == "Ready" for s in states.values())
    past_switch = bool(removed(ex, plan))
    can_undo = bool(ex.undo_steps(plan)) and not past_switch
    if ready and _pre_switch_complete(ex, plan, switch):
        return "succeeded", M.RECOVER_FINISH, "finish"
    if can_undo and (not _pre_switch_complete(ex, plan, switch)
                     or any(s.state == "Failed" for s in states.values())):
        return "failed", M.RECOVER_UNDO, "undo"
    why = M.RECOVER_PAST_SWITCH if past_switch else M.RECOVER_IN_FLIGHT
    return "attention", f"{why} {on_hub(ex, plan, states)}", "attention"


def recover(ex: Executor, plan: Plan, change_id: str | None, emit: Listener) -> Outcome:
    """End an interrupted execution in a true state (module docstring)."""
    ex.prepare(plan)
    stamps = ex.stamps(change_id, None)
    status, why, todo = where(ex, plan, change_id)
    rev = plan.revision.revision if plan.revision else None
    if todo == "done":
        return Outcome(status=status, message=why, deployment=plan.deployment,
                       revision=rev if status == "succeeded" else None)
    if todo == "untouched":
        ex.forget_intent(plan, change_id)
        return Outcome(status="failed", message=why, deployment=plan.deployment)
    if todo == "attention":
        return Outcome(status="attention", message=_with_resolve(why, change_id), deployment=plan.deployment)
    if todo == "undo":
        undone, problems = ex.run_undo(plan, emit, stamps)
        if not undone:
            return _attention(ex, plan, change_id, M.EXEC_UNDO_FAILED.format(problems=problems))
        return ex.failed(plan, change_id, why, True, {}, emit)
    start = 0 if todo == "rerun" else plan.steps.index(_wait_step(plan))  # type: ignore[arg-type]
    emit(ProgressEvent(kind="step", message=why))
    out = ex.carry_out(plan, emit, change_id, stamps, start=start)
    if out.status == "succeeded":
        out.message = f"{why} {out.message}"
    return out


def resolve(ex: Executor, plan: Plan, change_id: str | None, action: Action, emit: Listener,
            who: str = "") -> Outcome:
    """A person's decision on a change in ``attention``:

    * ``finish``: carry the plan out from where it got to (the new side is applied again if it is not fully
      on the hub, then the normal wait, and only then the old side goes), as a live run;
    * ``undo``: take it back (a new deployment removed, a blue/green's new side dropped); refused once the
      old side is gone (then it is a rollback, with its own plan);
    * ``reviewed``: leave the hub as it is; the change ends ``failed`` with what is on the hub, its record
      marked failed (never claimed as carried out)."""
    ex.prepare(plan)
    stamps = ex.stamps(change_id, who or None)
    if action == "finish":
        start = plan.steps.index(w) if (w := _wait_step(plan)) is not None and removed(ex, plan) else 0
        ex.write_intent(plan, change_id)
        return ex.carry_out(plan, emit, change_id, stamps, start=start)
    if action == "undo":
        if removed(ex, plan) or not ex.undo_steps(plan):
            return _attention(ex, plan, change_id, M.RESOLVE_CANNOT_UNDO.format(
                deployment=plan.deployment, way_back=ex.way_back(plan)))
        undone, problems = ex.run_undo(plan, emit, stamps)
        if not undone:
            return _attention(ex, plan, change_id, M.EXEC_UNDO_FAILED.format(problems=problems))
        return ex.failed(plan, change_id, M.RESOLVE_UNDONE.format(who=who), True, {}, emit)
    wait = _wait_step(plan)
    hub = on_hub(ex, plan, _states(ex, plan, wait) if wait else None)
    note = M.RESOLVE_REVIEWED.format(who=who, hub=hub)
    if plan.revision is not None and _record(ex, plan) is not None:
        ex.mark_failed(plan, change_id, note)
    return Outcome(status="failed", message=note, deployment=plan.deployment)


def _attention(ex: Executor, plan: Plan, change_id: str | None, why: str) -> Outcome:
    return Outcome(status="attention", message=_with_resolve(f"{why} {on_hub(ex, plan)}", change_id),
                   deployment=plan.deployment)


def _with_resolve(why: str, change_id: str | None) -> str:
    return f"{why} {M.RESOLVE_HOW.format(id=change_id or '?')}"
