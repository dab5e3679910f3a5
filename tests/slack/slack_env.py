"""Helpers for the Slack tests: settings, the real app (``fleetops serve``'s HTTP server code) on a free port
wired to a real pipeline on the embedded demo fleet with a fresh SQLite file, and assertions on recorded calls.

(Not in conftest.py: every test directory has a ``conftest`` module, so importing one by name is ambiguous.)
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fake_slack import FakeSlack
from slack_client import SlackSender

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-token"


def make_settings(fake: FakeSlack, tmp: Path, **over: Any):
    from bot.settings import Settings

    values = dict(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=fake.url,
                  slack_app_token=None, kubeconfig=None, in_cluster=False, llm="offline", policy_path=None,
                  home=tmp, db_path=tmp / "fleetops.db", demo_ready_delay=0.0, port=0)
    values.update(over)
    return Settings(**values)


@dataclass
class SlackEnv:
    settings: Any
    pipeline: Any
    service: Any
    server: Any
    fake: FakeSlack
    sender: SlackSender

    @property
    def store(self):
        return self.pipeline.store

    def idle(self, timeout: float = 30.0) -> None:
        assert self.service.wait_idle(timeout), "background work did not finish"

    def card(self, change_id: str = "1") -> Any:
        """The chat.postMessage call that posted change ``change_id``'s card."""
        calls = self.fake.wait_for("chat.postMessage", lambda c: is_card(c, change_id))
        assert len(calls) == 1, f"card of change {change_id} posted {len(calls)} times"
        wait_until(lambda: self.store.changes.get(change_id).message_ts, what="the card's ts to be stored")
        return calls[0]


def wait_until(predicate, timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy (returned); AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def executions(env: SlackEnv, change_id: str = "1") -> int:
    """How many times change ``change_id`` started executing (audit rows)."""
    rows = env.store.audit.list(change_id=change_id, event="execution_step")
    return sum(1 for e in rows if e.message == "execution started")


def blocks_text(call: Any) -> str:
    """Every text in a call's blocks (and its fallback text), for assertions."""
    return call.body.get("text", "") + "\n" + json.dumps(call.json("blocks") or [], ensure_ascii=False)


def is_card(call: Any, change_id: str) -> bool:
    return any(b.get("type") == "header" and b["text"]["text"].startswith(f"Change #{change_id} ")
               for b in (call.json("blocks") or []))


def button_value(call: Any, action_id: str = "fleet_approve") -> str | None:
    for b in call.json("blocks") or []:
        for e in b.get("elements", []) if b.get("type") == "actions" else []:
            if e.get("action_id") == action_id:
                return e["value"]
    return None


@contextmanager
def slack_app(fake: FakeSlack, tmp: Path, *, ready_delay: float = 0.0, update_interval: float = 0.2,
              policy: str | None = None, workers: int = 4, execution_threads: int | None = None
              ) -> Iterator[SlackEnv]:
    from bot.app import running_pipeline
    from bot.slack import build_slack_app, make_http_server

    over: dict[str, Any] = {}
    if policy is not None:
        path = tmp / "policy.yaml"
        path.write_text(policy)
        over["policy_path"] = path
    settings = make_settings(fake, tmp, **over)
    with running_pipeline(settings, db=settings.database, ready_delay=ready_delay) as pipe:
        service = build_slack_app(settings, pipe, update_interval=update_interval, workers=workers,
                                  execution_threads=execution_threads)
        server = make_http_server(service.app, "127.0.0.1", 0, traffic=service.traffic)
        server.start_background()
        try:
            yield SlackEnv(settings, pipe, service, server, fake, SlackSender(server.url, SECRET))
        finally:
            server.shutdown()
            server.server_close()
            service.close()
