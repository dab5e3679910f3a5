"""``fleetops serve`` as a process: clear errors without credentials, and a real run in HTTP mode against
the fake Slack (a signed slash command is acknowledged and answered through its response_url)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from fake_socket import FakeSocketMode
from slack_client import SlackSender, mention
from slack_env import SECRET, TOKEN, make_settings

from bot.cli.cmd_serve import check_settings

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "FLEETOPS_")) and k not in ("KUBECONFIG", "PORT")}
    env.update({"HTTPS_PROXY": "", "HTTP_PROXY": "", "https_proxy": "", "http_proxy": "",
                "FLEETOPS_HOME": str(tmp_path), "FLEETOPS_LLM": "offline", "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


def _stop(p: subprocess.Popen) -> None:
    p.terminate()
    try:
        p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()


def _wait_line(p: subprocess.Popen, pattern: str, timeout: float = 60) -> re.Match | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line and p.poll() is not None:
            return None
        if m := re.search(pattern, line):
            return m
    return None


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "serve", *args], cwd=tmp_path, env=_env(tmp_path, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_check_settings(fake, tmp_path):
    s = make_settings(fake, tmp_path)
    assert check_settings(s, socket=False) is None
    assert "SLACK_APP_TOKEN" in check_settings(s, socket=True)
    assert "SLACK_SIGNING_SECRET" in check_settings(make_settings(fake, tmp_path, slack_signing_secret=None), False)
    assert "SLACK_BOT_TOKEN" in check_settings(make_settings(fake, tmp_path, slack_bot_token=None), False)


def test_serve_without_signing_secret_exits_with_a_clear_error(tmp_path):
    p = _serve(tmp_path, SLACK_BOT_TOKEN=TOKEN)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in err and "--socket" in err
    p = _serve(tmp_path, "--socket", SLACK_BOT_TOKEN=TOKEN)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2 and "SLACK_APP_TOKEN is not set" in err


def test_serve_with_a_bad_token_says_so(fake, tmp_path):
    fake.fail("auth.test", error="invalid_auth")
    p = _serve(tmp_path, "--host", "127.0.0.1", "--port", "0", SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
               FLEETOPS_SLACK_API_URL=fake.url, FLEETOPS_DEMO_READY_DELAY="0")
    _, err = p.communicate(timeout=90)
    assert p.returncode == 1 and "could not start the Slack app" in err and "invalid_auth" in err


def test_serve_http_mode_end_to_end(fake, tmp_path):
    p = _serve(tmp_path, "--host", "127.0.0.1", "--port", "0", SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
               FLEETOPS_SLACK_API_URL=fake.url, FLEETOPS_DEMO_READY_DELAY="0")
    try:
        m = _wait_line(p, r"listening on (http://\S+/slack/events)")
        assert m, "fleetops serve did not start"
        url = m.group(1)
        assert int(url.split(":")[2].split("/")[0]) not in (0, 3000)  # --port 0: a free port
        sender = SlackSender(url, SECRET)
        r = sender.slash("list deployments", response_url=fake.response_url("serve"))
        assert r.status == 200 and "Working on" in r.body
        call = fake.wait_for("response_url", lambda c: c.path.endswith("/serve"), timeout=30)[0]
        assert "llama-support" in str(call.body.get("blocks"))
        assert sender.post(SlackSender.slash_body("list clusters"), "application/x-www-form-urlencoded",
                           signature="v0=bad").status == 401
        assert fake.calls("auth.test")[0].headers["authorization"] == f"Bearer {TOKEN}"
        assert (tmp_path / "fleetops.db").exists()
    finally:
        _stop(p)
    assert p.returncode == 0


def test_serve_socket_mode_end_to_end(fake, tmp_path):
    ws = FakeSocketMode().start()
    fake.socket_url = ws.url
    p = _serve(tmp_path, "--socket", SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN="xapp-1-A0FLEET-1-s",
               FLEETOPS_SLACK_API_URL=fake.url, FLEETOPS_DEMO_READY_DELAY="0")
    try:
        assert _wait_line(p, r"connected to Slack in Socket Mode"), "fleetops serve --socket did not connect"
        ws.wait_connected()
        event = json.loads(SlackSender.event_body(mention("list deployments", ts="1712345900.000100"), "Ev0CLI"))
        ws.push({"envelope_id": "e1", "type": "events_api", "payload": event, "accepts_response_payload": False,
                 "retry_attempt": 0, "retry_reason": ""})
        assert ws.wait_ack("e1") == {"envelope_id": "e1"}
        reply = fake.wait_for("chat.postMessage", timeout=30)[0]
        assert reply.body["thread_ts"] == "1712345900.000100" and "llama-support" in str(reply.body["blocks"])
    finally:
        _stop(p)
        ws.stop()
    assert p.returncode == 0
