"""The buttons on the card of a change in attention, clicked as Slack sends them (signed): the requester may mark
it reviewed; someone who could not have approved the change may not resolve it."""
from __future__ import annotations

from slack_env import slack_app, wait_until


def _into_attention(env) -> None:
    """Test setup: change 1 as recovery leaves an interrupted change it could not end alone."""
    changes = env.store.changes
    assert changes.transition("1", "pending", "approved")
    assert changes.claim_execution("1")
    assert changes.transition("1", "executing", "attention", reason="interrupted (test)")


def test_the_requester_marks_a_change_in_attention_reviewed_by_button(fake, tmp_path):
    with slack_app(fake, tmp_path) as env:  # the shipped policy: prod needs the approvers group
        assert env.sender.slash("deploy gemma 3 4b as attn-check on aks-eastus-prod-1", user="U0ALICE").status == 200
        env.card("1")
        _into_attention(env)
        stranger = env.sender.click("attention_reviewed", "1", user="U0MALLORY")
        assert stranger.status == 200
        env.idle()
        assert env.store.changes.get("1").state == "attention"  # not someone who could approve it
        assert env.sender.click("attention_reviewed", "1", user="U0ALICE").status == 200
        wait_until(lambda: env.store.changes.get("1").state != "attention", what="the change left attention")
        assert env.store.changes.get("1").state == "failed"  # reviewed: the hub stays as it is, the change closes
        said = " ".join(e.message or "" for e in env.store.audit.list(change_id="1", limit=None))
        assert "U0ALICE" in said
        assert env.store.audit.verify().ok
