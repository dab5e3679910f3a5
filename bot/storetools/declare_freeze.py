"""declare_freeze: freeze environments until a time. Mutating, but it only restricts: members of freeze-override
declare it and it takes effect at once (``bot.policy.freezes``: no approval unless the policy file says so).

The plan resolves ``until`` to an absolute time and the freeze's name (its environments, "staging-prod"), and keeps
them in ``Plan.intent.args``, so the re-check before it runs yields the same plan. Carrying it out is a store write
(``apply``, called by the change service instead of the fleet executor), one transaction with its audit event.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

from audit.timeutil import iso, parse_duration, to_utc
from bot.messages import storetools as M
from bot.storetools import store_of
from tools.args import DeclareFreezeArgs
from tools.context import ToolContext
from tools.errors import ToolError
from tools.outcome import Outcome
from tools.plan import Intent, Plan
from tools.registry import Tool

ORDER = ("dev", "staging", "prod")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def resolve_until(text: str, now: datetime) -> datetime:
    """An absolute UTC time from an ISO time, a span from ``now`` (2h, 3d) or a weekday (its next 00:00 UTC)."""
    raw = text.strip().lower()
    if raw in WEEKDAYS:
        days = (WEEKDAYS.index(raw) - now.weekday()) % 7 or 7
        return to_utc(now).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=days)
    if re.fullmatch(r"(\d+\s*[smhdw]\s*)+", raw):
        return to_utc(now) + timedelta(seconds=parse_duration(raw))
    try:
        return to_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        raise ToolError(M.FREEZE_BAD_UNTIL.format(until=text)) from None


def _when(dt: datetime | str) -> str:
    d = to_utc(datetime.fromisoformat(dt.replace("Z", "+00:00"))) if isinstance(dt, str) else to_utc(dt)
    return d.strftime("%Y-%m-%d %H:%M UTC")


def freeze_name(environments: list[str]) -> str:
    return "-".join(environments)


def handle(ctx: ToolContext, args: DeclareFreezeArgs) -> Plan:
    now = to_utc(ctx.now)
    envs = sorted({str(getattr(e, "value", e)) for e in args.environments}, key=lambda e: ORDER.index(e) if e in ORDER else 9)
    end = resolve_until(args.until, now)
    if end <= now:
        raise ToolError(M.FREEZE_PAST.format(end=_when(end), now=_when(now)))
    name = freeze_name(envs)
    reason = M.FREEZE_REASON.format(reason=args.reason) if args.reason else ""
    resolved: dict[str, Any] = {"environments": envs, "until": iso(end)}
    if args.reason:
        resolved["reason"] = args.reason
    current = next((f for f in store_of(ctx).freezes.active(now) if f.name == name), None) \
        if ctx.store is not None else None
    text = dict(envs=", ".join(envs), end=_when(end), reason=reason, name=name)
    strategy: Literal["create", "in_place", "noop"] = "create"
    summary = M.FREEZE_SUMMARY.format(**text)
    diff = M.FREEZE_DIFF.format(**text)
    if current is not None:
        if current.end == iso(end) and current.environments == envs and (current.reason or None) == args.reason:
            strategy, summary = "noop", M.FREEZE_SAME.format(
                **text, verb="is" if len(envs) == 1 else "are")
        else:
            strategy = "in_place"
            summary = M.FREEZE_EXTEND.format(**text, old_envs=", ".join(current.environments),
                                             old_end=_when(current.end))
            diff = M.FREEZE_DIFF_OLD.format(name=name, envs=", ".join(current.environments),
                                            end=_when(current.end)) + "\n" + diff
    return Plan(tool=TOOL.name, args=args.given(), deployment="", strategy=strategy, summary=summary, diff=diff,
                environments=envs, intent=Intent(text=summary, args=resolved)).seal()


def apply(store: Any, plan: Plan, change_id: str, actor: str | None, now: datetime) -> Outcome:
    """Write the freeze (one transaction with its audit event); idempotent for ``change_id``."""
    a = (plan.intent.args if plan.intent else plan.args)
    end = to_utc(datetime.fromisoformat(str(a["until"]).replace("Z", "+00:00")))
    envs = list(a["environments"])
    rec = store.freezes.declare(freeze_name(envs), envs, start=now, end=end, reason=a.get("reason"), actor=actor,
                                change_id=change_id, now=now)
    return Outcome(status="succeeded", deployment="",
                   message=M.FREEZE_DONE.format(name=rec.name, envs=", ".join(rec.environments), end=_when(rec.end)))


TOOL = Tool("declare_freeze", DeclareFreezeArgs, mutating=True, handler=handle, source="store")
