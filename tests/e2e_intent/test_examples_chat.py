"""Issue 10's examples typed into ``fleetops chat`` on one fresh demo fleet (none of them changes it: the
changes stay pending for approval): each one's tool call (or question / refusal), and for a change the plan's
per-cluster effect and the card that says the intent and each cluster before the diff."""
from __future__ import annotations

import pytest

from tests.e2e_intent.e2e_helpers import check
from tests.e2e_intent.examples import EXAMPLES, JAPAN, PHI4, PROD_OK, SOUTH


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_example_through_chat(chat, example):
    turn = chat.say(example.text)
    check(example, turn)
    if example.kind == "change":
        assert turn.shown.startswith(f"── change {turn.change.id} (pending) ──")
    if example.kind == "question":
        assert turn.shown.startswith("? ") and "say one of:" in turn.shown


def test_all_prod_clusters_confirmed_deploys_to_the_placeable_ones_only(chat):
    chat.say("deploy phi-4 to all prod clusters")
    turn = chat.say("yes", follow_up=True)
    assert turn.call[0] == "deploy"
    assert set(turn.plan.clusters) == set(PROD_OK)
    assert {JAPAN, SOUTH}.isdisjoint(turn.plan.clusters)
    assert {a.action for a in turn.plan.actions} == {"create"}
    assert turn.plan.deployment == "phi-4" and PHI4 in turn.shown


def test_every_change_is_still_waiting_for_approval(chat):
    changes = chat.pipe.changes.list(limit=None)
    assert changes and {c.state for c in changes} == {"pending"}
