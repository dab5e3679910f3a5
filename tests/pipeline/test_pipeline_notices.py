"""What the approver is told in ``fleetops chat`` (its ``/approve`` command on a real pipeline) comes from the
state the request ends in: "was carried out" only when it succeeded; failed, cancelled, stale, expired and
approved-but-waiting-for-the-hub each say so, with the reason."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from notice_scenarios import ALLOW_ALL, EXPECTED, STAGING, STALE_CLUSTER, dead_fleet

from bot.cli.cmd_chat import command
from bot.policy import loads_policy
from tests.pipeline.pipeline_helpers import ask, executions_started, state_history


def _approve(pipe, cid: str, user: str = "U0BOB") -> str:
    out = io.StringIO()
    command(pipe, f"/approve {cid}", {"user": user}, out)
    return out.getvalue()


def _told(text: str, state: str) -> None:
    for words in EXPECTED[state]:
        assert words in text, (state, words, text)
    if state != "succeeded":
        assert "was carried out" not in text, text


@pytest.fixture
def clean_faults(own):
    yield own
    own[0].faults.clear()
    own[0].heartbeat_round()


def test_succeeded(make_pipeline):
    pipe = make_pipeline()
    cid = ask(pipe, STAGING.format(name="tell-ok")).change.id
    text = _approve(pipe, cid)
    assert pipe.changes.get(cid).state == "succeeded"
    _told(text, "succeeded")


def test_failed(make_pipeline, clean_faults):
    emb, _ = clean_faults
    emb.faults.fail(deployment="tell-fail", message="CUDA out of memory")
    pipe = make_pipeline(timeout=10)
    cid = ask(pipe, STAGING.format(name="tell-fail")).change.id
    text = _approve(pipe, cid)
    assert pipe.changes.get(cid).state == "failed"
    _told(text, "failed")


def test_cancelled_when_someone_else_did_it_already(make_pipeline, tmp_path):
    pipe = make_pipeline()
    cid = ask(pipe, STAGING.format(name="tell-done")).change.id
    other = make_pipeline(policy=loads_policy(ALLOW_ALL), db=tmp_path / "other.db")
    assert ask(other, STAGING.format(name="tell-done")).change.state == "succeeded"
    text = _approve(pipe, cid)
    assert pipe.changes.get(cid).state == "cancelled" and executions_started(pipe.store, cid) == 0
    _told(text, "cancelled")
    assert state_history(pipe.store, cid) == ["pending", "approved", "cancelled"]


def test_stale_when_the_intent_cannot_be_carried_out(make_pipeline, clean_faults):
    emb, _ = clean_faults
    pipe = make_pipeline()
    cid = ask(pipe, STAGING.format(name="tell-stale")).change.id
    emb.faults.stop_heartbeat(STALE_CLUSTER)
    emb.heartbeat_round()
    text = _approve(pipe, cid)
    change = pipe.changes.get(cid)
    assert change.state == "stale" and change.reason and executions_started(pipe.store, cid) == 0
    _told(text, "stale")
    assert change.reason in text


def test_expired(make_pipeline):
    now = [datetime.now(UTC)]
    pipe = make_pipeline(clock=lambda: now[0])
    cid = ask(pipe, STAGING.format(name="tell-late")).change.id
    now[0] += timedelta(days=1)
    text = _approve(pipe, cid)
    assert pipe.changes.get(cid).state == "expired"
    _told(text, "expired")


def test_approved_and_waiting_for_the_hub_then_run_on_recover(make_pipeline, own, tmp_path):
    pipe = make_pipeline()
    cid = ask(pipe, STAGING.format(name="tell-wait")).change.id
    live, pipe.fleet = pipe.fleet, dead_fleet(own[0], tmp_path)
    try:
        text = _approve(pipe, cid)
    finally:
        pipe.fleet.close()
        pipe.fleet = live
    change = pipe.changes.get(cid)
    assert change.state == "approved" and executions_started(pipe.store, cid) == 0
    _told(text, "approved")
    (done,) = pipe.changes.recover()
    assert done.id == cid and done.state == "succeeded"
    assert pipe.store.audit.verify().ok
