"""The acks' group commit (issue 17): a constant number of statements per group (``JobStore.accept_many``), the
same exactly-once rows as ``enqueue``; lane bounds counted without a query per group; job threads claim only in a
quiet moment between acks."""
from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest
from slack_env import wait_until

from audit.db import Database
from audit.jobs import JobStore
from bot.slack.worker import JobRunner


@pytest.fixture
def jobs(tmp_path):
    store = JobStore(Database(tmp_path / "jobs.db"))
    yield store
    store.database.close()


def _keys(jobs: JobStore, table: str) -> list[str]:
    with jobs.database.read() as conn:
        return [r[0] for r in conn.execute(f"SELECT key FROM {table} ORDER BY rowid")]


def test_accept_many_queues_new_keys(jobs):
    assert jobs.accept_many([("a", "command", {"n": 1}), ("b", "approve", {"n": 2})]) == [True, True]


def test_accept_many_queues_jobs_in_the_order_given(jobs):
    jobs.accept_many([("b", "command", {}), ("a", "command", {}), ("c", "command", {})])
    assert [j.key for j in jobs.list()] == ["b", "a", "c"]


def test_accept_many_keeps_each_payload_with_its_job(jobs):
    jobs.accept_many([("a", "command", {"text": "list clusters"}), ("b", "approve", {"change": "7"})])
    assert {j.key: (j.kind, j.payload) for j in jobs.list()} == {
        "a": ("command", {"text": "list clusters"}), "b": ("approve", {"change": "7"})}


def test_accept_many_refuses_a_key_delivered_before(jobs):
    jobs.enqueue("a", "command", {})
    assert jobs.accept_many([("a", "command", {}), ("b", "command", {})]) == [False, True]


def test_accept_many_queues_a_key_repeated_in_one_group_once(jobs):
    assert jobs.accept_many([("a", "command", {}), ("a", "command", {})]) == [True, False]


def test_accept_many_claims_each_delivery_with_its_job(jobs):
    jobs.accept_many([("a", "command", {}), ("b", "command", {})])
    assert _keys(jobs, "deliveries") == ["a", "b"]


def test_accept_many_is_one_transaction(jobs):
    with jobs.database.write() as conn:  # a job whose delivery id was forgotten: its key cannot be inserted again
        conn.execute("INSERT INTO jobs (key, kind, state, attempts, created_at, updated_at) "
                     "VALUES ('k', 'command', 'done', 1, 't', 't')")
    with pytest.raises(sqlite3.IntegrityError):
        jobs.accept_many([("a", "command", {}), ("k", "command", {})])
    assert _keys(jobs, "deliveries") == []  # "a" was not claimed without its job


def test_accept_many_of_more_items_than_one_statement_takes(jobs):
    items = [(f"k{i}", "command", {"i": i}) for i in range(700)]
    assert jobs.accept_many(items) == [True] * 700
    assert [j.payload["i"] for j in jobs.list()] == list(range(700))


def test_a_lane_that_looks_full_is_counted_again_before_refusing(jobs):
    runner = JobRunner(jobs, {}, threads=1, max_queued=2)  # not started: only this test takes jobs
    runner.COUNT_EVERY = 3600.0  # no scheduled count: only the one before refusing
    try:
        assert runner.accept("a1", "command", {}) == "queued"
        assert runner.accept("a2", "command", {}) == "queued"
        assert jobs.claim("someone", timedelta(seconds=60)) is not None  # a1 taken: one place free again
        assert runner.accept("a3", "command", {}) == "queued"
    finally:
        runner.stop()


def test_a_full_lane_refuses_between_counts(jobs):
    runner = JobRunner(jobs, {}, threads=1, max_queued=2)
    runner.COUNT_EVERY = 3600.0
    try:
        assert runner.accept("a1", "command", {}) == "queued"
        assert runner.accept("a2", "command", {}) == "queued"
        assert runner.accept("a3", "command", {}) == "failed"
    finally:
        runner.stop()


def test_a_job_is_claimed_only_once_the_acks_leave_a_quiet_moment(jobs):
    quiet, asked = threading.Event(), threading.Event()
    ran: list[str] = []

    def before_task() -> None:
        asked.set()
        quiet.wait(30)

    runner = JobRunner(jobs, {"command": lambda p: ran.append(p["n"])}, threads=1, before_task=before_task).start()
    try:
        assert runner.accept("c1", "command", {"n": "c1"}) == "queued"
        assert asked.wait(30)
        assert [j.state for j in jobs.list()] == ["queued"]  # not claimed (no write) while acks are answered
        quiet.set()
        wait_until(lambda: ran == ["c1"], what="the job to run after the quiet moment")
    finally:
        quiet.set()
        runner.stop()
