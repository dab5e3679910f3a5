"""A ``fleetops serve`` process killed with SIGKILL while it runs an acked command (issue 12: no acked request
silently lost): the command was persisted as a job before its ack; the restarted process takes the dead
process's job again at once (not after its lease) and runs it to the end exactly once: one change request,
one card, one answer to the person.

The window is made deterministic without sleeps: the fleet is an embedded fleet in this test process (it
outlives the killed ``serve``), and while armed it holds every API read (the job planning the request among
them) until the test has killed ``serve``: the job is seen ``running`` in the database and cannot finish."""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from slack_client import SlackSender
from slack_env import SECRET, TOKEN, is_card

from bot.slack.worker import dead_local_owner

ROOT = Path(__file__).resolve().parents[2]
REQUEST = "deploy gemma 3 4b as resume-check on aks-westus3-staging-1"
AUDIT_KEY = "resume-test-audit-key-0123456789"
AUDIT_CHANNEL = "C0AUDIT"


class Hold:
    """While armed, holds every GET to the embedded API server (other than the writer lease's) until released."""

    def __init__(self) -> None:
        self.armed = False
        self.held = 0
        self.release = threading.Event()
        self._lock = threading.Lock()

    def take(self, path: str) -> bool:
        with self._lock:
            if not self.armed or "coordination.k8s.io" in path:
                return False
            self.held += 1
        self.release.wait(60)
        return True

    def open(self) -> None:
        self.armed = False
        self.release.set()


@pytest.fixture
def held_fleet(monkeypatch):
    from tools.embedded import EmbeddedFleet
    from tools.embedded import server as api

    hold = Hold()
    original = api._Handler.do_GET

    def do_get(handler):
        if hold.take(handler.path):
            handler.close_connection = True  # the client that asked was killed meanwhile
            return
        original(handler)

    monkeypatch.setattr(api._Handler, "do_GET", do_get)
    emb = EmbeddedFleet().start()
    emb.wait_idle()
    yield emb, hold
    hold.open()
    emb.stop()


def _env(tmp_path: Path, emb, fake) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "FLEETOPS_")) and k not in ("KUBECONFIG", "PORT")}
    env.update({"HTTPS_PROXY": "", "HTTP_PROXY": "", "https_proxy": "", "http_proxy": "", "PYTHONPATH": str(ROOT),
                "FLEETOPS_HOME": str(tmp_path), "FLEETOPS_LLM": "offline", "KUBECONFIG": str(emb.kubeconfig_path),
                "FLEETOPS_HUB_CONTEXT": emb.hub, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                "FLEETOPS_SLACK_API_URL": fake.url, "FLEETOPS_WATCH_INTERVAL": "3600",
                # the audit witness posts its digests to the audit channel (checked at the end)
                "FLEETOPS_AUDIT_KEY": AUDIT_KEY, "FLEETOPS_AUDIT_CHANNEL": AUDIT_CHANNEL,
                "FLEETOPS_AUDIT_DIGEST_EVERY": "1"})
    return env


def _serve(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", "0"], cwd=tmp_path,
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line and p.poll() is not None:
            break
        if m := re.search(r"listening on (http://\S+/slack/events)", line):
            threading.Thread(target=p.stderr.read, daemon=True).start()  # keep draining its log
            return p, m.group(1)
    p.kill()
    raise AssertionError("fleetops serve did not start")


def _stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _wait(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what}")
        time.sleep(0.02)


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_sigkilled_serve_resumes_the_acked_command_exactly_once(fake, tmp_path, held_fleet):
    emb, hold = held_fleet
    env = _env(tmp_path, emb, fake)
    db = tmp_path / "fleetops.db"
    first, url = _serve(tmp_path, env)
    second = None
    try:
        hold.armed = True
        r = SlackSender(url, SECRET).slash(REQUEST, user="U0ALICE", trigger_id="resume.1.cmd",
                                           response_url=fake.response_url("resume"))
        assert r.status == 200  # acked: the job is in the database
        _wait(lambda: _rows(db, "SELECT state, attempts FROM jobs") == [("running", 1)], "the job to start")
        # it waits for the fleet: it cannot finish (a job is marked running just before its first read)
        _wait(lambda: hold.held > 0, "the job to read the fleet")
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        hold.open()  # the held reads go nowhere: their process is gone
        assert fake.calls("chat.postMessage", lambda c: is_card(c, "1")) == []

        second, _ = _serve(tmp_path, env)
        card = fake.wait_for("chat.postMessage", lambda c: is_card(c, "1"), timeout=30)
        answer = fake.wait_for("response_url", lambda c: c.path.endswith("/resume"), timeout=30)
        _wait(lambda: _rows(db, "SELECT state FROM jobs") == [("done",)], "the job to be done")
        second.terminate()  # a clean stop posts what the channel still lacks
        second.wait(30)
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
    assert _rows(db, "SELECT state, attempts FROM jobs") == [("done", 2)]
    assert _rows(db, "SELECT COUNT(*) FROM change_requests") == [(1,)]
    assert len(card) == 1
    assert len(fake.calls("chat.postMessage", lambda c: is_card(c, "1"))) == 1
    assert len(answer) == 1
    assert "Change request #1 is posted below" in str(answer[0].body)
    events = _rows(db, "SELECT event, message FROM audit_events WHERE actor = 'U0ALICE' ORDER BY id")
    assert [e for e, _ in events].count("request") == 1
    assert [m for _, m in events].count("change request 1 opened (pending)") == 1


def test_the_audit_channel_of_a_killed_and_restarted_serve_verifies(fake, tmp_path, held_fleet, monkeypatch, capsys):
    """The same run's digests, posted by both processes, form one chain in the channel."""
    emb, _ = held_fleet
    env = _env(tmp_path, emb, fake)
    first, url = _serve(tmp_path, env)
    SlackSender(url, SECRET).slash("list clusters", user="U0ALICE", response_url=fake.response_url("a"))
    fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == AUDIT_CHANNEL, timeout=30)
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    second, url = _serve(tmp_path, env)
    SlackSender(url, SECRET).slash("list deployments", user="U0ALICE", response_url=fake.response_url("b"))
    fake.wait_for("response_url", lambda c: c.path.endswith("/b"), timeout=30)
    _stop(second)
    from bot.cli import main
    from bot.settings import get_settings

    for name, value in env.items():
        if name.startswith(("SLACK_", "FLEETOPS_")):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        code = main(["audit", "verify", "--db", str(tmp_path / "fleetops.db"), "--channel", AUDIT_CHANNEL])
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert code == 0, out
    assert "digests checked" in out


def test_a_dead_local_owner_is_told_from_a_live_one():
    import socket

    host = socket.gethostname()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert dead_local_owner(f"{host}:{child.pid}:abcd1234")  # the process is gone
    assert not dead_local_owner(f"{host}:{os.getppid()}:abcd1234")  # alive
    assert not dead_local_owner(f"another-host:{child.pid}:abcd1234")  # not ours to judge
    assert dead_local_owner(f"{host}:{os.getpid()}:0ld0ld00")  # our pid, no runner of ours: an earlier process
    assert not dead_local_owner(f"{host}:{os.getpid()}:abcd1234", me=f"{host}:{os.getpid()}:abcd1234")
    assert not dead_local_owner("garbage")
