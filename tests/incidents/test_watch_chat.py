"""The watch on the embedded demo fleet with the chat notifier: the seeded coder-assist failure is told once at
start (not again by a second replica or after a restart), and what the line suggests opens a move change."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from audit.incidents import IncidentStore
from audit.store import open_store
from bot.app import make_interpreter, vocabulary_source
from bot.identity import Actor
from bot.incidents import actions
from bot.incidents.notify import ChatNotifier
from bot.incidents.watch import Watcher, start_watch
from bot.pipeline import Pipeline, Request
from bot.policy import default_policy
from bot.settings import Settings
from tools.args import DrainClusterArgs
from tools.fleet.models import ClusterDeploymentState

SWEDEN = "aks-swedencentral-prod-1"
ALICE = Actor(id="U0ALICE", name="alice")


@pytest.fixture(scope="module")
def interpreter():
    return make_interpreter(Settings(llm="offline"))


@pytest.fixture
def pipeline(own, interpreter, tmp_path):
    stores = []

    def make() -> Pipeline:
        store = open_store(tmp_path / "fleetops.db")
        stores.append(store)
        return Pipeline(store, own[1], interpreter, default_policy(), vocabulary=vocabulary_source(own[1]))

    yield make
    for s in stores:
        s.close()


def _lines(out: io.StringIO) -> list[str]:
    return [line for line in out.getvalue().splitlines() if line.strip()]


def test_the_seeded_failure_is_told_once_at_start(pipeline):
    out = io.StringIO()
    handle = start_watch(pipeline(), ChatNotifier(out), every=3600)
    try:
        assert handle.first_look.wait(60)
    finally:
        handle.stop()
    lines = _lines(out)
    assert len(lines) == 1
    assert "coder-assist" in lines[0] and SWEDEN in lines[0]
    assert "CUDA out of memory" in lines[0]


def test_a_second_replica_and_a_restart_do_not_tell_it_again(pipeline):
    first, second, third = io.StringIO(), io.StringIO(), io.StringIO()
    Watcher(pipeline(), ChatNotifier(first)).tick()
    Watcher(pipeline(), ChatNotifier(second)).tick()  # another process on the same database
    w = Watcher(pipeline(), ChatNotifier(third))
    w.tick()
    w.tick()  # and the next look of the same process
    assert (len(_lines(first)), _lines(second), _lines(third)) == (1, [], [])


def test_the_incident_is_persisted_and_audited(pipeline):
    pipe = pipeline()
    Watcher(pipe, ChatNotifier(io.StringIO())).tick()
    (rec,) = IncidentStore(pipe.store.database, pipe.store.audit).list_open()
    assert (rec.kind, rec.deployment, rec.cluster) == ("deployment_not_ready", "coder-assist", SWEDEN)
    assert [e.result["incident"] for e in pipe.store.audit.list(event="incident")] == [rec.id]


def test_what_the_chat_line_suggests_opens_a_move(pipeline):
    pipe = pipeline()
    reply = pipe.handle(Request(actor=ALICE, text=f"move coder-assist off {SWEDEN}"))
    assert reply.kind == "change" and reply.change is not None
    assert (reply.change.tool, reply.change.args) == ("move", {"deployment": "coder-assist",
                                                               "from_clusters": [SWEDEN]})


def test_move_off_from_the_incident_opens_one_move_change_request(pipeline):
    pipe = pipeline()
    Watcher(pipe, ChatNotifier(io.StringIO())).tick()
    (rec,) = actions.incidents_of(pipe).list_open()
    outcome = actions.open_change(pipe, rec.id, "move_off", ALICE, channel="terminal")
    assert outcome.ok, outcome.text
    change = outcome.reply.change if outcome.reply else None
    assert change is not None
    assert (change.tool, change.args, change.requester) == (
        "move", {"deployment": "coder-assist", "from_clusters": [SWEDEN]}, "U0ALICE")
    again = actions.open_change(pipe, rec.id, "move_off", Actor(id="U0BOB", name="bob"))
    assert not again.ok and "already requested" in again.text


class _Recovered:
    """The real fleet's snapshot with coder-assist Ready again on Sweden."""

    def __init__(self, fleet):
        self.fleet = fleet

    def snapshot(self):
        snap = self.fleet.snapshot()
        d = snap.deployment("coder-assist")
        d.states = [s for s in d.states if s.cluster != SWEDEN] + [ClusterDeploymentState(cluster=SWEDEN, state="Ready")]
        return snap


def test_recovery_closes_it_and_is_told_once(pipeline):
    pipe = pipeline()
    out = io.StringIO()
    Watcher(pipe, ChatNotifier(out)).tick()
    healed = SimpleNamespace(fleet=_Recovered(pipe.fleet), store=pipe.store, clock=pipe.clock)
    other = io.StringIO()
    Watcher(healed, ChatNotifier(out)).tick()
    Watcher(healed, ChatNotifier(other)).tick()
    lines = _lines(out)
    assert len(lines) == 2 and "recovered" in lines[1]
    assert _lines(other) == []
    assert actions.incidents_of(pipe).list_open() == []


def test_drain_from_the_incident_opens_drain_cluster_when_the_tool_exists(pipeline):
    pipe = pipeline()
    Watcher(pipe, ChatNotifier(io.StringIO())).tick()
    (rec,) = actions.incidents_of(pipe).list_open()
    outcome = actions.open_change(pipe, rec.id, "drain", ALICE, channel="terminal")
    if actions.tool_taking(DrainClusterArgs) is not None:
        change = outcome.reply.change if outcome.reply else None
        assert change is not None and (change.tool, change.args) == (actions.tool_taking(DrainClusterArgs), {"name": SWEDEN})
    else:
        assert not outcome.ok and "not available" in outcome.text


def test_an_opened_incident_is_counted_in_the_metrics(pipeline):
    from bot.metrics import REGISTRY

    def count() -> float:
        return REGISTRY.get_sample_value("fleetops_incidents_total", {"kind": "deployment_not_ready"}) or 0.0

    before = count()
    Watcher(pipeline(), ChatNotifier(io.StringIO())).tick()
    assert count() == before + 1
