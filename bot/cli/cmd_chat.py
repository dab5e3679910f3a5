"""``fleetops chat``: the whole pipeline in a terminal, on the demo fleet (or a real hub with KUBECONFIG).

Type requests in plain language. Approvals are commands typed on behalf of named users:
``/approve ID``, ``/reject ID reason``, ``/cancel ID``, ``/resolve ID finish|undo|reviewed``, ``/as USER`` (play several people), ``/changes``,
``/audit [--actor U] [--since 24h] ...``, ``/help``, ``/quit``. Reads standard input, so it can be scripted.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import threading
from pathlib import Path

from audit.models import ChangeRequest, ChangeState
from bot.changes import Result, answer
from bot.identity import Actor
from bot.messages import chat as M
from bot.pipeline import Pipeline, Reply, Request


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help=M.HELP, description=M.DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--as", dest="user", default=M.DEFAULT_USER, help="Slack-style user id to act as")
    p.add_argument("--db", type=Path, help="database file (default: settings, ~/.fleetops/fleetops.db)")
    p.add_argument("--ready-delay", type=float, default=None,
                   help="seconds the demo fleet's KAITO stand-in takes per readiness step (default 2)")
    p.set_defaults(func=run)


class TerminalNotifier:
    def __init__(self, out) -> None:
        self.out = out
        self._lock = threading.Lock()

    def change_updated(self, change) -> None:
        with self._lock:
            print(M.CHANGE_STATE.format(id=change.id, state=change.state), file=self.out, flush=True)

    def progress(self, change, event) -> None:
        with self._lock:
            where = f"[{event.cluster}] " if event.cluster else ""
            print(M.PROGRESS.format(id=change.id, where=where, message=event.message), file=self.out, flush=True)


def show_reply(r: Reply, out) -> None:
    if r.kind == "change" and r.change is not None:
        c, d = r.change, r.decision
        print(M.CARD.format(id=c.id, summary=r.plan.summary if r.plan else c.summary, diff=r.plan.diff if r.plan else "",
                            requirement=d.reason if d else "", state=c.state), file=out)
        if c.state == ChangeState.PENDING:
            print(M.HOW_TO_APPROVE.format(id=c.id), file=out)
        else:
            print(answer(c, r.change.requester)[1], file=out)
        show_outcome(c, out)
    elif r.kind == "result":
        print(r.text, file=out)
    else:
        prefix = {"clarify": M.PREFIX_CLARIFY, "refuse": M.PREFIX_REFUSE, "error": M.PREFIX_ERROR}.get(r.kind, "")
        print(prefix + r.text, file=out)


def show_outcome(c: ChangeRequest, out) -> None:
    if isinstance(c.outcome, dict) and c.outcome.get("status"):
        print(M.OUTCOME.format(id=c.id, status=c.outcome["status"], message=c.outcome.get("message", "")), file=out)


def show_action(result: Result, actor: str, out) -> None:
    """What a /approve, /reject or /cancel did, told from the state the request is in now."""
    ok, text = answer(result, actor)
    print((M.PREFIX_OK if ok else M.PREFIX_NO) + text, file=out)
    if isinstance(result, ChangeRequest):
        show_outcome(result, out)


def command(pipe: Pipeline, line: str, state: dict, out) -> bool:
    """Run a /command; False to quit."""
    try:
        parts = shlex.split(line[1:])
    except ValueError:
        parts = line[1:].split()
    if not parts:
        return True
    cmd, rest = parts[0].lower(), parts[1:]
    actor = Actor(state["user"])
    if cmd in ("quit", "exit", "q"):
        return False
    if cmd == "help":
        print(M.COMMANDS, file=out)
    elif cmd == "as":
        if not rest:
            print(M.YOU_ARE.format(user=state["user"]), file=out)
        else:
            state["user"] = rest[0]
            print(M.NOW_YOU_ARE.format(user=rest[0]), file=out)
    elif cmd in ("approve", "reject", "cancel"):
        if not rest:
            print(M.NEED_ID.format(cmd=cmd), file=out)
            return True
        cid = rest[0].lstrip("#")
        if cmd == "approve":
            show_action(pipe.changes.approve(cid, actor), actor.id, out)
        elif cmd == "reject":
            show_action(pipe.changes.reject(cid, actor, " ".join(rest[1:])), actor.id, out)
        else:
            show_action(pipe.changes.cancel(cid, actor), actor.id, out)
    elif cmd == "resolve":  # /resolve ID finish|undo|reviewed: a change in attention (issue 11)
        if len(rest) < 2:
            print(M.NEED_ID.format(cmd=cmd), file=out)
            return True
        show_action(pipe.changes.resolve(rest[0].lstrip("#"), actor, rest[1]), actor.id, out)
    elif cmd == "changes":
        show_reply(pipe.handle(Request(actor=actor, text="list changes", channel="terminal")), out)
    elif cmd == "audit":
        from tools.args import SearchAuditArgs

        opts: dict = {}
        it = iter(rest)
        for tok in it:
            if tok.startswith("--"):
                opts[tok[2:].replace("-", "_")] = next(it, None)
        try:
            print(pipe.read("search_audit", SearchAuditArgs(**opts)).render(), file=out)
        except Exception as e:  # noqa: BLE001 - show the user what was wrong with the filter
            print(M.PREFIX_ERROR + str(e), file=out)
    else:
        print(M.UNKNOWN_COMMAND.format(cmd=cmd), file=out)
    return True


def run(ns: argparse.Namespace) -> int:
    from bot.app import running_pipeline

    out = sys.stdout
    interactive = sys.stdin.isatty()
    print(M.STARTING, file=out, flush=True)
    with running_pipeline(db=ns.db, notifier=TerminalNotifier(out), ready_delay=ns.ready_delay) as pipe:
        print(M.WELCOME.format(user=ns.user), file=out, flush=True)
        state = {"user": ns.user}
        history: list[tuple[str, str]] = []
        while True:
            if interactive:
                print(M.PROMPT.format(user=state["user"]), end="", file=out, flush=True)
            line = sys.stdin.readline()
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            if not interactive:
                print(M.ECHO.format(user=state["user"], line=line), file=out)
            pipe.changes.expire()  # requests past their time-to-live expire before anything else happens
            if line.startswith("/"):
                if not command(pipe, line, state, out):
                    break
                continue
            reply = pipe.handle(Request(actor=Actor(state["user"]), text=line, channel="terminal",
                                        history=history[-6:]))
            history += [("user", line), ("bot", reply.text)]
            show_reply(reply, out)
            out.flush()
    return 0
