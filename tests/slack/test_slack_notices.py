"""What an approver is told after clicking Approve (signed requests, over HTTP) comes from the state the
request ends in: "was carried out" only when it succeeded; failed, cancelled, stale, expired and
approved-but-waiting-for-the-hub each say so, with the reason — in the ephemeral answer and the card's
thread."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_env import button_value, slack_app, wait_until

from tests.pipeline.notice_scenarios import ALLOW_ALL, EXPECTED, STAGING, STALE_CLUSTER, dead_fleet


def _open(env, name: str) -> tuple[str, object]:
    before = {c.id for c in env.pipeline.changes.list(limit=None)}
    env.sender.slash(STAGING.format(name=name), user="U0ALICE", response_url=env.fake.response_url(name))
    cid = wait_until(lambda: [c.id for c in env.pipeline.changes.list(limit=None) if c.id not in before],
                     what="the change to open")[0]
    return cid, env.card(cid)


def _approve(env, cid: str, card) -> str:
    ts = env.store.changes.get(cid).message_ts
    assert env.sender.click("fleet_approve", button_value(card), user="U0BOB", channel=card.body["channel"],
                            message_ts=ts).status == 200
    (msg,) = env.fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "U0BOB"
                               and f"Change {cid} " in c.body.get("text", ""))
    env.idle()
    return msg.body["text"]


def _told(text: str, state: str) -> None:
    for words in EXPECTED[state]:
        assert words in text, (state, words, text)
    if state != "succeeded":
        assert "was carried out" not in text, text


def test_every_end_state_is_told_truthfully(fake, tmp_path):
    from audit.store import open_store
    from bot.identity import Actor
    from bot.pipeline import Pipeline, Request
    from bot.policy import loads_policy

    with slack_app(fake, tmp_path) as env:
        emb = env.pipeline.fleet.embedded
        ends: dict[str, str] = {}

        cid, card = _open(env, "sn-ok")
        ends["succeeded"] = cid
        _told(_approve(env, cid, card), "succeeded")

        emb.faults.fail(deployment="sn-fail", message="CUDA out of memory")
        env.pipeline.changes.executor.timeout = 10
        cid, card = _open(env, "sn-fail")
        ends["failed"] = cid
        _told(_approve(env, cid, card), "failed")

        cid, card = _open(env, "sn-done")
        ends["cancelled"] = cid
        with open_store(tmp_path / "other.db") as store:
            other = Pipeline(store, env.pipeline.fleet, env.pipeline.interpreter, loads_policy(ALLOW_ALL))
            done = other.handle(Request(actor=Actor("U0ALICE"), text=STAGING.format(name="sn-done")))
            assert done.change.state == "succeeded"
        _told(_approve(env, cid, card), "cancelled")

        cid, card = _open(env, "sn-late")
        ends["expired"] = cid
        real_clock = env.pipeline.changes.clock
        env.pipeline.changes.clock = lambda: datetime.now(UTC) + timedelta(days=1)
        try:
            _told(_approve(env, cid, card), "expired")
        finally:
            env.pipeline.changes.clock = real_clock

        cid, card = _open(env, "sn-wait")
        ends["approved"] = cid
        live, env.pipeline.fleet = env.pipeline.fleet, dead_fleet(emb, tmp_path)
        try:
            _told(_approve(env, cid, card), "approved")
            assert env.store.changes.get(cid).state == "approved"  # waits; the bot's retry runs it later
        finally:
            env.pipeline.fleet.close()
            env.pipeline.fleet = live

        cid, card = _open(env, "sn-stale")
        ends["stale"] = cid
        emb.faults.stop_heartbeat(STALE_CLUSTER)
        emb.heartbeat_round()
        _told(_approve(env, cid, card), "stale")

        for state, cid in ends.items():
            if state == "approved":  # not stranded: the retry scheduler re-checks it once the hub answers
                continue
            change = env.store.changes.get(cid)
            assert change.state == state, (cid, change.state)
            ts = change.message_ts
            notices = fake.wait_for("chat.postMessage", lambda c, ts=ts: c.body.get("thread_ts") == ts)
            assert len(notices) == 1, (state, [n.body["text"] for n in notices])
            if state != "succeeded":
                assert "succeeded" not in notices[0].body["text"]
        waiting = fake.wait_for("chat.postMessage", lambda c: c.body.get("thread_ts") ==
                                env.store.changes.get(ends["approved"]).message_ts)
        assert "has not run yet" in waiting[0].body["text"]
        assert env.store.audit.verify().ok
