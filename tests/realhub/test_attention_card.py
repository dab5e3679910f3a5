"""The card of a change in attention carries Finish / Undo / Mark reviewed (with confirm dialogs) and the command;
a click on one of them parses to (change id, action); cards in other states have none of them."""
from __future__ import annotations

import json

from audit.models import ChangeRequest, ChangeState
from bot.slack.attention import RESOLVE_ACTION, resolve_of
from bot.slack.cards import change_card


def _change(state: ChangeState) -> ChangeRequest:
    return ChangeRequest(id="7", requester="U0ALICE", tool="deploy", plan_hash="h", state=state, version=1,
                         summary="Deploy x", reason="interrupted while its new side was still rolling out",
                         created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z")


def _actions(card: dict) -> list[dict]:
    return [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_change_in_attention_has_the_three_buttons_and_the_command():
    card = change_card(_change(ChangeState.ATTENTION))
    buttons = {e["action_id"]: e for e in _actions(card)}
    assert sorted(buttons) == ["attention_finish", "attention_reviewed", "attention_undo"]
    assert all(b["value"] == "7" and b["confirm"] for b in buttons.values())
    assert all(RESOLVE_ACTION.match(a) for a in buttons)
    assert "fleetops changes resolve 7 finish|undo|reviewed" in json.dumps(card)


def test_other_states_have_no_resolve_buttons():
    for state in (ChangeState.PENDING, ChangeState.SUCCEEDED, ChangeState.FAILED):
        assert not [e for e in _actions(change_card(_change(state))) if RESOLVE_ACTION.match(e["action_id"])]


def test_a_click_parses_to_the_change_and_the_action():
    body = {"actions": [{"action_id": "attention_undo", "value": "7"}]}
    assert resolve_of(body) == ("7", "undo")
    assert resolve_of({"actions": [{"action_id": "fleet_approve", "value": "7"}]}) is None
