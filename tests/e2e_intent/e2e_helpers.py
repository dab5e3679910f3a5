"""Sessions that run a request the way a person does: through ``fleetops chat``'s pipeline and card
(``bot.cli.cmd_chat.show_reply``), or as a signed ``/fleet`` command to the Slack app, answered through the
fake Slack API. Each turn returns what the person saw and what the audit log says the request became."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.models import AuditEvent, ChangeRequest
from bot.identity import Actor
from bot.pipeline import Pipeline, Reply, Request
from tools.plan import Plan

ALICE, BOB, CAROL, DAVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"


def effect(plan: Plan) -> dict[str, str]:
    """The plan's per-cluster effect: {cluster: create/keep/remove/replace/...}."""
    return {a.cluster: a.action for a in plan.actions}


def plan_of(change: ChangeRequest) -> Plan:
    return Plan.model_validate(change.plan)


def interpretations(pipe: Pipeline) -> list[AuditEvent]:
    return pipe.store.audit.list(event="interpretation", limit=None, newest_first=False)


def call_of(event: AuditEvent) -> tuple[str | None, dict[str, Any] | None]:
    """(tool, given args) of an interpretation event; (kind, None) for a clarify or refuse."""
    result = event.result if isinstance(event.result, dict) else {}
    if result.get("kind") == "tool_call":
        return result.get("tool"), result.get("args")
    return result.get("kind"), None


@dataclass
class Turn:
    """One request: what the person saw (``shown``), the interpretation the audit log recorded, and the change
    request it opened (if any)."""

    shown: str
    interpretation: AuditEvent
    change: ChangeRequest | None = None
    reply: Reply | None = None
    payload: dict[str, Any] | None = None  # Slack: the message (text + blocks) that answered

    @property
    def call(self) -> tuple[str | None, dict[str, Any] | None]:
        return call_of(self.interpretation)

    @property
    def plan(self) -> Plan:
        assert self.change is not None, f"no change request was opened; the answer was: {self.shown}"
        return plan_of(self.change)


def _one_new(before: int, pipe: Pipeline) -> AuditEvent:
    events = interpretations(pipe)
    assert len(events) == before + 1, f"expected one interpretation, got {len(events) - before}"
    return events[-1]


class ChatSession:
    """``fleetops chat`` without the terminal: the same pipeline (``bot.app.running_pipeline``, offline
    interpreter, embedded demo fleet) and the same card printer."""

    def __init__(self, pipe: Pipeline):
        self.pipe = pipe
        self.history: list[tuple[str, str]] = []

    @classmethod
    @contextmanager
    def start(cls, tmp: Path) -> Iterator[ChatSession]:
        from bot.app import running_pipeline
        from bot.settings import Settings

        settings = Settings(llm="offline", home=tmp, db_path=tmp / "chat.db", kubeconfig=None, in_cluster=False,
                            demo_ready_delay=0.0, policy_path=None)
        with running_pipeline(settings, db=settings.database, ready_delay=0.0) as pipe:
            pipe.executor.poll = 0.05
            yield cls(pipe)

    @property
    def fleet(self) -> Any:
        return self.pipe.fleet

    def say(self, text: str, user: str = ALICE, follow_up: bool = False) -> Turn:
        """Type ``text`` as ``user``; ``follow_up``: in the same conversation as the previous turn."""
        from bot.cli.cmd_chat import show_reply

        before = len(interpretations(self.pipe))
        history = self.history[-6:] if follow_up else []
        reply = self.pipe.handle(Request(actor=Actor(user), text=text, channel="terminal", history=history))
        self.history = history + [("user", text), ("bot", reply.text)]
        out = io.StringIO()
        show_reply(reply, out)
        return Turn(out.getvalue(), _one_new(before, self.pipe), reply.change, reply)

    def approve(self, change_id: str, user: str) -> Any:
        return self.pipe.changes.approve(change_id, Actor(user))


