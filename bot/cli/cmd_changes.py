"""``fleetops changes list|show``: read change requests (through the change service's read side);
``fleetops changes resolve ID finish|undo|reviewed --as USER``: resolve a change in attention (the change service's
``resolve``, on the configured fleet and store)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from audit import messages as msg
from audit.errors import AuditError
from audit.models import STATES, ChangeRequest
from bot.changes import ChangeQueries
from bot.cli.cmd_audit import add_db_option, fail, open_from_args, show_value, table
from bot.messages import cli as CLI


def _ts(value: str | None) -> str:
    return (value or "").replace("T", " ").rstrip("Z")[:16]


def _row(c: ChangeRequest) -> tuple[Any, ...]:
    return (c.id, c.state, c.tool, c.requester, f"{len(c.approvals)}/{c.approvals_required}",
            _ts(c.created_at), _ts(c.expires_at), c.summary)


def _list(args: argparse.Namespace) -> int:
    try:
        with open_from_args(args) as store:
            changes = ChangeQueries(store).list(status=args.status, requester=args.requester,
                                                limit=args.limit)
    except AuditError as e:
        return fail(e)
    if args.json:
        print(json.dumps([c.model_dump(mode="json") for c in changes], indent=2, ensure_ascii=False))
    elif not changes:
        print(msg.CHANGES_EMPTY)
    else:
        print(table(msg.CHANGES_HEADER, [_row(c) for c in changes], {3: 14, 7: 70}))
    return 0


def concise(c: ChangeRequest) -> dict[str, Any]:
    """What a person reads (``--json`` has every field): the plan as its per-cluster lines, not its manifests."""
    from tools.plan import Plan
    from tools.plan_text import plan_lines

    try:
        plan: list[str] | str = plan_lines(Plan.model_validate(c.plan))
    except ValueError:
        plan = c.summary or ""
    decision = c.decision if isinstance(c.decision, dict) else {}
    outcome = c.outcome if isinstance(c.outcome, dict) else {}
    fields: dict[str, Any] = {
        "id": c.id, "state": c.state, "tool": c.tool, "requester": c.requester, "summary": c.summary,
        "plan": ("\n" + " " * 22).join(plan), "plan hash": c.plan_hash,
        "policy": decision.get("reason"), "reason": c.reason, "outcome": outcome.get("message"),
        "created": _ts(c.created_at), "expires": _ts(c.expires_at), "updated": _ts(c.updated_at)}
    return {k: v for k, v in fields.items() if v not in (None, "")}


def _show(args: argparse.Namespace) -> int:
    try:
        with open_from_args(args) as store:
            queries = ChangeQueries(store)
            change = queries.get(args.id)
            every = queries.approvals(change.id, include_void=True)
    except AuditError as e:
        return fail(e)
    data = change.model_dump(mode="json", exclude={"approvals"})
    if args.json:
        data["approvals"] = [a.model_dump(mode="json") for a in every]
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for key, value in concise(change).items():
        print(msg.SHOW_LINE.format(key=key, value=show_value(value)))
    print(msg.SHOW_LINE.format(key="approvals", value=f"{len(change.approvals)}/"
                               f"{change.approvals_required}"))
    for a in every:
        void = msg.CHANGE_APPROVAL_VOID if a.voided_at or a.plan_hash != change.plan_hash else ""
        print(msg.CHANGE_APPROVAL_LINE.format(actor=a.actor_name or a.actor, ts=_ts(a.ts), void=void))
    print(CLI.CHANGES_SHOW_MORE.format(id=change.id))
    return 0


def _resolve(args: argparse.Namespace) -> int:
    from bot.app import running_pipeline
    from bot.identity import Actor
    from bot.messages import pipeline as pm
    from bot.settings import get_settings

    # recover=False: another bot process may be running changes right now; resolving one never touches others
    with running_pipeline(get_settings(), db=args.db, recover=False) as pipe:
        result = pipe.changes.resolve(args.id, Actor(args.user), args.action)
        if isinstance(result, ChangeRequest):
            print(pm.RESOLVED_LINE.format(id=result.id, state=result.state, message=result.reason or ""))
            return 0 if result.state != "attention" else 2
        print(result.text, file=sys.stderr)
        return 1


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("changes", help="list and show change requests",
                              description="Read change requests (newest first) from the store.")
    sub = p.add_subparsers(dest="changes_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="list change requests, newest first")
    ls.add_argument("--status", choices=STATES)
    ls.add_argument("--requester", help="Slack user id (U...)")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true")
    add_db_option(ls)
    ls.set_defaults(func=_list)
    show = sub.add_parser("show", help="show one change request with its approvals")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    add_db_option(show)
    show.set_defaults(func=_show)
    from bot.messages import pipeline as pm

    res = sub.add_parser("resolve", help=pm.RESOLVE_HELP, description=pm.RESOLVE_DESCRIPTION)
    res.add_argument("id")
    res.add_argument("action", choices=("finish", "undo", "reviewed"))
    res.add_argument("--as", dest="user", required=True, help=pm.RESOLVE_AS)
    add_db_option(res)
    res.set_defaults(func=_resolve)
