"""Approve / Reject clicks, the reject modal's submission, and the App Home tab.

Called from Bolt listeners after ``ack()``; the work goes to the ``Worker``. The pipeline decides
everything (who may approve, compare-and-set, one execution); this layer refuses clicks on a card that
showed an older plan version, and tells the person who clicked, and only them, what happened: an
ephemeral message next to the card, or a notice at the top of their App Home tab.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from audit.models import ChangeState
from bot.changes import answer
from bot.pipeline import Pipeline
from bot.slack import blocks as B
from bot.slack.attention import resolve_of
from bot.slack.cards import decision_of, parse_button_value
from bot.slack.directory import Directory
from bot.slack.home import home_view, info_modal, metadata_of, reject_modal
from bot.slack.notifier import SLACK_ERRORS, SlackNotifier
from bot.slack.origin import Where, respond, slack_error
from bot.slack.worker import Worker
from bot.slack import messages as M

log = logging.getLogger(__name__)


def _value(body: dict[str, Any]) -> str | None:
    return ((body.get("actions") or [{}])[0]).get("value")


class Clicks:
    def __init__(self, pipeline: Pipeline, client: Any, notifier: SlackNotifier, directory: Directory,
                 worker: Worker):
        self.pipeline, self.client, self.notifier = pipeline, client, notifier
        self.directory, self.worker = directory, worker
        self.changes = pipeline.changes

    # --- entry points (listener threads, after ack) ------------------------------------------------
    def approve_clicked(self, body: dict[str, Any]) -> None:
        where = Where.of_click(body)
        self.worker.submit(self._approve, where, _value(body), on_error=lambda e: self._failed(where, e))

    def reject_clicked(self, body: dict[str, Any]) -> None:
        """Open the reason modal at once (the click's trigger_id lives 3 s), then check in the background
        whether this person may reject at all (if not, the modal says so)."""
        where = Where.of_click(body)
        parsed = parse_button_value(_value(body))
        if parsed is None:
            self.worker.submit(self.feedback, where, False, M.BAD_BUTTON)
            return
        cid, version = parsed
        try:
            resp = self.client.views_open(trigger_id=body.get("trigger_id"),
                                          view=reject_modal(cid, version, where.meta()))
        except SLACK_ERRORS as e:
            log.warning("views.open for rejecting change %s failed: %s", cid, e)
            self.worker.submit(self.feedback, where, False, M.FAILED_TEXT.format(error=slack_error(e)))
            return
        view = resp.get("view") or {}
        self.worker.submit(self._check_reject, where, cid, view.get("id"), view.get("hash"))

    def reject_submitted(self, body: dict[str, Any], reason: str) -> None:
        meta = metadata_of(body.get("view") or {})
        where = Where.of_meta(body, meta)
        self.worker.submit(self._reject, where, str(meta.get("id") or ""), meta.get("v"), reason,
                           on_error=lambda e: self._failed(where, e))

    def resolve_clicked(self, body: dict[str, Any]) -> None:
        """Finish / Undo / Mark reviewed on the card of a change in attention (bot/slack/attention.py)."""
        where = Where.of_click(body)
        self.worker.submit(self._resolve, where, resolve_of(body), on_error=lambda e: self._failed(where, e))

    def _resolve(self, where: Where, parsed: tuple[str, str] | None) -> None:
        if parsed is None:
            self.feedback(where, False, M.BAD_BUTTON)
            return
        actor = self.directory.actor(where.user, where.user_name)
        ok, text = answer(self.changes.resolve(parsed[0], actor, parsed[1]), actor.id)
        self.feedback(where, ok, text)

    def home_opened(self, user: str) -> None:
        self.worker.submit(self.publish_home, user)

    # --- work ----------------------------------------------------------------------------------------
    def _approve(self, where: Where, value: str | None) -> None:
        parsed = parse_button_value(value)
        if parsed is None:
            self.feedback(where, False, M.BAD_BUTTON)
            return
        cid, version = parsed
        actor = self.directory.actor(where.user, where.user_name)
        change = self.changes.find(cid)
        if change is None:
            self.feedback(where, False, M.NO_SUCH_CHANGE.format(id=cid))
            return
        if version is not None and change.state == ChangeState.PENDING and change.version != version:
            self.notifier.updater.mark(cid)
            self.feedback(where, False, M.OLD_VERSION.format(id=cid, seen=version, now=change.version))
            return
        ok, text = answer(self.changes.approve(cid, actor, version=version), actor.id)
        if not ok:
            self.notifier.updater.mark(cid)  # a stale card (buttons still there): bring it up to date
        self.feedback(where, ok, text)

    def _check_reject(self, where: Where, change_id: str, view_id: str | None, view_hash: str | None) -> None:
        actor = self.directory.actor(where.user, where.user_name)
        change = self.changes.find(change_id)
        if change is None:
            why = M.NO_SUCH_CHANGE.format(id=change_id)
        else:
            if change.state not in (ChangeState.PENDING, ChangeState.STALE):
                why = M.NOT_OPEN.format(id=change.id, state=change.state)
            elif not self.changes.may_reject(change, actor):
                why = M.REJECT_WHO
            else:
                return
        if view_id:
            try:
                self.client.views_update(view_id=view_id, hash=view_hash,
                                         view=info_modal(M.REJECT_NOT_ALLOWED_TITLE, why))
            except SLACK_ERRORS as e:  # the person may have closed or submitted it already
                log.info("views.update %s failed: %s", view_id, e)

    def _reject(self, where: Where, change_id: str, version: Any, reason: str) -> None:
        actor = self.directory.actor(where.user, where.user_name)
        change = self.changes.find(change_id)
        if change is None:
            self.feedback(where, False, M.NO_SUCH_CHANGE.format(id=change_id))
            return
        if version is not None and change.state == ChangeState.PENDING and change.version != int(version):
            self.feedback(where, False, M.OLD_VERSION.format(id=change_id, seen=version, now=change.version))
            return
        ok, text = answer(self.changes.reject(change_id, actor, reason), actor.id)
        self.feedback(where, ok, text)

    # --- telling the person who clicked ----------------------------------------------------------------
    def _failed(self, where: Where, error: BaseException) -> None:
        self.feedback(where, False, M.FAILED_TEXT.format(error=type(error).__name__))

    def feedback(self, where: Where, ok: bool, text: str) -> None:
        """An ephemeral message next to the card (response_url if that fails), or a notice at the top
        of the clicker's App Home when the click came from there."""
        if where.home or not where.channel:
            self.publish_home(where.user, notice=(ok, text))
            return
        payload = B.mrkdwn_message((M.FEEDBACK_OK if ok else M.FEEDBACK_NO).format(text=B.escape(text)))
        try:
            self.client.chat_postEphemeral(channel=where.channel, user=where.user, thread_ts=where.thread_ts,
                                           **payload)
            return
        except SLACK_ERRORS as e:
            log.info("chat.postEphemeral failed (%s); trying the response_url", e)
        if where.response_url:
            try:
                respond(where.response_url, {**payload, "response_type": "ephemeral", "replace_original": False})
            except SLACK_ERRORS as e:
                log.warning("could not tell %s: %s", where.user, e)

    def publish_home(self, user: str, notice: tuple[bool, str] | None = None) -> None:
        """(Re)publish ``user``'s Home tab: what they can approve, their requests, recent changes."""
        actor = self.directory.actor(user)
        actionable = []
        for c in self.changes.pending_for(user, limit=50):
            d = decision_of(c)
            if d is not None and d.can_approve(actor, c.requester, c.approvals)[0]:
                actionable.append(c)
        mine = self.changes.list(requester=user, limit=11)
        recent = self.changes.list(limit=11)
        updated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        try:
            self.client.views_publish(user_id=user, view=home_view(user, actionable, mine, recent, notice=notice,
                                                                   updated=updated))
        except SLACK_ERRORS as e:
            log.warning("views.publish for %s failed: %s", user, e)
