"""One active writer (issue 16): of two fleetops processes, one executes; the other answers read-only
requests and leaves changes approved; kill the writer and the other takes over and reconciles what it left
``executing``. Through a Lease on a hub (the embedded fleet served over HTTP, as a real hub is) and through the
file lock beside a local database (each process on its own embedded demo fleet)."""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from audit.store import open_store
from bot.lease import FileWriter, LeaseWriter, acquire_writer
from bot.messages.pipeline import EXECUTION_STARTED
from tools.embedded import EmbeddedFleet
from tools.fleet.adapter import Fleet

PROC = Path(__file__).with_name("writer_proc.py")
ROOT = Path(__file__).resolve().parents[2]
WAIT = 120  # seconds any one step may take on a loaded machine (never asserted as a duration)
DEV_DEPLOY = "deploy phi-4-mini-instruct to aks-centralindia-dev-1"


class Proc:
    """A writer_proc.py process and the lines it prints."""

    def __init__(self, env: dict[str, str], lease_seconds: int = 2):
        self.p = subprocess.Popen([sys.executable, str(PROC), str(lease_seconds)], cwd=ROOT, env=env, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self.lines.put(line.strip())

    def expect(self, prefix: str) -> str:
        """The next line starting with ``prefix`` (others are skipped)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.p.poll() is None, f"the process ended (exit {self.p.returncode}) before {prefix}"
                continue
            if line.startswith(prefix):
                return line[len(prefix):].strip()
        raise AssertionError(f"no {prefix} line")

    def say(self, text: str) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write(f"say {text}\n")
        self.p.stdin.flush()

    def kill(self) -> None:
        self.p.kill()
        self.p.wait()

    def stop(self) -> None:
        if self.p.poll() is None:
            self.kill()


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEETOPS_", "SLACK_")) and k != "KUBECONFIG"}
    env.update(FLEETOPS_HOME=str(tmp_path), FLEETOPS_DB=str(tmp_path / "fleetops.db"), PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def wait_for_state(db: Path, state: str) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with open_store(db) as store:
            found = store.changes.list(status=state, limit=None)
        if found:
            return found[0].id
        time.sleep(0.2)
    raise AssertionError(f"no change request became {state}")


def states(db: Path) -> dict[str, str]:
    with open_store(db) as store:
        return {c.id: str(c.state) for c in store.changes.list(limit=None)}


def executions_started(db: Path, change_id: str) -> int:
    with open_store(db) as store:
        return sum(1 for e in store.audit.list(change_id=change_id, limit=None)
                   if e.event == "execution_step" and e.message == EXECUTION_STARTED)


def reconciled(db: Path, change_id: str) -> bool:
    with open_store(db) as store:
        return any(e.event == "reconcile" for e in store.audit.list(change_id=change_id, limit=None))


# --- in one process: the lock and the lease themselves --------------------------------------------------------
def test_a_second_file_lock_is_standby_until_the_first_lets_go(tmp_path):
    first = FileWriter(tmp_path / "db.writer.lock", "first")
    second = FileWriter(tmp_path / "db.writer.lock", "second")
    assert first.step() is True
    assert second.step() is False
    assert second.holder == "first"
    first.close()
    assert second.step() is True


@pytest.fixture
def hub():
    emb = EmbeddedFleet().start()
    emb.wait_idle()
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "none")
    yield emb, fleet
    fleet.close()
    emb.stop()


def test_a_lease_held_and_renewed_keeps_the_other_copy_standby(hub):
    _, fleet = hub
    first, second = LeaseWriter(fleet, "first", duration=1), LeaseWriter(fleet, "second", duration=1)
    assert first.step() is True
    for _ in range(3):  # first renews while second watches: each renewal is a change second has not seen
        time.sleep(0.6)
        assert second.step() is False
        assert first.step() is True
    lease = fleet.read_lease("fleetops-writer", "fleetops-system")
    assert lease["spec"]["holderIdentity"] == "first"


def test_a_lease_nobody_renews_is_taken_over(hub):
    _, fleet = hub
    first, second = LeaseWriter(fleet, "first", duration=1), LeaseWriter(fleet, "second", duration=1)
    assert first.step() is True
    assert second.step() is False  # first sight: its holder is presumed alive
    deadline = time.monotonic() + WAIT
    while not second.step() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert second.active
    lease = fleet.read_lease("fleetops-writer", "fleetops-system")
    assert lease["spec"]["holderIdentity"] == "second"
    assert lease["spec"]["leaseTransitions"] == 1
    assert first.step() is False  # the old writer sees it lost the lease


def test_a_released_lease_is_taken_at_once(hub):
    _, fleet = hub
    first = acquire_writer(fleet, "unused.db", identity="first", lease_seconds=30, period=0.1)
    assert first.active
    first.close()
    second = LeaseWriter(fleet, "second", duration=30)
    assert second.step() is True


def test_on_the_embedded_fleet_the_writer_is_a_file_lock_beside_the_database(tmp_path):
    class Demo:
        embedded = object()

    writer = acquire_writer(Demo(), tmp_path / "fleetops.db", identity="me")
    try:
        assert isinstance(writer, FileWriter)
        assert writer.path == tmp_path / "fleetops.db.writer.lock"
    finally:
        writer.close()


# --- two processes -------------------------------------------------------------------------------------------
def test_file_lock_standby_answers_reads_never_executes_and_takes_over_after_a_kill(tmp_path):
    db = tmp_path / "fleetops.db"
    a = Proc(env_for(tmp_path, FLEETOPS_DEMO_READY_DELAY="600"))  # its rollouts never finish
    b = None
    try:
        a.expect("ACTIVE")
        b = Proc(env_for(tmp_path, FLEETOPS_DEMO_READY_DELAY="0"))
        b.expect("STANDBY")
        b.say("list clusters")
        assert json.loads(b.expect("REPLY"))["kind"] == "result"  # standby answers read-only requests
        b.say(DEV_DEPLOY)  # dev needs no approval: approved at once, but standby does not execute
        reply = json.loads(b.expect("REPLY"))
        assert reply["state"] == "approved"
        assert "standby" in reply["reason"]  # and says so
        queued = wait_for_state(db, "approved")
        # The writer executes (its own request, and what the standby approved: its retry scheduler sweeps
        # approved requests); its rollouts hang.
        a.say("deploy phi-4 to aks-centralindia-dev-1")
        running = wait_for_state(db, "executing")
        a.kill()
        b.expect("ACTIVE")
        b.expect("RECOVERED")
        after = states(db)
        assert after[running] in ("failed", "attention")  # reconciled against the fleet, never re-run
        assert reconciled(db, running)
        # what the standby approved ends in a true state (the new writer may still be running it: wait), carried
        # out at most once, by a writer
        final = ("succeeded", "failed", "attention")
        deadline = time.monotonic() + WAIT
        while states(db)[queued] not in final and time.monotonic() < deadline:
            time.sleep(0.2)
        assert states(db)[queued] in final
        assert executions_started(db, queued) <= 1
    finally:
        a.stop()
        if b is not None:
            b.stop()


def test_lease_standby_takes_over_after_the_writer_is_killed_and_reconciles_its_change(tmp_path):
    emb = EmbeddedFleet(ready_delay=600).start()  # the hub both processes point at; rollouts never finish
    emb.wait_idle()
    env = env_for(tmp_path, KUBECONFIG=str(emb.kubeconfig_path), FLEETOPS_HUB_CONTEXT=emb.hub,
                  FLEETOPS_MEMBER_CONTEXTS="auto")
    db = tmp_path / "fleetops.db"
    a = Proc(env)
    b = None
    try:
        a.expect("ACTIVE")
        b = Proc(env)
        b.expect("STANDBY")
        a.say(DEV_DEPLOY)
        running = wait_for_state(db, "executing")
        a.kill()
        b.expect("ACTIVE")
        b.expect("RECOVERED")
        assert states(db)[running] in ("failed", "attention", "succeeded")
        assert reconciled(db, running)
    finally:
        a.stop()
        if b is not None:
            b.stop()
        emb.stop()
