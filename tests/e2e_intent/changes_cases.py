"""The examples that change the fleet, written once for both front ends (``session.say`` is ``fleetops chat``
or a signed ``/fleet`` command): each needs a fleet of its own (see test_changes_chat.py / _slack.py)."""
from __future__ import annotations

from typing import Any

from tests.e2e_intent.e2e_helpers import BOB, CAROL, effect
from tests.e2e_intent.examples import EKS_EAST, INDIA, USW2, WUS3


def dev_add_runs_at_once_and_moves_nothing(session: Any, marks: Any) -> None:
    """``also run granite-dev on aks-centralindia-dev-1``: dev needs no approval, so it runs at once; it adds
    the cluster and granite-dev keeps running on eks-us-west-2-dev-1."""
    turn = session.say("also run granite-dev on aks-centralindia-dev-1")
    assert turn.call == ("deploy", {"name": "granite-dev", "add_clusters": [INDIA]})
    assert effect(turn.plan) == {USW2: "keep", INDIA: "create"}
    assert turn.plan.intent is not None
    assert turn.plan.intent.text == f"Add {INDIA} to granite-dev (keeps {USW2})"
    for mark in marks(turn.plan):
        assert mark in turn.shown, mark
    change = session.pipe.changes.get(turn.change.id)
    assert change.state == "succeeded", change.outcome
    assert sorted(session.fleet.get_deployment("granite-dev").clusters) == sorted([INDIA, USW2])


def deploy_model_running_elsewhere_asks_add_or_move(session: Any) -> None:
    """``deploy phi-4 to aks-centralindia-dev-1`` while a deployment phi-4 runs on two prod clusters: a question
    (add it there, or move it?), never a plan that drops both prod copies; the answer "add" keeps them."""
    setup = session.say(f"deploy phi-4 to {WUS3} and {EKS_EAST}")
    assert effect(setup.plan) == {WUS3: "create", EKS_EAST: "create"}
    session.pipe.changes.approve(setup.change.id, _actor(BOB))
    done = session.pipe.changes.approve(setup.change.id, _actor(CAROL))
    assert done.state == "succeeded", done.outcome
    opened = len(session.pipe.changes.list(limit=None))

    asked = session.say(f"deploy phi-4 to {INDIA}")
    assert asked.call == ("clarify", None)
    for words in ("phi-4", WUS3, EKS_EAST, INDIA, "add", "move"):
        assert words in asked.shown, words
    assert len(session.pipe.changes.list(limit=None)) == opened  # nothing planned, nothing ran
    assert sorted(session.fleet.get_deployment("phi-4").clusters) == sorted([EKS_EAST, WUS3])

    add = session.say(f"add {INDIA} to phi-4", follow_up=True)  # the answer, in the same conversation
    assert add.call[0] == "deploy", add.shown
    assert add.call == ("deploy", {"name": "phi-4", "add_clusters": [INDIA]})
    assert effect(add.plan) == {WUS3: "keep", EKS_EAST: "keep", INDIA: "create"}


def _actor(user: str) -> Any:
    from bot.identity import Actor

    return Actor(user)

