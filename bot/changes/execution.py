"""Execute and recover: re-check the approved plan against the live fleet, claim it once, run it, record the
outcome. Three transactions at most (re-plan or claim, outcome); the executor runs between them.

Re-plans keep the intent: the fresh plan is computed from ``plan.intent.args`` when the stored plan has an
intent (else the stored arguments), never from the words the person typed. When the fleet changed:

* the same intent gives another plan → approvals voided, re-planned for new approval (or run at once / refused
  when policy now says so);
* the intent can no longer be carried out (the planner refuses) → ``stale`` with the reason;
* there is nothing left to do → ``cancelled`` with the reason;
* the fleet cannot be read → stays ``approved`` with the reason; the retry scheduler (``bot.changes.retry``)
  runs it again with backoff.

One change per deployment (and per cluster for cluster operations) executes at a time: the claim
(``approved -> executing``) takes the change's lock keys (``lock_keys``) in the same transaction, and the
outcome (or the reconciliation after a crash) releases them in its own. A change whose deployment is held
by another stays ``approved`` with the reason "waiting for change N on D"; ``wake`` (the retry scheduler's
``poke``) is called whenever locks are released, so it runs right after.
"""
from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from audit.locks import Held
from audit.models import ChangeRequest, ChangeState
from bot import toolbox
from bot.changes.base import ServiceBase
from bot.identity import Actor
from bot.messages import pipeline as M
from bot.policy import Decision, Facts, decide
from bot.policy.impersonation import NotMapped, acting_as, who_acts
from bot.storetools.actions import store_action
from tools.errors import ToolError
from tools.executor import Outcome, ProgressEvent, StalePlan
from tools.fleet.errors import FleetError
from tools.plan import Plan

S = ChangeState


class _Busy(Exception):
    """Raised inside the claim transaction to roll it back: another change holds a lock key."""

    def __init__(self, held: Held):
        super().__init__(held.key)
        self.held = held


def lock_keys(plan: Plan) -> list[str]:
    """What a change holds while it executes: its deployment, or its clusters for a cluster operation
    (cordon, uncordon, drain: plans of no deployment)."""
    if not plan.deployment:
        return [f"cluster:{c}" for c in sorted(set(plan.clusters))]
    return [f"deployment:{plan.deployment}"]


def hub_of(executor: object) -> str:
    """The hub's cluster name (whose requests impersonation applies to)."""
    return str(getattr(getattr(getattr(executor, "fleet", None), "hub", None), "cluster", "") or "")


def facts_of(plan: Plan) -> Facts:
    return Facts(tool=plan.tool, mutating=True, environments=frozenset(plan.environments),
                 clusters=tuple(plan.clusters), deployment=plan.deployment)


def facts_again(plan: Plan, stored: Decision) -> Facts:
    """The facts of a request (or of its re-plan) to decide again: the plan's, with the team and its spend as the
    request was opened with (``Decision.facts``); the spend after follows the plan's cost."""
    facts = facts_of(plan).model_copy(update=stored.facts)
    if facts.spend_before is not None:
        after = round(max(0.0, facts.spend_before + plan.cost_delta_per_hour), 2)
        facts = facts.model_copy(update={"spend_after": after})
    return facts


def requester_of(change: ChangeRequest, stored: Decision) -> Actor:
    """The requester as policy saw them (with the Slack user groups they had when they asked)."""
    return Actor(change.requester, usergroups=frozenset(stored.requester_usergroups))


