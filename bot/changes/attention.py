"""Resolve a change in ``attention`` (an interrupted change recovery could not end on its own): ``finish``,
``undo`` or mark ``reviewed``.

Through the normal policy, from the change's own decision (never a new one: its environment is the change's,
so a cleanup never needs more approvals than the change had): the requester, or one person who could have
approved it, may resolve it. One transaction records who resolves it and how (audit ``reconcile``), the
executor acts between transactions (``Executor.resolve``), and one transaction records the result:
``succeeded`` (finished), ``failed`` (undone, or reviewed and left as it is, with what is on the hub), or
still ``attention`` with the reason (e.g. an undo refused because the old side is already gone).
"""
from __future__ import annotations

from typing import Literal, cast, get_args

from audit.models import ChangeRequest, ChangeState
from bot.changes.base import ServiceBase
from bot.changes.types import Refusal, Result, Why
from bot.identity import Actor
from bot.messages import pipeline as M
from tools.errors import ToolError
from tools.executor import Outcome, ProgressEvent
from tools.fleet.errors import FleetError
from tools.plan import Plan

S = ChangeState
Action = Literal["finish", "undo", "reviewed"]
ACTIONS: tuple[str, ...] = get_args(Action)


class Attention(ServiceBase):
    def may_resolve(self, change: ChangeRequest, actor: Actor) -> bool:
        """The requester, or anyone who could have approved the change."""
        return actor.id == change.requester or self._decision(change).may_decide(actor)

    def resolve(self, change_id: str, actor: Actor, action: str) -> Result:
        """Finish, undo or mark reviewed a change in ``attention``; returns the request as it now stands."""
        if action not in ACTIONS:
            return Refusal(Why.NOT_ALLOWED, M.RESOLVE_ACTIONS.format(action=action))
        with self._tx():
            change = self.find(str(change_id))
            if change is None:
                return Refusal(Why.NOT_FOUND, M.NO_SUCH_CHANGE.format(id=change_id))
            if change.state != S.ATTENTION:
                return Refusal(Why.NOT_OPEN, M.NOT_IN_ATTENTION.format(id=change.id, state=change.state), change)
            if not self.may_resolve(change, actor):
                return Refusal(Why.NOT_ALLOWED, M.CANNOT_RESOLVE.format(id=change.id), change)
            self._audit("reconcile", change, actor=actor.id, message=M.RESOLVING.format(action=action, who=actor.id),
                        result={"resolve": action})
        plan = Plan.model_validate(change.plan)
        running = change

        def on_event(ev: ProgressEvent) -> None:
            self._audit("execution_step", running, actor=actor.id, clusters=[ev.cluster] if ev.cluster else [],
                        message=ev.message, result={"kind": ev.kind, "state": ev.state, "reason": ev.reason})
            self.notifier.progress(running, ev)
            if ev.kind == "gate" and ev.gate:  # finishing a staged rollout: its gates as in a first run
                self.gate_opened(running, ev.gate)

        try:
            out = self.executor.resolve(plan, change.id, cast(Action, action), on_event, who=actor.id)
        except (ToolError, FleetError) as e:
            out = Outcome(status="attention", message=M.RESOLVE_ERROR.format(error=e), deployment=plan.deployment)
        final = {"succeeded": S.SUCCEEDED, "attention": S.ATTENTION}.get(out.status, S.FAILED)
        with self._tx() as told:
            if not self.store.changes.transition(change.id, S.ATTENTION, final, reason=out.message,
                                                 outcome=out.model_dump(mode="json"), now=self.clock()):
                return self.get(change.id)
            change = self.get(change.id)
            self._audit("outcome", change, actor=actor.id, clusters=plan.clusters, message=out.message,
                        result={"status": final.value, "resolve": action, "revision": out.revision,
                                "undone": out.undone})
            if final != S.ATTENTION:
                self.store.gates.close_open(change.id, out.message, now=self.clock())
            told.append(change)
        return change