class SlackSession:
    """The Slack app (HTTP server, real pipeline, demo fleet) and the fake Slack API it talks to."""

    def __init__(self, env: Any):
        self.env = env
        self.n = 0

    @classmethod
    @contextmanager
    def start(cls, tmp: Path) -> Iterator[SlackSession]:
        from fake_slack import FakeSlack
        from slack_env import slack_app

        fake = FakeSlack().start()
        fake.usergroups = [{"id": "S0SRE", "handle": "sre-oncall", "name": "SRE on call", "users": ["U0BOB"]}]
        try:
            with slack_app(fake, tmp) as env:
                env.pipeline.executor.poll = 0.05
                yield cls(env)
        finally:
            fake.stop()

    @property
    def pipe(self) -> Pipeline:
        return self.env.pipeline

    @property
    def fleet(self) -> Any:
        return self.env.pipeline.fleet

    def say(self, text: str, user: str = ALICE, follow_up: bool = True) -> Turn:
        """``/fleet text`` as ``user``: the signed command, then the answer Slack received (the ephemeral reply
        through response_url, or the change card posted in the channel). The app keeps the conversation per
        user and channel itself, so every command is a follow-up of the one before (``follow_up`` is ignored)."""
        from slack_env import blocks_text

        self.n += 1
        key = f"e2e-{self.n}"
        fake = self.env.fake
        before = len(interpretations(self.pipe))
        r = self.env.sender.slash(text, user=user, response_url=fake.response_url(key))
        assert r.status == 200, r.body
        answer = fake.wait_for("response_url", lambda c: c.path.endswith("/" + key)
                               and c.body.get("replace_original") is True)[0]
        shown = blocks_text(answer)
        posted = re.search(r"Change request #(\d+) is posted below", shown)
        change = None
        payload = answer.body
        if posted:
            card = self.env.card(posted.group(1))
            self.env.idle()
            shown = blocks_text(card)
            payload = card.body
            change = self.env.store.changes.get(posted.group(1))
        else:
            self.env.idle()
        return Turn(shown, _one_new(before, self.pipe), change, None, payload)


def chat_marks(plan: Plan) -> list[str]:
    """What the chat card shows for the plan before the diff: the intent, one line per cluster, the left out."""
    from tools.plan_text import plan_lines

    return plan_lines(plan)


def slack_marks(plan: Plan) -> list[str]:
    """What the Slack card shows for the plan before the diff (mrkdwn): the intent, then per cluster the verb
    and the cluster (`*add* `C``), then the left out clusters with the reason."""
    from tools.plan_text import intent_line, verb

    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    return [esc(intent_line(plan)), *(f"*{verb(a.action)}* `{a.cluster}`" for a in plan.actions),
            *(f"`{c}` {esc(r)}" for c, r in sorted(plan.left_out.items()))]


def check(example: Any, turn: Turn, marks: Any = chat_marks) -> None:
    """What every front end must show for ``example`` (an ``examples.Example``): the interpretation, and for a
    change the plan's per-cluster effect, with the intent and the per-cluster lines (``marks(plan)``) on the
    card before the diff."""
    from tools.plan_text import intent_line

    tool, args = turn.call
    if example.kind in ("change", "result", "question"):
        assert (tool, args) == (example.tool, example.args)
    else:
        assert tool == example.kind, f"expected {example.kind}, the interpreter said {tool}: {turn.shown}"
    if example.kind == "change":
        plan = turn.plan
        assert effect(plan) == example.effect
        assert sorted(plan.left_out) == sorted(example.left_out)
        assert plan.intent is not None and intent_line(plan) == example.says[0]
        assert turn.change is not None and turn.change.state == "pending"
        diff_at = turn.shown.find(plan.diff.split("\n", 1)[0]) if plan.diff else len(turn.shown)
        assert diff_at > 0, "the diff is not on the card"
        for mark in marks(plan):
            at = turn.shown.find(mark)
            assert 0 <= at < diff_at, f"{mark!r} is not on the card before the diff"
    else:
        assert turn.change is None
    for words in example.says:
        assert words in turn.shown, words
    for words in example.never:
        assert words not in turn.shown, words
