"""Approve / Reject clicks, the reject modal's submission, and the App Home tab.

Called from Bolt listeners after ``ack()``; the work goes to the ``Worker``. The pipeline decides
everything (who may approve, compare-and-set, one execution); this layer refuses clicks on a card that
showed an older plan version, and tells the person who clicked, and only them, what happened: an
ephemeral message next to the card, or a notice at the top of their App Home tab.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from audit.jobs import Job
from audit.models import ChangeState
from bot.changes import Workspace, answer
from bot.messages import pipeline as PM
from bot.pipeline import Pipeline
from bot.policy.freezes import covering, freeze_line
from bot.slack import blocks as B
from bot.slack import messages as M
from bot.slack.attention import resolve_of
from bot.slack.cards import decision_of, parse_button_value
from bot.slack.directory import Directory
from bot.slack.home import home_view, info_modal, metadata_of, reject_modal
from bot.slack.notifier import SLACK_ERRORS, SlackNotifier
from bot.slack.origin import Where, respond, slack_error
from bot.slack.worker import Accepted, JobRunner, Worker

log = logging.getLogger(__name__)


def _value(body: dict[str, Any]) -> str | None:
    return ((body.get("actions") or [{}])[0]).get("value")


def workspace_of(body: dict[str, Any]) -> Workspace:
    """The workspace a click or submission came from (``team.id``, else the user's ``team_id``; the
    Enterprise Grid org from ``enterprise.id``)."""
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    enterprise = (body.get("enterprise") or {}).get("id") if isinstance(body.get("enterprise"), dict) else None
    return Workspace(team_id=team, enterprise_id=enterprise or None)


def _click_key(body: dict[str, Any]) -> str:
    """A delivery id for a click: its trigger_id (unique per click), else its action_ts and user."""
    if body.get("trigger_id"):
        return f"slack-click:{body['trigger_id']}"
    action = (body.get("actions") or [{}])[0]
    return f"slack-click:{action.get('action_ts')}:{(body.get('user') or {}).get('id')}:{action.get('value')}"


class Clicks:
    def __init__(self, pipeline: Pipeline, client: Any, notifier: SlackNotifier, directory: Directory,
                 worker: Worker, runner: JobRunner | None = None):
        self.pipeline, self.client, self.notifier = pipeline, client, notifier
        self.directory, self.worker = directory, worker
        self.runner = runner or JobRunner(pipeline.store.jobs, {})
        self.changes = pipeline.changes

    def job_handlers(self) -> dict[str, Any]:
        return {"approve": self._job_approve, "reject": self._job_reject}

    # --- accepting (listener threads, before the ack): persisted jobs ----------------------------------
    def accept_approve(self, body: dict[str, Any]) -> Accepted:
        """Persist an Approve click as a job before its ack."""
        return self.runner.accept(_click_key(body), "approve", {"body": body})

    def accept_reject(self, body: dict[str, Any], reason: str) -> Accepted:
        """Persist a reject submission (the modal with its reason) as a job before its ack."""
        view = body.get("view") or {}
        key = f"slack-view:{view.get('id')}:{view.get('hash')}:{(body.get('user') or {}).get('id')}"
        return self.runner.accept(key, "reject", {"body": body, "reason": reason})

    def busy(self, body: dict[str, Any]) -> None:
        """The click could not be persisted: tell the person to click again (best effort)."""
        self.worker.submit(self.feedback, Where.of_click(body), False, M.BUSY)

    def _job_approve(self, payload: dict[str, Any]) -> None:
        body = payload["body"]
        self._approve(Where.of_click(body), _value(body), workspace_of(body))

    def _job_reject(self, payload: dict[str, Any]) -> None:
        body = payload["body"]
        meta = metadata_of(body.get("view") or {})
        self._reject(Where.of_meta(body, meta), str(meta.get("id") or ""), meta.get("v"), payload.get("reason") or "",
                     workspace_of(body))

    def job_failed(self, job: Job, error: BaseException) -> None:
        body = (job.payload or {}).get("body") if isinstance(job.payload, dict) else None
        if not isinstance(body, dict):
            return
        where = Where.of_click(body) if job.kind == "approve" else \
            Where.of_meta(body, metadata_of(body.get("view") or {}))
        self._failed(where, error)

    # --- entry points (listener threads, after ack) ------------------------------------------------
    def approve_clicked(self, body: dict[str, Any]) -> None:
        """An Approve click that was not persisted by its listener (e.g. Socket Mode callers)."""
        if self.accept_approve(body) == "failed":
            self.busy(body)

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
        if self.accept_reject(body, reason) == "failed":
            where = Where.of_meta(body, metadata_of(body.get("view") or {}))
            self.worker.submit(self.feedback, where, False, M.BUSY)

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
    def _approve(self, where: Where, value: str | None, workspace: Workspace | None = None) -> None:
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
        ok, text = answer(self.changes.approve(cid, actor, version=version, workspace=workspace), actor.id)
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

    def _reject(self, where: Where, change_id: str, version: Any, reason: str,
                workspace: Workspace | None = None) -> None:
        actor = self.directory.actor(where.user, where.user_name)
        change = self.changes.find(change_id)
        if change is None:
            self.feedback(where, False, M.NO_SUCH_CHANGE.format(id=change_id))
            return
        home = self.changes.workspace
        if home is not None and workspace is not None and not home.accepts(workspace):
            self.feedback(where, False, PM.WRONG_WORKSPACE.format(got=workspace, want=home, id=change_id))
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
        now = datetime.now(UTC)
        updated = now.strftime("%Y-%m-%d %H:%M UTC")
        frozen = [freeze_line(fz) for fz in covering(self.changes.policy, [], now)]  # file's + declared in chat
        try:
            self.client.views_publish(user_id=user, view=home_view(user, actionable, mine, recent, notice=notice,
                                                                   updated=updated, freezes=frozen))
        except SLACK_ERRORS as e:
            log.warning("views.publish for %s failed: %s", user, e)
