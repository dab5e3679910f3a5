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
    try:
        assert runner.accept("a1", "command", {}) == "queued"
        assert runner.accept("a2", "command", {}) == "queued"
        assert jobs.claim("someone", timedelta(seconds=60)) is not None  # a1 taken: one place free again
        assert runner.accept("a3", "command", {}) == "queued"
    finally:
        runner.stop()


def test_accepts_with_room_in_their_lane_count_nothing_after_the_first(jobs):
    counts: list[int] = []
    inner = jobs.runnable
    jobs.runnable = lambda *a, **kw: counts.append(1) or inner(*a, **kw)  # type: ignore[method-assign]
    runner = JobRunner(jobs, {}, threads=1, max_queued=100)  # not started: only the accept path runs
    try:
        for i in range(5):
            assert runner.accept(f"a{i}", "command", {}) == "queued"
        assert len(counts) == 1
    finally:
        runner.stop()


def test_a_claim_by_the_runner_makes_room_without_a_count_on_the_accept_path(jobs):
    runner = JobRunner(jobs, {"command": lambda p: None}, threads=1, max_queued=1).start()
    try:
        assert runner.accept("a1", "command", {}) == "queued"
        assert runner.wait_idle(30)
        counts: list[int] = []
        inner = jobs.runnable
        jobs.runnable = lambda *a, **kw: counts.append(1) or inner(*a, **kw)  # type: ignore[method-assign]
        runner.stop()  # no job thread counts from here on: only the accept path could
        assert runner._runnable_estimate("default", exact=False) == 0
        assert counts == []
    finally:
        runner.stop()


def test_a_full_lane_refuses_between_counts(jobs):
    runner = JobRunner(jobs, {}, threads=1, max_queued=2)
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


class _HeldCommits:
    """Wraps ``accept_many`` of a store: records the thread of each group commit and its size, and holds the
    first one until ``release`` is set."""

    def __init__(self, jobs: JobStore):
        self.inner = jobs.accept_many
        self.release, self.entered = threading.Event(), threading.Event()
        self.calls: list[tuple[int, int]] = []  # (thread ident, items)
        jobs.accept_many = self  # type: ignore[method-assign]

    def __call__(self, items, now=None):
        self.calls.append((threading.get_ident(), len(items)))
        if len(self.calls) == 1:
            self.entered.set()
            self.release.wait(30)
        return self.inner(items, now)


def _accept_in_thread(runner: JobRunner, key: str, out: dict[str, str]) -> threading.Thread:
    t = threading.Thread(target=lambda: out.__setitem__(key, runner.accept(key, "command", {})), daemon=True)
    t.start()
    return t


def test_the_accepting_thread_commits_its_job_itself(jobs):
    held = _HeldCommits(jobs)
    held.release.set()
    runner = JobRunner(jobs, {}, threads=1)  # not started: only the accept path runs
    try:
        assert runner.accept("a1", "command", {}) == "queued"
        assert held.calls[0][0] == threading.get_ident()  # no hand-off to a committer thread
    finally:
        runner.stop()


def test_accepts_arriving_during_a_commit_are_committed_together_next(jobs):
    held = _HeldCommits(jobs)
    runner = JobRunner(jobs, {}, threads=1)
    out: dict[str, str] = {}
    try:
        threads = [_accept_in_thread(runner, "first", out)]
        assert held.entered.wait(30)
        threads += [_accept_in_thread(runner, f"k{i}", out) for i in range(5)]
        wait_until(lambda: len(runner._waiting) == 5, what="five accepts waiting behind the first commit")
        held.release.set()
        for t in threads:
            t.join(30)
        assert [n for _, n in held.calls] == [1, 5]
    finally:
        held.release.set()
        runner.stop()


def test_every_accept_of_a_burst_is_answered_queued(jobs):
    held = _HeldCommits(jobs)
    runner = JobRunner(jobs, {}, threads=1)
    out: dict[str, str] = {}
    try:
        threads = [_accept_in_thread(runner, "first", out)]
        assert held.entered.wait(30)
        threads += [_accept_in_thread(runner, f"k{i}", out) for i in range(5)]
        wait_until(lambda: len(runner._waiting) == 5, what="five accepts waiting behind the first commit")
        held.release.set()
        for t in threads:
            t.join(30)
        assert sorted(out.values()) == ["queued"] * 6
    finally:
        held.release.set()
        runner.stop()


def test_an_accept_that_gave_up_waiting_is_not_committed_later(jobs):
    held = _HeldCommits(jobs)
    runner = JobRunner(jobs, {}, threads=1, accept_wait=0.2)
    out: dict[str, str] = {}
    try:
        first = _accept_in_thread(runner, "first", out)
        assert held.entered.wait(30)
        assert runner.accept("late", "command", {}) == "failed"  # the ack said busy ...
        held.release.set()
        first.join(30)
        assert [j.key for j in jobs.list()] == ["first"]  # ... so its job must not run
    finally:
        held.release.set()
        runner.stop()


def test_an_idle_job_thread_waits_for_a_quiet_moment_before_it_reads_the_queue(jobs):
    quiet, asked = threading.Event(), threading.Event()
    reads: list[int] = []
    inner = jobs.runnable
    jobs.runnable = lambda *a, **kw: reads.append(1) or inner(*a, **kw)  # type: ignore[method-assign]

    def before_task() -> None:
        asked.set()
        quiet.wait(30)

    runner = JobRunner(jobs, {"command": lambda p: None}, threads=1, before_task=before_task).start()
    try:
        assert asked.wait(30)
        assert reads == []  # no read of the queue (the GIL, the file) while acks are being answered
    finally:
        quiet.set()
        runner.stop()
