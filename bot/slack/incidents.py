"""Incidents in Slack: one card per incident in the alerts channel, its buttons, its in-place recovery.

``SlackIncidentNotifier`` is the health watch's notifier: ``opened`` posts the card (the watch calls it
only in the process that claimed the incident, so it is posted once) and stores where it is;
``recovered`` edits that card in place and, unless someone muted it, says so in its thread.

Buttons (``register(app, bot)`` adds their listeners, acknowledged at once, the work on the bot's worker):
"Move off <cluster>" and "Drain <cluster>" open a change request as the person who clicked
(``bot.incidents.actions.open_change``: the normal plan → policy → change path), whose card goes to the
incident's thread; "Mute" records who muted it and updates the card. The clicker is told the outcome in an
ephemeral message next to the card.
"""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from audit.incidents import IncidentRecord, IncidentStore
from bot.incidents import actions
from bot.incidents.notify import clock, duration, since_text, title
from bot.messages import incidents as M
from bot.slack import blocks as B
from bot.slack.bot import SlackBot
from bot.slack.cards import who
from bot.slack.notifier import SLACK_ERRORS, CardNotPosted, is_slack_channel
from bot.slack.origin import Where

log = logging.getLogger(__name__)
MOVE = "incident_move"
DRAIN = "incident_drain"
MUTE = "incident_mute"


# --- the card -----------------------------------------------------------------------------------------------
def incident_card(rec: IncidentRecord) -> dict[str, Any]:
    """The incident's message: what is wrong, since when, and its buttons (while it is open)."""
    name = title(rec)
    head = (M.CARD_HEADER if rec.is_open else M.CARD_HEADER_RECOVERED).format(id=rec.id, title=name)
    blocks: list[B.Block] = [B.header(head), B.section(M.CARD_WHAT.format(what=B.escape(rec.what or name)))]
    notes = [M.CARD_SINCE.format(since=since_text(rec) or clock(rec.opened_at), opened=clock(rec.opened_at))]
    if not rec.is_open:
        notes.append(M.CARD_RECOVERED.format(closed=clock(rec.closed_at), duration=duration(rec)))
    if rec.muted:
        notes.append(M.CARD_MUTED.format(who=who(rec.muted_by), at=clock(rec.muted_at)))
    blocks.append(B.context(*notes))
    if rec.is_open:
        value = str(rec.id)
        buttons = []
        if rec.deployment:
            buttons.append(B.button(M.BUTTON_MOVE.format(cluster=rec.cluster), MOVE, value, style="primary"))
        buttons.append(B.button(M.BUTTON_DRAIN.format(cluster=rec.cluster), DRAIN, value, style="danger"))
        if not rec.muted:
            buttons.append(B.button(M.BUTTON_MUTE, MUTE, value))
        blocks.append(B.actions(f"incident:{rec.id}", *buttons))
    return B.message(M.FALLBACK.format(id=rec.id, what=rec.what or name), blocks)


class SlackIncidentNotifier:
    """Posts each incident once to ``channel`` and edits its card when it recovers."""

    def __init__(self, client: Any, channel: str | None, incidents: IncidentStore):
        self.client, self.channel, self.incidents = client, channel, incidents
        if not channel:
            log.info("no alerts channel (FLEETOPS_ALERTS_CHANNEL): incidents are recorded but not posted")

    @classmethod
    def for_pipeline(cls, client: Any, channel: str | None, pipeline: Any) -> SlackIncidentNotifier:
        """``SlackIncidentNotifier.for_pipeline(service.client, settings.alerts_channel, pipe)``."""
        return cls(client, channel, actions.incidents_of(pipeline))

    def opened(self, incident: IncidentRecord) -> None:
        if not self.channel:
            return
        try:
            resp = self.client.chat_postMessage(channel=self.channel, **incident_card(incident))
        except SLACK_ERRORS as e:
            log.warning("posting incident %s to %s failed: %s", incident.id, self.channel, e)
            return
        self.incidents.set_card(incident.id, str(resp.get("channel") or self.channel), str(resp["ts"]))

    def recovered(self, incident: IncidentRecord) -> None:
        rec = self.incidents.get(incident.id) or incident
        if not rec.channel or not rec.message_ts:
            return
        update_card(self.client, rec)
        if not rec.muted:
            try:
                self.client.chat_postMessage(channel=rec.channel, thread_ts=rec.message_ts,
                                             **B.mrkdwn_message(M.RECOVERED_NOTICE.format(title=B.escape(title(rec)))))
            except SLACK_ERRORS as e:
                log.warning("telling incident %s recovered failed: %s", rec.id, e)


def update_card(client: Any, rec: IncidentRecord) -> None:
    if not rec.channel or not rec.message_ts:
        return
    try:
        client.chat_update(channel=rec.channel, ts=rec.message_ts, **incident_card(rec))
    except SLACK_ERRORS as e:
        log.warning("updating the card of incident %s failed: %s", rec.id, e)


# --- the buttons ----------------------------------------------------------------------------------------------
def _incident_id(body: dict[str, Any]) -> int | None:
    value = ((body.get("actions") or [{}])[0]).get("value")
    try:
        return int(str(value))
    except ValueError:
        return None


class IncidentClicks:
    def __init__(self, bot: SlackBot):
        self.bot = bot
        self.incidents = actions.incidents_of(bot.pipeline)

    def clicked(self, body: dict[str, Any], action: str) -> None:
        where = Where.of_click(body)
        self.bot.worker.submit(self._handle, where, _incident_id(body), action,
                               on_error=lambda e: self.bot.clicks.feedback(where, False, type(e).__name__))

    def _handle(self, where: Where, incident_id: int | None, action: str) -> None:
        if incident_id is None:
            self.bot.clicks.feedback(where, False, M.NO_SUCH_INCIDENT.format(id="?"))
            return
        actor = self.bot.directory.actor(where.user, where.user_name)
        if action == MUTE:
            outcome = actions.mute(self.bot.pipeline, incident_id, actor)
            if outcome.ok and outcome.incident is not None:
                update_card(self.bot.client, outcome.incident)
            self.bot.clicks.feedback(where, outcome.ok, outcome.text)
            return
        rec = self.incidents.get(incident_id)
        channel = (rec.channel if rec else None) or where.channel
        thread = (rec.message_ts if rec else None) or where.thread_ts
        outcome = actions.open_change(self.bot.pipeline, incident_id, "drain" if action == DRAIN else "move_off", actor,
                                      channel=channel, thread_ts=thread, source="slack-incident")
        change = outcome.reply.change if outcome.reply else None
        if change is not None and is_slack_channel(change.channel):
            try:
                self.bot.notifier.post_card(change.id)
            except CardNotPosted as e:
                log.warning("the card of change %s (incident %s) was not posted: %s", change.id, incident_id, e.error)
        self.bot.clicks.feedback(where, outcome.ok, outcome.text)


def register(app: App, bot: SlackBot) -> None:
    """Listeners for the incident buttons (one line in ``bot.slack.listeners.register``)."""
    clicks = IncidentClicks(bot)

    def listener(action: str):
        def on_click(ack: Ack, body: dict[str, Any]) -> None:
            ack()
            try:
                clicks.clicked(body, action)
            except Exception:
                log.exception("handling the incident %s button failed after the ack", action)
        return on_click

    for action_id in (MOVE, DRAIN, MUTE):
        app.action(action_id)(listener(action_id))
