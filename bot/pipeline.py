"""The pipeline: request → interpretation → result or change request → approvals → one execution.

No Slack, Kubernetes or LangChain types here: the pipeline talks to a ``Fleet`` (through the tools), an
interpreter (anything with ``interpret(text, context)``), the policy, and the store (audit log and
change requests). Every step is written to the audit log before the next one acts.

Exactly once: a delivery id is claimed before anything happens (retries change nothing); approvals are
counted with compare-and-set in the store, and the move to ``approved`` happens in the same transaction
as the approval that completes the quorum, so exactly one caller sees it; that caller re-checks the plan
against the live fleet (if it would differ, the approvals are voided and the request is re-planned for
new approval) and then claims the execution (approved → executing, once); only the claimant runs the
executor. After a crash, ``recover()`` reconciles requests found ``executing`` against the live fleet
instead of running them again.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Literal, Protocol

from pydantic import ValidationError

from audit.errors import ChangeNotFound
from audit.models import ChangeRequest
from audit.store import Store
from bot import storetools
from bot.identity import Actor
from bot.policy import Decision, Facts, Policy, decide
from tools import registry, runner
from tools.errors import ToolError
from tools.executor import Executor, Outcome, ProgressEvent, StalePlan
from tools.fleet.adapter import Fleet
from tools.fleet.errors import FleetError
from bot.messages import pipeline as M
from tools.plan import Plan


@dataclass
class Request:
    """What someone asked, and where (channel/thread for replies, delivery id for de-duplication)."""

    actor: Actor
    text: str
    channel: str | None = None
    thread_ts: str | None = None
    delivery_id: str | None = None
    history: list[tuple[str, str]] = field(default_factory=list)
    source: str = "chat"


@dataclass
class Reply:
    """What the pipeline answers. ``kind`` tells a front end how to show it."""

    kind: Literal["result", "clarify", "refuse", "error", "change", "duplicate", "noop"]
    text: str
    tool: str | None = None
    result: Any = None  # read-only tool result (has .to_json()/.render())
    change: ChangeRequest | None = None
    plan: Plan | None = None
    decision: Decision | None = None
    outcome: Outcome | None = None


@dataclass
class ActionReply:
    """The answer to an approve/reject/cancel click or command."""

    ok: bool
    text: str
    change: ChangeRequest | None = None
    executed: bool = False
    outcome: Outcome | None = None


class Notifier(Protocol):
    """Front ends (Slack card, terminal) implement this to show progress as it happens."""

    def change_updated(self, change: ChangeRequest) -> None: ...

    def progress(self, change: ChangeRequest, event: ProgressEvent) -> None: ...


class _Silent:
    def change_updated(self, change: ChangeRequest) -> None:
        pass

    def progress(self, change: ChangeRequest, event: ProgressEvent) -> None:
        pass


class Pipeline:
    def __init__(self, store: Store, fleet: Fleet, interpreter: Any, policy: Policy, *,
                 rollout_timeout: float | None = None, notifier: Notifier | None = None,
                 clock: Callable[[], datetime] | None = None, vocabulary: Callable[[], Any] | None = None):
        self.store, self.fleet, self.interpreter, self.policy = store, fleet, interpreter, policy
        self.executor = Executor(fleet, timeout=rollout_timeout)
        self.notifier: Notifier = notifier or _Silent()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._vocabulary = vocabulary
        self._exec_lock = threading.Lock()

    # --- requests ---------------------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        if req.delivery_id and not self.store.claim_delivery(req.delivery_id):
            return Reply(kind="duplicate", text=M.DUPLICATE)
        audit = self.store.audit
        audit.record("request", actor=req.actor.id, channel=req.channel, message=req.text,
                     args={"source": req.source, "thread_ts": req.thread_ts, "delivery_id": req.delivery_id})
        try:
            result = self.interpreter.interpret(req.text, self._context(req))
        except Exception as e:  # noqa: BLE001 - the interpreter must never take the bot down
            audit.record("error", actor=req.actor.id, channel=req.channel, message=f"interpreter: {e}")
            return Reply(kind="error", text=M.INTERPRETER_FAILED)
        parsed = result.to_json()
        audit.record("interpretation", actor=req.actor.id, channel=req.channel, tool=parsed.get("tool"),
                     args=parsed.get("args"), result=parsed)
        if parsed["kind"] == "clarify":
            return Reply(kind="clarify", text=parsed["question"])
        if parsed["kind"] == "refuse":
            return Reply(kind="refuse", text=parsed["reason"])
        tool = parsed["tool"]
        try:
            args = registry.validate(tool, parsed.get("args") or {})
        except (ValidationError, registry.UnknownTool) as e:  # the interpreter validates; this is a guard
            msg = registry.explain(e) if isinstance(e, ValidationError) else str(e)
            return Reply(kind="clarify", text=M.BAD_ARGS.format(detail=msg))
        if not registry.get(tool).mutating:
            return self._read(req, tool, args)
        return self._propose(req, tool, args)

    def _context(self, req: Request) -> Any:
        from bot.interpreter import Context  # the interpreter's own context type

        vocab = self._vocabulary() if self._vocabulary else None
        return Context(who=req.actor.id, vocabulary=vocab, history=list(req.history))

    def _read(self, req: Request, tool: str, args: Any) -> Reply:
        try:
            if tool in storetools.TOOLS:
                result = storetools.run(tool, args, self.store, now=self.clock())
            else:
                result = runner.run_readonly(tool, args, self.fleet.snapshot(), self.fleet.catalog)
        except (ToolError, FleetError) as e:
            self.store.audit.record("error", actor=req.actor.id, channel=req.channel, tool=tool,
                                    args=args.given(), message=str(e))
            return Reply(kind="error", text=str(e), tool=tool)
        self.store.audit.record("outcome", actor=req.actor.id, channel=req.channel, tool=tool, args=args.given(),
                                message=M.READ_DONE.format(tool=tool))
        return Reply(kind="result", text=result.render(), tool=tool, result=result)

    def _plan(self, tool: str, args: Any) -> Plan:
        return runner.plan(tool, args, self.fleet)

    def _facts(self, plan: Plan) -> Facts:
        return Facts(tool=plan.tool, mutating=True, environments=frozenset(plan.environments),
                     clusters=tuple(plan.clusters), deployment=plan.deployment)

    def _propose(self, req: Request, tool: str, args: Any) -> Reply:
        audit = self.store.audit
        try:
            plan = self._plan(tool, args)
        except (ToolError, FleetError) as e:
            audit.record("error", actor=req.actor.id, channel=req.channel, tool=tool, args=args.given(),
                         message=str(e))
            return Reply(kind="error", text=str(e), tool=tool)
        audit.record("plan", actor=req.actor.id, channel=req.channel, tool=tool, deployment=plan.deployment,
                     clusters=plan.clusters, args=args.given(),
                     result={"hash": plan.hash, "strategy": plan.strategy, "summary": plan.summary,
                             "gpu_delta": plan.gpu_delta, "cost_delta_per_hour": plan.cost_delta_per_hour})
        if plan.strategy == "noop":
            return Reply(kind="noop", text=plan.summary, tool=tool, plan=plan)
        decision = decide(self.policy, req.actor, self._facts(plan), self.clock())
        audit.record("decision", actor=req.actor.id, channel=req.channel, tool=tool, deployment=plan.deployment,
                     clusters=plan.clusters, result={"kind": decision.kind, "approvals": decision.approvals_required,
                                                     "groups": decision.approver_groups},
                     message=decision.reason)
        if decision.kind == "deny":
            return Reply(kind="refuse", text=M.DENIED.format(reason=decision.reason), tool=tool, plan=plan,
                         decision=decision)
        change = self.store.changes.create(
            requester=req.actor.id, tool=tool, plan_hash=plan.hash, args=args.given(),
            plan=plan.model_dump(mode="json"), summary=plan.summary, decision=decision.model_dump(mode="json"),
            approvals_required=decision.approvals_required, ttl_seconds=decision.ttl_seconds,
            channel=req.channel, thread_ts=req.thread_ts, request_key=req.delivery_id,
            state="approved" if decision.kind == "allow" else "pending", now=self.clock())
        audit.record("plan", actor=req.actor.id, channel=req.channel, change_id=change.id, tool=tool,
                     deployment=plan.deployment, clusters=plan.clusters,
                     message=M.CHANGE_OPENED.format(id=change.id, state=change.state))
        reply = Reply(kind="change", text=plan.summary, tool=tool, change=change, plan=plan, decision=decision)
        if change.state == "approved":  # policy needs no approval (e.g. dev): run it now
            reply.outcome = self._execute(change.id, actor=req.actor.id)
            reply.change = self.store.changes.get(change.id)
        return reply

    # --- approvals ----------------------------------------------------------------------------------
    def get(self, change_id: str) -> ChangeRequest:
        return self.store.changes.get(change_id)

    def decision_of(self, change: ChangeRequest) -> Decision:
        return Decision.model_validate(change.decision)

    def approve(self, change_id: str, actor: Actor, version: int | None = None) -> ActionReply:
        """Approve the plan the person saw: ``version`` is the plan version their card showed. The plan
        hash read together with that version is what the store counts the approval for (compare-and-set),
        so an approval can never attach to a plan that was re-computed after the person looked."""
        try:
            change = self.store.changes.get(change_id)
        except ChangeNotFound:
            return ActionReply(False, M.NO_SUCH_CHANGE.format(id=change_id))
        if change.state != "pending":
            return ActionReply(False, self._not_pending(change, actor), change)
        if version is not None and change.version != version:
            return ActionReply(False, M.OLD_VERSION.format(id=change.id, seen=version, now=change.version), change)
        decision = self.decision_of(change)
        if any(a.actor == actor.id for a in change.approvals):
            return ActionReply(False, M.ALREADY_APPROVED_BY_YOU.format(id=change.id), change)
        ok, why = decision.can_approve(actor, change.requester, change.approvals)
        if not ok:
            self.store.audit.record("approval", actor=actor.id, change_id=change.id, tool=change.tool,
                                    result={"counted": False}, message=why)
            return ActionReply(False, why, change)
        res = self.store.changes.add_approval(
            change.id, actor.id, change.plan_hash, actor_name=actor.name, usergroups=sorted(actor.usergroups),
            quorum=lambda approvals: decision.is_satisfied(approvals), now=self.clock())
        if res.status == "duplicate":
            return ActionReply(False, M.ALREADY_APPROVED_BY_YOU.format(id=change.id), change)
        if res.status != "inserted":
            return ActionReply(False, self._not_pending(self.store.changes.get(change.id), actor),
                               self.store.changes.get(change.id))
        self.store.audit.record("approval", actor=actor.id, change_id=change.id, tool=change.tool,
                                result={"counted": True, "approvals": [a.actor for a in res.approvals],
                                        "quorum": res.approved}, message=M.APPROVAL_COUNTED)
        change = self.store.changes.get(change.id)
        self.notifier.change_updated(change)
        if not res.approved:
            return ActionReply(True, M.APPROVED_WAITING.format(
                id=change.id, needed=decision.still_needed(change.approvals)), change)
        outcome = self._execute(change.id, actor=actor.id)
        change = self.store.changes.get(change.id)
        if change.state == "pending":  # re-planned: the fleet changed
            return ActionReply(True, M.REPLANNED.format(id=change.id), change)
        return ActionReply(True, M.APPROVED_RUN.format(id=change.id), change, executed=outcome is not None,
                           outcome=outcome)

    def _not_pending(self, change: ChangeRequest, actor: Actor) -> str:
        if change.state in ("approved", "executing", "succeeded", "failed", "attention") and \
                any(a.actor == actor.id for a in change.approvals):
            return M.ALREADY_APPROVED_BY_YOU.format(id=change.id)
        return M.NOT_PENDING.format(id=change.id, state=change.state)

    def may_reject(self, change: ChangeRequest, actor: Actor) -> bool:
        """The requester, or anyone who could approve this change, may reject it."""
        decision = self.decision_of(change)
        return actor.id == change.requester or decision._regular(actor) or any(
            g in decision.groups and decision.groups[g].contains(actor) for g in [r.group for r in decision.extra])

    def reject(self, change_id: str, actor: Actor, reason: str) -> ActionReply:
        reason = (reason or "").strip()
        if not reason:
            return ActionReply(False, M.REASON_REQUIRED)
        try:
            change = self.store.changes.get(change_id)
        except ChangeNotFound:
            return ActionReply(False, M.NO_SUCH_CHANGE.format(id=change_id))
        if not self.may_reject(change, actor):
            return ActionReply(False, M.CANNOT_REJECT, change)
        if not self.store.changes.transition(change.id, ("pending", "stale"), "rejected", reason=reason,
                                             now=self.clock()):
            return ActionReply(False, M.NOT_PENDING.format(id=change.id, state=self.get(change.id).state), change)
        self.store.audit.record("rejection", actor=actor.id, change_id=change.id, tool=change.tool, message=reason)
        change = self.store.changes.get(change.id)
        self.notifier.change_updated(change)
        return ActionReply(True, M.REJECTED.format(id=change.id, reason=reason), change)

    def cancel(self, change_id: str, actor: Actor) -> ActionReply:
        try:
            change = self.store.changes.get(change_id)
        except ChangeNotFound:
            return ActionReply(False, M.NO_SUCH_CHANGE.format(id=change_id))
        if actor.id != change.requester:
            return ActionReply(False, M.CANNOT_CANCEL, change)
        if not self.store.changes.transition(change.id, ("pending", "approved", "stale"), "cancelled",
                                             reason=M.CANCELLED_BY.format(who=actor.id), now=self.clock()):
            return ActionReply(False, M.NOT_PENDING.format(id=change.id, state=self.get(change.id).state), change)
        self.store.audit.record("cancel", actor=actor.id, change_id=change.id, tool=change.tool)
        change = self.store.changes.get(change.id)
        self.notifier.change_updated(change)
        return ActionReply(True, M.CANCELLED.format(id=change.id), change)

    # --- execution ----------------------------------------------------------------------------------
    def _execute(self, change_id: str, actor: str | None = None) -> Outcome | None:
        """Re-check, claim, run. Returns None when this caller did not run it (stale/claimed elsewhere)."""
        audit = self.store.audit
        change = self.store.changes.get(change_id)
        plan = Plan.model_validate(change.plan)
        args = registry.validate(change.tool, change.args or {})
        try:
            fresh = self._plan(change.tool, args)
        except FleetError as e:  # the fleet could not be read: keep the approvals, try again later
            audit.record("error", actor=actor, change_id=change.id, tool=change.tool, deployment=plan.deployment,
                         message=M.FLEET_UNAVAILABLE.format(error=e))
            return None
        except ToolError as e:  # the request cannot be carried out any more (e.g. nothing fits now)
            fresh, err = None, str(e)
        else:
            err = None
        if fresh is None or fresh.hash != plan.hash:
            if not self.store.changes.transition(change.id, "approved", "stale", now=self.clock()):
                return None
            audit.record("stale", actor=actor, change_id=change.id, tool=change.tool, deployment=plan.deployment,
                         message=M.STALE_VOIDED.format(detail=err or M.STALE_DIFFERS))
            if fresh is None or fresh.strategy == "noop":
                self.store.changes.transition(change.id, "stale", "cancelled", reason=err or fresh.summary,
                                              now=self.clock())
                self.notifier.change_updated(self.store.changes.get(change.id))
                return None
            decision = decide(self.policy, Actor(change.requester), self._facts(fresh), self.clock())
            self.store.changes.replan(change.id, fresh.model_dump(mode="json"), fresh.hash, summary=fresh.summary,
                                      decision=decision.model_dump(mode="json"),
                                      approvals_required=decision.approvals_required,
                                      ttl_seconds=decision.ttl_seconds, now=self.clock())
            audit.record("plan", actor=actor, change_id=change.id, tool=change.tool, deployment=fresh.deployment,
                         clusters=fresh.clusters, result={"hash": fresh.hash, "replanned": True},
                         message=M.REPLANNED.format(id=change.id))
            changed = self.store.changes.get(change.id)
            if decision.kind == "deny":
                self.store.changes.transition(change.id, "pending", "cancelled", reason=decision.reason,
                                              now=self.clock())
                self.notifier.change_updated(self.store.changes.get(change.id))
                return None
            if decision.kind == "allow":
                self.store.changes.transition(change.id, "pending", "approved", now=self.clock())
                return self._execute(change.id, actor)
            self.notifier.change_updated(changed)
            return None
        if not self.store.changes.claim_execution(change.id, now=self.clock()):
            return None
        audit.record("execution_step", actor=actor, change_id=change.id, tool=change.tool,
                     deployment=plan.deployment, clusters=plan.clusters, message=M.EXECUTION_STARTED)
        change = self.store.changes.get(change.id)
        self.notifier.change_updated(change)

        def on_event(ev: ProgressEvent) -> None:
            audit.record("execution_step", change_id=change.id, tool=change.tool, deployment=plan.deployment,
                         clusters=[ev.cluster] if ev.cluster else [], message=ev.message,
                         result={"kind": ev.kind, "state": ev.state, "reason": ev.reason})
            self.notifier.progress(change, ev)

        try:
            outcome = self.executor.apply(plan, on_event=on_event, change_id=change.id)
        except StalePlan as e:
            outcome = Outcome(status="failed", message=str(e), deployment=plan.deployment)
        except (ToolError, FleetError) as e:
            outcome = Outcome(status="failed", message=M.EXECUTION_ERROR.format(error=e), deployment=plan.deployment)
        final = "succeeded" if outcome.status in ("succeeded", "noop") else "failed"
        self.store.changes.transition(change.id, "executing", final, outcome=outcome.model_dump(mode="json"),
                                      reason=outcome.message, now=self.clock())
        audit.record("outcome", actor=actor, change_id=change.id, tool=change.tool, deployment=plan.deployment,
                     clusters=plan.clusters, result={"status": final, "revision": outcome.revision,
                                                     "undone": outcome.undone},
                     message=outcome.message)
        self.notifier.change_updated(self.store.changes.get(change.id))
        return outcome

    # --- housekeeping -------------------------------------------------------------------------------
    def expire(self) -> list[str]:
        ids = self.store.changes.expire_due(self.clock())
        for cid in ids:
            self.store.audit.record("expiry", change_id=cid, message=M.EXPIRED)
            self.notifier.change_updated(self.store.changes.get(cid))
        return ids

    def recover(self) -> list[tuple[str, str]]:
        """After a restart: reconcile requests left ``executing`` (never re-run them) and resume ``approved``
        ones (their approvals stand; they go through the staleness check and the claim)."""
        done: list[tuple[str, str]] = []
        for change in self.store.changes.find_executing():
            plan = Plan.model_validate(change.plan)
            try:
                status, why = self.executor.reconcile(plan)
            except FleetError as e:
                status, why = "attention", M.RECONCILE_UNREACHABLE.format(error=e)
            self.store.changes.transition(change.id, "executing", status, reason=why,
                                          outcome={"status": status, "message": why}, now=self.clock())
            self.store.audit.record("reconcile", change_id=change.id, tool=change.tool, deployment=plan.deployment,
                                    result={"status": status}, message=why)
            self.notifier.change_updated(self.store.changes.get(change.id))
            done.append((change.id, status))
        for change in self.store.changes.list(status="approved"):
            self._execute(change.id)
            done.append((change.id, self.store.changes.get(change.id).state))
        return done
