"""Executor: apply exactly a Plan, follow the rollout, report per-cluster progress.

``Executor.apply(plan)`` first checks that the live fleet still matches the plan's base (else
``StalePlan``; nothing is written), then runs the plan's steps in order — hub applies and deletes, and
waits on the members until the KAITO object is ready (or gone) everywhere it should be. If a wait fails
or times out, the plan's undo steps run (a blue/green drops its new side; the old one keeps serving).
When the hub changed and was not undone, the revision record is written (with its outcome).

``patch`` steps carry execution-time placeholders (``STAMPS``) that the executor fills in when it runs
them: who asked (``requester``, which the caller passes to ``apply``), when, and the change id. They
are placeholders in the plan so that its hash does not depend on who approves it or when it runs.

Every step is idempotent (server-side apply, delete of an absent object is fine), so a caller that
re-runs a plan after a crash converges; the pipeline still never re-runs silently (it reconciles first:
``Executor.reconcile``).
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Callable, Literal

from pydantic import BaseModel, Field

from tools.errors import ToolError
from tools.fleet.adapter import Fleet
from tools.fleet.errors import FleetError
from tools.fleet.kube import Ref
from tools.fleet.models import ClusterDeploymentState
from tools.messages import plans as M
from tools.plan import ObjectRef, Plan, Step


class StalePlan(ToolError):
    """The fleet changed since the plan was computed; nothing was applied."""

    kind = "stale_plan"

    def __init__(self, changes: dict[str, tuple[str | None, str | None]]):
        self.changes = changes
        desc = ", ".join(f"{k}: {'absent' if a is None else 'v' + str(a)[:24]} → {'absent' if b is None else 'v' + str(b)[:24]}"
                         for k, (a, b) in sorted(changes.items()))
        super().__init__(M.STALE.format(changes=desc))


class ProgressEvent(BaseModel):
    kind: Literal["step", "cluster", "undo", "done", "failed"]
    message: str
    cluster: str | None = None
    state: str | None = None
    reason: str | None = None
    step: int | None = None
    ts: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="milliseconds"))


class Outcome(BaseModel):
    status: Literal["succeeded", "failed", "noop"]
    message: str
    deployment: str
    revision: int | None = None
    clusters: dict[str, ClusterDeploymentState] = Field(default_factory=dict)
    undone: bool = False


Listener = Callable[[ProgressEvent], None]

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


def _ref(r: ObjectRef) -> Ref:
    return Ref(r.kind, r.name, r.namespace)


class Executor:
    def __init__(self, fleet: Fleet, timeout: float = 1800.0, poll: float = 1.0):
        self.fleet, self.timeout, self.poll = fleet, timeout, poll

    # --- freshness --------------------------------------------------------------------------------
    def stale_changes(self, plan: Plan) -> dict[str, tuple[str | None, str | None]]:
        live = self.fleet.resource_versions(plan.base)
        return {k: (plan.base[k], live[k]) for k in plan.base if live.get(k) != plan.base[k]}

    def check_fresh(self, plan: Plan) -> None:
        changes = self.stale_changes(plan)
        if changes:
            raise StalePlan(changes)

    # --- apply ------------------------------------------------------------------------------------
    def apply(self, plan: Plan, on_event: Listener | None = None, change_id: str | None = None,
              check: bool = True, requester: str | None = None) -> Outcome:
        """``requester``: who asked for the change (the bot passes the change request's requester);
        it fills ``STAMP_REQUESTER`` in ``patch`` steps."""
        emit = on_event or (lambda e: None)
        stamps = {STAMP_REQUESTER: requester or M.EXEC_UNKNOWN_REQUESTER, STAMP_CHANGE: change_id or "",
                  STAMP_NOW: datetime.now(timezone.utc).isoformat(timespec="seconds")}
        if plan.hash and plan.compute_hash() != plan.hash:
            raise ToolError(M.PLAN_ALTERED)
        if check:
            self.check_fresh(plan)
        if plan.strategy == "noop":
            return Outcome(status="noop", message=plan.summary, deployment=plan.deployment)
        states: dict[str, ClusterDeploymentState] = {}
        # undo is safe only until the switch-over (the first step after waiting for the new side)
        waits = [i for i, st in enumerate(plan.steps) if st.kind == "wait_ready"]
        undo_until = waits[0] if waits else len(plan.steps)
        for i, step in enumerate(plan.steps):
            ok, detail = self._safe_run(step, i, emit, states, stamps)
            if not ok:
                undone = False
                if plan.undo and i <= undo_until:
                    emit(ProgressEvent(kind="undo", message=M.EXEC_UNDO))
                    problems = [d for j, u in enumerate(plan.undo)
                                for ok_u, d in [self._safe_run(u, j, emit, {}, stamps)] if not ok_u]
                    undone = not problems
                    if problems:
                        detail = f"{detail}; {M.EXEC_UNDO_FAILED.format(problems='; '.join(problems))}"
                if not undone:
                    self._record(plan, change_id, note=f"failed: {detail}")
                emit(ProgressEvent(kind="failed", message=detail))
                return Outcome(status="failed", message=detail, deployment=plan.deployment,
                               revision=None if undone else (plan.revision.revision if plan.revision else None),
                               clusters=states, undone=undone)
        self._record(plan, change_id)
        rev = plan.revision.revision if plan.revision else None
        msg = M.EXEC_DONE.format(deployment=plan.deployment, revision=rev) if plan.revision \
            else M.EXEC_DONE_NO_REVISION.format(summary=plan.summary)
        emit(ProgressEvent(kind="done", message=msg))
        return Outcome(status="succeeded", message=msg, deployment=plan.deployment, revision=rev, clusters=states)

    def _record(self, plan: Plan, change_id: str | None, note: str | None = None) -> None:
        if plan.revision is None:
            return
        rev = plan.revision.model_copy(deep=True)
        rev.applied_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        rev.change_id = change_id
        rev.manifests = plan.manifests
        if note:
            rev.note = f"{rev.note}; {note}" if rev.note else note
        self.fleet.record_revision(plan.deployment, rev)

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
            self.fleet.merge_patch(_ref(step.ref), body)
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
            self.fleet.delete(_ref(step.ref))
            return True, ""
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
        ns = ref.namespace or ""
        seen: dict[str, tuple] = {}

        def check() -> dict[str, ClusterDeploymentState]:
            return {c: self.fleet.member_state(c, ns, ref.kind, ref.name) for c in clusters}

        def on_change(now: dict[str, ClusterDeploymentState]) -> None:
            for c, s in now.items():
                sig = (s.state, s.reason, s.message)
                if seen.get(c) != sig:
                    seen[c] = sig
                    states[c] = s
                    emit(ProgressEvent(kind="cluster", cluster=c, state=s.state, reason=s.reason,
                                       message=s.message or s.state))

        def done(now: dict[str, ClusterDeploymentState]) -> bool:
            return all(_settled(s) for s in now.values()) or any(s.state == "Failed" for s in now.values())

        final = self.fleet.wait(check, done, self.timeout, on_change, max_interval=self.poll)
        states.update(final)
        failed = [s for s in final.values() if s.state == "Failed"]
        if failed:
            s = failed[0]
            return False, M.EXEC_FAILED_ON.format(name=ref.name, cluster=s.cluster,
                                                  reason=s.message or s.reason or "failed")
        pending = [c for c, s in final.items() if not _settled(s)]
        if pending:
            return False, M.EXEC_TIMEOUT.format(name=ref.name, seconds=int(self.timeout), clusters=", ".join(pending))
        return True, ""

    def _wait_absent(self, ref: ObjectRef, clusters: list[str]) -> tuple[bool, str]:
        deadline = time.monotonic() + self.timeout
        interval = 0.05
        while True:
            left = [c for c in clusters if not self.fleet.member_absent(c, ref.namespace or "", ref.kind, ref.name)]
            if not left:
                return True, ""
            if time.monotonic() >= deadline:
                return False, M.EXEC_TIMEOUT.format(name=ref.name, seconds=int(self.timeout), clusters=", ".join(left))
            time.sleep(interval)
            interval = min(self.poll, interval * 1.5)

    # --- after a crash ----------------------------------------------------------------------------
    def reconcile(self, plan: Plan) -> tuple[Literal["succeeded", "failed", "attention"], str]:
        """Where did an interrupted execution get to? Never applies anything."""
        applied = all(self._matches(m) for m in plan.manifests)
        deleted = all(self.fleet.get(_ref(d)) is None for d in plan.deletes)
        if applied and deleted:
            revs = self.fleet.recorded_revisions(plan.deployment)  # not KubeFleet's snapshots: ours only
            if plan.revision is None or any(r.revision == plan.revision.revision for r in revs):
                return "succeeded", "the fleet matches the plan's final state and its revision is recorded"
            return "attention", "the hub matches the plan but its revision record is missing; check the rollout"
        untouched = not self.stale_changes(plan)
        if untouched:
            return "failed", "nothing of the plan reached the fleet; it can be planned and approved again"
        return "attention", "the plan was applied only in part; inspect the deployment before doing anything else"

    def _matches(self, manifest: dict) -> bool:
        live = self.fleet.get(Ref.of(manifest))
        if live is None:
            return False
        want = {k: v for k, v in manifest.items() if k not in ("status", "apiVersion")}
        want["metadata"] = {"labels": (manifest.get("metadata") or {}).get("labels") or {}}
        return _subset(want, live)


def _subset(want: object, have: object) -> bool:
    """``want`` is contained in ``have`` (the API server adds defaults, so equality is too strict)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and _subset(v, have[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and len(want) == len(have) and all(_subset(a, b) for a, b in zip(want, have))
    return want == have


def _settled(s: ClusterDeploymentState) -> bool:
    return s.state == "Ready" or (s.state == "Unknown" and s.reason == "NoMemberAccess")
