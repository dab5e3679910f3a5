"""The change service: the only code that moves a change request. Verbs: open, approve, reject, cancel, expire
(here) and execute, recover (``bot.changes.execution``).

Each verb is one store transaction (``Store.atomic()``): it reads the request, checks what it must, moves the
state with a compare-and-set and writes the audit event(s) of that move, so a crash leaves both or neither.
Every audit event about a request carries ``result.change_state``: the state the request is in after the event, so
the audit log alone replays the lifecycle. Slow work (planning against the fleet, running the executor)
happens between transactions, never inside one. Notifications go out once per verb, after the commit, from
the request the verb returns. A verb returns the request as it now stands, or a ``Refusal``.
"""
from __future__ import annotations

from typing import Any

from audit.models import ChangeRequest, ChangeState
from audit.timeutil import iso
from bot.changes.attention import Attention
from bot.changes.execution import Execution, facts_again, requester_of
from bot.changes.gates import Gates
from bot.changes.notices import reason_of
from bot.changes.types import Refusal, Result, Why, Workspace
from bot.identity import Actor
from bot.messages import pipeline as M
from bot.policy import Decision, decide
from bot.policy.requesters import NotARequester, may_request
from tools.plan import Plan

S = ChangeState


class ChangeService(Gates, Execution, Attention):  # Attention: resolve; Gates: stage gates of staged rollouts
    """``ChangeService(store, policy, planner, executor, notifier=..., clock=...)``; the read side is
    ``ChangeQueries``'."""

    # --- open ---------------------------------------------------------------------------------------
    def open(self, actor: Actor, plan: Plan, decision: Decision, args: dict[str, Any], *,
             channel: str | None = None, thread_ts: str | None = None,
             request_key: str | None = None) -> ChangeRequest:
        """Persist a planned change (``approved`` at once when policy needs no approval) with its audit event.
        The caller runs an approved one with ``execute``. Only someone the policy's ``requesters`` let request
        this tool in the plan's environments may open it (``NotARequester``, audited with the rule)."""
        admission = may_request(self.policy, actor, plan.tool, plan.environments)
        if not admission.ok:
            self.store.audit.record("decision", actor=actor.id, channel=channel, tool=plan.tool,
                                    deployment=plan.deployment, clusters=plan.clusters, message=admission.reason,
                                    result={"kind": "deny", "rules": [admission.rule]})
            raise NotARequester(admission)
        state = S.APPROVED if decision.kind == "allow" else S.PENDING
        with self._tx() as told:
            change = self.store.changes.create(
                requester=actor.id, tool=plan.tool, plan_hash=plan.hash, args=args,
                plan=plan.model_dump(mode="json"), summary=plan.summary, decision=decision.model_dump(mode="json"),
                approvals_required=decision.approvals_required, ttl_seconds=decision.ttl_seconds,
                channel=channel, thread_ts=thread_ts, request_key=request_key, state=state, now=self.clock())
            self._audit("plan", change, actor=actor.id, channel=channel, clusters=plan.clusters,
                        message=M.CHANGE_OPENED.format(id=change.id, state=change.state))
            told.append(change)
        return change

    # --- approve ------------------------------------------------------------------------------------
    def approve(self, change_id: str, actor: Actor, version: int | None = None,
                workspace: Workspace | None = None) -> Result:
        """Count ``actor``'s approval of the plan version they saw; when it completes the quorum (same
        transaction), run the change. Returns the request as it stands afterwards.

        Everything is re-checked here, in the transaction that counts the approval: the request's expiry,
        the workspace the click came from (``workspace``, against ``self.workspace`` — the install's; a
        click from another one is refused and audited), the plan version, and the policy as it reads now
        (a freeze declared since, a rule that now denies or asks for other approvers)."""
        with self._tx() as told:
            found = self._open_or_refuse(change_id, told)
            if isinstance(found, Refusal):
                return found
            change = found
            if self.workspace is not None and workspace is not None and not self.workspace.accepts(workspace):
                why = M.WRONG_WORKSPACE.format(got=workspace, want=self.workspace, id=change.id)
                self._audit("approval_refused", change, actor=actor.id, message=why,
                            result={"counted": False, "workspace": str(workspace)})
                return Refusal(Why.WRONG_WORKSPACE, why, change)
            if change.state != S.PENDING:
                return self._not_counted(Why.NOT_OPEN, self._not_pending(change, actor), change, actor)
            if version is not None and change.version != version:
                return self._not_counted(Why.OLD_VERSION, M.OLD_VERSION.format(id=change.id, seen=version,
                                                                              now=change.version), change, actor)
            if actor.id in change.approvers:
                return self._not_counted(Why.ALREADY_APPROVED, M.ALREADY_APPROVED_BY_YOU.format(id=change.id),
                                         change, actor)
            decision = self._decision_now(change)
            if decision.kind == "deny":
                why = M.POLICY_NOW_DENIES.format(id=change.id, reason=decision.reason)
                self._audit("approval_refused", change, actor=actor.id, result={"counted": False}, message=why)
                return Refusal(Why.POLICY, why, change)
            ok, why = decision.can_approve(actor, change.requester, change.approvals)
            if not ok:
                self._audit("approval_refused", change, actor=actor.id, result={"counted": False}, message=why)
                return Refusal(Why.NOT_ALLOWED, why, change)
            res = self.store.changes.add_approval(
                change.id, actor.id, change.plan_hash, actor_name=actor.name, usergroups=sorted(actor.usergroups),
                quorum=decision.is_satisfied, now=self.clock())
            if not res.counted:
                return Refusal(Why.ALREADY_APPROVED, M.ALREADY_APPROVED_BY_YOU.format(id=change.id), change)
            change = self.get(change.id)
            self._audit("approval", change, actor=actor.id, message=M.APPROVAL_COUNTED,
                        result={"counted": True, "approvals": change.approvers, "quorum": res.approved})
            told.append(change)
        if change.state == S.APPROVED:
            return self.execute(change.id, actor.id)
        return change

    # --- reject / cancel -----------------------------------------------------------------------------
    def may_reject(self, change: ChangeRequest, actor: Actor) -> bool:
        """The requester, or anyone who could approve this change, may reject it."""
        return actor.id == change.requester or self._decision(change).may_decide(actor)

    def reject(self, change_id: str, actor: Actor, reason: str) -> Result:
        reason = (reason or "").strip()
        if not reason:
            return Refusal(Why.REASON_REQUIRED, M.REASON_REQUIRED)
        with self._tx() as told:
            found = self._open_or_refuse(change_id, told)
            if isinstance(found, Refusal):
                return found
            if not self.may_reject(found, actor):
                return Refusal(Why.CANNOT_REJECT, M.CANNOT_REJECT, found)
            if not self.store.changes.transition(found.id, (S.PENDING, S.STALE), S.REJECTED, reason=reason,
                                                 now=self.clock()):
                return Refusal(Why.NOT_OPEN, self._not_pending(found, actor), found)
            change = self.get(found.id)
            self._audit("rejection", change, actor=actor.id, message=reason)
            told.append(change)
        return change

    def cancel(self, change_id: str, actor: Actor) -> Result:
        with self._tx() as told:
            found = self._open_or_refuse(change_id, told)
            if isinstance(found, Refusal):
                return found
            if actor.id != found.requester:
                return Refusal(Why.CANNOT_CANCEL, M.CANNOT_CANCEL, found)
            if not self.store.changes.transition(found.id, (S.PENDING, S.APPROVED, S.STALE), S.CANCELLED,
                                                 reason=M.CANCELLED_BY.format(who=actor.id), now=self.clock()):
                return Refusal(Why.NOT_OPEN, self._not_pending(found, actor), found)
            change = self.get(found.id)
            self._audit("cancel", change, actor=actor.id, message=change.reason)
            told.append(change)
        return change

    # --- expire --------------------------------------------------------------------------------------
    def expire(self) -> list[ChangeRequest]:
        """Expire every open request past its time-to-live (the sweeper, the terminal before each line)."""
        with self._tx() as told:
            told += [self.get(cid) for cid in self.store.changes.expire_due(self.clock())]
            for change in told:
                self._audit("expiry", change, message=M.EXPIRED)
        return told

    # --- helpers (inside a transaction) ------------------------------------------------------------------
    def _not_counted(self, why: Why, text: str, change: ChangeRequest, actor: Actor) -> Refusal:
        """Every approval click leaves a trace: one not counted is recorded with the reason."""
        self._audit("approval_refused", change, actor=actor.id, message=text, result={"counted": False, "why": why.value})
        return Refusal(why, text, change)

    def _decision_now(self, change: ChangeRequest) -> Decision:
        """The policy's decision for the request as it reads now. When it asks for other approvals than
        the stored one (a freeze began, the rules changed), it is stored with the request (the card and
        "still needed" follow it); a policy that now needs no approval keeps the stored requirement (a
        click never lowers the bar)."""
        stored = self._decision(change)
        try:
            plan = Plan.model_validate(change.plan)
        except ValueError:
            return stored
        now = decide(self.policy, requester_of(change, stored), facts_again(plan, stored), self.clock())
        if now.kind == "deny" or (now.kind == "approve" and now.model_dump(mode="json") != change.decision):
            if now.kind == "approve":
                self.store.changes.transition(change.id, S.PENDING, S.PENDING, decision=now.model_dump(mode="json"),
                                              approvals_required=now.approvals_required, now=self.clock())
            return now
        return stored

    def _open_or_refuse(self, change_id: str, told: list[ChangeRequest]) -> ChangeRequest | Refusal:
        """The request, or a refusal when it does not exist or expired just now (expired in this very
        transaction, so a click after the deadline never counts)."""
        change = self.find(str(change_id))
        if change is None:
            return Refusal(Why.NOT_FOUND, M.NO_SUCH_CHANGE.format(id=change_id))
        if self.is_open(change) and change.expires_at and change.expires_at <= iso(self.clock()):
            self.store.changes.transition(change.id, change.state, S.EXPIRED, now=self.clock())
            change = self.get(change.id)
            self._audit("expiry", change, message=M.EXPIRED)
            told.append(change)
            return Refusal(Why.EXPIRED, M.TELL_EXPIRED.format(id=change.id), change)
        return change

    def _not_pending(self, change: ChangeRequest, actor: Actor) -> str:
        if change.state in (S.APPROVED, S.EXECUTING, S.SUCCEEDED, S.FAILED, S.ATTENTION) and \
                actor.id in change.approvers:
            return M.ALREADY_APPROVED_BY_YOU.format(id=change.id)
        return M.NOT_PENDING_WHY.format(id=change.id, state=change.state, reason=reason_of(change)) \
            if change.reason or change.outcome else M.NOT_PENDING.format(id=change.id, state=change.state)
