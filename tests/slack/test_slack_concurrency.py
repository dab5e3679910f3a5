"""Double clicks and clicks from many threads at once: approvals count once, the change runs once,
one card, one notice; a click on a card showing an older plan version is refused."""
from __future__ import annotations

import json
import threading

from slack_env import button_value, executions, is_card, wait_until


def _card(env):
    env.sender.slash("deploy phi-4 to 2 prod clusters in the us", response_url=env.fake.response_url("d"))
    card = env.card("1")
    return card, env.store.changes.get("1").message_ts


def test_double_click_counts_once(env):
    card, ts = _card(env)
    for _ in range(2):
        assert env.sender.click("fleet_approve", button_value(card), user="U0BOB", message_ts=ts).status == 200
    told = env.fake.wait_for("chat.postEphemeral", lambda c: c.body["user"] == "U0BOB", count=2)
    env.idle()
    texts = sorted(c.body["text"] for c in told)
    assert any("Approval recorded" in t for t in texts) and any("already approved" in t for t in texts)
    counted = [e for e in env.store.audit.list(change_id="1", event="approval") if e.result["counted"]]
    assert len(counted) == 1 and len(env.store.changes.get("1").approvals) == 1


def test_concurrent_clicks_from_many_threads_execute_once(env):
    card, ts = _card(env)
    users = ["U0BOB", "U0CAROL", "U0DAVE", "U0BOB", "U0CAROL", "U0DAVE", "U0ALICE", "U0BOB"]
    barrier = threading.Barrier(len(users))

    def click(user):
        barrier.wait()
        assert env.sender.click("fleet_approve", button_value(card), user=user, message_ts=ts).status == 200

    threads = [threading.Thread(target=click, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: env.store.changes.get("1").state in ("succeeded", "failed"), what="the execution to end")
    env.fake.wait_for("chat.postEphemeral", count=len(users))
    env.idle()
    assert env.store.changes.get("1").state == "succeeded"
    assert executions(env) == 1
    assert len(env.store.audit.list(change_id="1", event="outcome")) == 1
    counted = [e for e in env.store.audit.list(change_id="1", event="approval") if e.result["counted"]]
    assert len(counted) == 2 and len({e.actor for e in counted}) == 2
    assert len(env.fake.calls("chat.postMessage", lambda c: is_card(c, "1"))) == 1
    assert len(env.fake.calls("chat.postMessage", lambda c: c.body.get("thread_ts") == ts)) == 1
    assert env.store.audit.verify().ok


def test_click_on_an_older_plan_version_is_refused(env):
    _, ts = _card(env)
    old = json.dumps({"id": "1", "v": 0}, separators=(",", ":"))
    env.sender.click("fleet_approve", old, user="U0BOB", message_ts=ts)
    told = env.fake.wait_for("chat.postEphemeral", lambda c: c.body["user"] == "U0BOB")[0]
    assert "plan version 0" in told.body["text"] and "now version 1" in told.body["text"]
    env.sender.click("fleet_approve", "not json", user="U0BOB", message_ts=ts)
    env.fake.wait_for("chat.postEphemeral", lambda c: c.body["user"] == "U0BOB", count=2)
    env.idle()
    assert env.store.changes.get("1").approvals == []
