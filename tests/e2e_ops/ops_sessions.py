"""The two front ends as the operations checks use them: a request typed (``say``, from
tests/e2e_intent/e2e_helpers.py) and an approval given the way a person gives it there, returning what that
person then sees: in chat the ``/approve`` command's answer (``bot.cli.cmd_chat.command``), in Slack a signed
click on the card's Approve button and the card as Slack last received it (``chat.update``)."""
from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e_intent.e2e_helpers import ChatSession, SlackSession, Turn


class ChatOps(ChatSession):
    @classmethod
    @contextmanager
    def start(cls, tmp: Path) -> Iterator[ChatOps]:
        with ChatSession.start(tmp) as session:
            yield cls(session.pipe)

    def approve_as(self, turn: Turn, user: str) -> str:
        """``/as USER`` then ``/approve ID``: what the terminal printed."""
        from bot.cli.cmd_chat import command

        assert turn.change is not None, turn.shown
        out = io.StringIO()
        assert command(self.pipe, f"/approve {turn.change.id}", {"user": user}, out)
        return out.getvalue()


class SlackOps(SlackSession):
    @classmethod
    @contextmanager
    def start(cls, tmp: Path) -> Iterator[SlackOps]:
        with SlackSession.start(tmp) as session:
            yield cls(session.env)

    def approve_as(self, turn: Turn, user: str) -> str:
        """A signed click on the card's Approve button as ``user``; then, once the background work is done,
        the card as Slack last received it (the last ``chat.update`` of its message)."""
        from fake_slack import Call
        from slack_env import blocks_text, button_value, wait_until

        assert turn.change is not None and turn.payload is not None, turn.shown
        cid = turn.change.id
        ts = wait_until(lambda: self.pipe.store.changes.get(cid).message_ts, what="the card's ts")
        value = button_value(Call("chat.postMessage", turn.payload, {}, ""))
        assert value is not None, "the card has no Approve button"
        before = len(self.pipe.store.changes.get(cid).approvals)
        r = self.env.sender.click("fleet_approve", value, user=user, message_ts=ts)
        assert r.status == 200, r.body
        wait_until(lambda: len(self.pipe.store.changes.get(cid).approvals) > before
                   or self.pipe.store.changes.get(cid).state != "pending", what=f"{user}'s approval to count")
        self.env.idle()
        state = self.pipe.store.changes.get(cid).state
        if state == "pending":
            update = self.env.fake.wait_for("chat.update", lambda c: c.body.get("ts") == ts and user in blocks_text(c))
        else:  # the last update of the card says the final state
            update = self.env.fake.wait_for("chat.update", lambda c: c.body.get("ts") == ts
                                            and f"*{state}*" in blocks_text(c))
        updates = self.env.fake.calls("chat.update", lambda c: c.body.get("ts") == ts)
        assert updates and update
        return blocks_text(updates[-1])

