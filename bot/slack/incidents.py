"""Incidents in Slack: one card per incident in the alerts channel, its buttons, its in-place recovery.

``SlackIncidentNotifier`` is the health watch's notifier: ``opened`` posts the card (the watch calls it
only in the process that claimed the incident, so it is posted once) and stores where it is;
``recovered`` edits that card in place and, unless someone muted it, says so in its thread.

When one look of the health watch opens many incidents at once (``Watcher.group_at``: a fleet-wide outage,
hundreds of members whose heartbeats lapsed together), ``opened_group`` posts one message for all of them,
grouped by reason with a few names each and a "Show all" button (every incident, uploaded into its thread, or
posted there in parts), instead of one card each; the incidents point at that message (``set_group``), so a
later recovery of one is said in its thread and the summary is never edited for one of them. Many recoveries
in one look likewise make one message (``recovered_group``).

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
from bot.incidents.notify import clock, duration, group_lines, id_range, since_text, title
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
SHOW_ALL = "incident_show_all"


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


def group_message(incidents: list[IncidentRecord], *, recovered: bool = False) -> dict[str, Any]:
    """One message for many incidents: one line per reason (a few names each), the ids, and "Show all"
    (its value: the ids as ``first-last`` plus any gaps left out, within a button's 2,000 characters)."""
    lines = group_lines(incidents)
    n = len(incidents)
    head = (M.GROUP_HEADER_RECOVERED if recovered else M.GROUP_HEADER).format(n=f"{n:,}")
    blocks: list[B.Block] = [B.header(head)]
    blocks += [B.section("• " + B.escape(line)) for line in lines]
    if not recovered:
        blocks.append(B.context(M.GROUP_NOTE.format(ids=id_range(incidents))))
    value = ids_value([r.id for r in incidents])
    if value is not None:
        blocks.append(B.actions("incident_group", B.button(M.SHOW_ALL_INCIDENTS, SHOW_ALL, value)))
    fallback = (M.GROUP_RECOVERED_FALLBACK if recovered else M.GROUP_FALLBACK).format(n=f"{n:,}",
                                                                                      lines="; ".join(lines))
    return B.message(B.cut(fallback, B.MAX_FALLBACK), blocks)


def ids_value(ids: list[int]) -> str | None:
    """Incident ids as runs (``12-940,951-960``); None when that does not fit a button's value."""
    runs: list[list[int]] = []
    for i in sorted(set(ids)):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    value = ",".join(f"{a}-{b}" if a != b else str(a) for a, b in runs)
    return value if len(value) <= B.MAX_VALUE else None


def parse_ids(value: str | None, limit: int = 100_000) -> list[int]:
    """The ids of ``ids_value``; [] for anything else."""
    out: list[int] = []
    try:
        for part in (value or "").split(","):
            a, _, b = part.partition("-")
            lo, hi = int(a), int(b or a)
            if hi < lo or len(out) + hi - lo + 1 > limit:
                return []
            out += range(lo, hi + 1)
    except ValueError:
        return []
    return out


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

    def opened_group(self, incidents: list[IncidentRecord]) -> None:
        if not self.channel:
            return
        try:
            resp = self.client.chat_postMessage(channel=self.channel, **group_message(incidents))
        except SLACK_ERRORS as e:
            log.warning("posting %d incidents (%s) to %s failed: %s", len(incidents), id_range(incidents),
                        self.channel, e)
            return
        self.incidents.set_group([r.id for r in incidents], str(resp.get("channel") or self.channel), str(resp["ts"]))

    def recovered_group(self, incidents: list[IncidentRecord]) -> None:
        """One message for all of them; the cards of those posted one by one are edited too (the summary of a
        group is not)."""
        if not self.channel:
            return
        for rec in self.incidents.list_ids([r.id for r in incidents]):
            if rec.channel and rec.message_ts and not _grouped(rec):
                update_card(self.client, rec)
        try:
            self.client.chat_postMessage(channel=self.channel, **group_message(incidents, recovered=True))
        except SLACK_ERRORS as e:
            log.warning("telling %d incidents recovered failed: %s", len(incidents), e)

    def recovered(self, incident: IncidentRecord) -> None:
        rec = self.incidents.get(incident.id) or incident
        if not rec.channel or not rec.message_ts:
            return
        if not _grouped(rec):
            update_card(self.client, rec)
        if not rec.muted:
            try:
                self.client.chat_postMessage(channel=rec.channel, thread_ts=rec.message_ts,
                                             **B.mrkdwn_message(M.RECOVERED_NOTICE.format(title=B.escape(title(rec)))))
            except SLACK_ERRORS as e:
                log.warning("telling incident %s recovered failed: %s", rec.id, e)


def _grouped(rec: IncidentRecord) -> bool:
    """Told in a group's message (``set_group``): that message is a summary, not this incident's card."""
    return isinstance(rec.detail, dict) and bool(rec.detail.get("grouped"))


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


def all_incidents_text(incidents: IncidentStore, ids: list[int]) -> str:
    """Every incident of a group's message, one line each."""
    return "\n".join(M.SHOW_ALL_INCIDENTS_LINE.format(
        id=r.id, state=M.STATE_OPEN if r.is_open else M.STATE_RECOVERED, title=title(r), what=r.what or "")
        for r in incidents.list_ids(ids))


def show_all(bot: SlackBot, body: dict[str, Any]) -> None:
    """The "Show all" of a group's message: every incident, uploaded into its thread as a file, else posted there
    in parts (``text_messages``)."""
    from bot.slack.results import text_messages

    where = Where.of_click(body)
    ids = parse_ids(((body.get("actions") or [{}])[0]).get("value"))
    if not ids:
        bot.clicks.feedback(where, False, M.NO_SUCH_INCIDENT.format(id="?"))
        return
    text = all_incidents_text(actions.incidents_of(bot.pipeline), ids)
    thread = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    name = M.SHOW_ALL_INCIDENTS_TITLE.format(ids=f"#{min(ids)}-#{max(ids)}")
    try:
        bot.client.files_upload_v2(channel=where.channel, thread_ts=thread, content=text,
                                   filename=name.replace(" ", "-").replace("#", "") + ".txt", title=name,
                                   initial_comment=M.SHOW_ALL_INCIDENTS_COMMENT.format(n=f"{len(ids):,}",
                                                                                       user=where.user))
        return
    except SLACK_ERRORS as e:
        log.info("uploading the incidents failed (%s): posting them in parts instead", e)
    for part in text_messages(name, text):
        bot.client.chat_postMessage(channel=where.channel, thread_ts=thread, **part)


def register(app: App, bot: SlackBot) -> None:
    """Listeners for the incident buttons (one line in ``bot.slack.listeners.register``)."""
    clicks = IncidentClicks(bot)

    def on_show_all(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        where = Where.of_click(body)
        try:
            bot.worker.submit(show_all, bot, body,
                              on_error=lambda e: bot.clicks.feedback(where, False, type(e).__name__))
        except Exception:
            log.exception("handling the incidents' Show all failed after the ack")

    app.action(SHOW_ALL)(on_show_all)

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
