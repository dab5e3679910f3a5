"""Failures are cleaned up or stated; an interrupted change left in ``attention`` is resolved by a person through
the change's own policy; the revision record is written before acting and never claims what was not done."""
from __future__ import annotations

from pathlib import Path

from audit.models import ChangeRequest, ChangeState
from audit.store import open_store
from bot.app import vocabulary_source
from bot.changes import Refusal
from bot.changes.execution import facts_of
from bot.identity import Actor
from bot.pipeline import Pipeline
from bot.policy import decide, loads_policy
from tools import get_deployment, runner
from tools.args import DeployArgs, RollbackArgs
from tools.executor import Executor
from tools.fleet.models import ObjectRef
from tools.plan import Plan

DEV = "eks-us-west-2-dev-1"
STAGING = ["aks-westus3-staging-1", "aks-northeurope-staging-1"]
SMALL = "microsoft/Phi-3-mini-4k-instruct"
POLICY = """
ttl: 4h
groups:
  approvers: {users: [U0BOB]}
rules:
  "*":
    "*": {approvals: 1, approver_groups: [approvers]}
"""
S = ChangeState


def _gone(fleet, name: str) -> bool:
    return fleet.get(ObjectRef("Namespace", name)) is None and \
        fleet.get(ObjectRef("ClusterResourcePlacement", name)) is None


def test_a_create_that_fails_on_one_of_two_clusters_is_undone_everywhere(fresh):
    emb, fleet = fresh
    emb.faults.fail(cluster=STAGING[0], deployment="half")
    plan = runner.plan("deploy", DeployArgs(model="phi-4-mini", name="half", clusters=STAGING), fleet)
    out = Executor(fleet, timeout=30, poll=0.05).apply(plan)
    assert out.status == "failed" and out.undone, out.message
    assert STAGING[0] in out.message and "Undone" in out.message
    emb.wait_idle()
    assert _gone(fleet, "half")  # nothing left running on the other cluster either
    assert fleet.get_deployment("half") is None and fleet.recorded_revisions("half") == []


def test_a_create_rejected_midway_leaves_nothing_behind(fresh):
    _emb, fleet = fresh
    plan = runner.plan("deploy", DeployArgs(model="phi-4-mini", name="rejected", clusters=[DEV]), fleet)
    crp = next(st.manifest for st in plan.steps if st.manifest and st.manifest["kind"] == "ClusterResourcePlacement")
    crp["spec"]["policy"]["placementType"] = "Everywhere"  # 422 from the API server, after ns + workspace
    plan = plan.model_copy(update={"manifests": [m if m["kind"] != "ClusterResourcePlacement" else crp
                                                 for m in plan.manifests]}).seal()
    out = Executor(fleet, timeout=30, poll=0.05).apply(plan)
    assert out.status == "failed" and out.undone, out.message
    assert _gone(fleet, "rejected") and fleet.recorded_revisions("rejected") == []


def test_a_failed_change_that_cannot_be_undone_says_what_it_left_and_the_way_back(fresh):
    emb, fleet = fresh
    Executor(fleet, timeout=30, poll=0.05).apply(
        runner.plan("deploy", DeployArgs(model=SMALL, name="grow", clusters=[DEV], replicas=2), fleet))
    emb.faults.fail(deployment="grow")
    out = Executor(fleet, timeout=30, poll=0.05).apply(
        runner.plan("deploy", DeployArgs(name="grow", replicas=3), fleet))
    assert out.status == "failed" and not out.undone
    assert "On the hub now:" in out.message and "`roll back grow`" in out.message
    (rec,) = [r for r in fleet.recorded_revisions("grow") if r.revision == 2]
    assert rec.status == "failed"
    dep = fleet.get_deployment("grow")
    # what the hub runs is revision 2 and it is failed: shown so, and `roll back grow` goes to revision 1
    assert dep is not None and (dep.revision, dep.status) == (2, "failed")
    assert runner.plan("rollback", RollbackArgs(deployment="grow"), fleet).revision.replicas == 2
    shown = get_deployment.run(fleet.snapshot(), {"name": "grow"}).render()
    assert "failed (change" in shown


