"""``/fleet`` over HTTP: help in the ack, read-only answers through the response_url, changes, audit
(flags and plain words), clarifications and refusals, a change that needs no approval, and a channel
the bot cannot post in. Plus the pure parsing underneath."""
from __future__ import annotations

import json

import pytest
from slack_env import blocks_text, executions, is_card, wait_until

from bot.slack.commands import CommandError, parse_audit, parse_command, plain_text


# --- parsing (pure) --------------------------------------------------------------------------------
def test_plain_text_turns_slack_markup_back_into_words():
    raw = ("<@U0BOT> deploy phi-4 for <@U0BOB|bob> in <#C0OPS|fleet-ops> see <https://x.example/a|docs> "
           "&amp; &lt;now&gt;")
    assert plain_text(raw, "U0BOT") == "deploy phi-4 for U0BOB in #fleet-ops see docs & <now>"
    assert plain_text("  <@U0OTHERBOT>: list clusters ") == "list clusters"


@pytest.mark.parametrize("text,kind", [("", "help"), ("help", "help"), ("HELP me", "help"), ("?", "help"),
                                       ("changes", "changes"), ("changes pending", "changes"),
                                       ("audit", "audit"), ("list clusters", "request"),
                                       ("changes to phi-4 this week please", "request")])
def test_parse_command_kinds(text, kind):
    assert parse_command(text).kind == kind


def test_parse_audit_flags_and_words():
    assert parse_audit("--actor U0BOB --since=24h --limit 5") == {"actor": "U0BOB", "since": "24h", "limit": "5"}
    assert parse_audit("what did bob do") is None
    cmd = parse_command("audit what did bob do")
    assert (cmd.kind, cmd.audit, cmd.text) == ("audit", {}, "audit what did bob do")
    for bad in ("--actor", "--colour red", "--since 24h stray"):
        with pytest.raises(CommandError):
            parse_audit(bad)
    with pytest.raises(CommandError, match="not a change state"):
        parse_command("changes bogus")


# --- over HTTP -------------------------------------------------------------------------------------
def test_help_is_answered_in_the_ack_without_background_work(env):
    r = env.sender.slash("help")
    assert r.status == 200
    body = r.json()
    assert "/fleet list clusters" in json.dumps(body["blocks"]) and body["text"]
    r = env.sender.slash("")
    assert r.status == 200 and "blocks" in r.json()
    env.idle()
    assert env.fake.calls("response_url") == [] and env.fake.calls("chat.postMessage") == []


def test_read_only_request_answers_ephemerally_replacing_the_ack(env):
    r = env.sender.slash("list clusters in the eu", response_url=env.fake.response_url("r1"))
    assert r.status == 200 and "Working on" in r.body
    call = env.fake.wait_for("response_url", lambda c: c.path.endswith("/r1"))[0]
    assert call.body["response_type"] == "ephemeral" and call.body["replace_original"] is True
    text = blocks_text(call)
    assert "aks-westeurope-prod-1" in text and "eks-us-east-1-prod-1" not in text
    assert env.fake.calls("chat.postMessage") == []


