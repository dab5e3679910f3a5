"""The Slack front end's requests, handled after Slack got its ack: ``/fleet``, mentions and DMs go
through the pipeline and are answered where they came from; change requests become cards.

Every public method is called from a Bolt listener *after* ``ack()`` and returns quickly: slow work
goes to the ``Worker`` (a bounded pool), and nothing raises out: failures are logged and told to the
person who asked. Exactly once is the pipeline's job (delivery ids, compare-and-set approvals and
execution claims); this layer adds the de-duplication of event deliveries by ``event_id``
(``changes.first_delivery``, shared by every process on the database) and never runs the executor itself.
Clicks and the Home tab are ``Clicks``' (``self.clicks``).
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any, Literal

from pydantic import ValidationError

from audit.errors import AuditError
from bot.pipeline import Pipeline, Reply, Request
from bot.slack import blocks as B
from bot.slack import messages as M
from bot.slack.cards import change_card
from bot.slack.clicks import Clicks
from bot.slack.commands import Command, CommandError, parse_command, plain_text
from bot.slack.directory import Directory
from bot.slack.notifier import SLACK_ERRORS, CardNotPosted, SlackNotifier
from bot.slack.origin import Origin, respond
from bot.slack.results import audit_message, change_rows, changes_message, error_message, help_message, reply_message
from bot.slack.worker import Worker
from tools import registry
from tools.args import SearchAuditArgs

log = logging.getLogger(__name__)
HISTORY_TURNS = 6
HISTORY_THREADS = 500


class SlackBot:
    def __init__(self, pipeline: Pipeline, client: Any, notifier: SlackNotifier, directory: Directory,
                 worker: Worker):
        self.pipeline, self.client, self.notifier = pipeline, client, notifier
        self.directory, self.worker = directory, worker
        self.changes = pipeline.changes
        self.clicks = Clicks(pipeline, client, notifier, directory, worker)
        self._history: OrderedDict[tuple[str, str], list[tuple[str, str]]] = OrderedDict()
        self._history_lock = threading.Lock()

    # --- entry points (listener threads, after ack) ------------------------------------------------
    def command(self, body: dict[str, Any], cmd: Command) -> None:
        """``/fleet …`` (help was answered in the ack). Slash commands are not retried; the trigger_id
        still makes a unique delivery id."""
        origin = Origin.of_command(body)
        trigger = body.get("trigger_id")
        self._submit(origin, self._dispatch, origin, cmd, f"slack:command:{trigger}" if trigger else None)

    def message_event(self, body: dict[str, Any], kind: Literal["mention", "dm"], bot_user_id: str | None = None,
                      retry_num: int = 0) -> None:
        """``app_mention`` or a direct message: de-duplicated by ``event_id``, answered in its thread."""
        event = body.get("event") or {}
        if not event.get("user") or not self._first_delivery(body, retry_num):
            return
        origin = Origin.of_event(event, kind)
        try:
            cmd = parse_command(plain_text(event.get("text") or "", bot_user_id))
        except CommandError as e:
            self._submit(origin, self.say, origin, error_message(str(e)))
            return
        event_id = body.get("event_id")
        self._submit(origin, self._dispatch, origin, cmd, f"slack:{event_id}" if event_id else None)

    def home_opened(self, body: dict[str, Any], retry_num: int = 0) -> None:
        user = (body.get("event") or {}).get("user")
        if user and self._first_delivery(body, retry_num):
            self.clicks.home_opened(user)

    # --- requests ------------------------------------------------------------------------------------
    def _submit(self, origin: Origin, fn: Any, *args: Any) -> None:
        ok = self.worker.submit(fn, *args, on_error=lambda e: self.say(
            origin, B.mrkdwn_message(M.FAILED.format(error=B.escape(type(e).__name__))), replace=True))
        if not ok:
            self.say(origin, B.mrkdwn_message(M.BUSY), replace=True)

    def _first_delivery(self, body: dict[str, Any], retry_num: int) -> bool:
        """True the first time this event_id is seen (by any process); the retry header is only logged:
        a retry may be the only copy that ever arrived."""
        event_id = body.get("event_id")
        if not event_id:
            return True
        if self.changes.first_delivery(f"slack-event:{event_id}"):
            return True
        log.info("event %s delivered again (retry %s): already handled", event_id, retry_num or "?")
        return False

    def _dispatch(self, origin: Origin, cmd: Command, delivery_id: str | None) -> None:
        if cmd.kind == "help":
            self.say(origin, help_message())
        elif cmd.kind == "changes":
            changes = self.changes.list(status=cmd.status, limit=50)
            self.say(origin, changes_message(change_rows(changes), cmd.status), replace=True)
        elif cmd.kind == "audit" and cmd.audit:
            self.say(origin, self._audit(cmd.audit), replace=True)
        else:
            self._request(origin, cmd.text, delivery_id)

    def _audit(self, flags: dict[str, str]) -> dict[str, Any]:
        try:
            args = SearchAuditArgs(**flags)
            result = self.pipeline.read("search_audit", args)
        except ValidationError as e:
            return error_message(M.AUDIT_BAD_VALUE.format(detail=registry.explain(e)))
        except (AuditError, ValueError) as e:
            return error_message(M.AUDIT_BAD_VALUE.format(detail=e))
        return audit_message(result.to_json().get("events") or [], filters=args.given())

    def _request(self, origin: Origin, text: str, delivery_id: str | None) -> None:
        actor = self.directory.actor(origin.user, origin.user_name)
        reply = self.pipeline.handle(Request(actor=actor, text=text, channel=origin.channel,
                                             thread_ts=origin.thread_ts, delivery_id=delivery_id,
                                             history=self._history_of(origin), source=f"slack-{origin.kind}"))
        self._remember(origin, text, reply.text)
        if reply.kind == "duplicate":
            return
        if reply.kind == "change" and reply.change is not None:
            self._post_change(origin, reply)
            return
        payload = reply_message(reply)
        if payload is not None:
            self.say(origin, payload, replace=True)

    def _post_change(self, origin: Origin, reply: Reply) -> None:
        change = reply.change
        assert change is not None
        try:
            stored = self.notifier.post_card(change.id)
        except CardNotPosted as e:
            self._card_fallback(origin, change.id, e.error)
            return
        if not stored.message_ts:
            self._card_fallback(origin, change.id, "no card")
        elif origin.kind == "command":
            self.say(origin, B.mrkdwn_message(M.CARD_POSTED_ELSEWHERE.format(id=change.id)), replace=True)

    def _card_fallback(self, origin: Origin, change_id: str, error: str) -> None:
        """The card could not go to the channel: show it to the requester with what to do."""
        change = self.changes.get(change_id)
        warning = M.CARD_NOT_POSTED.format(id=change.id, error=B.escape(error), state=change.state)
        card = change_card(change, self.notifier.board.get(change.id))
        self.say(origin, B.message(warning, [B.section(warning)] + card["blocks"][: B.MAX_BLOCKS - 1]),
                 replace=True)

    # --- history (follow-ups like "and on 3 clusters") -----------------------------------------------
    def _history_of(self, origin: Origin) -> list[tuple[str, str]]:
        with self._history_lock:
            return list(self._history.get(origin.history_key, []))

    def _remember(self, origin: Origin, text: str, answer: str) -> None:
        with self._history_lock:
            turns = self._history.pop(origin.history_key, [])
            turns = (turns + [("user", text), ("bot", B.cut(answer or "", 500))])[-HISTORY_TURNS:]
            self._history[origin.history_key] = turns
            while len(self._history) > HISTORY_THREADS:
                self._history.popitem(last=False)

    # --- output --------------------------------------------------------------------------------------
    def say(self, origin: Origin, payload: dict[str, Any], replace: bool = False) -> None:
        """Answer a request: ephemeral through the slash command's response_url (``replace``: instead of
        the "working on it" ack), or in the mention's / DM's thread."""
        try:
            if origin.kind == "command" and origin.response_url:
                respond(origin.response_url, {**payload, "response_type": "ephemeral",
                                              "replace_original": replace})
            elif origin.channel:
                self.client.chat_postMessage(channel=origin.channel, thread_ts=origin.thread_ts, **payload)
        except SLACK_ERRORS as e:
            log.warning("answering %s in %s failed: %s", origin.user, origin.channel, e)
