"""list_changes: change requests, newest first, optionally by status. Read-only, from the bot's store."""
from __future__ import annotations

from typing import Any

from bot.messages import storetools as M
from bot.storetools import StoreResult, store_of
from tools.args import ListChangesArgs
from tools.context import ToolContext
from tools.registry import Tool

LIMIT = 50


def handle(ctx: ToolContext, args: ListChangesArgs) -> StoreResult:
    changes = store_of(ctx).changes.list(status=args.status, limit=LIMIT)
    rows: list[dict[str, Any]] = [
        {"id": c.id, "state": c.state, "tool": c.tool, "requester": c.requester, "summary": c.summary,
         "approvals": c.approvers, "created_at": c.created_at} for c in changes]
    lines = [M.CHANGE_ROW.format(**r, approved=", ".join(c.approvers) or "-")
             for r, c in zip(rows, changes, strict=True)] or [M.NO_CHANGES]
    return StoreResult({"changes": rows}, "\n".join(lines))


TOOL = Tool("list_changes", ListChangesArgs, mutating=False, handler=handle, source="store")
