"""The chat and Slack sessions of tests/e2e_intent, started with a given policy (the team policy of
tests/policy/teams_policy.py) and able to speak in a given channel."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.identity import Actor
from bot.pipeline import Request
from tests.e2e_intent.e2e_helpers import ChatSession, SlackSession, Turn, _one_new, interpretations


class TeamChat(ChatSession):
    @classmethod
    @contextmanager
    def start_with(cls, tmp: Path, policy: str) -> Iterator[TeamChat]:
        from bot.app import running_pipeline
        from bot.settings import Settings

        path = tmp / "policy.yaml"
        path.write_text(policy)
        settings = Settings(llm="offline", home=tmp, db_path=tmp / "chat.db", kubeconfig=None, in_cluster=False,
                            demo_ready_delay=0.0, policy_path=path)
        with running_pipeline(settings, db=settings.database, ready_delay=0.0) as pipe:
            pipe.executor.poll = 0.05
            yield cls(pipe)

    def say_in(self, text: str, user: str, channel: str = "terminal") -> Turn:
        """Type ``text`` as ``user`` in ``channel`` (``fleetops chat --channel``)."""
        from bot.cli.cmd_chat import show_reply

        before = len(interpretations(self.pipe))
        reply = self.pipe.handle(Request(actor=Actor(user), text=text, channel=channel))
        out = io.StringIO()
        show_reply(reply, out)
        return Turn(out.getvalue(), _one_new(before, self.pipe), reply.change, reply)

    def approve_as(self, turn: Turn, user: str) -> str:
        from bot.cli.cmd_chat import command

        assert turn.change is not None, turn.shown
        out = io.StringIO()
        assert command(self.pipe, f"/approve {turn.change.id}", {"user": user}, out)
        return out.getvalue()


class TeamSlack(SlackSession):
    @classmethod
    @contextmanager
    def start_with(cls, tmp: Path, policy: str) -> Iterator[TeamSlack]:
        from fake_slack import FakeSlack
        from slack_env import slack_app

        fake = FakeSlack().start()
        try:
            with slack_app(fake, tmp, policy=policy) as env:
                env.pipeline.executor.poll = 0.05
                yield cls(env)
        finally:
            fake.stop()

    def say_in(self, text: str, user: str, channel: str = "C0OPS") -> Turn:
        """``/fleet text`` as ``user`` in ``channel``: what Slack received (the reply, or the change card)."""
        from slack_env import blocks_text

        self.n += 1
        key = f"teams-{self.n}"
        fake = self.env.fake
        before = len(interpretations(self.pipe))
        r = self.env.sender.slash(text, user=user, channel=channel, response_url=fake.response_url(key))
        assert r.status == 200, r.body
        answer = fake.wait_for("response_url", lambda c: c.path.endswith("/" + key)
                               and c.body.get("replace_original") is True)[0]
        shown = blocks_text(answer)
        posted = re.search(r"Change request #(\d+) is posted below", shown)
        change, payload = None, answer.body
        if posted:
            card = self.env.card(posted.group(1))
            self.env.idle()
            shown, payload = blocks_text(card), card.body
            change = self.env.store.changes.get(posted.group(1))
        else:
            self.env.idle()
        return Turn(shown, _one_new(before, self.pipe), change, None, payload)

    def approve_as(self, turn: Turn, user: str) -> str:
        from tests.e2e_ops.ops_sessions import SlackOps

        return SlackOps.approve_as(self, turn, user)  # type: ignore[arg-type]
