"""Send requests to the app the way Slack does: signed raw bodies over real HTTP.

Slash commands are forms in Slack's field order, interactivity is ``payload=<url-encoded JSON>``
(with ``/`` written as ``\\/`` as Slack's JSON does), events are JSON. Every request carries
``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` (``v0=`` HMAC-SHA256 of ``v0:ts:body``).
"""
from __future__ import annotations

import http.client
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier

TEAM = {"id": "T0TEAM", "domain": "fleetops-test"}
APP_ID = "A0FLEET"
_counter = itertools.count(1)


def slack_json(data: Any) -> str:
    """Compact JSON with ``/`` escaped, as Slack writes it."""
    return json.dumps(data, separators=(",", ":")).replace("/", "\\/")


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackSender:
    def __init__(self, url: str, secret: str):
        self.url = url
        self.secret = secret
        self.verifier = SignatureVerifier(secret)

    # --- transport -----------------------------------------------------------------------------------
    def post(self, body: str, content_type: str, *, timestamp: int | None = None, signature: str | None = None,
             headers: dict[str, str] | None = None) -> Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature if signature is not None else self.verifier.generate_signature(timestamp=ts, body=body)
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            conn.request("POST", parts.path, body=body.encode("utf-8"), headers={
                "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
                "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)", **(headers or {})})
            r = conn.getresponse()
            return Response(r.status, r.read().decode("utf-8"), {k.lower(): v for k, v in r.getheaders()})
        finally:
            conn.close()

    # --- shapes --------------------------------------------------------------------------------------
    @staticmethod
    def slash_body(text: str, *, user: str = "U0ALICE", user_name: str = "alice", channel: str = "C0OPS",
                   response_url: str = "https://hooks.slack.com/commands/T0TEAM/1/x",
                   trigger_id: str | None = None) -> str:
        n = next(_counter)
        return urlencode([
            ("token", "verification-token-deprecated"), ("team_id", TEAM["id"]), ("team_domain", TEAM["domain"]),
            ("channel_id", channel), ("channel_name", "fleet-ops"), ("user_id", user), ("user_name", user_name),
            ("command", "/fleet"), ("text", text), ("api_app_id", APP_ID), ("is_enterprise_install", "false"),
            ("response_url", response_url), ("trigger_id", trigger_id or f"{n}.{n * 7}.{n:032x}"),
        ])

    def slash(self, text: str, **kw: Any) -> Response:
        return self.post(self.slash_body(text, **kw), "application/x-www-form-urlencoded")

    @staticmethod
    def click_payload(action_id: str, value: str, *, user: str, channel: str = "C0OPS", message_ts: str | None = None,
                      thread_ts: str | None = None, response_url: str = "https://hooks.slack.com/actions/T0TEAM/1/y",
                      home_view_id: str | None = None, label: str = "Approve") -> dict[str, Any]:
        n = next(_counter)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]},
            "api_app_id": APP_ID, "token": "verification-token-deprecated",
            "trigger_id": f"{n}.{n * 3}.{n:032x}",
            "team": TEAM, "enterprise": None, "is_enterprise_install": False,
            "state": {"values": {}},
            "actions": [{"action_id": action_id, "block_id": "change:blk", "text": {"type": "plain_text",
                                                                                   "text": label, "emoji": True},
                         "value": value, "type": "button", "action_ts": f"{time.time():.6f}"}],
        }
        if home_view_id:
            payload["container"] = {"type": "view", "view_id": home_view_id}
            payload["view"] = {"id": home_view_id, "type": "home", "blocks": []}
        else:
            payload["container"] = {"type": "message", "message_ts": message_ts, "channel_id": channel,
                                    "is_ephemeral": False}
            payload["channel"] = {"id": channel, "name": "fleet-ops"}
            message = {"type": "message", "ts": message_ts, "user": "U0BOT", "bot_id": "B0BOT", "text": "card",
                       "blocks": []}
            if thread_ts:
                message["thread_ts"] = thread_ts
            payload["message"] = message
            payload["response_url"] = response_url
        return payload

    def click(self, action_id: str, value: str, **kw: Any) -> Response:
        payload = self.click_payload(action_id, value, **kw)
        return self.post("payload=" + quote(slack_json(payload)), "application/x-www-form-urlencoded")

    def submit_view(self, view: dict[str, Any], reason: str | None, *, user: str) -> Response:
        """A ``view_submission`` of the modal the app opened (``view`` as sent to views.open)."""
        n = next(_counter)
        values = {}
        if reason is not None:
            values = {"reason": {"reason_input": {"type": "plain_text_input", "value": reason}}}
        payload = {
            "type": "view_submission", "team": TEAM,
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]},
            "api_app_id": APP_ID, "token": "verification-token-deprecated", "trigger_id": f"{n}.{n}.{n:032x}",
            "view": {"id": f"V{n:08d}", "team_id": TEAM["id"], "type": "modal", "blocks": view.get("blocks", []),
                     "private_metadata": view.get("private_metadata", ""), "callback_id": view.get("callback_id"),
                     "state": {"values": values}, "hash": f"{n}.abc", "title": view.get("title"),
                     "clear_on_close": False, "notify_on_close": False, "close": view.get("close"),
                     "submit": view.get("submit"), "previous_view_id": None, "root_view_id": f"V{n:08d}",
                     "app_id": APP_ID, "external_id": "", "app_installed_team_id": TEAM["id"], "bot_id": "B0BOT"},
            "response_urls": [], "is_enterprise_install": False, "enterprise": None,
        }
        return self.post("payload=" + quote(slack_json(payload)), "application/x-www-form-urlencoded")

    @staticmethod
    def event_body(event: dict[str, Any], event_id: str) -> str:
        return slack_json({
            "token": "verification-token-deprecated", "team_id": TEAM["id"], "context_team_id": TEAM["id"],
            "context_enterprise_id": None, "api_app_id": APP_ID, "event": event, "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": TEAM["id"], "user_id": "U0BOT", "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": f"4-{event_id}"})

    def event(self, event: dict[str, Any], event_id: str, retry_num: int | None = None,
              body: str | None = None) -> Response:
        headers = {}
        if retry_num:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body or self.event_body(event, event_id), "application/json", headers=headers)


def mention(text: str, *, user: str = "U0ALICE", channel: str = "C0OPS", ts: str = "1712345678.000100",
            thread_ts: str | None = None) -> dict[str, Any]:
    ev = {"type": "app_mention", "user": user, "text": f"<@U0BOT> {text}", "ts": ts, "channel": channel,
          "event_ts": ts, "client_msg_id": f"m-{ts}", "team": TEAM["id"]}
    if thread_ts:
        ev["thread_ts"] = thread_ts
    return ev


def direct_message(text: str, *, user: str = "U0ALICE", channel: str = "D0ALICE",
                   ts: str = "1712345679.000200") -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": channel,
            "event_ts": ts, "client_msg_id": f"d-{ts}", "team": TEAM["id"]}


def home_opened(user: str) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D0" + user[2:], "tab": "home",
            "event_ts": f"{time.time():.6f}"}
