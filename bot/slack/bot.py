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
import uuid
from collections import OrderedDict
from typing import Any, Literal

from pydantic import ValidationError

from audit.errors import AuditError
from audit.jobs import Job
from audit.redact import mask_text
from bot import toolbox
from bot.pipeline import Pipeline, Reply, Request
from bot.slack import blocks as B
from bot.slack import messages as M
from bot.slack.cards import change_card
from bot.slack.clicks import Clicks
from bot.slack.commands import Command, CommandError, parse_command, plain_text
from bot.slack.directory import Directory
from bot.slack.notifier import SLACK_ERRORS, CardNotPosted, SlackNotifier
from bot.slack.origin import Origin, respond
from bot.slack.results import (
    audit_message,
    change_rows,
    changes_message,
    error_message,
    full_list_messages,
    help_message,
    reply_message,
    wants_full,
)
from bot.slack.worker import Accepted, JobRunner, Worker
from tools import registry
from tools.args import SearchAuditArgs

log = logging.getLogger(__name__)
HISTORY_TURNS = 6
HISTORY_THREADS = 500


class SlackBot:
    def __init__(self, pipeline: Pipeline, client: Any, notifier: SlackNotifier, directory: Directory,
                 worker: Worker, runner: JobRunner | None = None):
        self.pipeline, self.client, self.notifier = pipeline, client, notifier
        self.directory, self.worker = directory, worker
        self.runner = runner or JobRunner(pipeline.store.jobs, {})
        self.changes = pipeline.changes
        self.clicks = Clicks(pipeline, client, notifier, directory, worker, self.runner)
        self.runner.handlers.update({"command": self._job_command, "event": self._job_event,
                                     **self.clicks.job_handlers()})
        self._history: OrderedDict[tuple[str, str], list[tuple[str, str]]] = OrderedDict()
        self._history_lock = threading.Lock()

    # --- accepting (listener threads, before the ack): persisted jobs ----------------------------------
    def accept_command(self, body: dict[str, Any]) -> Accepted:
        """Persist ``/fleet …`` as a job before its ack (``failed``: the ack says busy, try again)."""
        trigger = body.get("trigger_id")
        key = f"slack-command:{trigger}" if trigger else f"slack-command:{uuid.uuid4().hex}"
        return self.runner.accept(key, "command", {"body": body})

    def accept_event(self, body: dict[str, Any], kind: Literal["mention", "dm"], bot_user_id: str | None) -> Accepted:
        """Persist a mention / DM before its ack, de-duplicated by ``event_id`` (``failed``: answer 503 so
        that Slack delivers it again)."""
        event_id = body.get("event_id")
        key = f"slack-event:{event_id}" if event_id else f"slack-event:{uuid.uuid4().hex}"
        return self.runner.accept(key, "event", {"body": body, "kind": kind, "bot_user_id": bot_user_id})

    def _job_command(self, payload: dict[str, Any]) -> None:
        body = payload["body"]
        origin = Origin.of_command(body)
        try:
            cmd = parse_command(plain_text(body.get("text") or ""))
        except CommandError as e:
            self.say(origin, error_message(str(e)), replace=True)
            return
        trigger = body.get("trigger_id")
        self._dispatch(origin, cmd, f"slack:command:{trigger}" if trigger else None, claimed=True)

    def _job_event(self, payload: dict[str, Any]) -> None:
        body = payload["body"]
        kind: Literal["mention", "dm"] = "dm" if payload.get("kind") == "dm" else "mention"
        event = body.get("event") or {}
        if not event.get("user"):
            return
        origin = Origin.of_event(event, kind)
        try:
            cmd = parse_command(plain_text(event.get("text") or "", payload.get("bot_user_id")))
        except CommandError as e:
            self.say(origin, error_message(str(e)))
            return
        event_id = body.get("event_id")
        self._dispatch(origin, cmd, f"slack:{event_id}" if event_id else None, claimed=True)

    def job_failed(self, job: Job, error: BaseException) -> None:
        """Tell the person whose request failed (the runner calls this)."""
        body = (job.payload or {}).get("body") or {} if isinstance(job.payload, dict) else {}
        text = B.mrkdwn_message(M.FAILED.format(error=B.escape(type(error).__name__)))
        if job.kind == "command":
            self.say(Origin.of_command(body), text, replace=True)
        elif job.kind == "event" and (body.get("event") or {}).get("user"):
            kind: Literal["mention", "dm"] = "dm" if (job.payload or {}).get("kind") == "dm" else "mention"
            self.say(Origin.of_event(body["event"], kind), text)
        else:
            self.clicks.job_failed(job, error)

    # --- entry points that do not persist first (Socket Mode and callers without a listener) ----------------
    def command(self, body: dict[str, Any], cmd: Command) -> None:
        """``/fleet …`` (help was answered in the ack): persisted as a job; says "busy" when it could not be."""
        if self.accept_command(body) == "failed":
            self.say(Origin.of_command(body), B.mrkdwn_message(M.BUSY), replace=True)

    def message_event(self, body: dict[str, Any], kind: Literal["mention", "dm"], bot_user_id: str | None = None,
                      retry_num: int = 0) -> None:
        """``app_mention`` or a direct message: persisted as a job, de-duplicated by ``event_id``."""
        if (body.get("event") or {}).get("user") and self.accept_event(body, kind, bot_user_id) == "duplicate":
            log.info("event %s delivered again (retry %s): already handled", body.get("event_id"), retry_num or "?")

    def home_opened(self, body: dict[str, Any], retry_num: int = 0) -> None:
        user = (body.get("event") or {}).get("user")
        if user and self._first_delivery(body, retry_num):
            self.clicks.home_opened(user)

    # --- requests ------------------------------------------------------------------------------------
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

    def _dispatch(self, origin: Origin, cmd: Command, delivery_id: str | None, claimed: bool = False) -> None:
        if cmd.kind == "help":
            self.say(origin, help_message())
        elif cmd.kind == "changes":
            changes = self.changes.list(status=cmd.status, limit=50)
            self.say(origin, changes_message(change_rows(changes), cmd.status), replace=True)
        elif cmd.kind == "audit" and cmd.audit:
            self.say(origin, self._audit(cmd.audit), replace=True)
        else:
            self._request(origin, cmd.text, delivery_id, claimed)

    def _audit(self, flags: dict[str, str]) -> dict[str, Any]:
        try:
            args = SearchAuditArgs.model_validate(flags)
            result = self.pipeline.read(toolbox.name_of(SearchAuditArgs), args)
        except ValidationError as e:
            return error_message(M.AUDIT_BAD_VALUE.format(detail=registry.explain(e)))
        except (AuditError, ValueError) as e:
            return error_message(M.AUDIT_BAD_VALUE.format(detail=e))
        return audit_message(result.to_json().get("events") or [], filters=args.given())

    def _request(self, origin: Origin, text: str, delivery_id: str | None, claimed: bool = False) -> None:
        actor = self.directory.actor(origin.user, origin.user_name)
        full, text = wants_full(text)  # "--all": after a summarised answer, every row of it
        reply = self.pipeline.handle(Request(actor=actor, text=text, channel=origin.channel,
                                             thread_ts=origin.thread_ts, delivery_id=delivery_id, claimed=claimed,
                                             history=self._history_of(origin), source=f"slack-{origin.kind}"))
        self._remember(origin, mask_text(text).text, reply.text)
        if reply.kind == "duplicate":
            return
        if reply.kind == "change" and reply.change is not None:
            self._post_change(origin, reply)
        else:
            payload = reply_message(reply)
            if payload is not None:
                self.say(origin, payload, replace=True)
            for part in full_list_messages(reply.tool, reply.result) if full and reply.kind == "result" else ():
                self.say(origin, part)
        for notice in reply.notices:  # after the answer: a slash command's answer replaces the ack
            self.say(origin, B.mrkdwn_message(B.escape(notice)))

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
