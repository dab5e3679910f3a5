"""Many incidents in one look (a fleet-wide outage: members whose heartbeats lapsed together) are told once,
grouped by reason, in chat and in Slack, instead of one message each; so are many recoveries. Fewer than
``group_at`` are still told one by one."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from fake_slack import FakeSlack
from slack_env import blocks_text, button_value, slack_app, wait_until

from audit.incidents import IncidentRecord, IncidentStore
from audit.store import open_store
from bot.incidents.notify import MAX_GROUPS, ChatNotifier, group_lines
from bot.incidents.watch import Watcher
from bot.slack.incidents import SHOW_ALL, SlackIncidentNotifier, parse_ids
from tests.snapshot_from_yaml import demo_snapshot
from tools.fleet.models import FleetSnapshot

ALERTS = "C0ALERTS"
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def outage(stale: int, unjoined: int = 0) -> FleetSnapshot:
    """The demo fleet plus ``stale`` members holding a deployment whose heartbeat is an hour old, and
    ``unjoined`` whose agent never joined."""
    snap = demo_snapshot()
    template = snap.clusters[0]
    extra = [template.model_copy(update={"name": f"member-{i}", "deployments": [f"model-{i}"], "joined": True,
                                         "heartbeat_age_seconds": 3600.0}) for i in range(stale)]
    extra += [template.model_copy(update={"name": f"unjoined-{i}", "deployments": [f"model-u{i}"], "joined": False,
                                          "heartbeat_age_seconds": None}) for i in range(unjoined)]
    snap.clusters = [*snap.clusters, *extra]
    return snap


class Fleet:
    def __init__(self, snap: FleetSnapshot):
        self.snap = snap

    def snapshot(self) -> FleetSnapshot:
        return self.snap.model_copy(deep=True)


def watcher(store, snap: FleetSnapshot, notifier) -> Watcher:
    return Watcher(SimpleNamespace(fleet=Fleet(snap), store=store, clock=lambda: NOW), notifier)


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "fleetops.db")
    yield s
    s.close()


# --- chat ------------------------------------------------------------------------------------------------
def test_an_outage_is_told_in_one_block_of_lines_in_chat(store):
    out = io.StringIO()
    watcher(store, outage(40, 2), ChatNotifier(out)).tick()
    assert len(out.getvalue().strip().splitlines()) == 3  # the head, one line per reason


def test_the_chat_lines_group_by_reason(store):
    out = io.StringIO()
    watcher(store, outage(40, 2), ChatNotifier(out)).tick()
    lines = out.getvalue().strip().splitlines()
    assert ("40 clusters down (no heartbeat" in lines[1], "2 clusters down (member agent not joined)" in lines[2]) \
        == (True, True)


def test_every_incident_is_recorded_when_grouped(store):
    watcher(store, outage(40, 2), ChatNotifier(io.StringIO())).tick()
    assert len(IncidentStore(store.database, store.audit).list_open()) == 42


def test_fewer_than_group_at_are_told_one_by_one(store):
    out = io.StringIO()
    watcher(store, outage(2), ChatNotifier(out)).tick()
    assert [("member-0" in line, "member-1" in line) for line in out.getvalue().strip().splitlines()] == [
        (True, False), (False, True)]


def test_many_recoveries_are_told_in_one_line(store):
    out = io.StringIO()
    watcher(store, outage(40), ChatNotifier(io.StringIO())).tick()
    watcher(store, outage(0), ChatNotifier(out)).tick()
    (line,) = out.getvalue().strip().splitlines()
    assert "40 incidents recovered" in line


def _record(i: int, reason: str) -> IncidentRecord:
    return IncidentRecord(id=i, kind="cluster_ineligible", cluster=f"c{i}", opened_at="2026-12-04T15:00:00Z",
                          detail={"joined": True, "heartbeat_age_seconds": 10.0, "reason": reason})


def test_the_lines_are_bounded_whatever_the_number_of_reasons():
    lines = group_lines([_record(i, f"reason {i}") for i in range(300)])
    assert len(lines) == MAX_GROUPS + 1


def test_the_last_line_counts_the_reasons_left_out():
    lines = group_lines([_record(i, f"reason {i}") for i in range(300)])
    assert "292 more incidents for 292 other reasons" in lines[-1]


# --- Slack ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def env(tmp_path_factory):
    fake = FakeSlack().start()
    try:
        with slack_app(fake, tmp_path_factory.mktemp("group")) as e:
            yield e
    finally:
        fake.stop()


def _top_level(env) -> list:
    return env.fake.calls("chat.postMessage", lambda c: c.body.get("channel") == ALERTS and not c.body.get("thread_ts"))


@pytest.fixture(scope="module")
def posted(env):
    notifier = SlackIncidentNotifier.for_pipeline(env.service.client, ALERTS, env.pipeline)
    watcher(env.store, outage(300, 3), notifier).tick()
    return _top_level(env)


def test_an_outage_is_one_slack_message(posted):
    assert len(posted) == 1


def test_the_message_groups_by_reason(posted):
    text = blocks_text(posted[0])
    assert ("300 clusters down (no heartbeat" in text, "3 clusters down (member agent not joined)" in text) == (
        True, True)


def test_the_message_stays_within_block_kit_limits(posted):
    blocks = posted[0].json("blocks")
    assert len(blocks) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)


def test_show_all_names_every_incident(env, posted):
    value = button_value(posted[0], SHOW_ALL)
    assert len(parse_ids(value)) == 303


def test_show_all_uploads_every_incident_into_the_thread(env, posted):
    ts = posted[0].body.get("ts") or "1700000000.000001"
    resp = env.sender.click(SHOW_ALL, button_value(posted[0], SHOW_ALL), user="U0ALICE", channel=ALERTS,
                            message_ts=ts, label="Show all")
    assert resp.status == 200
    wait_until(lambda: env.fake.uploads, what="the upload")
    text = b"".join(env.fake.uploads.values()).decode()
    assert all(f"member-{i}:" in text or f"member-{i} " in text for i in range(300))


def test_the_recovery_of_an_outage_is_one_more_message_and_no_edit(env, posted):
    notifier = SlackIncidentNotifier.for_pipeline(env.service.client, ALERTS, env.pipeline)
    watcher(env.store, outage(0), notifier).tick()
    after = _top_level(env)
    assert (len(after), "303 incidents recovered" in blocks_text(after[-1]), env.fake.calls("chat.update")) == (
        2, True, [])


def test_a_partial_recovery_closes_exactly_the_members_back(store):
    watcher(store, outage(40), ChatNotifier(io.StringIO())).tick()
    back = outage(40)
    for c in back.clusters:
        if c.name.startswith("member-") and int(c.name.split("-")[1]) % 2 == 0:
            c.heartbeat_age_seconds = 10.0
    closed = watcher(store, back, ChatNotifier(io.StringIO())).tick().closed
    assert sorted(r.cluster for r in closed) == sorted(f"member-{i}" for i in range(0, 40, 2))
