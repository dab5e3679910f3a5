"""The pipeline: request → interpretation → read-only answer, or a plan that opens a change request.

No Slack, Kubernetes or LangChain types here. Exactly once: a delivery id is claimed before anything happens
(a retry changes nothing). Everything about change requests after they are opened (approvals, execution,
recovery) is the change service's (``bot.changes``, ``self.changes``); front ends call that service and
``read`` (read-only tools), never the store.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from audit.messages import SECRET_MASKED
from audit.models import ChangeRequest, ChangeState
from audit.redact import mask_text
from audit.store import Store
from bot import toolbox
from bot.changes import ChangeService, Notifier
from bot.changes.execution import facts_of, hub_of
from bot.changes.retry import RetryScheduler
from bot.identity import Actor
from bot.interpreter.result import Clarify, Refuse, ToolCall
from bot.messages import pipeline as M
from bot.messages import policy as PM
from bot.policy import Decision, Facts, Policy, decide
from bot.policy.impersonation import acting_as
from bot.policy.live import LivePolicy
from bot.policy.owners import requester_team
from bot.policy.requesters import no_requester
from bot.policy.scope import Reach, outside, reach, scoped_snapshot
from bot.policy.teamfacts import team_facts
from tools.args import Args
from tools.context import ToolContext
from tools.errors import ToolError
from tools.executor import Executor
from tools.fleet.adapter import Fleet
from tools.fleet.errors import FleetError, FleetUnreachable
from tools.plan import Plan

__all__ = ["Notifier", "Pipeline", "Reply", "Request"]


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
    claimed: bool = False  # the delivery id was already claimed (with the persisted job that carries it)


@dataclass
class Reply:
    """What the pipeline answers. ``kind`` tells a front end how to show it; for ``change``, ``change`` is the
    request as it stands after the pipeline is done with it (e.g. already carried out when policy needs no
    approval)."""

    kind: Literal["result", "clarify", "refuse", "error", "change", "duplicate", "noop"]
    text: str
    tool: str | None = None
    result: Any = None  # read-only tool result (has .to_json()/.render()); for a planner error, the ToolError
    change: ChangeRequest | None = None
    plan: Plan | None = None
    decision: Decision | None = None
    notices: list[str] = field(default_factory=list)  # said before the answer (e.g. a secret was masked)
    args: Any = None  # a read-only result's arguments (``Args``): what to recompute for "show all"


def hub_failing(e: FleetError) -> bool:
    """The fleet did not answer, or answered with a server error (the adapter's plain ``FleetError`` is
    "answered <status>" for every status it has no better type for: 5xx, 429, ...)."""
    return isinstance(e, FleetUnreachable) or type(e) is FleetError


class Pipeline:
    def __init__(self, store: Store, fleet: Fleet, interpreter: Any, policy: Policy | LivePolicy, *,
                 rollout_timeout: float | None = None, notifier: Notifier | None = None,
                 clock: Callable[[], datetime] | None = None, vocabulary: Callable[..., Any] | None = None):
        self.store, self.fleet, self.interpreter = store, fleet, interpreter
        self.clock = clock or (lambda: datetime.now(UTC))
        self._vocabulary = vocabulary
        # one live policy for the pipeline and the change service: the file's (reloadable) + freezes from chat
        self.live = policy if isinstance(policy, LivePolicy) else LivePolicy(policy, store.freezes.active)
        self.changes = ChangeService(store, self.live, self._plan, Executor(fleet, timeout=rollout_timeout),
                                     notifier=notifier, clock=self.clock)
        self.retry = RetryScheduler(self.changes)  # started by the app (bot.app.running_pipeline)
        self.changes.wake = self.retry.poke

    @property
    def policy(self) -> Policy:
        """The policy as it reads now: the change service's (they share one ``LivePolicy``)."""
        return self.changes.policy

    @policy.setter
    def policy(self, value: Policy) -> None:
        self.changes.policy = value

    @property
    def executor(self) -> Executor:
        return self.changes.executor

    @property
    def notifier(self) -> Notifier:
        return self.changes.notifier

    @notifier.setter
    def notifier(self, value: Notifier) -> None:
        self.changes.notifier = value

    # --- requests ---------------------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        """Answer one request. The text is masked first (``audit.redact.mask_text``): nothing after this
        line (the audit log, the interpreter, the history) ever sees a secret the person pasted, and the
        reply says so (``Reply.notices``)."""
        masked = mask_text(req.text)
        notices = [SECRET_MASKED.format(kinds=", ".join(masked.kinds))] if masked.masked else []
        reply = self._handle(req, masked.text)
        reply.notices = notices + reply.notices
        return reply

    def _handle(self, req: Request, text: str) -> Reply:
        if req.delivery_id and not req.claimed and not self.store.claim_delivery(req.delivery_id):
            return Reply(kind="duplicate", text=M.DUPLICATE)
        audit = self.store.audit
        with self.store.atomic():  # a persisted job run again after a crash records its request once
            if not (req.claimed and req.delivery_id) or self.store.claim_delivery(f"{req.delivery_id}#request"):
                audit.record("request", actor=req.actor.id, channel=req.channel, message=text,
                             args={"source": req.source, "thread_ts": req.thread_ts,
                                   "delivery_id": req.delivery_id})
        ctx = self._request_context()  # one snapshot for the request: grounding, the tool and the reply
        try:
            result = self.interpreter.interpret(text, self._context(req, ctx))
        except FleetError as e:  # the hub failed while the interpreter read the fleet's names
            return self._hub_failing(req, None, e)
        except Exception as e:
            audit.record("error", actor=req.actor.id, channel=req.channel, message=f"interpreter: {e}")
            return Reply(kind="error", text=M.INTERPRETER_FAILED)
        match result:
            case Clarify(question=question):
                audit.record("interpretation", actor=req.actor.id, channel=req.channel,
                             result={"kind": "clarify", "question": question})
                return Reply(kind="clarify", text=question)
            case Refuse(reason=reason):
                audit.record("interpretation", actor=req.actor.id, channel=req.channel,
                             result={"kind": "refuse", "reason": reason})
                return Reply(kind="refuse", text=reason)
            case ToolCall(tool=tool, args=args):
                audit.record("interpretation", actor=req.actor.id, channel=req.channel, tool=tool,
                             args=args.given(), result={"kind": "tool_call", "tool": tool, "args": args.given()})
                if tool not in toolbox.TOOLS:  # understood (DESIGN §4) but not built yet: say so, act on nothing
                    return Reply(kind="refuse", text=M.TOOL_NOT_BUILT.format(tool=tool), tool=tool)
                if result.mutating:
                    return self._propose(req, tool, args, ctx)
                return self._read(req, tool, args, self.reach(req), ctx)
        raise TypeError(f"the interpreter returned {type(result).__name__}, not ToolCall | Clarify | Refuse")

    def _hub_failing(self, req: Request, tool: str | None, e: FleetError) -> Reply:
        """A hub that answers 5xx or not at all is said so, with what it answered (never "try rephrasing")."""
        self.store.audit.record("error", actor=req.actor.id, channel=req.channel, tool=tool,
                                message=M.HUB_FAILING.format(error=e))
        return Reply(kind="error", text=M.HUB_FAILING.format(error=e), tool=tool)

    def _request_context(self) -> ToolContext:
        return ToolContext(catalog=self.fleet.catalog, fleet=self.fleet, store=self.store, now=self.clock())

    def _context(self, req: Request, ctx: ToolContext | None = None) -> Any:
        from bot.interpreter import Context  # the interpreter's own context type

        if self._vocabulary is None:  # no fleet facts: the interpreter's catalog-only vocabulary
            return Context(who=req.actor.id, history=list(req.history))
        # the vocabulary of the request's own snapshot (``bot.app.vocabulary_source`` takes one, or reads its own)
        vocab = self._vocabulary(ctx.snapshot()) if ctx is not None else self._vocabulary()
        return Context(who=req.actor.id, vocabulary=vocab, history=list(req.history))

    @staticmethod
    def _shared(ctx: ToolContext | None, identity: Any) -> ToolContext | None:
        """The request's context when its snapshot may serve this step: not when the step acts as a person (the
        hub's RBAC decides what that person reads; the shared snapshot was read with the bot's identity)."""
        return ctx if identity is None else None

    # --- read-only tools ----------------------------------------------------------------------------
    def read_as(self, req: Request, tool: str, args: Args) -> Reply:
        """Run a read-only tool call again for ``req.actor`` (a "show all" click): the same policy scope,
        identity and audit as asking the question."""
        return self._read(req, tool, args, self.reach(req))

    def reach(self, req: Request) -> Reach:
        """The policy scope of a request (its channel's, in a DM the person's)."""
        return reach(self.policy, req.actor, req.channel)

    def read(self, tool: str, args: Args, scope: Reach | None = None, ctx: ToolContext | None = None) -> Any:
        """Run a read-only tool (the one place that dispatches them); raises ToolError/FleetError/AuditError.
        With a ``scope`` the tool sees only the part of the fleet the scope covers; ``ctx``: the request's context
        (its snapshot is reused), else a new one."""
        ctx = ctx or self._request_context()
        if scope is not None and not scope.whole_fleet and toolbox.get(tool).source != "store":
            ctx = ToolContext(catalog=self.fleet.catalog, fleet=self.fleet, store=self.store, now=ctx.now,
                              _snapshot=scoped_snapshot(ctx.snapshot(), scope))
        return toolbox.run(tool, args, ctx)

    def _read(self, req: Request, tool: str, args: Args, scope: Reach | None = None,
              ctx: ToolContext | None = None) -> Reply:
        try:
            with acting_as(self.policy, req.actor.id, hub_of(self.executor)) as identity:  # as the person, per policy
                ctx = self._shared(ctx, identity)
                result = self.read(tool, args, scope, ctx)
                stale = ctx.taken.stale_seconds if ctx is not None and ctx.taken is not None else None
        except FleetError as e:
            if hub_failing(e):
                return self._hub_failing(req, tool, e)
            self.store.audit.record("error", actor=req.actor.id, channel=req.channel, tool=tool,
                                    args=args.given(), message=str(e))
            return Reply(kind="error", text=str(e), tool=tool)
        except ToolError as e:
            self.store.audit.record("error", actor=req.actor.id, channel=req.channel, tool=tool,
                                    args=args.given(), message=str(e))
            return Reply(kind="error", text=str(e), tool=tool)
        self.store.audit.record("outcome", actor=req.actor.id, channel=req.channel, tool=tool, args=args.given(),
                                message=M.READ_DONE.format(tool=tool))
        notices = [M.FLEET_STALE.format(seconds=int(stale))] if stale else []
        return Reply(kind="result", text=result.render(), tool=tool, result=result, args=args, notices=notices)

    # --- changes -------------------------------------------------------------------------------------
    def _plan(self, tool: str, args: Args, ctx: ToolContext | None = None) -> Plan:
        plan: Plan = toolbox.run(tool, args, ctx or self._request_context())
        return plan

    def propose(self, req: Request, tool: str, args: Args) -> Reply:
        """Open a change request for a typed call a front end made itself (a button: an incident's "Move off",
        a failed change's "Roll back"): plan → policy → the change service, audited like any request."""
        return self._propose(req, tool, args)

    def _propose(self, req: Request, tool: str, args: Args, ctx: ToolContext | None = None) -> Reply:
        audit = self.store.audit
        nowhere = no_requester(self.policy, req.actor, tool)
        if nowhere is not None:  # may not request this tool anywhere: refused before any planning
            audit.record("decision", actor=req.actor.id, channel=req.channel, tool=tool, args=args.given(),
                         result={"kind": "deny", "rules": nowhere.rule.split(", ")}, message=nowhere.reason)
            return Reply(kind="refuse", text=M.DENIED.format(reason=nowhere.reason), tool=tool)
        if getattr(args, "team", "absent") is None and getattr(args, "model", None) is not None:
            team = requester_team(self.policy, req.actor)  # a new deployment belongs to the requester's team
            if team is not None:
                args = args.model_copy(update={"team": team})
        try:
            with acting_as(self.policy, req.actor.id, hub_of(self.executor)) as identity:  # as the person, per policy
                ctx = self._shared(ctx, identity) or self._request_context()
                plan = self._plan(tool, args, ctx)
                facts, refused = self._facts(req, plan, args, ctx)
        except FleetError as e:
            if hub_failing(e):
                return self._hub_failing(req, tool, e)
            audit.record("error", actor=req.actor.id, channel=req.channel, tool=tool, args=args.given(),
                         message=str(e))
            return Reply(kind="error", text=str(e), tool=tool)
        except ToolError as e:
            audit.record("error", actor=req.actor.id, channel=req.channel, tool=tool, args=args.given(),
                         message=str(e))
            return Reply(kind="error", text=str(e), tool=tool, result=e)  # typed: front ends ask AddOrMove etc.
        audit.record("plan", actor=req.actor.id, channel=req.channel, tool=tool, deployment=plan.deployment,
                     clusters=plan.clusters, args=args.given(),
                     result={"hash": plan.hash, "strategy": plan.strategy, "summary": plan.summary,
                             "gpu_delta": plan.gpu_delta, "cost_delta_per_hour": plan.cost_delta_per_hour})
        if plan.strategy == "noop":
            return Reply(kind="noop", text=plan.summary, tool=tool, plan=plan)
        if refused is not None:
            audit.record("decision", actor=req.actor.id, channel=req.channel, tool=tool, deployment=plan.deployment,
                         clusters=plan.clusters, result={"kind": "deny", "rules": [refused[1]]}, message=refused[0])
            return Reply(kind="refuse", text=refused[0], tool=tool, plan=plan)
        decision = decide(self.policy, req.actor, facts, self.clock())
        audit.record("decision", actor=req.actor.id, channel=req.channel, tool=tool, deployment=plan.deployment,
                     clusters=plan.clusters, result={"kind": decision.kind, "approvals": decision.approvals_required,
                                                     "groups": decision.approver_groups, "rules": decision.rules},
                     message=decision.reason)
        if decision.kind == "deny":
            return Reply(kind="refuse", text=M.DENIED.format(reason=decision.reason), tool=tool, plan=plan,
                         decision=decision)
        change = self.changes.open(req.actor, plan, decision, args.given(), channel=req.channel,
                                   thread_ts=req.thread_ts, request_key=req.delivery_id)
        if change.state == ChangeState.APPROVED:  # policy needs no approval (e.g. dev): run it now
            change = self.changes.execute(change.id, actor=req.actor.id)
        return Reply(kind="change", text=plan.summary, tool=tool, change=change, plan=plan, decision=decision)

    def _facts(self, req: Request, plan: Plan, args: Args,
               ctx: ToolContext | None = None) -> tuple[Facts, tuple[str, str] | None]:
        """The policy's facts about ``plan`` (with its team and the team's spend, when the policy has teams), and
        a refusal (text, rule) when it touches anything outside the request's scope. Reads the fleet once."""
        facts = facts_of(plan)
        scope = self.reach(req)
        if not self.policy.teams and scope.whole_fleet:
            return facts, None
        snap = ctx.snapshot() if ctx is not None else self.fleet.snapshot()
        facts = facts.model_copy(update=team_facts(self.policy, snap, plan, getattr(args, "team", None),
                                                   self.fleet.catalog))
        out = outside(snap, scope, list(plan.clusters), plan.deployment)
        if out:
            return facts, (PM.SCOPE_REFUSED.format(what=", ".join(out), scope=scope.label(), via=scope.via,
                                                  rule=scope.rule), scope.rule)
        return facts, None
