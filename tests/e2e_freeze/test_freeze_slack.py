"""A freeze declared with a signed ``/fleet`` command (fake Slack API, the real app and pipeline): it takes effect
at once, the next prod change's card carries the freeze line, App Home lists the freeze, and someone outside
freeze-override is refused."""
from __future__ import annotations

import json

import pytest
from fake_slack import FakeSlack
from slack_client import home_opened
from slack_env import blocks_text, slack_app, wait_until


@pytest.fixture
def env(tmp_path):
    fake = FakeSlack().start()
    try:
        with slack_app(fake, tmp_path) as e:
            yield e
    finally:
        fake.stop()


def test_a_freeze_declared_in_slack_shows_on_the_next_card_and_in_app_home(env):
    env.sender.slash("freeze prod for 2h", user="U0ERIN", response_url=env.fake.response_url("erin"))
    wait_until(lambda: env.store.freezes.active(), what="the freeze to be stored")
    env.idle()
    assert env.store.changes.get("1").state == "succeeded"
    env.sender.slash("roll coder-assist back", user="U0ALICE", response_url=env.fake.response_url("alice"))
    card = env.card("2")
    text = blocks_text(card)
    assert "Frozen:" in text
    assert "freeze-override" in text
    assert env.store.changes.get("2").state == "pending"
    assert env.sender.event(home_opened("U0BOB"), "Ev0FREEZEHOME").status == 200
    view = env.fake.wait_for("views.publish", lambda c: c.body["user_id"] == "U0BOB")[0].json("view")
    home = json.dumps(view, ensure_ascii=False)
    assert "Change freezes in force" in home
    assert "prod frozen until" in home


def test_someone_outside_freeze_override_is_refused_in_slack(env):
    env.sender.slash("freeze prod for 2h", user="U0ALICE", response_url=env.fake.response_url("alice"))
    refusal = env.fake.wait_for("response_url", lambda c: c.path.endswith("alice") and "freeze-override"
                                in c.body.get("text", ""))
    assert refusal
    env.idle()
    assert env.store.freezes.active() == []
    assert env.store.changes.list() == []