def test_changes_and_audit_commands(env):
    env.sender.slash("deploy phi-4 to 2 prod clusters in the us", response_url=env.fake.response_url("d"))
    env.card("1")
    env.sender.slash("changes", response_url=env.fake.response_url("ch"))
    ch = env.fake.wait_for("response_url", lambda c: c.path.endswith("/ch"))[0]
    assert "#1" in blocks_text(ch) and "Change requests" in blocks_text(ch)
    env.sender.slash("changes succeeded", response_url=env.fake.response_url("ch2"))
    ch2 = env.fake.wait_for("response_url", lambda c: c.path.endswith("/ch2"))[0]
    assert "No change requests match" in blocks_text(ch2)

    env.sender.slash("audit --actor U0ALICE --action plan --limit 5", response_url=env.fake.response_url("au"))
    au = blocks_text(env.fake.wait_for("response_url", lambda c: c.path.endswith("/au"))[0])
    assert "actor=U0ALICE" in au and "plan" in au and "U0BOB" not in au
    rows = [line for line in au.split("\\n") if " plan " in line]
    assert 1 <= len(rows) <= 5

    r = env.sender.slash("audit --colour red", response_url=env.fake.response_url("bad"))
    assert r.status == 200 and "--colour" in r.body
    env.sender.slash("audit --since yesterday-ish", response_url=env.fake.response_url("bad2"))
    bad2 = env.fake.wait_for("response_url", lambda c: c.path.endswith("/bad2"))[0]
    assert "not valid" in blocks_text(bad2)

    env.sender.slash("audit what did U0ALICE do in the last 24h", response_url=env.fake.response_url("words"))
    words = blocks_text(env.fake.wait_for("response_url", lambda c: c.path.endswith("/words"))[0])
    assert "Audit log" in words and "request" in words


def test_clarify_and_refuse(env):
    env.sender.slash("deploy", response_url=env.fake.response_url("cl"))
    cl = env.fake.wait_for("response_url", lambda c: c.path.endswith("/cl"))[0]
    assert ":thinking_face:" in cl.body["text"]
    env.sender.slash("approve change 1 for me", response_url=env.fake.response_url("rf"))
    rf = env.fake.wait_for("response_url", lambda c: c.path.endswith("/rf"))[0]
    assert ":no_entry_sign:" in rf.body["text"] and "buttons" in rf.body["text"]
    assert env.store.changes.list() == []


def test_change_without_approval_runs_and_its_card_shows_it(env):
    env.sender.slash("deploy granite to a dev cluster", response_url=env.fake.response_url("dev"))
    card = env.card("1")
    wait_until(lambda: env.store.changes.get("1").state == "succeeded", what="the dev change to run")
    env.idle()
    ts = env.store.changes.get("1").message_ts
    texts = [blocks_text(card)] + [blocks_text(c) for c in env.fake.calls("chat.update", lambda c: c.body["ts"] == ts)]
    assert "succeeded" in texts[-1]
    assert len(env.fake.calls("chat.postMessage", lambda c: is_card(c, "1"))) == 1
    assert executions(env) == 1


def test_card_that_cannot_be_posted_is_reported_to_the_requester(env):
    env.fake.fail("chat.postMessage", error="not_in_channel")
    env.sender.slash("deploy phi-4 to 2 prod clusters in the us", channel="C0ELSEWHERE",
                     response_url=env.fake.response_url("nic"))
    call = env.fake.wait_for("response_url", lambda c: c.path.endswith("/nic"))[0]
    text = blocks_text(call)
    assert "not_in_channel" in text and "/invite @fleetops" in text and "Change #1" in text
    assert env.store.changes.get("1").state == "pending"


def test_ack_echo_is_escaped(env):
    r = env.sender.slash("list clusters <!channel> & <b>", response_url=env.fake.response_url("esc"))
    assert r.status == 200 and "<!channel>" not in r.body and "<b>" not in r.body
    assert "@channel &amp; &lt;b&gt;" in r.body


def test_every_help_example_is_understood(demo, fake, tmp_path):
    """The examples in /fleet help must work: each is a command of ours or parses to a tool call."""
    from slack_env import make_settings

    from bot.interpreter import Context, Vocabulary, build_interpreter
    from bot.slack import messages as M

    _, fleet = demo
    interpreter = build_interpreter(make_settings(fake, tmp_path))
    vocab = Vocabulary.from_snapshot(fleet.snapshot())
    for _, examples in M.HELP_SECTIONS:
        for example in examples:
            cmd = parse_command(plain_text(example.removeprefix("/fleet ")))
            if cmd.kind in ("changes", "help") or (cmd.kind == "audit" and cmd.audit):
                continue
            result = interpreter.interpret(cmd.text, Context(who="U0ALICE", vocabulary=vocab)).to_json()
            assert result["kind"] == "tool_call", (example, result)
