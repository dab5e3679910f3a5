"""Executor: apply exactly a Plan, follow the rollout, report per-cluster progress.

``Executor.apply(plan)`` first waits (with progress, bounded) for a Terminating namespace a new deployment
needs, checks that the live fleet still matches the plan's base (else ``StalePlan``; nothing is written),
then persists the intent — the revision record, ``in_progress``, with the change id and the plan's
manifests — and only then runs the plan's steps in order: hub applies and deletes, and waits on the
members until the KAITO object is ready (or gone) everywhere it should be. The record is completed after
the last step.

A step that fails before the switch-over (the first wait for the new side) is undone by default: the plan's
undo steps (a blue/green drops its new side; the old one keeps serving), or for a new deployment the
removal of everything it created (``undo_steps``); the intent record is dropped. Otherwise the failure is
stated: what is on the hub now, and the command that goes back (``way_back``); the record is marked
``failed``. A cleanup is part of its change: it never needs approvals of its own.

``patch`` steps carry execution-time placeholders (``STAMPS``) that the executor fills in when it runs
them: who asked (``requester``, which the caller passes to ``apply``), when, and the change id. They
are placeholders in the plan so that its hash does not depend on who approves it or when it runs.

A plan made of ``parts`` (``drain_cluster``) runs part after part (``_apply_parts``); see there for what
happens when one fails.

Every step is idempotent (server-side apply, delete of an absent object is fine). After a crash the
pipeline never re-runs a plan blindly: ``recover`` (``tools.recovery``) looks at the record and the hub and
finishes, undoes, or leaves the change in attention for a person (``resolve``).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from tools import recovery, staged_run
from tools.catalog import Catalog
from tools.errors import ToolError
from tools.fleet import conventions as cv
from tools.fleet.adapter import Fleet
from tools.fleet.errors import FleetError
from tools.fleet.models import ClusterDeploymentState, ObjectRef
from tools.messages import plans as M
from tools.outcome import Listener, Outcome, ProgressEvent
from tools.plan import Plan, Step
from tools.recovery import Action


class StalePlan(ToolError):
    """The fleet changed since the plan was computed; nothing was applied."""

    kind = "stale_plan"

    def __init__(self, changes: dict[str, tuple[str | None, str | None]]):
        self.changes = changes
        desc = ", ".join(f"{k}: {'absent' if a is None else 'v' + str(a)[:24]} → {'absent' if b is None else 'v' + str(b)[:24]}"
                         for k, (a, b) in sorted(changes.items()))
        super().__init__(M.STALE.format(changes=desc))


class NamespaceNotManaged(ToolError):
    """The deployment's namespace exists on the hub but fleetops did not create it; nothing was applied."""

    kind = "namespace_not_managed"

    def __init__(self, name: str):
        self.name = name
        super().__init__(M.NS_NOT_MANAGED.format(name=name))


class NamespaceBeingRemoved(ToolError):
    """The deployment's namespace is Terminating; nothing can be created in it; nothing was applied."""

    kind = "namespace_terminating"

    def __init__(self, name: str, since: str):
        self.name = name
        super().__init__(M.NS_TERMINATING.format(name=name, since=since))


def default_timeout(model: str | None, catalog: Catalog | None) -> float:
    """Seconds a rollout may take by default: 10 min plus 20 s per GiB of weights to pull and load, at most
    2 h (30 min when the model's size is unknown)."""
    m = catalog.get(model) if (catalog and model) else None
    if m is None or not m.weights_gib:
        return 1800.0
    return min(7200.0, 600.0 + 20.0 * float(m.weights_gib))


def _duration(seconds: float) -> str:
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    return f"{s / 3600:.1f}h"



# execution-time values a ``patch`` step may hold as whole string values (e.g. cordon annotations)
STAMP_REQUESTER = "$(requester)"
STAMP_NOW = "$(now)"
STAMP_CHANGE = "$(change_id)"
STAMPS = (STAMP_REQUESTER, STAMP_NOW, STAMP_CHANGE)


