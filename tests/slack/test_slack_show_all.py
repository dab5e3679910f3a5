"""A summarised answer's "Show all" button (issue 17): the button carries the tool call, not the data; a signed
click runs it again read-only as the person who clicked and uploads every row into the thread
(files.getUploadURLExternal + upload + files.completeUploadExternal), or posts it in parts within Block Kit's
limits when uploads are not allowed or the answer was ephemeral. The demo fleet has 14 clusters: the tests
lower the summary threshold so that its inventory is summarised."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from slack_client import SlackSender, mention, slack_json
from slack_env import blocks_text, button_value

from bot.slack import messages as M
from bot.slack.show_all_button import SHOW_ALL
from tools.args import ListClustersArgs

THREAD = "1712345678.000100"


@pytest.fixture
def summarised(monkeypatch):
    import tools.list_clusters

    monkeypatch.setattr(tools.list_clusters, "SUMMARY_OVER", 3)


def _names(env) -> list[str]:
    return [c.name for c in env.pipeline.read("list_clusters", ListClustersArgs()).clusters]


def _answer_in_thread(env, text: str = "list clusters", event_id: str = "Ev0SHOWALL"):
    assert env.sender.event(mention(text, ts=THREAD), event_id).status == 200
    return env.fake.wait_for("chat.postMessage", lambda c: button_value(c, SHOW_ALL) is not None, timeout=30)[0]


def test_summarised_answer_carries_the_tool_call_not_the_data(env, summarised):
    answer = _answer_in_thread(env)
    value = json.loads(button_value(answer, SHOW_ALL) or "")
    assert value == {"tool": "list_clusters", "args": {}}
    assert len(blocks_text(answer)) < 40_000 and len(answer.json("blocks")) <= 50


def test_click_uploads_every_row_into_the_thread(env, summarised):
    answer = _answer_in_thread(env)
    r = env.sender.click(SHOW_ALL, button_value(answer, SHOW_ALL) or "", user="U0BOB", message_ts=answer.body.get("ts"),
                         thread_ts=THREAD, label=M.SHOW_ALL_BUTTON)
    assert r.status == 200
    done = env.fake.wait_for("files.completeUploadExternal", timeout=30)[0]
    assert done.body["channel_id"] == "C0OPS"
    assert done.body["thread_ts"] == THREAD
    uploaded = env.fake.uploads[json.loads(done.body["files"])[0]["id"]].decode()
    assert all(name in uploaded for name in _names(env))
    asked = env.store.audit.list(event="outcome", actor="U0BOB")
    assert [e.tool for e in asked] == ["list_clusters"]  # run again as the person who clicked (their policy scope)


def test_uploads_not_allowed_posts_the_list_in_parts_in_the_thread(env, summarised):
    answer = _answer_in_thread(env)
    env.fake.reset()
    env.fake.fail("files.getUploadURLExternal", error="not_allowed_token_type")
    env.sender.click(SHOW_ALL, button_value(answer, SHOW_ALL) or "", user="U0BOB", message_ts=answer.body.get("ts"),
                     thread_ts=THREAD, label=M.SHOW_ALL_BUTTON)
    env.fake.wait_for("chat.postMessage", lambda c: "every row" in c.body.get("text", ""), timeout=30)
    env.idle()
    parts = env.fake.calls("chat.postMessage", lambda c: "every row" in c.body.get("text", ""))
    assert all(p.body["thread_ts"] == THREAD for p in parts)
    assert all(len(p.json("blocks")) <= 50 for p in parts)
    text = "".join(blocks_text(p) for p in parts)
    assert all(name in text for name in _names(env))


def test_click_on_an_ephemeral_answer_shows_the_list_to_the_clicker_only(env, summarised):
    env.sender.slash("list clusters", response_url=env.fake.response_url("eph"))
    answer = env.fake.wait_for("response_url", lambda c: c.path.endswith("/eph") and
                               button_value(c, SHOW_ALL) is not None, timeout=30)[0]
    payload = SlackSender.click_payload(SHOW_ALL, button_value(answer, SHOW_ALL) or "", user="U0ALICE",
                                        label=M.SHOW_ALL_BUTTON)
    payload["container"] = {"type": "message", "message_ts": "1.2", "channel_id": "C0OPS", "is_ephemeral": True}
    del payload["message"]
    r = env.sender.post("payload=" + quote(slack_json(payload)), "application/x-www-form-urlencoded")
    assert r.status == 200
    parts = env.fake.wait_for("chat.postEphemeral", lambda c: "every row" in c.body.get("text", ""), timeout=30)
    assert all(p.body["user"] == "U0ALICE" for p in parts)
    assert env.fake.calls("files.getUploadURLExternal") == []


def test_a_button_naming_a_mutating_tool_is_refused(env):
    forged = json.dumps({"tool": "deploy", "args": {"model": "phi-4", "clusters": ["eastus-prod-1"]}})
    r = env.sender.click(SHOW_ALL, forged, user="U0BOB", message_ts="1.1", label=M.SHOW_ALL_BUTTON)
    assert r.status == 200
    told = env.fake.wait_for("chat.postEphemeral", lambda c: c.body["user"] == "U0BOB", timeout=30)[0]
    assert "does not name a read-only request" in told.body["text"]
    env.idle()
    assert env.store.changes.list() == []
