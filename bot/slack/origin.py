"""Where something came from in Slack, and so where its answer goes.

``Origin``: a request (slash command → its response_url, ephemeral; mention or DM → its thread).
``Where``: a click or a modal submission (a message → ephemeral next to it; App Home → the tab itself).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk.webhook import WebhookClient


@dataclass
class Origin:
    """Where a request came from, and so where its answers go."""

    kind: Literal["command", "mention", "dm"]
    user: str
    channel: str | None
    thread_ts: str | None = None  # replies go to this thread (mentions, DMs)
    response_url: str | None = None  # slash commands answer here (ephemeral)
    user_name: str | None = None

    @property
    def history_key(self) -> tuple[str, str]:
        return (self.channel or "", self.thread_ts or self.user)

    @classmethod
    def of_command(cls, body: dict[str, Any]) -> Origin:
        return cls("command", user=body.get("user_id", ""), channel=body.get("channel_id"),
                   response_url=body.get("response_url"), user_name=body.get("user_name"))

    @classmethod
    def of_event(cls, event: dict[str, Any], kind: Literal["mention", "dm"]) -> Origin:
        return cls(kind, user=event.get("user", ""), channel=event.get("channel"),
                   thread_ts=event.get("thread_ts") or event.get("ts"))


@dataclass
class Where:
    """Where a click happened: a message (channel, thread, response_url) or the App Home tab."""

    user: str
    user_name: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None
    home: bool = False

    @classmethod
    def of_click(cls, body: dict[str, Any]) -> Where:
        user = body.get("user") or {}
        container = body.get("container") or {}
        message = body.get("message") or {}
        return cls(user=user.get("id", ""), user_name=user.get("name") or user.get("username"),
                   channel=(body.get("channel") or {}).get("id") or container.get("channel_id"),
                   thread_ts=message.get("thread_ts") or container.get("thread_ts"),
                   response_url=body.get("response_url"), home=container.get("type") == "view")

    def meta(self) -> dict[str, Any]:
        """What the reject modal carries in ``private_metadata`` to answer the submission here."""
        return {k: v for k, v in (("c", self.channel), ("t", self.thread_ts), ("h", self.home or None)) if v}

    @classmethod
    def of_meta(cls, body: dict[str, Any], meta: dict[str, Any]) -> Where:
        user = body.get("user") or {}
        return cls(user=user.get("id", ""), user_name=user.get("name") or user.get("username"),
                   channel=meta.get("c"), thread_ts=meta.get("t"), home=bool(meta.get("h")))


def respond(url: str, body: dict[str, Any]) -> None:
    """POST a message to a ``response_url`` (raises ``OSError`` on a non-2xx answer)."""
    resp = WebhookClient(url).send_dict(body)
    if resp.status_code >= 300:
        raise OSError(f"response_url answered {resp.status_code}: {resp.body[:200]}")


def slack_error(e: Exception) -> str:
    """Slack's error code (``not_in_channel``, ``expired_trigger_id`` …) or the exception's text."""
    response = getattr(e, "response", None)
    try:
        return str(response.get("error")) if response is not None else str(e)
    except AttributeError:
        return str(e)
