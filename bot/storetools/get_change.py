"""get_change: one change request with its plan, approvals and outcome. Read-only, from the bot's store."""
from __future__ import annotations

from audit.errors import ChangeNotFound
from bot.messages import storetools as M
from bot.storetools import StoreResult, store_of
from tools.args import GetChangeArgs
from tools.context import ToolContext
from tools.errors import UnknownName
from tools.registry import Tool


def handle(ctx: ToolContext, args: GetChangeArgs) -> StoreResult:
    try:
        c = store_of(ctx).changes.get(args.id)
    except ChangeNotFound:
        raise UnknownName("change", args.id, []) from None
    plan = c.plan or {}
    text = M.CHANGE_DETAIL.format(id=c.id, state=c.state, tool=c.tool, requester=c.requester,
                                  summary=c.summary or "", approvals=", ".join(c.approvers) or "none",
                                  diff=plan.get("diff", ""), reason=c.reason or "-")
    return StoreResult({"change": c.model_dump(mode="json")}, text)


TOOL = Tool("get_change", GetChangeArgs, mutating=False, handler=handle, source="store")
