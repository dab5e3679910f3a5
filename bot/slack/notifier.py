"""Change-request cards in Slack: post each card once, keep it up to date, say when it is done.

``SlackNotifier`` is the pipeline's ``Notifier``: ``change_updated`` and ``progress`` mark the card out of
date and the ``CardUpdater`` edits it in place (``chat.update`` on the stored channel + ts). A card is
posted at most once per request, across processes (``changes.first_delivery("slack-card:<id>")``), and
its location is stored with ``changes.set_card``. When a request leaves ``pending`` for good (or
is re-planned), one notice goes to the card's thread, also claimed once. Nothing here raises into the
pipeline: Slack failures are logged.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from audit.gates import Gate
from audit.models import ChangeRequest, ChangeState
from bot.changes import ChangeQueries
from bot.slack import blocks as B
from bot.slack import messages as M
from bot.slack.cards import CLOSED_NOTICE_STATES, change_card, who
from bot.slack.gate_card import show_gate
from bot.slack.progress import ProgressBoard
from bot.slack.updater import CardUpdater, Target
from tools.executor import ProgressEvent

log = logging.getLogger(__name__)
_CONVERSATION = re.compile(r"^[CDGU][A-Z0-9]{2,}$")
SLACK_ERRORS = (SlackApiError, SlackClientError, OSError)


def is_slack_channel(channel: str | None) -> bool:
    """True for Slack conversation ids (not e.g. the terminal's ``terminal``)."""
    return bool(channel and _CONVERSATION.match(channel))


class CardNotPosted(Exception):
    """Slack refused the card (e.g. ``not_in_channel``); ``error`` is Slack's error code."""

    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


class SlackNotifier:
    def __init__(self, changes: ChangeQueries, client: Any, *, interval: float = 1.0,
                 board: ProgressBoard | None = None):
        self.changes, self.client = changes, client
        self.board = board or ProgressBoard()
        self.updater = CardUpdater(self._render, self._send, interval=interval)

    # --- the pipeline's Notifier protocol -------------------------------------------------------------
    def change_updated(self, change: ChangeRequest) -> None:
        try:
            self._touch(change.id)
            self._notice(self.changes.get(change.id))
        except Exception:
            log.exception("updating the card of change %s failed", change.id)

    def progress(self, change: ChangeRequest, event: ProgressEvent) -> None:
        try:
            self.board.record(change.id, event)
            self._touch(change.id)
        except Exception:
            log.exception("recording progress of change %s failed", change.id)

    def gate_updated(self, change: ChangeRequest, gate: Gate) -> None:
        """A stage gate opened or moved: its card in the change's thread (``bot.slack.gates``)."""
        show_gate(self.client, self.changes.store, self.changes.get(change.id), gate)

    # --- cards -------------------------------------------------------------------------------------
    def post_card(self, change_id: str) -> ChangeRequest:
        """Post the card of a request once (or mark the existing one for an update); returns the stored
        request. Raises ``CardNotPosted`` when Slack refuses the post."""
        change = self.changes.get(change_id)
        if change.message_ts or not is_slack_channel(change.channel):
            self.updater.mark(change.id)
            return change
        if not self.changes.first_delivery(f"slack-card:{change.id}"):
            self.updater.mark(change.id)  # someone else posts it; it gets the latest state once stored
            return change
        payload = change_card(change, self.board.get(change.id))
        try:
            resp = self.client.chat_postMessage(channel=change.channel, thread_ts=change.thread_ts, **payload)
        except SlackApiError as e:
            raise CardNotPosted(str(e.response.get("error") or e)) from e
        except (SlackClientError, OSError) as e:
            raise CardNotPosted(str(e)) from e
        channel, ts = str(resp.get("channel") or change.channel), str(resp["ts"])
        self.changes.set_card(change.id, channel, ts, change.thread_ts)
        self.updater.seed(change.id, payload)
        self.updater.mark(change.id)  # the state may have moved on while posting
        return self.changes.get(change.id)

    def _touch(self, change_id: str) -> None:
        change = self.changes.get(change_id)
        if change.message_ts:
            self.updater.mark(change_id)
        elif is_slack_channel(change.channel) and change.state != ChangeState.PENDING:
            # e.g. a change that needs no approval runs inside the request: show it as it runs
            try:
                self.post_card(change_id)
            except CardNotPosted as e:
                log.warning("could not post the card of change %s: %s", change_id, e.error)

    def _render(self, change_id: str) -> tuple[Target, dict[str, Any]] | None:
        change = self.changes.find(change_id)
        if change is None:
            return None
        if not change.message_ts or not change.channel:
            return None
        return (change.channel, change.message_ts), change_card(change, self.board.get(change_id))

    def _send(self, target: Target, payload: dict[str, Any]) -> None:
        channel, ts = target
        try:
            self.client.chat_update(channel=channel, ts=ts, **payload)
        except SLACK_ERRORS as e:
            log.warning("chat.update %s/%s failed: %s", channel, ts, e)
            raise

    # --- thread notices ------------------------------------------------------------------------------
    def _notice(self, change: ChangeRequest) -> None:
        if not change.message_ts or not change.channel:
            return
        if change.state in CLOSED_NOTICE_STATES:
            key, template = f"slack-notice:{change.id}:{change.state}", M.NOTICE[change.state]
        elif change.state == ChangeState.STALE:
            key, template = f"slack-notice:{change.id}:stale", M.NOTICE[ChangeState.STALE]
        elif change.state == ChangeState.APPROVED and change.reason:
            key, template = f"slack-notice:{change.id}:waiting:{change.updated_at}", M.NOTICE["waiting"]
        elif change.state == ChangeState.PENDING and change.version > 1:
            key, template = f"slack-notice:{change.id}:replanned:{change.version}", M.NOTICE["replanned"]
        else:
            return
        if not self.changes.first_delivery(key):
            return
        outcome = change.outcome if isinstance(change.outcome, dict) else {}
        message = B.escape(B.cut(str(outcome.get("message") or change.reason or ""), 1500))
        text = template.format(requester=who(change.requester), id=change.id, message=message,
                               version=change.version)
        try:
            self.client.chat_postMessage(channel=change.channel, thread_ts=change.thread_ts or change.message_ts,
                                         **B.mrkdwn_message(text))
        except SLACK_ERRORS as e:
            log.warning("posting the notice for change %s failed: %s", change.id, e)

    def close(self, timeout: float = 10.0) -> None:
        self.updater.close(timeout)
