"""A failed change that left something on the hub offers a one-click rollback on its card; the click (signed, as
Slack sends it) opens one rollback change request through the normal policy, never two."""
from __future__ import annotations

from slack_env import slack_app, wait_until

from bot.slack.cards import change_card
from bot.slack.rollback_card import ROLLBACK_AFTER


def _failed_leaving_it(env) -> None:
    """Test setup: change 1 failed and was not undone (what the executor says when a failure stays)."""
    changes = env.store.changes
    assert changes.transition("1", "pending", "approved")
    assert changes.claim_execution("1")
    assert changes.transition("1", "executing", "failed", reason="failed (test)",
                              outcome={"status": "failed", "message": "left on the hub (test)", "undone": False})


def _actions(card) -> list[str]:
    return [e.get("action_id") for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_failed_change_offers_a_rollback_that_opens_once(fake, tmp_path):
    with slack_app(fake, tmp_path) as env:
        assert env.sender.slash("roll back coder-assist", user="U0ALICE").status == 200
        env.card("1")
        assert ROLLBACK_AFTER not in _actions(change_card(env.store.changes.get("1")))  # pending: no rollback yet
        _failed_leaving_it(env)
        assert ROLLBACK_AFTER in _actions(change_card(env.store.changes.get("1")))
        assert env.sender.click(ROLLBACK_AFTER, "1", user="U0BOB").status == 200
        second = wait_until(lambda: env.store.changes.list(limit=None)[0]
                            if len(env.store.changes.list(limit=None)) > 1 else None, what="a rollback request")
        assert second.tool == "rollback"
        assert second.args == {"deployment": "coder-assist"}
        assert second.requester == "U0BOB"
        assert env.sender.click(ROLLBACK_AFTER, "1", user="U0BOB").status == 200  # a double click
        env.idle()
        assert len(env.store.changes.list(limit=None)) == 2
