"""Incidents through Slack, end to end: the real app and pipeline on the embedded demo fleet, the fake Slack API,
signed clicks. The seeded coder-assist failure is posted once to the alerts channel; its "Move off" button opens a
move change request as the clicker (card in the incident's thread); Mute and the recovery edit the card in place."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from fake_slack import FakeSlack
from slack_env import blocks_text, button_value, is_card, slack_app, wait_until

from bot.incidents import actions
from bot.incidents.watch import Watcher
from bot.slack.incidents import DRAIN, MOVE, MUTE, SlackIncidentNotifier
from tools.fleet.models import ClusterDeploymentState

ALERTS = "C0ALERTS"
SWEDEN = "aks-swedencentral-prod-1"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    fake = FakeSlack().start()
    fake.usergroups = [{"id": "S0SRE", "handle": "sre-oncall", "name": "SRE on call", "users": ["U0GRACE", "U0BOB"]}]
    try:
        with slack_app(fake, tmp_path_factory.mktemp("incidents")) as e:
            yield e
    finally:
        fake.stop()


def _notifier(env) -> SlackIncidentNotifier:
    return SlackIncidentNotifier.for_pipeline(env.service.client, ALERTS, env.pipeline)


def _posted(env) -> list:
    return env.fake.calls("chat.postMessage", lambda c: c.body.get("channel") == ALERTS
                          and not c.body.get("thread_ts"))


@pytest.fixture(scope="module")
def card(env):
    Watcher(env.pipeline, _notifier(env)).tick()
    (call,) = _posted(env)
    return call


def test_posted_once_with_what_is_wrong(card):
    text = blocks_text(card)
    assert "coder-assist not ready on aks-swedencentral-prod-1" in text
    assert "CUDA out of memory loading model weights" in text


def test_the_card_has_the_three_buttons(card):
    assert [button_value(card, a) for a in (MOVE, DRAIN, MUTE)] == ["1", "1", "1"]


def test_not_posted_again_by_another_look_or_replica(env, card):
    Watcher(env.pipeline, _notifier(env)).tick()
    assert len(_posted(env)) == 1


def test_move_off_opens_a_move_change_request_as_the_clicker(env, card):
    resp = env.sender.click(MOVE, button_value(card, MOVE), user="U0ALICE", channel=ALERTS,
                            message_ts=card.body.get("ts") or "1700000000.000001", label="Move off")
    assert resp.status == 200
    env.idle()
    change = env.store.changes.get("1")
    assert (change.tool, change.args, change.requester) == (
        "move", {"deployment": "coder-assist", "from_clusters": [SWEDEN]}, "U0ALICE")


def test_the_change_card_goes_to_the_incident_thread(env, card):
    rec = actions.incidents_of(env.pipeline).get(1)
    assert rec is not None
    (change_card,) = env.fake.wait_for("chat.postMessage", lambda c: is_card(c, "1"))
    assert (change_card.body.get("channel"), change_card.body.get("thread_ts")) == (ALERTS, rec.message_ts)


def test_the_clicker_is_told(env, card):
    told = env.fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "U0ALICE")
    assert "Change #1 opened from incident 1" in blocks_text(told[-1])


def test_mute_updates_the_card(env, card):
    env.sender.click(MUTE, "1", user="U0BOB", channel=ALERTS, message_ts="1700000000.000001", label="Mute")
    env.idle()
    updates = env.fake.wait_for("chat.update", lambda c: "Muted by" in blocks_text(c))
    assert len(updates) == 1


class _Recovered:
    def __init__(self, fleet):
        self.fleet = fleet

    def snapshot(self):
        snap = self.fleet.snapshot()
        d = snap.deployment("coder-assist")
        d.states = [s for s in d.states if s.cluster != SWEDEN] + [ClusterDeploymentState(cluster=SWEDEN, state="Ready")]
        return snap


def test_recovery_updates_the_same_card(env, card):
    rec = actions.incidents_of(env.pipeline).get(1)
    assert rec is not None
    healed = SimpleNamespace(fleet=_Recovered(env.pipeline.fleet), store=env.store, clock=env.pipeline.clock)
    Watcher(healed, _notifier(env)).tick()
    recovered = wait_until(lambda: env.fake.calls("chat.update", lambda c: "Recovered" in blocks_text(c)),
                           what="the recovered card")
    assert [(c.body.get("channel"), c.body.get("ts")) for c in recovered] == [(ALERTS, rec.message_ts)]
