"""Bolt listeners: persist the work, then acknowledge (issue 12: no acked click or command silently lost).

Commands, Approve clicks and reject submissions are persisted as jobs (``SlackBot.accept_*``: the job and
its delivery id in one transaction) and only then acknowledged; the ack says "busy, try again" only when
the job could not be persisted. Mentions and DMs are persisted by a global middleware (``persist_events``)
before Bolt acknowledges them; if that fails the answer is ``503`` so Slack delivers the event again.
Jobs run on the ``JobRunner``'s threads, also after a restart. Content-carrying acks: ``/fleet help``,
a parse error, "busy", and a reject submission without a reason (``response_action: errors``). Nothing
raises out of a listener after its ack (Bolt would turn that into a 404 for Slack).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse

from bot.slack import blocks as B
from bot.slack import gates, incidents, rollback, show_all
from bot.slack import messages as M
from bot.slack.attention import RESOLVE_ACTION
from bot.slack.bot import SlackBot
from bot.slack.cards import APPROVE, REJECT
from bot.slack.commands import CommandError, parse_command, plain_text
from bot.slack.home import MAX_REASON, REASON_BLOCK, REJECT_CALLBACK, reason_of
from bot.slack.results import error_message, help_message

log = logging.getLogger(__name__)


def retry_num(request: BoltRequest) -> int:
    """``X-Slack-Retry-Num`` as a number (0 on a first delivery; Socket Mode always sends the header).
    Only a hint for logging: de-duplication is by ``event_id``."""
    try:
        return int((request.headers.get("x-slack-retry-num") or ["0"])[0])
    except (ValueError, TypeError):
        return 0


def _accepted(what: str, fn: Callable[[], str]) -> str:
    """Persist a job (``queued`` / ``duplicate`` / ``failed``); an exception counts as ``failed``."""
    try:
        return fn()
    except Exception:
        log.exception("persisting %s failed", what)
        return "failed"


def _guard(what: str, fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception:
        log.exception("handling %s failed after the ack", what)


def persisted_event(body: dict[str, Any]) -> tuple[str, str] | None:
    """``("mention"|"dm", user)`` for an event that becomes a job (an app_mention, or a person's direct
    message), else None (edits, joins, our own messages, other bots, other events)."""
    if body.get("type") != "event_callback":
        return None
    event = body.get("event") or {}
    if not event.get("user") or event.get("subtype") or event.get("bot_id"):
        return None
    if event.get("type") == "app_mention":
        return "mention", event["user"]
    if event.get("type") == "message" and event.get("channel_type") == "im":
        return "dm", event["user"]
    return None


def register(app: App, bot: SlackBot) -> None:
    @app.middleware
    def persist_events(body: dict[str, Any], context: BoltContext, next: Callable[[], Any]) -> Any:
        what = persisted_event(body)
        if what is None:
            return next()
        kind: Literal["mention", "dm"] = "mention" if what[0] == "mention" else "dm"
        try:
            accepted = bot.accept_event(body, kind, context.bot_user_id)
        except Exception:
            log.exception("persisting event %s failed", body.get("event_id"))
            accepted = "failed"
        if accepted == "failed":
            return BoltResponse(status=503, body="busy, deliver again")
        return BoltResponse(status=200, body="")

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
        if _accepted("/fleet", lambda: bot.accept_command(body)) == "failed":
            ack(text=M.BUSY)
            return
        ack(text=M.ACK_WORKING.format(text=B.escape(B.cut(plain_text(text), 200))))

    @app.action(APPROVE)
    def approve(ack: Ack, body: dict[str, Any]) -> None:
        accepted = _accepted("approve", lambda: bot.clicks.accept_approve(body))
        ack()
        if accepted == "failed":
            _guard("approve", lambda: bot.clicks.busy(body))

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
        if _accepted("reject submission", lambda: bot.clicks.accept_reject(body, reason)) == "failed":
            ack(response_action="errors", errors={REASON_BLOCK: M.BUSY})
            return
        ack()

    @app.event("app_mention")
    def mention(body: dict[str, Any], context: BoltContext, request: BoltRequest) -> None:
        # persisted by persist_events; reaches here only when it let the event through (no user: ignored)
        _guard("app_mention", lambda: bot.message_event(body, "mention", context.bot_user_id, retry_num(request)))

    @app.event("message")
    def direct_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext,
                       request: BoltRequest) -> None:
        return  # direct messages were persisted by persist_events; edits, joins, bots' messages are ignored

    @app.event("app_home_opened")
    def home(body: dict[str, Any], event: dict[str, Any], request: BoltRequest) -> None:
        if event.get("tab", "home") == "home":
            _guard("app_home_opened", lambda: bot.home_opened(body, retry_num(request)))

    incidents.register(app, bot)  # the incident cards' buttons (Move off, Drain, Mute)
    rollback.register(app, bot)  # a failed change's one-click rollback
    show_all.register(app, bot)  # a summarised answer's full list, recomputed for the clicker
    gates.register(app, bot)  # stage gates of staged rollouts (Approve / Reject)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error in a Slack listener (%s): %s", (body or {}).get("type"), error)
