"""The change service's open path checks the requesters itself: a front end that skipped the policy still cannot
open a change for a stranger, and the refusal is audited with the rule."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from audit.store import open_store
from bot.changes import ChangeService
from bot.identity import Actor
from bot.policy import decide, loads_policy
from bot.policy.requesters import NotARequester
from tests.policy.teams_policy import TEAMS_POLICY
from tools.plan import Plan

POLICY = loads_policy(TEAMS_POLICY)
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
PLAN = Plan(tool="deploy", args={}, deployment="granite-x", strategy="create", summary="deploy granite-x",
            environments=["dev"], clusters=["eks-us-west-2-dev-1"]).seal()


@pytest.fixture
def service(tmp_path):
    store = open_store(tmp_path / "fleetops.db")
    yield ChangeService(store, POLICY, lambda tool, args: PLAN, None, clock=lambda: NOW)  # type: ignore[arg-type]
    store.close()


def test_a_stranger_cannot_open_a_change(service):
    stranger = Actor("U0ZED")
    with pytest.raises(NotARequester) as e:
        service.open(stranger, PLAN, decide(POLICY, Actor("U0GRACE"), {"tool": "deploy", "mutating": True}),
                     {}, channel="C0OPS")
    assert "You can't request deploy in dev" in str(e.value)


def test_the_refusal_is_audited_with_the_rule(service):
    with pytest.raises(NotARequester):
        service.open(Actor("U0ZED"), PLAN, decide(POLICY, Actor("U0GRACE"), {"tool": "deploy", "mutating": True}), {})
    events = service.store.audit.list(event="decision", limit=None)
    assert [e.result["rules"] for e in events] == [["requesters.*.*"]]


def test_nothing_is_stored_for_a_refused_request(service):
    with pytest.raises(NotARequester):
        service.open(Actor("U0ZED"), PLAN, decide(POLICY, Actor("U0GRACE"), {"tool": "deploy", "mutating": True}), {})
    assert service.store.changes.list(limit=10) == []


def test_a_requester_opens_it(service):
    grace = Actor("U0GRACE")
    change = service.open(grace, PLAN, decide(POLICY, grace, {"tool": "deploy", "mutating": True,
                                                              "environments": ["dev"]}), {})
    assert change.requester == "U0GRACE"
