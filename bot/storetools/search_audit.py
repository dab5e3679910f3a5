"""search_audit: audit events by actor, deployment, cluster, action and age. Read-only, from the bot's store."""
from __future__ import annotations

from audit.timeutil import parse_since
from bot.messages import storetools as M
from bot.storetools import StoreResult, store_of
from tools.args import SearchAuditArgs
from tools.context import ToolContext
from tools.registry import Tool

DEFAULT_LIMIT = 50


def handle(ctx: ToolContext, args: SearchAuditArgs) -> StoreResult:
    since = parse_since(args.since, ctx.now) if args.since else None
    limit = args.limit or DEFAULT_LIMIT
    # one more than asked: whether the answer stops at the limit (and says so) or is everything that matches
    events = store_of(ctx).audit.list(actor=args.actor, deployment=args.deployment, cluster=args.cluster,
                                      action=args.action, since=since, limit=limit + 1)
    more = len(events) > limit
    events = events[:limit]
    rows = [e.model_dump(mode="json") for e in events]
    lines = [M.AUDIT_ROW.format(id=e.id, ts=e.ts, event=e.event, actor=e.actor or "-", tool=e.tool or "-",
                                change=e.change_id or "-", message=(e.message or "")[:80]) for e in events]
    if more:
        lines.append(M.AUDIT_MORE.format(n=limit))
    return StoreResult({"events": rows, "truncated": more}, "\n".join(lines) or M.NO_EVENTS)


TOOL = Tool("search_audit", SearchAuditArgs, mutating=False, handler=handle, source="store")
