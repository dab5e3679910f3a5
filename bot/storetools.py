"""Read-only tools answered from the bot's own store: ``list_changes``, ``get_change``, ``search_audit``."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from audit.errors import ChangeNotFound
from audit.timeutil import parse_since
from tools.args import Args
from tools.errors import UnknownName
from bot.messages import storetools as M

TOOLS = ("list_changes", "get_change", "search_audit")


@dataclass
class StoreResult:
    payload: dict
    text: str

    def to_json(self) -> dict:
        return self.payload

    def render(self) -> str:
        return self.text


def _open_default():
    from audit.store import open_store
    from bot.settings import get_settings

    path = get_settings().database
    path.parent.mkdir(parents=True, exist_ok=True)
    return open_store(path)


def run(name: str, args: Args, store: Any = None, now: datetime | None = None) -> StoreResult:
    store = store or _open_default()
    now = now or datetime.now(timezone.utc)
    if name == "list_changes":
        changes = store.changes.list(status=getattr(args, "status", None), limit=50)
        rows = [{"id": c.id, "state": c.state, "tool": c.tool, "requester": c.requester, "summary": c.summary,
                 "approvals": c.approvers, "created_at": c.created_at} for c in changes]
        lines = [M.CHANGE_ROW.format(**r, approved=", ".join(r["approvals"]) or "-") for r in rows] or [M.NO_CHANGES]
        return StoreResult({"changes": rows}, "\n".join(lines))
    if name == "get_change":
        try:
            c = store.changes.get(args.id)
        except ChangeNotFound:
            raise UnknownName("change", args.id, []) from None
        payload = c.model_dump(mode="json")
        plan = c.plan or {}
        text = M.CHANGE_DETAIL.format(id=c.id, state=c.state, tool=c.tool, requester=c.requester,
                                      summary=c.summary or "", approvals=", ".join(c.approvers) or "none",
                                      diff=plan.get("diff", ""), reason=c.reason or "-")
        return StoreResult({"change": payload}, text)
    if name == "search_audit":
        since = parse_since(args.since, now) if getattr(args, "since", None) else None
        events = store.audit.list(actor=args.actor, deployment=args.deployment, cluster=args.cluster,
                                  action=args.action, since=since, limit=args.limit or 50)
        rows = [e.model_dump(mode="json") for e in events]
        lines = [M.AUDIT_ROW.format(id=e.id, ts=e.ts, event=e.event, actor=e.actor or "-", tool=e.tool or "-",
                                    change=e.change_id or "-", message=(e.message or "")[:80]) for e in events]
        return StoreResult({"events": rows}, "\n".join(lines) or M.NO_EVENTS)
    raise KeyError(name)


def dumps(result: StoreResult) -> str:
    return json.dumps(result.to_json(), indent=2)
