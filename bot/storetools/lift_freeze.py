"""lift_freeze: lift a freeze declared in chat, by its name ("prod", "staging-prod") or an environment it covers.
Mutating: a change request that goes through approval (``bot.policy.freezes``: by default 1 approval from
freeze-override, not the requester). Carrying it out is a store write (``apply``), one transaction with its
audit event. A freeze written in the policy file is not lifted here (edit the file, ``fleetops policy reload``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.messages import storetools as M
from bot.storetools import store_of
from bot.storetools.declare_freeze import _when
from tools.args import LiftFreezeArgs
from tools.context import ToolContext
from tools.errors import ToolError
from tools.outcome import Outcome
from tools.plan import Intent, Plan
from tools.registry import Tool


def handle(ctx: ToolContext, args: LiftFreezeArgs) -> Plan:
    active = store_of(ctx).freezes.active(ctx.now)
    exact = [f for f in active if f.name == args.name]
    found = exact or [f for f in active if args.name in f.environments]
    if not found:
        names = ", ".join(f"'{f.name}'" for f in active)
        raise ToolError(M.LIFT_NONE.format(name=args.name, active=M.LIFT_ACTIVE.format(names=names) if names else ""))
    if len({f.name for f in found}) > 1:
        raise ToolError(M.LIFT_AMBIGUOUS.format(name=args.name, names=", ".join(sorted({f.name for f in found}))))
    fz = found[-1]
    text = dict(name=fz.name, envs=", ".join(fz.environments), end=_when(fz.end), who=fz.declared_by or "?",
                reason=f": {fz.reason}" if fz.reason else "")
    summary = M.LIFT_SUMMARY.format(**text)
    return Plan(tool=TOOL.name, args=args.given(), deployment="", strategy="remove", summary=summary,
                diff=M.LIFT_DIFF.format(**text), environments=list(fz.environments),
                intent=Intent(text=summary, args={"name": fz.name})).seal()


def apply(store: Any, plan: Plan, change_id: str, actor: str | None, now: datetime) -> Outcome:
    """Lift it (one transaction with its audit event); lifting what is gone already is no error."""
    name = str((plan.intent.args if plan.intent else plan.args)["name"])
    lifted = store.freezes.lift(name, actor=actor, change_id=change_id, now=now)
    if not lifted:
        return Outcome(status="noop", deployment="", message=M.LIFT_GONE.format(name=name))
    return Outcome(status="succeeded", deployment="",
                   message=M.LIFT_DONE.format(name=name, envs=", ".join(lifted[0].environments)))


TOOL = Tool("lift_freeze", LiftFreezeArgs, mutating=True, handler=handle, source="store")
