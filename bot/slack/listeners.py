"""Bolt listeners: acknowledge at once, always, then hand over to ``SlackBot`` (which queues the work).

Commands, clicks and view submissions call ``ack()`` first thing; events are acknowledged by Bolt
before the listener runs. Only two acks carry content: ``/fleet help`` (answered in the ack, it needs
no work) and a reject submission without a reason (``response_action: errors`` keeps the modal open).
Nothing raises out of a listener after its ack (Bolt would turn that into a 404 for Slack).
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from slack_bolt import Ack, App, BoltContext, BoltRequest

from bot.slack import blocks as B
from bot.slack.attention import RESOLVE_ACTION
from bot.slack.bot import SlackBot
from bot.slack.cards import APPROVE, REJECT
from bot.slack.commands import CommandError, parse_command, plain_text
from bot.slack.home import MAX_REASON, REASON_BLOCK, REJECT_CALLBACK, reason_of
from bot.slack.results import error_message, help_message
from bot.slack import messages as M

log = logging.getLogger(__name__)


def retry_num(request: BoltRequest) -> int:
    """``X-Slack-Retry-Num`` as a number (0 on a first delivery; Socket Mode always sends the header).
    Only a hint for logging: de-duplication is by ``event_id``."""
    try:
        return int((request.headers.get("x-slack-retry-num") or ["0"])[0])
    except (ValueError, TypeError):
        return 0


def _guard(what: str, fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception:  # noqa: BLE001 - after the ack nothing may escape (see module docstring)
        log.exception("handling %s failed after the ack", what)


def register(app: App, bot: SlackBot) -> None:
    @app.command("/fleet")
    def fleet_command(ack: Ack, body: dict[str, Any]) -> None:
        text = body.get("text") or ""
        try:
            cmd = parse_command(plain_text(text))
        except CommandError as e:
            ack(**error_message(str(e)))
            return
        if cmd.kind == "help":
            ack(**help_message())
            return
        ack(text=M.ACK_WORKING.format(text=B.escape(B.cut(plain_text(text), 200))))
        _guard("/fleet", lambda: bot.command(body, cmd))

    @app.action(APPROVE)
    def approve(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        _guard("approve", lambda: bot.clicks.approve_clicked(body))

    @app.action(REJECT)
    def reject(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        _guard("reject", lambda: bot.clicks.reject_clicked(body))

    @app.action(RESOLVE_ACTION)  # Finish / Undo / Mark reviewed on a change in attention
    def resolve(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        _guard("resolve", lambda: bot.clicks.resolve_clicked(body))

    @app.view(REJECT_CALLBACK)
    def reject_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = reason_of(view)
        if not reason:
            ack(response_action="errors", errors={REASON_BLOCK: M.REASON_REQUIRED})
            return
        if len(reason) > MAX_REASON:
            ack(response_action="errors", errors={REASON_BLOCK: M.REASON_TOO_LONG.format(n=MAX_REASON)})
            return
        ack()
        _guard("reject submission", lambda: bot.clicks.reject_submitted(body, reason))

    @app.event("app_mention")
    def mention(body: dict[str, Any], context: BoltContext, request: BoltRequest) -> None:
        _guard("app_mention", lambda: bot.message_event(body, "mention", context.bot_user_id, retry_num(request)))

    @app.event("message")
    def direct_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext,
                       request: BoltRequest) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, joins, our own messages, other bots
        _guard("message.im", lambda: bot.message_event(body, "dm", context.bot_user_id, retry_num(request)))

    @app.event("app_home_opened")
    def home(body: dict[str, Any], event: dict[str, Any], request: BoltRequest) -> None:
        if event.get("tab", "home") == "home":
            _guard("app_home_opened", lambda: bot.home_opened(body, retry_num(request)))

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error in a Slack listener (%s): %s", (body or {}).get("type"), error)
