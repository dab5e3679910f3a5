"""Issue 14's "Done when" through the Slack app (signed /fleet commands and button clicks against the fake Slack
Web API) on the demo fleet: a staged update of mistral-all with its change approvals, a gate card per stage gate in
the change's thread (updated in place), the prod gate needing 2 approvers and refusing the requester, live stage
progress on the change card; then a gate rejected from its card stops the run, the change card offers the (staged)
rollback, and that rollback goes back stage by stage."""
from __future__ import annotations

import json

from fake_slack import Call
from slack_env import blocks_text, button_value, wait_until

from tests.e2e_intent.e2e_helpers import ALICE, BOB, CAROL, DAVE, SlackSession
from tests.tools_mutating.staged_helpers import members_with

DEV, STAGING, PROD = "aks-centralindia-dev-1", "aks-westus3-staging-1", "aks-eastus-prod-1"
THREE = sorted([DEV, STAGING, PROD])
SLOW = 300.0  # bounds for waits on background work (never reached when it works; generous for loaded machines)


class Clicker:
    def __init__(self, s: SlackSession):
        self.s, self.env = s, s.env

    def approve_change(self, cid: str, user: str) -> None:
        store = self.env.store
        ts = wait_until(lambda: store.changes.get(cid).message_ts, timeout=SLOW, what="the card's ts")
        card = self.env.card(cid)
        value = button_value(Call("chat.postMessage", card.body, {}, ""))
        before = len(store.changes.get(cid).approvals)
        r = self.env.sender.click("fleet_approve", value, user=user, message_ts=ts)
        assert r.status == 200, r.body
        wait_until(lambda: len(store.changes.get(cid).approvals) > before or store.changes.get(cid).state != "pending",
                   timeout=SLOW, what=f"{user}'s approval of change {cid}")

    def gate_card(self, cid: str, stage: str) -> Call:
        header = f"Stage gate: {stage} → "
        calls = self.env.fake.wait_for("chat.postMessage", lambda c: any(
            b.get("type") == "header" and b["text"]["text"].startswith(header)
            and b["text"]["text"].endswith(f"(change #{cid})") for b in c.json("blocks") or []), timeout=SLOW)
        assert len(calls) == 1, f"the gate card after {stage} was posted {len(calls)} times"
        return calls[0]

    def click_gate(self, card: Call, action: str, user: str) -> str:
        """Click the gate card's button as ``user``; the ephemeral answer that person got."""
        value = button_value(card, action)
        assert value is not None, f"the gate card has no {action} button"
        before = len(self.env.fake.calls("chat.postEphemeral", lambda c: c.body.get("user") == user))
        r = self.env.sender.click(action, value, user=user, message_ts="1.1")
        assert r.status == 200, r.body
        calls = self.env.fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == user, count=before + 1,
                                       timeout=SLOW)
        return blocks_text(calls[-1])

    def gate_updates(self, card: Call) -> list[str]:
        ts = wait_until(lambda: self._ts_of(card), timeout=SLOW, what="the gate card's ts")
        return [blocks_text(c) for c in self.env.fake.calls("chat.update", lambda c: c.body.get("ts") == ts)]

    def _ts_of(self, card: Call) -> str | None:
        value = button_value(card, "gate_approve")
        gate = self.env.store.gates.get(value or "")
        return gate.message_ts if gate else None

    def done(self, cid: str, timeout: float = SLOW) -> str:
        store = self.env.store
        return str(wait_until(lambda: store.changes.get(cid).state in ("succeeded", "failed", "attention")
                              and store.changes.get(cid).state, timeout=timeout, what=f"change {cid} to end"))


def test_a_staged_update_through_slack_with_gate_cards_then_a_rejected_gate_and_the_staged_rollback(tmp_path):
    with SlackSession.start(tmp_path) as s:
        s.env.pipeline.executor.poll = 0.05
        c = Clicker(s)
        t = s.say(f"deploy mistral-7b-instruct as mistral-all to {DEV}, {STAGING} and {PROD}")
        assert t.change is not None, t.shown
        c.approve_change(t.change.id, BOB)
        c.approve_change(t.change.id, CAROL)
        assert c.done(t.change.id) == "succeeded"

        t = s.say("update mistral-all to ministral 3 8b in stages dev, staging, prod")
        assert t.change is not None, t.shown
        cid = t.change.id
        assert "stage dev" in t.shown and "then a gate: approval as for staging" in t.shown
        c.approve_change(cid, BOB)
        c.approve_change(cid, CAROL)

        dev_gate = c.gate_card(cid, "dev")
        assert DEV in blocks_text(dev_gate) and "1 approval" in blocks_text(dev_gate)
        said = c.click_gate(dev_gate, "gate_approve", ALICE)
        assert "you requested this change" in said  # never the requester
        said = c.click_gate(dev_gate, "gate_approve", DAVE)
        assert "approved" in said
        assert any("*approved*" in u for u in wait_until(lambda: [u for u in c.gate_updates(dev_gate)
                                                                  if "*approved*" in u], timeout=SLOW,
                                                         what="the card updated"))

        prod_gate = c.gate_card(cid, "staging")
        assert "2 approvals from approvers" in blocks_text(prod_gate)
        said = c.click_gate(prod_gate, "gate_approve", BOB)
        assert "open" in said  # one of two
        said = c.click_gate(prod_gate, "gate_approve", BOB)
        assert "already approved" in said  # counted once
        c.click_gate(prod_gate, "gate_approve", CAROL)
        assert c.done(cid) == "succeeded"
        assert members_with(s.fleet, "mistral-all-r2") == THREE and members_with(s.fleet, "mistral-all-r1") == []
        ts = s.env.store.changes.get(cid).message_ts
        progress = [blocks_text(u) for u in s.env.fake.calls("chat.update", lambda u: u.body.get("ts") == ts)]
        assert any("stage dev: updated" in p for p in progress)  # live stage progress on the change card

        # a gate rejected from its card stops the run; the change card offers the staged rollback
        t = s.say("update mistral-all to mistral-7b-instruct in stages dev, staging, prod")
        assert t.change is not None, t.shown
        cid = t.change.id
        c.approve_change(cid, BOB)
        c.approve_change(cid, CAROL)
        gate = c.gate_card(cid, "dev")
        c.click_gate(gate, "gate_reject", BOB)
        assert c.done(cid) == "failed"
        assert members_with(s.fleet, "mistral-all-r3") == [DEV]
        ts = s.env.store.changes.get(cid).message_ts
        final = s.env.fake.wait_for("chat.update", lambda u: u.body.get("ts") == ts
                                    and button_value(u, "failed_rollback") is not None, timeout=SLOW)[-1]
        r = s.env.sender.click("failed_rollback", button_value(final, "failed_rollback"), user=ALICE, message_ts=ts)
        assert r.status == 200, r.body
        back = wait_until(lambda: next((ch for ch in s.env.store.changes.list(limit=5) if ch.tool == "rollback"), None),
                          timeout=SLOW, what="the rollback change request")
        plan = json.dumps(back.plan)
        assert "pinned to resource snapshot index" in plan
        c.approve_change(back.id, BOB)
        c.approve_change(back.id, CAROL)
        c.click_gate(c.gate_card(back.id, "dev"), "gate_approve", DAVE)
        staging = c.gate_card(back.id, "staging")
        c.click_gate(staging, "gate_approve", BOB)
        c.click_gate(staging, "gate_approve", CAROL)
        assert c.done(back.id) == "succeeded"
        assert members_with(s.fleet, "mistral-all-r3") == [] and members_with(s.fleet, "mistral-all-r2") == THREE
