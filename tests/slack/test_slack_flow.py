"""End to end over HTTP: /fleet → card → refused self-approval → two approvals → one execution → the card
updated in place with progress and result → audit rows that verify."""
from __future__ import annotations

import json

from slack_env import blocks_text, button_value, executions, is_card, slack_app, wait_until


def _approve(env, user, card, **kw):
    return env.sender.click("fleet_approve", button_value(card), user=user, channel=card.body["channel"],
                            message_ts=card_ts(env, card), **kw)


def card_ts(env, card) -> str:
    return env.store.changes.get(json.loads(button_value(card))["id"]).message_ts


def test_command_card_approvals_execution_and_audit(fake, tmp_path):
    with slack_app(fake, tmp_path, ready_delay=0.3) as env:
        r = env.sender.slash("deploy phi-4 to 2 prod clusters in the us", user="U0ALICE",
                             response_url=fake.response_url("alice-1"))
        assert r.status == 200
        assert "Working on" in r.body

        card = env.card("1")
        assert card.body["channel"] == "C0OPS"
        assert "thread_ts" not in card.body or not card.body["thread_ts"]
        text = blocks_text(card)
        for expected in ("microsoft/phi-4", "U0ALICE", "deploy", "GPUs", "/h", "needs 2 approvals",
                         "aks-westus3-prod-1", "eks-us-east-1-prod-1"):
            assert expected in text, expected
        assert json.loads(button_value(card)) == {"id": "1", "v": 1}
        assert button_value(card, "fleet_reject") == button_value(card)
        ts = card_ts(env, card)
        assert ts  # the card's location is stored with the request
        fake.wait_for("response_url", lambda c: c.path.endswith("alice-1") and "posted below" in c.body.get("text", ""))

        # the requester's own click is refused, only to them
        assert _approve(env, "U0ALICE", card).status == 200
        refused = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "U0ALICE")
        assert "someone else has to approve" in refused[0].body["text"]
        assert env.store.changes.get("1").approvals == []

        assert _approve(env, "U0BOB", card).status == 200
        fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "U0BOB"
                      and "Approval recorded" in c.body["text"])
        fake.wait_for("chat.update", lambda c: c.body.get("ts") == ts and "U0BOB" in blocks_text(c))

        assert _approve(env, "U0CAROL", card).status == 200
        env.idle()
        change = env.store.changes.get("1")
        assert change.state == "succeeded"

        updates = fake.calls("chat.update", lambda c: c.body.get("ts") == ts)
        assert all(c.body["channel"] == card.body["channel"] for c in updates)
        texts = [blocks_text(c) for c in updates]
        assert any("executing" in t for t in texts), "no progress update while executing"
        assert any("Progress" in t and "aks-westus3-prod-1" in t for t in texts)
        final = updates[-1]
        assert "succeeded" in blocks_text(final)
        assert button_value(final) is None  # no buttons once it left pending
        # exactly one card, one notice in its thread, one execution
        assert len(fake.calls("chat.postMessage", lambda c: is_card(c, "1"))) == 1
        notices = fake.calls("chat.postMessage", lambda c: c.body.get("thread_ts") == ts)
        assert len(notices) == 1 and "succeeded" in notices[0].body["text"]
        assert executions(env) == 1
        assert len(env.store.audit.list(change_id="1", event="outcome")) == 1
        approvals = env.store.audit.list(change_id="1", event="approval")
        assert sorted((e.actor, e.result["counted"]) for e in approvals) == [("U0BOB", True), ("U0CAROL", True)]
        refused = env.store.audit.list(change_id="1", event="approval_refused")  # the requester's own click
        assert [(e.actor, e.result["counted"]) for e in refused] == [("U0ALICE", False)]
        request = env.store.audit.list(event="request", actor="U0ALICE")
        assert request and request[-1].args["source"] == "slack-command"
        assert env.store.audit.verify().ok

        # a click on the now-finished card changes nothing
        before = len(env.store.audit.list(change_id="1", event="execution_step"))
        assert _approve(env, "U0DAVE", card).status == 200
        msg = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "U0DAVE")
        assert "succeeded" in msg[0].body["text"]
        env.idle()
        assert len(env.store.audit.list(change_id="1", event="execution_step")) == before


EXPIRING = """
ttl: 1s
groups:
  approvers: {users: [U0BOB, U0CAROL]}
rules:
  "*":
    dev: {approvals: 0}
    staging: {approvals: 1}
    prod: {approvals: 2, approver_groups: [approvers]}
"""


def test_expiry_sweep_updates_the_card_and_tells_the_thread(fake, tmp_path):
    with slack_app(fake, tmp_path, policy=EXPIRING) as env:
        env.sender.slash("deploy phi-4 to 2 prod clusters in the us", response_url=fake.response_url("x"))
        card = env.card("1")
        ts = card_ts(env, card)
        env.service.start_sweeper(every=0.1)
        wait_until(lambda: env.store.changes.get("1").state == "expired", what="the request to expire")
        update = fake.wait_for("chat.update", lambda c: c.body["ts"] == ts and "expired" in blocks_text(c))[-1]
        assert button_value(update) is None
        notice = fake.wait_for("chat.postMessage", lambda c: c.body.get("thread_ts") == ts)
        assert len(notice) == 1 and "expired" in notice[0].body["text"]
        assert [e.change_id for e in env.store.audit.list(event="expiry")] == ["1"]
