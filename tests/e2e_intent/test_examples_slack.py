"""Issue 10's examples as signed ``/fleet`` commands to the Slack app on one fresh demo fleet (none of them changes
it: the changes stay pending): each one's tool call (or question / refusal), and for a change the plan's
per-cluster effect and the card in the channel that says the intent and each cluster before the diff, within
Block Kit's limits."""
from __future__ import annotations

import pytest
from slack_sdk.models.blocks import Block

from tests.e2e_intent.e2e_helpers import check, slack_marks
from tests.e2e_intent.examples import EXAMPLES, PHI4, WUS3


def valid(payload: dict) -> None:
    blocks = payload.get("blocks") or []
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        Block.parse(raw).validate_json()
        if raw["type"] == "section":
            assert len(raw["text"]["text"]) <= 3000


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_example_through_slack(slack, example):
    turn = slack.say(example.text)
    check(example, turn, marks=slack_marks)
    valid(turn.payload)
    if example.kind == "change":
        assert turn.payload["channel"] == "C0OPS"  # the card, in the channel, with Approve / Reject
        assert '"fleet_approve"' in turn.shown
    if example.kind == "question":
        assert turn.shown.startswith(":thinking_face:") and "Say one of:" in turn.shown
        assert f"`deploy {PHI4} to {WUS3}`" in turn.shown


def test_every_change_is_still_waiting_for_approval(slack):
    changes = slack.pipe.changes.list(limit=None)
    assert changes and {c.state for c in changes} == {"pending"}
