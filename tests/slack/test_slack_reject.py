"""The reject flow over HTTP: Reject opens the modal with the click's trigger_id, an empty reason keeps it
open with an error, a reason rejects the request and the card loses its buttons; people who may not
reject are told so; approve-vs-reject races end in exactly one outcome."""
from __future__ import annotations

import json
import threading

from slack_client import quote, slack_json
from slack_env import blocks_text, button_value, executions, wait_until


def _card(env):
    env.sender.slash("deploy phi-4 to 2 prod clusters in the us", response_url=env.fake.response_url("d"))
    card = env.card("1")
    return card, env.store.changes.get("1").message_ts


def test_reject_modal_empty_reason_then_reason(env):
    card, ts = _card(env)
    payload = env.sender.click_payload("fleet_reject", button_value(card, "fleet_reject"), user="U0CAROL",
                                       message_ts=ts, label="Reject")
    r = env.sender.post("payload=" + quote(slack_json(payload)), "application/x-www-form-urlencoded")
    assert r.status == 200 and r.body == ""
    opened = env.fake.wait_for("views.open")[0]
    assert opened.body["trigger_id"] == payload["trigger_id"]
    view = opened.json("view")
    assert view["callback_id"] == "fleet_reject_reason"
    assert json.loads(view["private_metadata"])["id"] == "1"

    r = env.sender.submit_view(view, "   ", user="U0CAROL")
    assert r.status == 200
    assert r.json() == {"response_action": "errors", "errors": {"reason": "Please give a reason for the rejection."}}
    r = env.sender.submit_view(view, None, user="U0CAROL")
    assert r.json()["response_action"] == "errors"
    env.idle()
    assert env.store.changes.get("1").state == "pending"

    r = env.sender.submit_view(view, "wrong region <!here>", user="U0CAROL")
    assert r.status == 200 and r.body == ""
    wait_until(lambda: env.store.changes.get("1").state == "rejected", what="the rejection")
    env.idle()
    change = env.store.changes.get("1")
    assert change.reason == "wrong region <!here>"
    final = env.fake.calls("chat.update", lambda c: c.body["ts"] == ts)[-1]
    assert "rejected" in blocks_text(final) and button_value(final) is None
    assert "&lt;!here&gt;" in blocks_text(final) and "<!here>" not in blocks_text(final)
    told = env.fake.wait_for("chat.postEphemeral", lambda c: c.body["user"] == "U0CAROL")[0]
    assert "rejected" in told.body["text"]
    notice = env.fake.wait_for("chat.postMessage", lambda c: c.body.get("thread_ts") == ts)[0]
    assert "was rejected" in notice.body["text"]
    rows = env.store.audit.list(change_id="1", event="rejection")
    assert [(e.actor, e.message) for e in rows] == [("U0CAROL", "wrong region <!here>")]
    # a late approval changes nothing
    env.sender.click("fleet_approve", button_value(card), user="U0BOB", message_ts=ts)
    late = env.fake.wait_for("chat.postEphemeral", lambda c: c.body["user"] == "U0BOB")[0]
    assert "rejected" in late.body["text"]
    assert env.store.changes.get("1").approvals == []


def test_someone_who_may_not_reject_is_told_in_the_modal_and_cannot_reject(env):
    card, ts = _card(env)
    env.sender.click("fleet_reject", button_value(card, "fleet_reject"), user="U0ZED", message_ts=ts, label="Reject")
    opened = env.fake.wait_for("views.open")[0]
    updated = env.fake.wait_for("views.update")[0]
    assert (updated.body["view_id"], updated.body["hash"]) == ("V00000001", "hV00000001")  # the fake's first view
    assert "Only the requester or someone who may approve" in json.dumps(updated.json("view"))
    env.sender.submit_view(opened.json("view"), "I just don't like it", user="U0ZED")
    told = env.fake.wait_for("chat.postEphemeral", lambda c: c.body["user"] == "U0ZED")[0]
    assert "Only the requester" in told.body["text"]
    env.idle()
    assert env.store.changes.get("1").state == "pending"


def test_approve_and_reject_racing_end_in_one_outcome(env):
    card, ts = _card(env)
    env.sender.click("fleet_approve", button_value(card), user="U0BOB", message_ts=ts)
    wait_until(lambda: len(env.store.changes.get("1").approvals) == 1, what="Bob's approval")
    env.sender.click("fleet_reject", button_value(card), user="U0DAVE", message_ts=ts, label="Reject")
    view = env.fake.wait_for("views.open")[0].json("view")
    threads = [threading.Thread(target=env.sender.click, args=("fleet_approve", button_value(card)),
                                kwargs={"user": "U0CAROL", "message_ts": ts}),
               threading.Thread(target=env.sender.submit_view, args=(view, "not today"), kwargs={"user": "U0DAVE"})]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: env.store.changes.get("1").state in ("rejected", "succeeded", "failed"), what="an outcome")
    env.idle()
    state = env.store.changes.get("1").state
    started = executions(env)
    rejections = env.store.audit.list(change_id="1", event="rejection")
    if state == "rejected":
        assert started == 0 and len(rejections) == 1
    else:
        assert started == 1 and rejections == []
    assert env.store.audit.verify().ok
