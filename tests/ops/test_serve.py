"""``fleetops serve`` for operators: a busy port is one line before anything starts; start-up says which fleet,
whether this copy executes, the URL and the next step, with no library warning; ``/healthz``, ``/readyz`` and
``/metrics`` (Prometheus text) on the serve port, the metrics counting a scripted session."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fake_slack import FakeSlack  # tests/slack (see conftest.py)
from slack_client import SlackSender

from bot.slack.server import request_kind

ROOT = Path(__file__).resolve().parents[2]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-token"


@pytest.fixture
def fake():
    f = FakeSlack().start()
    yield f
    f.stop()


def _serve(tmp_path: Path, fake: FakeSlack, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "FLEETOPS_")) and k not in ("KUBECONFIG", "PORT")}
    env.update(HTTPS_PROXY="", HTTP_PROXY="", https_proxy="", http_proxy="", FLEETOPS_HOME=str(tmp_path),
               FLEETOPS_LLM="offline", PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
               FLEETOPS_SLACK_API_URL=fake.url, FLEETOPS_DEMO_READY_DELAY="0")
    return subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", *args], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _lines_until(p: subprocess.Popen, pattern: str, timeout: float = 120) -> list[str]:
    """stderr lines up to and including the first matching ``pattern``."""
    assert p.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line and p.poll() is not None:
            break
        lines.append(line.rstrip("\n"))
        if re.search(pattern, line):
            return lines
    raise AssertionError(f"no line matching {pattern!r}; got {lines}")


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.headers.get("content-type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read().decode()


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def test_a_busy_port_is_one_line_before_the_fleet_starts(fake, tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        p = _serve(tmp_path, fake, "--port", str(port))
        _, err = p.communicate(timeout=120)
    assert p.returncode == 2
    assert err.strip().splitlines() == [err.strip()]
    assert str(port) in err and "--port" in err
    assert fake.calls("auth.test") == []  # nothing started


def test_serve_says_where_it_is_and_serves_health_readiness_and_metrics(fake, tmp_path):
    p = _serve(tmp_path, fake, "--port", "0")
    try:
        lines = _lines_until(p, r"listening on (http://\S+/slack/events)")
        url = re.search(r"(http://\S+)/slack/events", lines[-1]).group(1)
        text = "\n".join(lines)
        assert "embedded demo fleet" in text
        assert "this copy executes changes" in text
        assert "WARNING" not in text
        assert "Next:" in _lines_until(p, r"Next:")[-1]

        assert _get(url + "/healthz")[::2] == (200, "ok")
        status, _, body = _get(url + "/readyz")
        assert status == 200, body
        assert {"hub: ok", "database: ok", "slack: ok"} <= set(body.splitlines())

        sender = SlackSender(url + "/slack/events", SECRET)
        assert sender.slash("list clusters", response_url=fake.response_url("m")).status == 200
        fake.wait_for("response_url", lambda c: c.path.endswith("/m"), timeout=60)
        assert sender.slash("deploy phi-4 to 2 prod clusters in the us").status == 200

        deadline = time.monotonic() + 60
        while True:  # the second command's change request is opened in the background
            status, ctype, metrics = _get(url + "/metrics")
            if 'fleetops_change_requests{state="pending"} 1.0' in metrics or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status == 200
        assert ctype.startswith("text/plain; version=")  # the Prometheus text exposition format
        assert _metric(metrics, 'fleetops_slack_requests_total{kind="command"}') == 2
        assert _metric(metrics, 'fleetops_slack_ack_seconds_count{kind="command"}') == 2
        assert _metric(metrics, 'fleetops_interpretations_total{kind="tool_call"}') == 2
        assert _metric(metrics, 'fleetops_change_requests{state="pending"}') == 1
        assert _metric(metrics, "fleetops_audit_appends_total") > 0
        assert _metric(metrics, "fleetops_audit_verify_ok") == 1
        assert _metric(metrics, "fleetops_writer_active") == 1
        assert any(line.startswith("fleetops_kube_api_calls_total{") for line in metrics.splitlines())
        (tmp_path / "metrics.txt").write_text(metrics)
    finally:
        p.terminate()
        p.communicate(timeout=60)
    assert p.returncode == 0


@pytest.mark.parametrize(("body", "kind"), [
    ("token=x&command=%2Ffleet&text=list", "command"),
    ("payload=%7B%22type%22%3A%22block_actions%22%7D", "interactive"),
    ('{"type": "event_callback", "event": {}}', "event"),
    ('{"type": "url_verification", "challenge": "c"}', "url_verification"),
    ("garbage", "other"),
])
def test_request_kinds(body, kind):
    assert request_kind(body) == kind
