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
from bot import toolbox
from bot.changes import Result, answer
from bot.identity import Actor
from bot.messages import chat as M
from bot.pipeline import Pipeline, Reply, Request
from bot.policy.freezes import freeze_notes
from tools.plan import Plan
from tools.plan_text import cluster_lines, intent_line, left_out_lines, part_lines, part_outcome_lines, question_of


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help=M.HELP, description=M.DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--as", dest="user", default=M.DEFAULT_USER, help="Slack-style user id to act as")
    p.add_argument("--channel", default="terminal",
                   help="Slack-style channel id to speak in, for the policy's channel scopes (default: a DM)")
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


def card_text(change: ChangeRequest, plan: Plan | None, requirement: str) -> str:
    """The chat card: the intent in words, one line per cluster (add / keep / remove / replace) and the
    clusters left out with the reason (the same breakdown as the Slack card), then the diff and the policy.
    A plan made of parts (``drain_cluster``) is shown part by part instead: one line per deployment with its
    clusters that change, indented (``show_outcome`` adds one outcome line per part once it ran)."""
    if plan is None:
        lines = [change.summary or ""]
    else:
        rows = part_lines(plan) if plan.parts else cluster_lines(plan)
        rows += left_out_lines(plan)
        shown = [M.CARD_CLUSTER_LINE.format(line=line) for line in rows[:M.MAX_CARD_LINES]]
        if len(rows) > M.MAX_CARD_LINES:
            shown.append(M.CARD_MORE_LINES.format(more=len(rows) - M.MAX_CARD_LINES, id=change.id))
        lines = [intent_line(plan), *shown]
    diff = f"{M.CARD_DIFF_TITLE}\n{plan.diff}" if plan is not None and plan.diff else ""
    return M.CARD.format(id=change.id, state=change.state, lines="\n".join(lines), diff=diff,
                         requirement=requirement)


def outcome_of(change: ChangeRequest) -> dict:
    """The stored outcome (``Outcome.model_dump``), empty while the request has not run."""
    return change.outcome if isinstance(change.outcome, dict) else {}


def show_reply(r: Reply, out) -> None:
    for notice in r.notices:  # e.g. a secret was masked before anything recorded the request
        print(notice, file=out)
    if r.kind == "change" and r.change is not None:
        c, d = r.change, r.decision
        print(card_text(c, r.plan, d.reason if d else ""), file=out)
        for note in freeze_notes(d):  # the freeze line: a freeze in force where this change lands
            print(M.CARD_FREEZE.format(note=note), file=out)
        if c.state == ChangeState.PENDING:
            print(M.HOW_TO_APPROVE.format(id=c.id), file=out)
        else:
            print(answer(c, r.change.requester)[1], file=out)
        show_outcome(c, out)
    elif r.kind == "result":
        print(r.text, file=out)
    elif r.kind == "error" and isinstance(r.result, Exception) and (q := question_of(r.result)) is not None:
        print(M.PREFIX_CLARIFY + q.text, file=out)  # a typed planner refusal is a question, with its choices
        for line in q.reasons:
            print(M.QUESTION_REASON.format(line=line), file=out)
        if q.options:
            print(M.QUESTION_OPTIONS, file=out)
            for option in q.options:
                print(M.QUESTION_OPTION.format(option=option), file=out)
    else:
        prefix = {"clarify": M.PREFIX_CLARIFY, "refuse": M.PREFIX_REFUSE, "error": M.PREFIX_ERROR}.get(r.kind, "")
        print(prefix + r.text, file=out)


def show_outcome(c: ChangeRequest, out) -> None:
    """The outcome line, then for a plan made of parts one line per part (deployment) from the outcome."""
    outcome = outcome_of(c)
    if outcome.get("status"):
        print(M.OUTCOME.format(id=c.id, status=outcome["status"], message=outcome.get("message", "")), file=out)
        plan = _stored_plan(c)
        for line in part_outcome_lines(plan, outcome) if plan is not None and plan.parts else []:
            print(M.CARD_CLUSTER_LINE.format(line=line), file=out)


def _stored_plan(c: ChangeRequest) -> Plan | None:
    try:
        return Plan.model_validate(c.plan) if c.plan else None
    except ValueError:
        return None


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
        from bot.cli.demo import audit_filter_error
        from tools.args import SearchAuditArgs

        opts: dict = {}
        it = iter(rest)
        for tok in it:
            if tok.startswith("--"):
                opts[tok[2:].replace("-", "_")] = next(it, None)
        try:
            print(pipe.read(toolbox.name_of(SearchAuditArgs), SearchAuditArgs.model_validate(opts)).render(), file=out)
        except Exception as e:
            print(M.PREFIX_ERROR + audit_filter_error(e), file=out)
    else:
        print(M.UNKNOWN_COMMAND.format(cmd=cmd), file=out)
    return True


def run(ns: argparse.Namespace) -> int:
    from bot.app import running_pipeline
    from bot.cli.demo import demo_database
    from bot.incidents.notify import ChatNotifier
    from bot.incidents.watch import start_watch
    from bot.settings import get_settings

    settings = get_settings()
    out = sys.stdout
    interactive = sys.stdin.isatty()
    print(M.STARTING, file=out, flush=True)
    db = ns.db or demo_database(settings, out)  # the demo fleet is new each run: so is its database
    with running_pipeline(settings, db=db, notifier=TerminalNotifier(out), ready_delay=ns.ready_delay,
                          fleet_cache=settings.fleet_cache == "on") as pipe:
        # The health watch speaks first: its first look (e.g. a deployment already failing) is printed before
        # the welcome; later looks print only what changes.
        watch = start_watch(pipe, ChatNotifier(out), every=settings.watch_interval, after=settings.incident_after)
        watch.first_look.wait(60)
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
            reply = pipe.handle(Request(actor=Actor(state["user"]), text=line, channel=ns.channel,
                                        history=history[-6:]))
            history += [("user", line), ("bot", reply.text)]
            show_reply(reply, out)
            out.flush()
        watch.stop()
    return 0
