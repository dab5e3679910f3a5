"""The examples that change the fleet, through ``fleetops chat`` on a demo fleet of this module's own: the dev
deploy that runs at once, ``deploy phi-4`` while phi-4 runs elsewhere, and a pending rollback re-planned after
another rollback ran (its recorded intent, revision 3 → 2, never flips to 2 → 3)."""
from __future__ import annotations

from tests.e2e_intent import changes_cases as cases
from tests.e2e_intent.e2e_helpers import ALICE, BOB, CAROL, DAVE, chat_marks, effect
from tests.e2e_intent.examples import CODER7, EAST2, SWEDEN

ROLLBACK_3_TO_2 = "Roll back coder-assist: revision 3 (Qwen2.5-Coder-32B, H100) → revision 2 (Qwen2.5-Coder-7B, H100)"


def test_dev_add_runs_at_once_and_moves_nothing(chat):
    cases.dev_add_runs_at_once_and_moves_nothing(chat, chat_marks)


def test_deploy_model_running_elsewhere_asks_add_or_move(chat):
    cases.deploy_model_running_elsewhere_asks_add_or_move(chat)


def test_a_replanned_rollback_keeps_its_target_revision_or_goes_stale(chat):
    first = chat.say("roll back coder-assist", user=ALICE)
    assert first.call == ("rollback", {"deployment": "coder-assist"})
    assert first.plan.intent is not None and first.plan.intent.text == ROLLBACK_3_TO_2
    assert first.plan.intent.args.get("to_revision") == 2
    assert effect(first.plan) == {EAST2: "replace", SWEDEN: "replace"}

    other = chat.say("roll back coder-assist", user=DAVE)
    chat.approve(other.change.id, BOB)
    ran = chat.approve(other.change.id, CAROL)
    assert ran.state == "succeeded", ran.outcome
    assert chat.fleet.get_deployment("coder-assist").model == CODER7

    chat.approve(first.change.id, BOB)
    chat.approve(first.change.id, CAROL)  # the fleet changed since it was planned: re-planned for revision 2
    after = chat.pipe.changes.get(first.change.id)
    # revision 2 is what runs now: the same intent has nothing left to do, so the request is stale and says why
    assert after.state == "stale"
    assert "already runs what revision 2 ran" in (after.reason or "")
    assert after.plan["intent"] == first.plan.intent.model_dump(mode="json")  # the recorded intent never changed
    assert chat.fleet.get_deployment("coder-assist").model == CODER7  # not back to the one that ran out of memory
