"""Stage gate cards (staged rollouts): each ClusterApprovalRequest of a change's update run becomes a card in the
change's thread (``bot.slack.gate_card``) with the stage's per-cluster results, who may approve (the policy for the
next stage), the votes so far, and Approve / Reject buttons while it is open; the card is updated in place as votes
come in and when the gate is decided. Clicks are persisted as jobs before the ack (like the change card's) and
counted once per person (``bot.changes.gates``); Reject stops the run (after a confirmation dialog)."""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.changes import answer
from bot.changes.types import Refusal
from bot.slack import messages as M
from bot.slack.bot import SlackBot
from bot.slack.clicks import _click_key, workspace_of
from bot.slack.gate_card import GATE_APPROVE, GATE_REJECT
from bot.slack.origin import Where

log = logging.getLogger(__name__)


def register(app: App, bot: SlackBot) -> None:
    """The gate buttons: persisted as jobs before the ack, run by the job runner."""
    def job(kind: str):
        def run(payload: dict[str, Any]) -> None:
            body = payload["body"]
            where = Where.of_click(body)
            request = str(((body.get("actions") or [{}])[0]).get("value") or "")
            actor = bot.directory.actor(where.user, where.user_name)
            changes = bot.pipeline.changes
            if kind == "approve":
                result = changes.approve_gate(request, actor, workspace_of(body))
            else:
                result = changes.reject_gate(request, actor, M.GATE_REJECT_REASON, workspace_of(body))
            if isinstance(result, Refusal):
                ok, text = answer(result, actor.id)
            else:
                ok, text = True, M.GATE_TEXT.format(stage=result.stage, id=result.change_id,
                                                    deployment=result.deployment, state=result.state)
            bot.clicks.feedback(where, ok, text)
        return run

    bot.runner.handlers.update({"gate_approve": job("approve"), "gate_reject": job("reject")})

    def on_click(kind: str):
        def listener(ack: Ack, body: dict[str, Any]) -> None:
            try:
                accepted = bot.runner.accept(_click_key(body), kind, {"body": body})
            except Exception:
                log.exception("persisting a %s click failed", kind)
                accepted = "failed"
            ack()
            if accepted == "failed":
                bot.clicks.busy(body)
        return listener

    app.action(GATE_APPROVE)(on_click("gate_approve"))
    app.action(GATE_REJECT)(on_click("gate_reject"))
