"""Stage gate votes on the change service, without a fleet (a stand-in fleet records what is written on the hub):
the policy of the next stage decides who approves, each person counts once, the quorum writes the approval on the
hub exactly once, a failed hub write can be retried by a voter, and a rejection stops the run with the reason."""
from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from audit.store import open_store
from bot.changes import ChangeService, Refusal
from bot.identity import Actor
from bot.policy import Decision
from bot.policy.loading import default_policy
from tools.fleet.errors import FleetError
from tools.fleet.models import ClusterDeploymentState
from tools.plan import Plan, Stage

ALICE, BOB, CAROL, DAVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"


class HubStandIn:
    def __init__(self):
        self.approved: list[str] = []
        self.stopped: list[tuple[str, str]] = []
        self.fail_next = False

    def approve_request(self, name, who, message):
        if self.fail_next:
            self.fail_next = False
            raise FleetError("hub unreachable")
        self.approved.append(name)

    def stop_run(self, name, why):
        self.stopped.append((name, why))

    def member_state(self, cluster, deployment, kind, name):
        return ClusterDeploymentState(cluster=cluster, state="Ready")


@pytest.fixture
def service(tmp_path):
    store = open_store(tmp_path / "gates.db")
    hub = HubStandIn()
    svc = ChangeService(store, default_policy(), lambda *a: None, SimpleNamespace(fleet=hub),  # type: ignore[arg-type]
                        clock=lambda: datetime.now(UTC))
    plan = Plan(tool="deploy", args={}, deployment="mistral-all", strategy="blue_green", summary="staged",
                environments=["dev", "prod", "staging"],
                stages=[Stage(name="dev", environment="dev", clusters=["d1"], gate=True, gate_env="staging"),
                        Stage(name="staging", environment="staging", clusters=["s1"], gate=True, gate_env="prod"),
                        Stage(name="prod", environment="prod", clusters=["p1"])]).seal()
    change = store.changes.create(requester=ALICE, tool="deploy", plan_hash=plan.hash, plan=plan.model_dump(mode="json"),
                                  summary=plan.summary, decision={}, state="approved")
    assert store.changes.claim_execution(change.id)
    yield svc, hub, store.changes.get(change.id)
    store.close()


def _open(svc, change, stage, nxt):
    return svc.gate_opened(change, {"request": f"mistral-all-run-1-after-{stage}", "run": "mistral-all-run-1",
                                    "stage": stage, "next": nxt, "clusters": {"x": "ready"}})


def test_the_gate_before_prod_takes_the_prod_policy(service):
    svc, _hub, change = service
    gate = _open(svc, change, "staging", "prod")
    d = Decision.model_validate(gate.decision)
    assert (d.approvals_required, d.approver_groups) == (2, ["approvers"])


def test_the_requester_cannot_approve_a_gate(service):
    svc, _hub, change = service
    gate = _open(svc, change, "dev", "staging")
    assert isinstance(svc.approve_gate(gate.request, Actor(ALICE)), Refusal)


def test_a_second_click_of_the_same_person_is_not_counted(service):
    svc, _hub, change = service
    gate = _open(svc, change, "staging", "prod")
    svc.approve_gate(gate.request, Actor(BOB))
    again = svc.approve_gate(gate.request, Actor(BOB))
    assert isinstance(again, Refusal) and "counts once" in again.text


def test_the_quorum_writes_the_approval_on_the_hub_once(service):
    svc, hub, change = service
    gate = _open(svc, change, "staging", "prod")
    svc.approve_gate(gate.request, Actor(BOB))
    assert hub.approved == []
    svc.approve_gate(gate.request, Actor(CAROL))
    svc.approve_gate(gate.request, Actor(DAVE))  # after the quorum: not counted, nothing written
    assert hub.approved == [gate.request]


def test_a_failed_hub_write_leaves_the_gate_open_and_a_voter_writes_it_again(service):
    svc, hub, change = service
    gate = _open(svc, change, "dev", "staging")
    hub.fail_next = True
    assert svc.approve_gate(gate.request, Actor(BOB)).state == "open"
    assert svc.approve_gate(gate.request, Actor(BOB)).state == "approved"
    assert hub.approved == [gate.request]


def test_a_rejection_stops_the_run_with_who_and_why(service):
    svc, hub, change = service
    gate = _open(svc, change, "dev", "staging")
    assert svc.reject_gate(gate.request, Actor(BOB), "p99 latency doubled").state == "rejected"
    assert hub.stopped == [("mistral-all-run-1", "rejected by U0BOB at the gate after stage dev: p99 latency doubled")]


def test_a_gate_opened_twice_is_recorded_once(service):
    svc, _hub, change = service
    _open(svc, change, "dev", "staging")
    _open(svc, change, "dev", "staging")
    events = svc.store.audit.list(change_id=change.id, event="gate_opened")
    assert len(events) == 1
