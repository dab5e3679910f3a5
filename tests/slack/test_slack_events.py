"""Events over HTTP: mentions and DMs answered in their thread, retries and duplicate deliveries
de-duplicated by event_id (but a retry whose first attempt never arrived is handled), App Home
published on app_home_opened and after a click there, and Socket Mode's ``x-slack-retry-num: 0``."""
from __future__ import annotations

import json
import threading

from slack_bolt import BoltRequest
from slack_client import SlackSender, direct_message, home_opened, mention
from slack_env import blocks_text, button_value, wait_until


def test_mention_is_answered_in_its_thread(env):
    r = env.sender.event(mention("list clusters in the eu", ts="1712345678.000100"), "Ev0MENTION1")
    assert r.status == 200
    call = env.fake.wait_for("chat.postMessage")[0]
    assert (call.body["channel"], call.body["thread_ts"]) == ("C0OPS", "1712345678.000100")
    assert "aks-westeurope-prod-1" in blocks_text(call)
    req = env.store.audit.list(event="request")[0]
    assert req.message == "list clusters in the eu" and req.args["source"] == "slack-mention"


def test_mention_inside_a_thread_answers_in_that_thread(env):
    env.sender.event(mention("list deployments", ts="1712345690.000300", thread_ts="1712345600.000001"), "Ev0THR")
    call = env.fake.wait_for("chat.postMessage")[0]
    assert call.body["thread_ts"] == "1712345600.000001"


def test_direct_message_is_answered_in_thread_and_bot_messages_are_ignored(env):
    env.sender.event(direct_message("list deployments", ts="1712345679.000200"), "Ev0DM1")
    call = env.fake.wait_for("chat.postMessage")[0]
    assert (call.body["channel"], call.body["thread_ts"]) == ("D0ALICE", "1712345679.000200")
    assert "llama-support" in blocks_text(call)
    own = {**direct_message("I am the bot"), "bot_id": "B0BOT", "user": "U0BOT"}
    edited = {**direct_message("list clusters", ts="1712345680.1"), "subtype": "message_changed"}
    assert env.sender.event(own, "Ev0OWN").status == 200
    assert env.sender.event(edited, "Ev0EDIT").status == 200
    env.idle()
    assert len(env.fake.calls("chat.postMessage")) == 1


def test_help_by_mention(env):
    env.sender.event(mention("help"), "Ev0HELP")
    call = env.fake.wait_for("chat.postMessage")[0]
    assert "/fleet list clusters" in blocks_text(call)


def test_retried_event_changes_nothing(env):
    ev = mention("deploy phi-4 to 2 prod clusters in the us", ts="1712345700.000100")
    body = SlackSender.event_body(ev, "Ev0RETRY")
    assert env.sender.event(ev, "Ev0RETRY", body=body).status == 200
    env.card("1")
    for n in (1, 2, 3):  # Slack's retries: the same body, with X-Slack-Retry-Num
        assert env.sender.event(ev, "Ev0RETRY", retry_num=n, body=body).status == 200
    env.idle()
    assert len(env.fake.calls("chat.postMessage")) == 1
    assert len(env.store.changes.list()) == 1
    assert len(env.store.audit.list(event="request")) == 1


def test_concurrent_duplicate_deliveries_are_handled_once(env):
    ev = mention("list clusters", ts="1712345710.000100")
    body = SlackSender.event_body(ev, "Ev0DUP")
    threads = [threading.Thread(target=env.sender.event, args=(ev, "Ev0DUP"), kwargs={"retry_num": i, "body": body})
               for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    env.fake.wait_for("chat.postMessage")
    env.idle()
    assert len(env.fake.calls("chat.postMessage")) == 1
    assert len(env.store.audit.list(event="request")) == 1


def test_a_retry_whose_first_attempt_never_arrived_is_handled(env):
    r = env.sender.event(mention("list deployments", ts="1712345720.000100"), "Ev0LOST", retry_num=1)
    assert r.status == 200
    call = env.fake.wait_for("chat.postMessage")[0]
    assert call.body["thread_ts"] == "1712345720.000100"


def test_socket_mode_events_carry_retry_num_zero_and_are_handled(env):
    ev = mention("list clusters in the eu", ts="1712345730.000100")
    body = json.loads(SlackSender.event_body(ev, "Ev0SOCKET"))
    resp = env.service.app.dispatch(BoltRequest(mode="socket_mode", body=body,
                                                headers={"x-slack-retry-num": ["0"], "x-slack-retry-reason": [""]}))
    assert resp.status == 200
    env.fake.wait_for("chat.postMessage", lambda c: c.body.get("thread_ts") == "1712345730.000100")
    again = env.service.app.dispatch(BoltRequest(mode="socket_mode", body=body,
                                                 headers={"x-slack-retry-num": ["1"]}))
    assert again.status == 200
    env.idle()
    assert len(env.fake.calls("chat.postMessage")) == 1


def test_app_home_lists_what_the_viewer_can_act_on(env):
    env.sender.slash("deploy phi-4 to 2 prod clusters in the us", response_url=env.fake.response_url("d"))
    env.card("1")
    assert env.sender.event(home_opened("U0BOB"), "Ev0HOME1").status == 200
    bob = env.fake.wait_for("views.publish", lambda c: c.body["user_id"] == "U0BOB")[0]
    view = bob.json("view")
    assert view["type"] == "home"
    text = json.dumps(view)
    assert "Waiting for you" in text and "#1" in text and '"fleet_approve"' in text
    env.sender.event(home_opened("U0ALICE"), "Ev0HOME2")
    alice = env.fake.wait_for("views.publish", lambda c: c.body["user_id"] == "U0ALICE")[0].json("view")
    text = json.dumps(alice)
    assert "Nothing waits for your approval" in text and '"fleet_approve"' not in text and "#1" in text
    # a retried app_home_opened publishes nothing new
    env.sender.event(home_opened("U0ALICE"), "Ev0HOME2", retry_num=1)
    env.idle()
    assert len(env.fake.calls("views.publish", lambda c: c.body["user_id"] == "U0ALICE")) == 1

    # approving from the Home tab: the tab is re-published with the outcome at the top
    value = button_value(env.fake.calls("chat.postMessage")[0])
    env.sender.click("fleet_approve", value, user="U0BOB", home_view_id="V0HOME")
    wait_until(lambda: len(env.store.changes.get("1").approvals) == 1, what="Bob's approval")
    again = env.fake.wait_for("views.publish", lambda c: c.body["user_id"] == "U0BOB", count=2)[-1].json("view")
    assert "Approval recorded" in json.dumps(again)
    assert env.fake.calls("chat.postEphemeral") == []