class Execution(ServiceBase):
    def execute(self, change_id: str, actor: str | None = None) -> ChangeRequest:
        """Run an ``approved`` request once (whoever claims it); returns the request as it ends up."""
        change = self.get(change_id)
        if change.state != S.APPROVED:
            return change
        standby = self.gate()
        if standby is not None:  # another copy is the writer: the approval stands, the writer runs it
            return change if change.reason == standby else self._waiting(change, actor, standby)
        plan = Plan.model_validate(change.plan)
        held = self.store.locks.holder(lock_keys(plan))
        if held is not None and held.change_id != change.id:  # no fleet reads while another change runs
            return self._lock_wait(change, actor, held)
        try:  # every hub request of the execution acts as the person, when the policy says so
            with acting_as(self.policy, who_acts(change), hub_of(self.executor)):
                return self._checked(change, plan, actor)
        except NotMapped as e:  # impersonation is on and nobody to act as: nothing was sent to the hub
            return self._replanned(change, None, str(e), actor)

    def _checked(self, change: ChangeRequest, plan: Plan, actor: str | None) -> ChangeRequest:
        """Re-check the approved plan against the live fleet, then run it (or say why not)."""
        try:
            fresh: Plan | None = self._replan(change, plan)
            err = None
        except FleetError as e:  # the fleet could not be read: keep the approvals, say why it waits
            return self._waiting(change, actor, M.FLEET_UNAVAILABLE.format(error=e))
        except (ToolError, ValidationError) as e:  # the intent cannot be carried out any more
            fresh, err = None, toolbox.explain(e) if isinstance(e, ValidationError) else str(e)
        if fresh is not None and fresh.hash == plan.hash:
            return self._run(change, plan, actor)
        change = self._replanned(change, fresh, err, actor)
        if change.state == S.APPROVED:  # re-planned and policy needs no approval for the new plan
            return self._run(change, Plan.model_validate(change.plan), actor)
        return change

    def recover(self) -> list[ChangeRequest]:
        """After a restart: reconcile requests left ``executing`` against the fleet (never run them again),
        then run the ``approved`` ones (through the same re-check and claim as always)."""
        done: list[ChangeRequest] = []
        self.store.locks.release_orphans()
        for change in self.store.changes.find_executing():
            plan = Plan.model_validate(change.plan)
            status: str
            act = store_action(plan.tool)  # a store write (a freeze): idempotent, so it is simply done again
            try:  # ends it in a true state: finished, undone, or attention (tools.recovery)
                out = act(self.store, plan, change.id, change.requester, self.clock()) if act is not None \
                    else self.executor.recover(plan, change.id, self._recorder(change))
                status, why, outcome = out.status, out.message, out.model_dump(mode="json")
            except (FleetError, ToolError) as e:
                status, why = S.ATTENTION, M.RECONCILE_UNREACHABLE.format(error=e)
                outcome = {"status": status, "message": why}
            with self._tx() as told:
                if not self.store.changes.transition(change.id, S.EXECUTING, S(status), reason=why,
                                                     outcome=outcome, now=self.clock()):
                    continue
                self.store.locks.release(change.id)
                change = self.get(change.id)
                self._audit("reconcile", change, message=why, result={"status": status})
                told.append(change)
            done.append(change)
            self.wake()
        for change in self.store.changes.list(status=S.APPROVED, limit=None):
            done.append(self.execute(change.id))
        return done

    def _recorder(self, change: ChangeRequest) -> Callable[[ProgressEvent], None]:
        """Audit (and show) each step recovery takes."""
        def on_event(ev: ProgressEvent) -> None:
            self._audit("execution_step", change, clusters=[ev.cluster] if ev.cluster else [],
                        message=ev.message, result={"kind": ev.kind, "state": ev.state, "reason": ev.reason})
            self.notifier.progress(change, ev)
        return on_event

    # --- steps -----------------------------------------------------------------------------------------
    def _replan(self, change: ChangeRequest, plan: Plan) -> Plan:
        """The plan for the recorded intent on today's fleet (I/O; outside any transaction)."""
        if plan.intent is None:
            return self.planner(change.tool, toolbox.validate(change.tool, change.args or {}))
        fresh = self.planner(change.tool, toolbox.validate(change.tool, plan.intent.args))
        # The words, the meaning and what the request left out are the recorded ones: only what the fleet
        # decides may differ.
        return fresh.model_copy(update={"args": plan.args, "intent": plan.intent, "left_out": plan.left_out}).seal()

    def _waiting(self, change: ChangeRequest, actor: str | None, why: str, event: str = "error") -> ChangeRequest:
        """Keep an approved request approved, saying why it has not run (recorded once per new reason)."""
        with self._tx() as told:
            current = self.get(change.id)
            if current.state != S.APPROVED or current.reason == why:
                return current
            if not self.store.changes.transition(change.id, S.APPROVED, S.APPROVED, reason=why, now=self.clock()):
                return self.get(change.id)
            change = self.get(change.id)
            self._audit(event, change, actor=actor, message=why)
            told.append(change)
        return change

    def _lock_wait(self, change: ChangeRequest, actor: str | None, held: Held) -> ChangeRequest:
        return self._waiting(change, actor, M.WAITING_FOR_CHANGE.format(other=held.change_id, what=held.what),
                             event="execution_step")

    def _replanned(self, change: ChangeRequest, fresh: Plan | None, err: str | None,
                   actor: str | None) -> ChangeRequest:
        """One transaction: void the approvals and record what the fresh plan means for the request."""
        cid, now = change.id, self.clock()
        with self._tx() as told:
            if fresh is not None and fresh.strategy == "noop":
                why = M.NOTHING_LEFT.format(summary=fresh.summary)
                if not self.store.changes.transition(cid, S.APPROVED, S.CANCELLED, reason=why, now=now):
                    return self.get(cid)
                told.append(self.get(cid))
                self._audit("cancel", told[-1], actor=actor, message=why)
                return told[-1]
            why = err or M.STALE_DIFFERS
            if not self.store.changes.transition(cid, S.APPROVED, S.STALE, reason=why, now=now):
                return self.get(cid)
            stale = self.get(cid)
            self._audit("stale", stale, actor=actor, message=M.STALE_VOIDED.format(detail=why))
            if fresh is None:
                told.append(stale)
                return stale
            stored = self._decision(change)
            decision = decide(self.policy, requester_of(change, stored), facts_again(fresh, stored), now)
            self.store.changes.replan(cid, fresh.model_dump(mode="json"), fresh.hash, summary=fresh.summary,
                                      decision=decision.model_dump(mode="json"),
                                      approvals_required=decision.approvals_required,
                                      ttl_seconds=decision.ttl_seconds, now=now)
            self._audit("plan", self.get(cid), actor=actor, clusters=fresh.clusters,
                        result={"hash": fresh.hash, "replanned": True}, message=M.REPLANNED.format(id=cid))
            self._decided(cid, decision, actor)
            told.append(self.get(cid))
            return told[-1]

    def _decided(self, cid: str, decision: Decision, actor: str | None) -> None:
        """A re-planned request that policy now refuses is cancelled; one that needs no approval is approved."""
        if decision.kind == "deny":
            self.store.changes.transition(cid, S.PENDING, S.CANCELLED, reason=decision.reason, now=self.clock())
            self._audit("cancel", self.get(cid), actor=actor, message=decision.reason)
        elif decision.kind == "allow":
            self.store.changes.transition(cid, S.PENDING, S.APPROVED, now=self.clock())
            self._audit("decision", self.get(cid), actor=actor,
                        message=M.CHANGE_APPROVED_BY_POLICY.format(reason=decision.reason))

    def _run(self, change: ChangeRequest, plan: Plan, actor: str | None) -> ChangeRequest:
        try:
            with self._tx() as told:
                if not self.store.changes.claim_execution(change.id, now=self.clock()):
                    return self.get(change.id)  # someone else runs it (or it moved on)
                held = self.store.locks.claim(lock_keys(plan), change.id, now=self.clock())
                if held is not None:
                    raise _Busy(held)  # roll the claim back: the request stays approved
                change = self.get(change.id)
                self._audit("execution_step", change, actor=actor, clusters=plan.clusters,
                            message=M.EXECUTION_STARTED)
                told.append(change)
        except _Busy as busy:
            return self._lock_wait(change, actor, busy.held)
        running = change

        def on_event(ev: ProgressEvent) -> None:
            self._audit("execution_step", running, clusters=[ev.cluster] if ev.cluster else [],
                        message=ev.message, result={"kind": ev.kind, "state": ev.state, "reason": ev.reason})
            self.notifier.progress(running, ev)
            if ev.kind == "gate" and ev.gate:  # a staged rollout's stage gate (bot.changes.gates)
                self.gate_opened(running, ev.gate)

        act = store_action(plan.tool)  # a store tool (a freeze) writes the store, not the fleet
        try:
            outcome = act(self.store, plan, change.id, change.requester, self.clock()) if act is not None else \
                self.executor.apply(plan, on_event=on_event, change_id=change.id, requester=change.requester)
        except StalePlan as e:
            outcome = Outcome(status="failed", message=str(e), deployment=plan.deployment)
        except (ToolError, FleetError) as e:
            outcome = Outcome(status="failed", message=M.EXECUTION_ERROR.format(error=e), deployment=plan.deployment)
        final = S.SUCCEEDED if outcome.status in ("succeeded", "noop") else S.FAILED
        with self._tx() as told:
            self.store.changes.transition(change.id, S.EXECUTING, final, outcome=outcome.model_dump(mode="json"),
                                          reason=outcome.message, now=self.clock())
            self.store.locks.release(change.id)
            change = self.get(change.id)
            self._audit("outcome", change, actor=actor, clusters=plan.clusters, message=outcome.message,
                        result={"status": final.value, "revision": outcome.revision, "undone": outcome.undone})
            self.store.gates.close_open(change.id, outcome.message, now=self.clock())
            told.append(change)
        self.wake()
        return change
