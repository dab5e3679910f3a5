"""Issue 13's "Done when", written once for both front ends (``session`` is a ``ChatOps`` or a ``SlackOps``):
``say`` types a request as Alice, ``approve_as`` approves as an approver and returns what that person then sees
(the chat's answer, or the Slack card as last updated). Expectations come from the demo fleet (demo-fleet.yaml):
aks-eastus-prod-1 is a prod cluster, not cordoned; aks-swedencentral-prod-1 runs only coder-assist (with
aks-eastus-prod-2); aks-japaneast-prod-1 is cordoned by hand; llama-support runs 2 replicas in prod.
The prod policy needs two approvals from approvers other than the requester (Bob and Carol)."""
from __future__ import annotations

import re
from typing import Any

from tests.e2e_intent.e2e_helpers import BOB, CAROL

EAST = "aks-eastus-prod-1"
SWEDEN = "aks-swedencentral-prod-1"
KEPT = "aks-eastus-prod-2"  # coder-assist's other cluster
JAPAN = "aks-japaneast-prod-1"  # cordoned by hand in the demo fleet
PLACEMENT = "where could I run phi-4?"


def _rejection(shown: str, cluster: str) -> str:
    """What a placement answer says about ``cluster`` when it was not chosen (the rest of its line)."""
    m = re.search(re.escape(cluster) + r"`?:?\s+([^\n\\]*)", shown)
    return m.group(1) if m else ""


def _approve_twice(session: Any, turn: Any) -> str:
    """Bob approves (still pending: prod needs two), then Carol: what Carol sees once it ran."""
    session.approve_as(turn, BOB)
    assert session.pipe.changes.get(turn.change.id).state == "pending"
    return session.approve_as(turn, CAROL)


def _cordon(session: Any, cluster: str) -> Any:
    return session.fleet.snapshot().cluster(cluster).cordon


def cordon_skip_uncordon(session: Any) -> None:
    """``cordon aks-eastus-prod-1`` → two approvals (prod) → executed → placement skips it (tainted) →
    ``uncordon aks-eastus-prod-1`` → two approvals → placement may choose it again."""
    assert _cordon(session, EAST) is None
    turn = session.say(f"cordon {EAST}")
    assert turn.call == ("cordon_cluster", {"name": EAST})
    assert turn.change is not None and turn.change.state == "pending", turn.shown
    assert "needs 2 approvals" in turn.shown
    assert _cordon(session, EAST) is None  # nothing happens before the approvals
    seen = _approve_twice(session, turn)
    assert "succeeded" in seen
    assert session.pipe.changes.get(turn.change.id).state == "succeeded"
    assert _cordon(session, EAST) is not None

    skipped = session.say(PLACEMENT)
    assert skipped.call[0] == "plan_placement"
    assert _rejection(skipped.shown, EAST).startswith("tainted"), skipped.shown

    back = session.say(f"uncordon {EAST}")
    assert back.call == ("uncordon_cluster", {"name": EAST})
    assert back.change is not None and back.change.state == "pending", back.shown
    assert "succeeded" in _approve_twice(session, back)
    assert _cordon(session, EAST) is None

    again = session.say(PLACEMENT)
    assert EAST in again.shown
    assert "tainted" not in _rejection(again.shown, EAST), again.shown  # a candidate again (chosen or "fits")


def drain_moves_coder_assist(session: Any, part_marks: Any) -> None:
    """``drain aks-swedencentral-prod-1`` → one change request → two approvals → coder-assist moved to a fitting
    prod cluster, blue/green (the new copy is Ready before the drained one goes); the card shows each
    deployment's line before, and each deployment's outcome after."""
    from tools.plan_text import part_lines, part_outcome_lines

    opened = len(session.pipe.changes.list(limit=None))
    turn = session.say(f"drain {SWEDEN}")
    assert turn.call == ("drain_cluster", {"name": SWEDEN})
    assert len(session.pipe.changes.list(limit=None)) == opened + 1  # one change request for the whole drain
    plan = turn.plan
    assert [(p.tool, p.deployment) for p in plan.parts] == [("cordon_cluster", ""), ("move", "coder-assist")]
    (new,) = [a.cluster for a in plan.parts[1].actions if a.action == "create"]
    assert session.fleet.snapshot().cluster(new).environment == "prod"
    for line in part_lines(plan):
        assert part_marks(line.strip()) in turn.shown, line
    assert "needs 2 approvals" in turn.shown

    seen = _approve_twice(session, turn)
    change = session.pipe.changes.get(turn.change.id)
    assert change.state == "succeeded", change.outcome
    for line in part_outcome_lines(plan, change.outcome):
        assert part_marks(line) in seen, line
    assert sorted(session.fleet.snapshot().deployment("coder-assist").clusters) == sorted([KEPT, new])
    assert _cordon(session, SWEDEN) is not None

    steps = session.pipe.store.audit.list(change_id=change.id, event="execution_step", limit=None, newest_first=False)
    ready = [i for i, e in enumerate(steps) if isinstance(e.result, dict) and e.result.get("state") == "Ready"]
    leave = [i for i, e in enumerate(steps) if f"to leave {SWEDEN}" in (e.message or "")]
    assert ready and leave
    assert ready[0] < leave[0]  # blue/green: the replacement serves before the drained copy goes


def autoscale_shows_cost_range(session: Any) -> None:
    """``autoscale llama-support between 2 and 5 replicas``: the card counts GPUs and cost at max ("up to")."""
    turn = session.say("autoscale llama-support between 2 and 5 replicas")
    assert turn.call == ("autoscale", {"deployment": "llama-support", "min_replicas": 2, "max_replicas": 5})
    plan = turn.plan
    assert plan.gpu_delta > 0 and plan.cost_delta_per_hour > 0
    assert "up to" in turn.shown
    assert f"up to {plan.gpu_delta:+d} GPUs" in turn.shown
    assert turn.change is not None and turn.change.state == "pending"
    assert "succeeded" in _approve_twice(session, turn)


def bad_input_is_refused(session: Any) -> None:
    """Unknown cluster, already cordoned, min > max: refused with what to do, and no change request opened."""
    opened = len(session.pipe.changes.list(limit=None))
    unknown = session.say("cordon aks-nowhere-1")
    assert unknown.change is None
    assert "no cluster 'aks-nowhere-1'" in unknown.shown
    cordoned = session.say(f"cordon {JAPAN}")
    assert cordoned.change is None
    assert f"{JAPAN} is already cordoned" in cordoned.shown
    assert "Uncordon it first" in cordoned.shown
    backwards = session.say("autoscale llama-support between 5 and 2 replicas")
    assert backwards.change is None
    assert "minimum (5) is above the maximum (2)" in backwards.shown
    assert len(session.pipe.changes.list(limit=None)) == opened
