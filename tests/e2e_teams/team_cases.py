"""Issue 15's "Done when" for requesters, scopes, owners and budgets, written once for both front ends
(``session`` is a ``TeamChat`` or a ``TeamSlack`` started with ``E2E_POLICY``). Each case makes its own
deployments, so the cases do not depend on each other's order. From the demo fleet: eks-us-west-2-dev-1 (dev, 3 free
g5.xlarge at $1.01/h), aks-centralindia-dev-1 (dev, A10 at $2.94/h), aks-eastus-prod-1 (prod), phi4-chat runs in
prod only, gemma-staging in staging, granite-dev in dev."""
from __future__ import annotations

from typing import Any

from audit.models import ChangeRequest
from bot.changes.types import Refusal
from bot.identity import Actor
from tests.policy.teams_policy import TEAMS_POLICY
from tools.args import ListDeploymentsArgs

# labs: one requester (Kim) with a $2/h budget, so one A10 node breaks it
E2E_POLICY = TEAMS_POLICY.replace("U0IVY, U0JO]", "U0IVY, U0JO, U0KIM]").replace(
    "owners:", "  labs: {users: [U0KIM], budget_per_hour: 2}\nowners:")
STRANGER, GRACE, HANK, KIM, JO = "U0ZED", "U0GRACE", "U0HANK", "U0KIM", "U0JO"
ALICE, BOB, DAVE = "U0ALICE", "U0BOB", "U0DAVE"
DEV = "eks-us-west-2-dev-1"
INDIA = "aks-centralindia-dev-1"
PROD = "aks-eastus-prod-1"


def _state(session: Any, change: ChangeRequest) -> str:
    return str(session.pipe.changes.get(change.id).state)


def _ends(session: Any, change: ChangeRequest) -> str:
    """The state the change ends in (waits while it is being carried out)."""
    from slack_env import wait_until

    return str(wait_until(lambda: _state(session, change) not in ("approved", "executing") and _state(session, change),
                          timeout=180, what=f"change {change.id} to finish"))


def _refused(session: Any, change: ChangeRequest, user: str) -> str:
    """What the change service answers ``user``'s approval (must be a refusal)."""
    r = session.pipe.changes.approve(change.id, Actor(user))
    assert isinstance(r, Refusal), r
    return r.text


def stranger_is_refused(session: Any, channel: str) -> None:
    turn = session.say_in("undeploy granite-dev", STRANGER, channel)
    assert turn.change is None
    assert "You can't request undeploy" in turn.shown
    assert "only members of approvers or requesters may" in turn.shown
    assert session.fleet.snapshot().deployment("granite-dev") is not None
    decisions = session.pipe.store.audit.list(event="decision", limit=None, newest_first=False)
    assert decisions[-1].result["rules"] == ["requesters.*.*", "requesters.undeploy.prod"]


def stranger_may_read(session: Any, channel: str) -> None:
    turn = session.say_in("list deployments", STRANGER, channel)
    assert "granite-dev" in turn.shown


def staging_channel_sees_no_prod(session: Any) -> None:
    turn = session.say_in("list deployments", GRACE, "C0STAGING")
    assert turn.call == ("list_deployments", {})
    assert "gemma-staging" in turn.shown
    assert "phi4-chat" not in turn.shown


def other_channel_sees_prod(session: Any, channel: str) -> None:
    assert "phi4-chat" in session.say_in("list deployments", GRACE, channel).shown


def staging_channel_cannot_change_prod(session: Any) -> None:
    turn = session.say_in(f"cordon {PROD}", GRACE, "C0STAGING")
    assert turn.change is None
    assert "outside scope 'staging-only'" in turn.shown
    assert f"{PROD} (prod)" in turn.shown
    assert session.fleet.snapshot().cluster(PROD).cordon is None


def contractor_dm_follows_their_group(session: Any, dm: str) -> None:
    turn = session.say_in("list deployments", JO, dm)
    assert "phi4-chat" not in turn.shown
    assert "gemma-staging" in turn.shown


def owned_deployment_needs_its_team(session: Any, channel: str) -> None:
    """Grace (team search) deploys granite-own in dev: it runs, labelled team search; Bob (not in search) scales
    it: pending on team search's approval; Alice cannot give it, Hank (search) can."""
    made = session.say_in(f"deploy granite-4.1-8b to {DEV} named granite-own", GRACE, channel)
    assert made.change is not None and _ends(session, made.change) == "succeeded", made.shown
    assert session.fleet.snapshot().deployment("granite-own").labels.get("fleetops.dev/team") == "search"
    mine = session.pipe.read("list_deployments", ListDeploymentsArgs(team="search"))
    assert [d.name for d in mine.deployments] == ["granite-own"]

    turn = session.say_in("scale granite-own to 2 replicas", BOB, channel)
    assert turn.change is not None and _state(session, turn.change) == "pending", turn.shown
    assert "1 approval from team search" in turn.shown
    assert "team search" in _refused(session, turn.change, ALICE)
    session.approve_as(turn, HANK)
    assert _ends(session, turn.change) == "succeeded"
    assert session.fleet.snapshot().deployment("granite-own").replicas == 2


def budget_breach_needs_override(session: Any, channel: str) -> None:
    """Kim (team labs, $2/h) deploys Phi-4-mini on an A10 ($2.94/h) in dev: no approval for dev, but the budget
    breach needs budget-override; Alice cannot give it, Dave can; then the cost report shows labs."""
    turn = session.say_in(f"deploy phi-4-mini to {INDIA} named phi-labs", KIM, channel)
    assert turn.change is not None and _state(session, turn.change) == "pending", turn.shown
    assert "$0.00/h now, $2.94/h after this change (budget $2.00/h)" in turn.shown
    assert "1 approval from budget-override" in turn.shown
    assert "budget-override" in _refused(session, turn.change, ALICE)
    session.approve_as(turn, DAVE)
    assert _ends(session, turn.change) == "succeeded"
    cost = session.say_in("cost by team", KIM, channel)
    assert "labs" in cost.shown
