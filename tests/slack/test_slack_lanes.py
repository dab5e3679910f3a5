"""Background work cannot starve the listener (issue 17): executions (Approve jobs) run on threads of their own,
so commands are still answered while every execution thread is busy, and a full queue refuses at once with a
truthful "busy, try again" instead of queueing work nobody gets to."""
from __future__ import annotations

import threading

from slack_env import wait_until

from audit.db import Database
from audit.jobs import JobStore
from bot.slack import messages as M
from bot.slack.worker import JobRunner


def _jobs(tmp_path) -> JobStore:
    return JobStore(Database(tmp_path / "jobs.db"))


def test_commands_run_while_every_execution_thread_is_busy(tmp_path):
    release = threading.Event()
    ran: list[str] = []
    def execute(payload) -> None:
        release.wait(30)

    def command(payload) -> None:
        ran.append(payload["n"])

    runner = JobRunner(_jobs(tmp_path), {"approve": execute, "command": command}, threads=1, lanes={"executions": (("approve",), 1)}).start()
    try:
        assert runner.accept("a1", "approve", {}) == "queued"
        assert runner.accept("a2", "approve", {}) == "queued"  # waits: the only execution thread is taken
        assert runner.accept("c1", "command", {"n": "c1"}) == "queued"
        wait_until(lambda: ran == ["c1"], what="the command to run beside the blocked execution")
    finally:
        release.set()
        assert runner.wait_idle(30)
        runner.stop()


def test_a_full_lane_refuses_at_once_and_the_other_lane_still_takes_work(tmp_path):
    release = threading.Event()
    started = threading.Event()

    def execute(payload):
        started.set()
        release.wait(30)

    runner = JobRunner(_jobs(tmp_path), {"approve": execute, "command": lambda p: None}, threads=1,
                       lanes={"executions": (("approve",), 1)}, max_queued=1).start()
    try:
        assert runner.accept("a1", "approve", {}) == "queued"
        assert started.wait(30)  # running, no longer queued
        assert runner.accept("a2", "approve", {}) == "queued"  # the one queued place of the lane
        assert runner.accept("a3", "approve", {}) == "failed"  # full: refused, not queued behind the others
        assert runner.refused == 1
        assert runner.accept("c1", "command", {}) == "queued"  # commands have a lane (and a bound) of their own
    finally:
        release.set()
        assert runner.wait_idle(30)
        runner.stop()


def test_signed_command_is_acked_and_answered_with_the_execution_lane_saturated(env):
    release = threading.Event()
    busy: list[int] = []

    def stuck_execution(payload):
        busy.append(1)
        release.wait(60)

    env.service.runner.handlers["approve"] = stuck_execution
    threads = env.service.runner.lanes["executions"][1]
    try:
        for i in range(threads + 2):  # every execution thread taken, two more waiting
            assert env.sender.click("fleet_approve", "1:1", user=f"U0APP{i}", message_ts="1.1").status == 200
        wait_until(lambda: len(busy) == threads, what="every execution thread to be busy")
        r = env.sender.slash("list clusters", response_url=env.fake.response_url("ls"))
        assert r.status == 200
        assert "Working on" in r.body
        answer = env.fake.wait_for("response_url", lambda c: c.path.endswith("/ls"), timeout=30)[0]
        assert "cluster" in answer.body["text"].lower()
    finally:
        release.set()
        env.idle()


def test_signed_command_past_the_queue_bound_is_told_busy(env):
    env.service.runner.max_queued = 0  # no room at all: the bound is checked before anything is queued
    r = env.sender.slash("list clusters", response_url=env.fake.response_url("full"))
    assert r.status == 200
    assert r.body == M.BUSY
    assert env.fake.calls("response_url", lambda c: c.path.endswith("/full")) == []


def test_signed_command_is_acked_while_background_work_holds_the_shared_database_connection(env):
    """The acks' job commits have a connection of their own: background work busy on the shared connection (here a
    long read, which holds its lock) does not make them wait (with one connection this ack said "busy" after the
    2 s accept wait). SQLite still runs one write transaction at a time; those are short."""
    held, release = threading.Event(), threading.Event()

    def hold_shared_connection() -> None:
        with env.store.database.read():
            held.set()
            release.wait(60)

    t = threading.Thread(target=hold_shared_connection, daemon=True)
    t.start()
    try:
        assert held.wait(30)
        r = env.sender.slash("list clusters", response_url=env.fake.response_url("held"))
        assert r.status == 200
        assert "Working on" in r.body
    finally:
        release.set()
        t.join(30)
    env.fake.wait_for("response_url", lambda c: c.path.endswith("/held"), timeout=30)
