"""The stage gate card (pure ``gate_card``) and showing it in the change's thread (``show_gate``, posted once,
then updated in place). The buttons' clicks are handled in ``bot.slack.gates``."""
from __future__ import annotations

import logging
from typing import Any

from audit.gates import Gate
from audit.models import ChangeRequest
from bot.policy import Decision
from bot.slack import blocks as B
from bot.slack import messages as M
from bot.slack.cards import who

log = logging.getLogger(__name__)

GATE_APPROVE = "gate_approve"
GATE_REJECT = "gate_reject"

def gate_card(change: ChangeRequest, gate: Gate) -> dict[str, Any]:
    """The gate card (pure: the same stored gate always gives the same message)."""
    nxt = gate.next_stage or "-"
    decision = Decision.model_validate(gate.decision) if gate.decision else None
    needs = decision.reason if decision else "-"
    state = M.GATE_STATE.get(gate.state, gate.state)
    blocks: list[B.Block] = [
        B.header(M.GATE_HEADER.format(stage=gate.stage, next=nxt, id=change.id)),
        B.section(M.GATE_INTRO.format(deployment=B.escape(gate.deployment), stage=B.escape(gate.stage),
                                      next=B.escape(nxt), run=B.escape(gate.run))),
        B.section("\n".join(M.GATE_CLUSTER.format(cluster=B.escape(c), state=B.escape(s))
                            for c, s in sorted(gate.clusters.items())) or "-"),
        B.section(M.GATE_NEEDS.format(next=B.escape(nxt), needs=B.escape(needs))),
        B.section(M.GATE_VOTES.format(who=", ".join(who(v.actor) for v in gate.votes)) if gate.votes
                  else M.GATE_NO_VOTES),
        B.context(state, M.GATE_REASON.format(reason=B.escape(B.cut(gate.reason, 300))) if gate.reason else ""),
    ]
    if gate.state == "open":
        blocks.append(B.actions(f"gate:{gate.request}", B.button(M.BUTTON_GATE_APPROVE.format(next=nxt), GATE_APPROVE,
                                                                 gate.request, "primary"),
                                B.button(M.BUTTON_GATE_REJECT, GATE_REJECT, gate.request, "danger",
                                         B.confirm_dialog(M.GATE_REJECT_CONFIRM_TITLE, M.GATE_REJECT_CONFIRM,
                                                          M.GATE_REJECT_YES, M.GATE_REJECT_NO))))
    text = M.GATE_TEXT.format(stage=gate.stage, id=change.id, deployment=gate.deployment, state=gate.state)
    return {"text": text, "blocks": blocks}


def show_gate(client: Any, store: Any, change: ChangeRequest, gate: Gate) -> None:
    """Post the gate's card in the change's thread once, or update it in place. Never raises."""
    try:
        fresh = store.gates.get(gate.request) or gate
        payload = gate_card(change, fresh)
        if fresh.message_ts and fresh.channel:
            client.chat_update(channel=fresh.channel, ts=fresh.message_ts, **payload)
            return
        if not change.channel or not (change.thread_ts or change.message_ts):
            return
        if not store.claim_delivery(f"slack-gate:{gate.request}"):
            return
        resp = client.chat_postMessage(channel=change.channel, thread_ts=change.thread_ts or change.message_ts,
                                       **payload)
        store.gates.set_card(gate.request, str(resp.get("channel") or change.channel), str(resp["ts"]))
        latest = store.gates.get(gate.request)
        if latest is not None and latest.model_dump(exclude={"channel", "message_ts"}) != \
                fresh.model_dump(exclude={"channel", "message_ts"}):  # it moved on while posting
            client.chat_update(channel=str(resp.get("channel") or change.channel), ts=str(resp["ts"]),
                               **gate_card(change, latest))
    except Exception:
        log.exception("showing the gate card %s failed", gate.request)