def stamped(body: object, values: dict[str, str]) -> object:
    """``body`` with every string value that is exactly a placeholder replaced by its value."""
    if isinstance(body, dict):
        return {k: stamped(v, values) for k, v in body.items()}
    if isinstance(body, list):
        return [stamped(v, values) for v in body]
    if isinstance(body, str) and body in values:
        return values[body]
    return body


class Executor:
    """``timeout``: seconds each wait may take (None: ``default_timeout`` of the plan's model);
    ``progress_every``: while waiting, a line per unfinished cluster at this cadence (seconds)."""

    def __init__(self, fleet: Fleet, timeout: float | None = None, poll: float = 1.0,
                 progress_every: float = 30.0, namespace_wait: float = 600.0):
        self.fleet, self.timeout, self.poll, self.progress_every = fleet, timeout, poll, progress_every
        self.namespace_wait = namespace_wait  # how long a create waits for a Terminating namespace to go
        self._limit = timeout or 1800.0  # the current plan's wait limit
        self._deployment = ""

    # --- freshness --------------------------------------------------------------------------------
    def stale_changes(self, plan: Plan) -> dict[str, tuple[str | None, str | None]]:
        live = self.fleet.resource_versions(plan.base)
        return {k: (plan.base[k], live[k]) for k in plan.base if live.get(k) != plan.base[k]}

    def check_fresh(self, plan: Plan) -> None:
        """Refuse before any write: a namespace fleetops does not own or that is being removed; a fleet
        that changed since the plan was made (``StalePlan``)."""
        for key in plan.base:
            if key.startswith("Namespace/") and plan.strategy != "remove":
                self._check_namespace(key.split("/", 1)[1], plan.base[key])
        changes = self.stale_changes(plan)
        if changes:
            raise StalePlan(changes)

    def _check_namespace(self, name: str, base: str | None) -> None:
        live = self.fleet.get(ObjectRef("Namespace", name))
        if live is None:
            return
        meta = live.get("metadata") or {}
        if meta.get("deletionTimestamp"):
            raise NamespaceBeingRemoved(name, meta["deletionTimestamp"])
        if base is None and cv.DEPLOYMENT_LABEL not in (meta.get("labels") or {}):
            raise NamespaceNotManaged(name)

    # --- apply ------------------------------------------------------------------------------------
    def apply(self, plan: Plan, on_event: Listener | None = None, change_id: str | None = None,
              check: bool = True, requester: str | None = None) -> Outcome:
        """``requester``: who asked for the change (the bot passes the change request's requester);
        it fills ``STAMP_REQUESTER`` in ``patch`` steps.

        Persist before acting: the revision record is written ``in_progress`` (with the change id and the
        plan's manifests) before the first hub write, and completed (or marked failed, or dropped when the
        change was undone) after the last, so a crash at any point leaves what recovery needs."""
        emit = on_event or (lambda e: None)
        if plan.hash and plan.compute_hash() != plan.hash:
            raise ToolError(M.PLAN_ALTERED)
        if check:
            self._await_namespace(plan, emit)
            self.check_fresh(plan)
        if plan.parts:
            return self._apply_parts(plan, emit, change_id, check, requester)
        if plan.strategy == "noop":
            return Outcome(status="noop", message=plan.summary, deployment=plan.deployment)
        self.prepare(plan)
        self.write_intent(plan, change_id)
        return self.carry_out(plan, emit, change_id, self.stamps(change_id, requester))

    def prepare(self, plan: Plan) -> None:
        model = plan.revision.model if plan.revision else None
        self._limit = self.timeout or default_timeout(model, self.fleet.catalog)
        self._deployment = plan.deployment

    @staticmethod
    def stamps(change_id: str | None, requester: str | None) -> dict[str, str]:
        return {STAMP_REQUESTER: requester or M.EXEC_UNKNOWN_REQUESTER, STAMP_CHANGE: change_id or "",
                STAMP_NOW: datetime.now(UTC).isoformat(timespec="seconds")}

    def carry_out(self, plan: Plan, emit: Listener, change_id: str | None, stamps: dict[str, str],
                  start: int = 0) -> Outcome:
        """Run ``plan.steps[start:]``; on a failed step before the switch-over, undo (``undo_steps``)."""
        states: dict[str, ClusterDeploymentState] = {}
        for i, step in enumerate(plan.steps[start:], start):
            ok, detail = self._safe_run(step, i, emit, states, stamps)
            if not ok:
                undone = False
                if i <= switch_index(plan) and self.undo_steps(plan):
                    undone, problems = self.run_undo(plan, emit, stamps)
                    if problems:
                        detail = f"{detail}; {M.EXEC_UNDO_FAILED.format(problems=problems)}"
                return self.failed(plan, change_id, detail, undone, states, emit)
        self._record(plan, change_id)
        rev = plan.revision.revision if plan.revision else None
        msg = M.EXEC_DONE.format(deployment=plan.deployment, revision=rev) if plan.revision \
            else M.EXEC_DONE_NO_REVISION.format(summary=plan.summary)
        emit(ProgressEvent(kind="done", message=msg))
        return Outcome(status="succeeded", message=msg, deployment=plan.deployment, revision=rev, clusters=states)

    def _apply_parts(self, plan: Plan, emit: Listener, change_id: str | None, check: bool,
                     requester: str | None) -> Outcome:
        """Run a plan's parts in order, each through ``apply`` (its own steps, undo and revision record), with
        every event relayed under the part's name (the deployment it moves). The parent's base (every part's)
        was checked before anything was written; each part's is checked again just before it runs, so a
        deployment changed meanwhile is refused as stale on its own. When a part fails, its own undo has run
        (the drained copy keeps serving) and it is named; the parts after it still run: each changes another
        deployment, and leaving more of them on a cluster being drained helps nobody. Except a part that
        changes no deployment (the cordon comes first): when it fails nothing after it runs."""
        outcomes: list[Outcome] = []
        labels = [p.deployment or ", ".join(p.clusters) for p in plan.parts]
        stop: str | None = None
        for i, (part, label) in enumerate(zip(plan.parts, labels, strict=True), 1):
            if stop is not None:
                outcomes.append(Outcome(status="skipped", message=M.EXEC_PART_SKIPPED.format(label=stop),
                                        deployment=part.deployment))
                continue
            dep = part.deployment or None
            emit(ProgressEvent(kind="step", deployment=dep, message=M.EXEC_PART.format(
                i=i, n=len(plan.parts), label=label, summary=part.summary)))

            def relay(ev: ProgressEvent, label: str = label, dep: str | None = dep) -> None:
                kind = "step" if ev.kind in ("done", "failed") else ev.kind  # only the whole plan finishes
                emit(ev.model_copy(update={"kind": kind, "deployment": dep,
                                           "message": M.EXEC_PART_EVENT.format(label=label, message=ev.message)}))
            try:
                out = self.apply(part, on_event=relay, change_id=change_id, check=check, requester=requester)
            except (ToolError, FleetError) as e:
                out = Outcome(status="failed", message=str(e), deployment=part.deployment)
            outcomes.append(out)
            if out.status == "failed" and not part.deployment:
                stop = label
        done_prefix = M.EXEC_DONE_NO_REVISION.format(summary="")  # "done: " once, from the status word
        lines = "; ".join(M.EXEC_PART_LINE.format(label=label, status=M.EXEC_PART_STATUS[o.status],
                                                  message=o.message.removeprefix(done_prefix))
                          for label, o in zip(labels, outcomes, strict=True))
        failed = sum(1 for o in outcomes if o.status in ("failed", "skipped"))
        msg = (M.EXEC_PARTS_FAILED if failed else M.EXEC_PARTS_DONE).format(failed=failed, n=len(outcomes), parts=lines)
        emit(ProgressEvent(kind="failed" if failed else "done", message=msg))
        return Outcome(status="failed" if failed else "succeeded", message=msg, deployment=plan.deployment,
                       parts=outcomes)

    def failed(self, plan: Plan, change_id: str | None, detail: str, undone: bool,
               states: dict[str, ClusterDeploymentState], emit: Listener) -> Outcome:
        """The outcome of a failed change: undone (its intent record dropped: nothing of it is left), or
        stated: what it left on the hub, where, and the command that rolls it back."""
        if undone:
            self.forget_intent(plan, change_id)
            detail = f"{detail}. {M.EXEC_UNDONE.format(deployment=plan.deployment)}"
        elif plan.revision is not None:  # a deployment change: what it left, where, and the way back
            hub = self.fleet.hub_summary(plan.deployment)
            if hub not in detail:
                detail = f"{detail}. {hub}"
            detail = f"{detail} {self.way_back(plan)}"
            self._record(plan, change_id, note=detail, status="failed")
        emit(ProgressEvent(kind="failed", message=detail))
        return Outcome(status="failed", message=detail, deployment=plan.deployment,
                       revision=None if undone else (plan.revision.revision if plan.revision else None),
                       clusters=states, undone=undone)

    @staticmethod
    def way_back(plan: Plan) -> str:
        """The one command that takes a change that was left half done back (text + command)."""
        if plan.stages:
            return M.EXEC_WAY_BACK_STAGED.format(deployment=plan.deployment)
        if plan.strategy == "create":
            return M.EXEC_WAY_BACK_CREATE.format(deployment=plan.deployment)
        if plan.strategy == "remove":
            return M.EXEC_WAY_BACK_REMOVE.format(deployment=plan.deployment)
        return M.EXEC_WAY_BACK.format(deployment=plan.deployment)

    # --- undo ---------------------------------------------------------------------------------------
    def undo_steps(self, plan: Plan) -> list[Step]:
        """What takes a failed change back: the plan's own undo steps; for a new deployment, removing
        everything it created (placement first, so KubeFleet withdraws it from the members, then the
        namespace with its contents)."""
        if plan.undo:
            return plan.undo
        if plan.strategy != "create":
            return []
        wait = next((st for st in plan.steps if st.kind == "wait_ready" and st.ref), None)
        created = {ObjectRef.of(m) for m in plan.manifests}
        crp = next((r for r in created if r.kind == "ClusterResourcePlacement"), None)
        ns = next((r for r in created if r.kind == "Namespace"), None)
        steps = [Step(kind="delete", ref=crp)] if crp else []
        if wait:
            steps.append(Step(kind="wait_absent", ref=wait.ref, clusters=wait.clusters, note=M.STEP_WAIT_GONE))
        if ns:
            steps.append(Step(kind="delete", ref=ns))
        return steps

    def run_undo(self, plan: Plan, emit: Listener, stamps: dict[str, str]) -> tuple[bool, str]:
        """(undone, the problems when not)."""
        emit(ProgressEvent(kind="undo", message=M.EXEC_UNDO if plan.strategy != "create"
                           else M.EXEC_UNDO_CREATE.format(deployment=plan.deployment)))
        problems = [d for j, u in enumerate(self.undo_steps(plan))
                    for ok_u, d in [self._safe_run(u, j, emit, {}, stamps)] if not ok_u]
        return not problems, "; ".join(problems)

    # --- the revision record: intent before acting, outcome after ----------------------------------
    def write_intent(self, plan: Plan, change_id: str | None) -> None:
        self._record(plan, change_id, status="in_progress")

    def forget_intent(self, plan: Plan, change_id: str | None) -> None:
        """Drop this change's in-progress record (the change was not carried out, or was undone)."""
        if plan.revision is None:
            return
        mine = next((r for r in self.fleet.recorded_revisions(plan.deployment)
                     if r.revision == plan.revision.revision), None)
        if mine is not None and mine.status is not None and mine.change_id == change_id:
            self.fleet.forget_revision(plan.deployment, plan.revision.revision)

    def _record(self, plan: Plan, change_id: str | None, note: str | None = None,
                status: Literal["in_progress", "failed"] | None = None) -> None:
        if plan.revision is None:
            return
        rev = plan.revision.model_copy(deep=True)
        rev.applied_at = datetime.now(UTC).isoformat(timespec="seconds")
        rev.change_id = change_id
        rev.manifests = plan.manifests
        rev.status = status
        if note:
            rev.note = f"{rev.note}; {note}" if rev.note else note
        self.fleet.record_revision(plan.deployment, rev)

    def _await_namespace(self, plan: Plan, emit: Listener) -> None:
        """A new deployment whose namespace is still Terminating (a recent undeploy): wait for it to go,
        with progress, up to ``namespace_wait``; then the freshness check proceeds or refuses clearly."""
        for key, base in plan.base.items():
            if not key.startswith("Namespace/") or base is not None or plan.strategy == "remove":
                continue
            ref = ObjectRef("Namespace", key.split("/", 1)[1])
            live = self.fleet.get(ref)
            if live is None or not (live.get("metadata") or {}).get("deletionTimestamp"):
                continue
            emit(ProgressEvent(kind="step", message=M.EXEC_WAIT_NS_BEFORE.format(name=ref.name)))
            limit, self._limit = self._limit, self.namespace_wait
            try:
                self._wait_hub_absent(ref, emit)
            finally:
                self._limit = limit

    def _safe_run(self, step: Step, i: int, emit: Listener, states: dict[str, ClusterDeploymentState],
                  stamps: dict[str, str] | None = None) -> tuple[bool, str]:
        """Run one step; a fleet error is a failed step (so undo still runs), not an escape."""
        try:
            return self._run(step, i, emit, states, stamps or {})
        except FleetError as e:
            return False, str(e)

    def _run(self, step: Step, i: int, emit: Listener, states: dict[str, ClusterDeploymentState],
             stamps: dict[str, str]) -> tuple[bool, str]:
        if step.kind == "patch":
            assert step.ref and step.manifest is not None
            emit(ProgressEvent(kind="step", step=i, message=M.EXEC_STEP_PATCH.format(kind=step.ref.kind,
                                                                                    name=step.ref.name)))
            body = stamped(step.manifest, stamps)
            assert isinstance(body, dict)
            self.fleet.merge_patch(step.ref, body)
            return True, ""
        if step.kind == "apply":
            m = step.manifest or {}
            emit(ProgressEvent(kind="step", step=i, message=M.EXEC_STEP_APPLY.format(
                kind=m.get("kind"), name=m.get("metadata", {}).get("name"))))
            self.fleet.apply(m)
            return True, ""
        if step.kind == "delete":
            assert step.ref
            emit(ProgressEvent(kind="step", step=i, message=M.EXEC_STEP_DELETE.format(kind=step.ref.kind,
                                                                                     name=step.ref.name)))
            self.fleet.delete(step.ref)
            if step.ref.kind == "Namespace":
                emit(ProgressEvent(kind="step", step=i, message=M.EXEC_WAIT_NS_GONE.format(name=step.ref.name)))
                return self._wait_hub_absent(step.ref, emit)
            return True, ""
        if step.kind == "start_run":  # a staged rollout: create the update run once its placement is scheduled
            return staged_run.start(self, step, i, emit)
        if step.kind == "run_stages":  # a staged rollout: follow the update run through stages and gates
            return staged_run.follow(self, step, i, emit, states)
        assert step.ref
        ref = step.ref
        if step.kind == "wait_ready":
            emit(ProgressEvent(kind="step", step=i, message=M.EXEC_WAIT_READY.format(
                name=ref.name, clusters=", ".join(step.clusters))))
            return self._wait_ready(ref, step.clusters, emit, states)
        emit(ProgressEvent(kind="step", step=i, message=M.EXEC_WAIT_GONE.format(
            name=ref.name, clusters=", ".join(step.clusters))))
        return self._wait_absent(ref, step.clusters)

    def _wait_ready(self, ref: ObjectRef, clusters: list[str], emit: Listener,
                    states: dict[str, ClusterDeploymentState]) -> tuple[bool, str]:
        """Until every cluster runs the hub's ``ref`` as it is now (``Fleet.rollout_state``), one fails, or
        the limit passes. Progress: each change of a cluster's state, and a line per unfinished cluster
        every ``progress_every`` s saying what it waits for and for how long."""
        hub_only = [c for c in clusters if c not in self.fleet.members]
        if hub_only:
            emit(ProgressEvent(kind="step", message=M.EXEC_HUB_VIEW.format(clusters=", ".join(hub_only))))
        ns = ref.namespace or ""
        final = self._watch(lambda: self.fleet.rollout_state(ns, ref, clusters), emit, states)
        failed = [s for s in final.values() if s.state == "Failed"]
        if failed:
            s = failed[0]
            return False, M.EXEC_FAILED_ON.format(name=ref.name, cluster=s.cluster,
                                                  reason=s.message or s.reason or "failed")
        pending = {c: s for c, s in final.items() if s.state != "Ready"}
        if pending:
            return False, M.EXEC_TIMEOUT_WAITED.format(
                name=ref.name, duration=_duration(self._limit), clusters=", ".join(pending),
                states="; ".join(f"{c}: {s.state}, {_what(s)}" for c, s in pending.items()))
        return True, ""

    def _watch(self, check: Callable[[], dict[str, ClusterDeploymentState]], emit: Listener,
               states: dict[str, ClusterDeploymentState]) -> dict[str, ClusterDeploymentState]:
        start = time.monotonic()
        deadline, beat = start + self._limit, start + self.progress_every
        seen: dict[str, tuple] = {}
        since: dict[str, tuple[str, float]] = {}
        interval = 0.05
        while True:
            now_states = check()
            t = time.monotonic()
            for c, s in now_states.items():
                if since.get(c, ("",))[0] != s.state:
                    since[c] = (s.state, t)
                sig = (s.state, s.reason, s.message)
                if seen.get(c) != sig:
                    seen[c] = sig
                    states[c] = s
                    emit(ProgressEvent(kind="cluster", cluster=c, state=s.state, reason=s.reason,
                                       message=s.message or s.state))
            open_ = {c: s for c, s in now_states.items() if s.state != "Ready"}
            if not open_ or any(s.state == "Failed" for s in open_.values()) or t >= deadline:
                return now_states
            if t >= beat:
                for c, s in open_.items():
                    emit(ProgressEvent(kind="cluster", cluster=c, state=s.state, reason=s.reason,
                                       message=M.EXEC_WAITING.format(state=s.state, age=_duration(t - since[c][1]),
                                                                     what=_what(s))))
                beat = t + self.progress_every
            time.sleep(max(0.0, min(interval, beat - t, deadline - t)))
            interval = min(self.poll, interval * 1.5)

    def _wait_absent(self, ref: ObjectRef, clusters: list[str]) -> tuple[bool, str]:
        deadline = time.monotonic() + self._limit
        interval = 0.05
        while True:
            left = [c for c in clusters if not self.fleet.member_absent(c, ref.namespace or "", ref.kind, ref.name)]
            if not left:
                return True, ""
            if time.monotonic() >= deadline:
                return False, M.EXEC_GONE_TIMEOUT.format(name=ref.name, duration=_duration(self._limit),
                                                         where=", ".join(left),
                                                         hub=self.fleet.hub_summary(self._deployment))
            time.sleep(interval)
            interval = min(self.poll, interval * 1.5)

    def _wait_hub_absent(self, ref: ObjectRef, emit: Listener) -> tuple[bool, str]:
        """A deleted Namespace stays Terminating until its contents are gone: wait, with progress."""
        start = time.monotonic()
        deadline, beat = start + self._limit, start + self.progress_every
        interval = 0.05
        while (live := self.fleet.get(ref)) is not None:
            t = time.monotonic()
            if t >= deadline:
                return False, M.EXEC_GONE_TIMEOUT.format(name=f"{ref.kind} {ref.name}", duration=_duration(self._limit),
                                                         where="hub", hub=self.fleet.hub_summary(self._deployment))
            if t >= beat:
                phase = ((live.get("status") or {}).get("phase")) or "Terminating"
                emit(ProgressEvent(kind="step", message=M.EXEC_WAITING.format(
                    state=f"{ref.kind} {ref.name}: {phase}", age=_duration(t - start),
                    what=M.EXEC_WAIT_NS_GONE.format(name=ref.name))))
                beat = t + self.progress_every
            time.sleep(max(0.0, min(interval, deadline - t)))
            interval = min(self.poll, interval * 1.5)
        return True, ""

    # --- after a crash (``tools.recovery``) ----------------------------------------------------------
    def reconcile(self, plan: Plan) -> tuple[Literal["succeeded", "failed", "attention"], str]:
        """Where did an interrupted execution get to? Never applies anything (``recover`` acts). A plan made of
        parts: each part on its own; all the same answer gives it, else attention."""
        if plan.parts:
            found = [(p.deployment or ", ".join(p.clusters), self.reconcile(p)) for p in plan.parts
                     if p.strategy != "noop"]
            kinds = {status for _, (status, _) in found}
            why = M.RECONCILE_PARTS.format(parts="; ".join(f"{label}: {status}, {w}" for label, (status, w) in found))
            return (kinds.pop() if len(kinds) == 1 else "attention"), why
        status, why, _todo = recovery.where(self, plan, None)
        return status, why

    def recover(self, plan: Plan, change_id: str | None, on_event: Listener | None = None) -> Outcome:
        """End an interrupted execution in a true state: finished, rolled back, or attention (what is on the
        hub, per cluster). See ``tools.recovery``."""
        emit = on_event or (lambda e: None)
        if plan.parts:  # each part on its own (a drain: the cordon, then one move per deployment)
            parts = [p for p in plan.parts if p.strategy != "noop"]
            outs = [recovery.recover(self, p, change_id, emit) for p in parts]
            kinds = {o.status for o in outs}
            status = kinds.pop() if len(kinds) == 1 else "attention"
            why = M.RECONCILE_PARTS.format(parts="; ".join(
                f"{p.deployment or ', '.join(p.clusters)}: {o.status}, {o.message}"
                for p, o in zip(parts, outs, strict=True)))
            return Outcome(status=status, message=why, deployment=plan.deployment, parts=outs)
        return recovery.recover(self, plan, change_id, emit)

    def resolve(self, plan: Plan, change_id: str | None, action: Action,
                on_event: Listener | None = None, who: str = "") -> Outcome:
        """A person's decision on a change in attention (``tools.recovery.resolve``)."""
        return recovery.resolve(self, plan, change_id, action, on_event or (lambda e: None), who)

    def mark_failed(self, plan: Plan, change_id: str | None, note: str) -> None:
        self._record(plan, change_id, note=note, status="failed")

    def matches(self, manifest: dict) -> bool:
        """The hub holds ``manifest`` (what the plan applies), defaults aside."""
        return self._matches(manifest)

    def _matches(self, manifest: dict) -> bool:
        live = self.fleet.get(ObjectRef.of(manifest))
        if live is None:
            return False
        want = {k: v for k, v in manifest.items() if k not in ("status", "apiVersion")}
        want["metadata"] = {"labels": (manifest.get("metadata") or {}).get("labels") or {}}
        return _subset(want, live)


def switch_index(plan: Plan) -> int:
    """Index of the first step after which undo is no longer safe: the first wait for the new side (what
    follows it removes the old side); the last step when the plan has no wait."""
    waits = [i for i, st in enumerate(plan.steps) if st.kind == "wait_ready"]
    return waits[0] if waits else len(plan.steps)


def _subset(want: object, have: object) -> bool:
    """``want`` is contained in ``have`` (the API server adds defaults, so equality is too strict)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and _subset(v, have[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and len(want) == len(have) and all(_subset(a, b) for a, b in zip(want, have, strict=True))
    return want == have


def _what(s: ClusterDeploymentState) -> str:
    """What a cluster waits for, in words."""
    if s.message and s.message != s.state:
        return s.message
    return M.EXEC_NO_KAITO_STATUS if s.reason in (None, "Pending") else s.reason or s.state