def _pipeline(fleet, db: Path) -> Pipeline:
    pipe = Pipeline(open_store(db), fleet, None, loads_policy(POLICY), rollout_timeout=30.0,
                    vocabulary=vocabulary_source(fleet))
    pipe.executor.poll = 0.05
    return pipe


def _interrupted(fleet, pipe: Pipeline, name: str) -> ChangeRequest:
    """A create whose process died while its new side rolled out: every apply landed, nothing ready yet."""
    plan = runner.plan("deploy", DeployArgs(model=SMALL, name=name, clusters=[DEV]), fleet)
    d = decide(pipe.changes.policy, Actor("U0ALICE"), facts_of(plan), pipe.changes.clock())
    change = pipe.changes.open(Actor("U0ALICE"), plan, d, plan.args)
    pipe.store.changes.add_approval(change.id, "U0BOB", change.plan_hash, quorum=lambda a: True)
    assert pipe.store.changes.claim_execution(change.id)
    ex = pipe.executor
    ex.prepare(plan)
    ex.write_intent(plan, change.id)
    for st in plan.steps:
        if st.kind == "apply":
            fleet.apply(st.manifest)
    return pipe.changes.get(change.id)


def test_attention_is_stated_and_resolved_through_the_changes_policy(fresh, tmp_path):
    emb, fleet = fresh
    emb.faults.never_ready(deployment="limbo")
    pipe = _pipeline(fleet, tmp_path / "f.db")
    try:
        change = _interrupted(fleet, pipe, "limbo")
        emb.wait_idle()
        (done,) = pipe.changes.recover()
        assert done.state == S.ATTENTION
        assert "still rolling out" in done.reason and "On the hub now:" in done.reason
        assert f"{DEV}: Progressing" in done.reason  # per cluster
        shown = get_deployment.run(fleet.snapshot(), {"name": "limbo"}).render()
        assert "(no revisions recorded)" not in shown and "not carried out yet" in shown
        # someone who could not have approved the change may not resolve it either
        refused = pipe.changes.resolve(change.id, Actor("U0MALLORY"), "undo")
        assert isinstance(refused, Refusal) and "requester" in refused.text
        undone = pipe.changes.resolve(change.id, Actor("U0BOB"), "undo")
        assert isinstance(undone, ChangeRequest) and undone.state == S.FAILED, undone
        assert undone.outcome["undone"] is True
        emb.wait_idle()
        assert _gone(fleet, "limbo") and fleet.recorded_revisions("limbo") == []
        again = pipe.changes.resolve(change.id, Actor("U0BOB"), "finish")
        assert isinstance(again, Refusal) and "not in attention" in again.text
        assert pipe.store.audit.verify().ok
    finally:
        pipe.store.close()


def test_attention_marked_reviewed_leaves_the_hub_and_says_what_is_there(fresh, tmp_path):
    emb, fleet = fresh
    emb.faults.never_ready(deployment="looked-at")
    pipe = _pipeline(fleet, tmp_path / "f.db")
    try:
        change = _interrupted(fleet, pipe, "looked-at")
        (done,) = pipe.changes.recover()
        assert done.state == S.ATTENTION
        reviewed = pipe.changes.resolve(change.id, Actor("U0ALICE"), "reviewed")  # the requester may
        assert isinstance(reviewed, ChangeRequest) and reviewed.state == S.FAILED
        assert "marked reviewed by U0ALICE" in reviewed.reason and "Workspace looked-at-r1" in reviewed.reason
        assert fleet.get(ObjectRef("Workspace", "looked-at-r1", "looked-at")) is not None  # left as it is
        plan = Plan.model_validate(reviewed.plan)
        (rec,) = fleet.recorded_revisions("looked-at")
        assert (rec.revision, rec.status) == (plan.revision.revision, "failed")
        assert pipe.store.audit.verify().ok
    finally:
        pipe.store.close()
