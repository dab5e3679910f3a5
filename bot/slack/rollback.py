"""One-click rollback on the card of a failed change that left something on the hub (a failure that was not
undone says what it left where; this button opens the rollback it names). The click opens a ``rollback`` change
request for the deployment as the person who clicked, through the pipeline's normal plan → policy → open path,
at most once per failed change (the delivery id ``rollback-after:<id>`` is claimed first)."""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot import toolbox
from bot.pipeline import Request
from bot.slack import messages as M
from bot.slack.bot import SlackBot
from bot.slack.notifier import CardNotPosted, is_slack_channel
from bot.slack.origin import Where
from bot.slack.rollback_card import ROLLBACK_AFTER, deployment_left
from tools.args import RollbackArgs
from tools.plan import Plan

log = logging.getLogger(__name__)


def open_rollback(bot: SlackBot, where: Where, change_id: str) -> tuple[bool, str]:
    change = bot.pipeline.changes.get(change_id)
    dep = deployment_left(change)
    if dep is None:
        return False, M.ROLLBACK_NOT_OFFERED.format(id=change.id, state=change.state)
    if not bot.pipeline.store.claim_delivery(f"rollback-after:{change.id}"):
        return False, M.ROLLBACK_ALREADY.format(id=change.id)
    actor = bot.directory.actor(where.user, where.user_name)
    stages = _stages_of(change)  # a staged change goes back in stages (a run pinned to the previous snapshot)
    text = M.ROLLBACK_STAGED_REQUEST.format(deployment=dep, stages=", ".join(stages), id=change.id) if stages \
        else M.ROLLBACK_REQUEST.format(deployment=dep, id=change.id)
    channel, thread = change.channel or where.channel, change.message_ts or where.thread_ts
    bot.pipeline.store.audit.record("request", actor=actor.id, channel=channel, message=text,
                                    args={"source": "slack-rollback-button", "after_change": change.id})
    reply = bot.pipeline.propose(Request(actor=actor, text=text, channel=channel, thread_ts=thread,
                                         source="slack-rollback-button"),
                                 toolbox.name_of(RollbackArgs), RollbackArgs.model_validate({"deployment": dep, **({"stages": stages} if stages else {})}))
    if reply.change is None:
        return False, reply.text
    if is_slack_channel(reply.change.channel):
        try:
            bot.notifier.post_card(reply.change.id)
        except CardNotPosted as e:
            log.warning("the card of change %s was not posted: %s", reply.change.id, e.error)
    return True, M.ROLLBACK_OPENED.format(new=reply.change.id, deployment=dep, id=change.id)


def _stages_of(change: Any) -> list[str]:
    try:
        return [s.environment for s in Plan.model_validate(change.plan or {}).stages]
    except ValueError:
        return []


def register(app: App, bot: SlackBot) -> None:
    def on_click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        where = Where.of_click(body)
        value = str(((body.get("actions") or [{}])[0]).get("value") or "")

        def run() -> None:
            ok, text = open_rollback(bot, where, value)
            bot.clicks.feedback(where, ok, text)
        bot.worker.submit(run, on_error=lambda e: bot.clicks.feedback(where, False, type(e).__name__))
    app.action(ROLLBACK_AFTER)(on_click)
