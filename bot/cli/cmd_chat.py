"""``fleetops chat``: the whole pipeline in a terminal, on the demo fleet (or a real hub with KUBECONFIG).

Type requests in plain language. Approvals are commands typed on behalf of named users:
``/approve ID``, ``/reject ID reason``, ``/cancel ID``, ``/resolve ID finish|undo|reviewed``, ``/as USER`` (play several people), ``/changes``,
``/audit [--actor U] [--since 24h] ...``, ``/help``, ``/quit``. Reads standard input, so it can be scripted.
Answers over a large fleet are grouped summaries; a request with ``--all`` prints every row, and ``/all``
prints the last answer again in full.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import threading
import time
from pathlib import Path

from audit.gates import Gate
from audit.models import ChangeRequest, ChangeState
from bot import toolbox
from bot.changes import Refusal, Result, answer
from bot.identity import Actor
from bot.messages import chat as M
from bot.pipeline import Pipeline, Reply, Request
from bot.policy import Decision
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

    def gate_updated(self, change, gate) -> None:
        """A stage gate opened (the prompt: who may approve, how) or was decided."""
        with self._lock:
            print(gate_text(change.id, gate), file=self.out, flush=True)


def gate_text(change_id: str, gate: Gate) -> str:
    if gate.state != "open":
        return M.GATE_DECIDED.format(stage=gate.stage, id=change_id, state=gate.state,
                                     why=f": {gate.reason}" if gate.reason else "")
    needs = Decision.model_validate(gate.decision).still_needed(gate.votes) if gate.decision else "-"
    clusters = ", ".join(f"{c} {s}" for c, s in sorted(gate.clusters.items()))
    votes = M.GATE_VOTES.format(who=", ".join(gate.voters)) if gate.votes else ""
    return M.GATE_PROMPT.format(stage=gate.stage, id=change_id, deployment=gate.deployment, state=gate.state,
                                clusters=clusters, next=gate.next_stage, needs=needs, votes=votes)


GATE_WAIT = 60.0  # a scripted /gate line may come before the gate opened: wait for it this long


def gate_command(pipe: Pipeline, rest: list[str], actor: Actor, out, wait: float | None = None) -> None:
    """``/gate approve ID`` or ``/gate reject ID reason``: the open gate of change ID (waiting up to ``wait``,
    default ``GATE_WAIT``, for it to open)."""
    wait = GATE_WAIT if wait is None else wait
    if len(rest) < 2 or rest[0] not in ("approve", "reject"):
        print(M.GATE_USAGE, file=out)
        return
    verb, cid = rest[0], rest[1].lstrip("#")
    deadline = time.monotonic() + wait
    while not (gates := pipe.changes.open_gates(cid)):
        change = pipe.changes.find(cid)
        if time.monotonic() >= deadline or change is None or change.state.terminal:
            print(M.PREFIX_NO + M.GATE_NONE.format(id=cid, seconds=int(wait)), file=out)
            return
        time.sleep(0.1)
    gate = gates[0]
    result = pipe.changes.approve_gate(gate.request, actor) if verb == "approve" else \
        pipe.changes.reject_gate(gate.request, actor, " ".join(rest[2:]))
    if isinstance(result, Refusal):
        print(M.PREFIX_NO + result.text, file=out)
    else:
        print(M.PREFIX_OK + M.GATE_DONE.format(stage=result.stage, id=cid, state=result.state), file=out)


def _staged(pipe: Pipeline, cid: str) -> bool:
    change = pipe.changes.find(cid)
    return bool(change and isinstance(change.plan, dict) and change.plan.get("stages"))


def approve_staged(pipe: Pipeline, cid: str, actor: Actor, state: dict, out) -> None:
    """A staged change waits at its gates for people, who type here: its approval (which may start it) runs in
    the background; this returns once the approval was counted (or refused, or the run started)."""
    done = threading.Event()

    def work() -> None:
        try:
            show_action(pipe.changes.approve(cid, actor), actor.id, out)
        finally:
            done.set()
    before = pipe.changes.get(cid)
    t = threading.Thread(target=work, name=f"staged-{cid}", daemon=True)
    state.setdefault("background", []).append(t)
    t.start()
    while not done.wait(0.05):
        now = pipe.changes.get(cid)
        if now.state != before.state or len(now.approvals) != len(before.approvals):
            if now.state == ChangeState.EXECUTING:
                print(M.STAGED_RUNNING.format(id=cid), file=out, flush=True)
            return


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


def wants_all(line: str) -> tuple[bool, str]:
    """A request holding the word ``--all`` asks for every row: (whether it does, the request without it)."""
    words = line.split()
    if "--all" not in words:
        return False, line
    return True, " ".join(w for w in words if w != "--all")


def full_text(r: Reply) -> str:
    """Every row of a read-only answer (``render(full=True)``); the answer's text when it has no summary."""
    render = getattr(r.result, "render", None)
    if r.kind != "result" or render is None:
        return r.text
    try:
        return render(full=True)
    except TypeError:  # a result that never summarises
        return r.text


def ask(pipe: Pipeline, line: str, state: dict, out, channel: str = "terminal") -> Reply:
    """A typed request (``--all``: every row of a summarised answer); the answer is remembered for ``/all``."""
    full, text = wants_all(line)
    history: list[tuple[str, str]] = state.setdefault("history", [])
    reply = pipe.handle(Request(actor=Actor(state["user"]), text=text, channel=channel, history=history[-6:]))
    history += [("user", text), ("bot", reply.text)]
    if reply.kind == "result":
        state["last"] = reply
    show_reply(reply, out, full=full)
    return reply


def show_reply(r: Reply, out, full: bool = False) -> None:
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
        print(full_text(r) if full else r.text, file=out)
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
        if cmd == "approve" and _staged(pipe, cid):
            approve_staged(pipe, cid, actor, state, out)
        elif cmd == "approve":
            show_action(pipe.changes.approve(cid, actor), actor.id, out)
        elif cmd == "reject":
            show_action(pipe.changes.reject(cid, actor, " ".join(rest[1:])), actor.id, out)
        else:
            show_action(pipe.changes.cancel(cid, actor), actor.id, out)
    elif cmd == "gate":  # /gate approve ID | /gate reject ID reason: a staged rollout's stage gate
        gate_command(pipe, rest, actor, out)
    elif cmd == "resolve":  # /resolve ID finish|undo|reviewed: a change in attention (issue 11)
        if len(rest) < 2:
            print(M.NEED_ID.format(cmd=cmd), file=out)
            return True
        show_action(pipe.changes.resolve(rest[0].lstrip("#"), actor, rest[1]), actor.id, out)
    elif cmd == "all":  # the last answer again, every row
        last = state.get("last")
        print(full_text(last) if last is not None else M.ALL_NOTHING, file=out)
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
        state: dict = {"user": ns.user}
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
            ask(pipe, line, state, out, channel=ns.channel)
            out.flush()
        for t in state.get("background", []):  # staged changes still running: let them end (and say so)
            t.join()
        watch.stop()
    return 0
