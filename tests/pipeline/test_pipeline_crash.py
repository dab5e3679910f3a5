"""A bot process killed (SIGKILL) in the middle of a change: after restart, ``recover()`` reconciles an
interrupted execution against the fleet without applying the plan a second time, and at every step of a
change (open, approvals, quorum, claim, each execution step, outcome) the request's state and its audit
events agree."""
from __future__ import annotations

import itertools
import os
import signal
import time

import pipeline_workers

from audit.models import NEW_STATES, ChangeState
from tests.pipeline.pipeline_helpers import events, executions_started, state_history
from tests.processes import children
from tools.fleet import conventions as cv

SPAWN = children()
NAME = "crash-test"
TEXT = f"deploy mistral 7b instruct as {NAME} on eks-us-west-2-dev-1"  # dev: runs without approval


def _hub_state(fleet) -> dict:
    objs = [fleet.hub.get("Namespace", NAME), fleet.hub.get("ClusterResourcePlacement", NAME),
            *fleet.hub.list("Workspace", NAME), *fleet.hub.list("InferenceSet", NAME)]
    state = {f"{o['kind']}/{o['metadata']['name']}": o["metadata"]["resourceVersion"] for o in objs if o}
    snaps = fleet.hub.list("ClusterResourceSnapshot", None, f"{cv.PARENT_CRP_LABEL}={NAME}")
    state["snapshots"] = sorted(s["metadata"]["name"] for s in snaps)
    return state


def _wait_for(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_execution_is_reconciled_not_rerun(make_pipeline, own, tmp_path):
    emb, fleet = own
    emb.faults.never_ready(deployment=NAME)
    db = tmp_path / "fleetops.db"
    make_pipeline(db=db)  # creates the database (migrations) before the child opens it
    child = SPAWN.Process(target=pipeline_workers.request,
                          args=(str(emb.kubeconfig_path), emb.hub, str(db), TEXT, "U0ALICE"))
    child.start()
    try:
        from audit.store import open_store

        with open_store(db) as store:
            def waiting():
                return [e for e in events(store, event="execution_step") if e.message.startswith("waiting for")]
            (wait_ev,) = _wait_for(waiting, 120, "the child to start waiting on the rollout")
            cid = wait_ev.change_id
            assert store.changes.get(cid).state == "executing"
            time.sleep(0.3)  # let it poll the member a few times
            os.kill(child.pid, signal.SIGKILL)
            child.join(30)
            assert child.exitcode == -signal.SIGKILL
            steps_before = len(events(store, cid, "execution_step"))
            assert executions_started(store, cid) == 1
    finally:
        if child.is_alive():
            child.kill()
            child.join()
    emb.wait_idle()
    hub_before = _hub_state(fleet)
    assert f"Workspace/{NAME}-r1" in hub_before and hub_before["snapshots"]

    pipe = make_pipeline(db=db)  # the restarted bot
    done = pipe.changes.recover()
    change = pipe.changes.get(cid)
    assert [(c.id, c.state) for c in done] == [(cid, change.state)]
    assert change.state in ("succeeded", "failed", "attention") and change.reason
    # the hub matches the plan but the rollout never finished: nothing claimed, a person must look
    assert change.state == "attention" and "still rolling out" in change.reason
    assert f"fleetops changes resolve {cid} finish" in change.reason
    (rec,) = events(pipe.store, cid, "reconcile")
    assert rec.result == {"status": "attention", "change_state": "attention"} and rec.message == change.reason
    emb.wait_idle()
    assert len(events(pipe.store, cid, "execution_step")) == steps_before  # not run again
    assert executions_started(pipe.store, cid) == 1
    assert _hub_state(fleet) == hub_before  # nothing applied again: no write, no new snapshot
    # its intent was recorded before the first write, and is not claimed as carried out
    assert [(r.revision, r.status) for r in fleet.recorded_revisions(NAME)] == [(1, "in_progress")]
    assert pipe.changes.recover() == []  # a second restart finds nothing to do
    assert state_history(pipe.store, cid) == ["approved", "executing", "attention"]
    assert pipe.store.audit.verify().ok


def test_request_approved_before_a_crash_is_run_once_on_recover(make_pipeline, own, tmp_path):
    from tests.pipeline.pipeline_helpers import ask

    db = tmp_path / "fleetops.db"
    pipe = make_pipeline(db=db)
    r = ask(pipe, "deploy phi 4 mini as after-crash on aks-eastus-prod-2")
    assert r.change.state == "pending" and r.decision.approvals_required == 2
    decision = pipe.changes.decision_of(r.change)
    # the quorum was reached (same transaction as the last approval) but the bot died before executing
    for who in ("U0BOB", "U0CAROL"):
        pipe.store.changes.add_approval(r.change.id, who, r.change.plan_hash,
                                        quorum=lambda approvals: decision.is_satisfied(approvals))
    assert pipe.changes.get(r.change.id).state == "approved"
    restarted = make_pipeline(db=db)
    assert [(c.id, c.state) for c in restarted.changes.recover()] == [(r.change.id, "succeeded")]
    assert executions_started(restarted.store, r.change.id) == 1
    assert restarted.changes.recover() == [] and executions_started(restarted.store, r.change.id) == 1
    assert [x.revision for x in own[1].recorded_revisions("after-crash")] == [1]


CRASH_POLICY = """
ttl: 4h
groups:
  approvers: {users: [U0BOB, U0CAROL]}
rules:
  "*":
    "*": {approvals: 2, approver_groups: [approvers]}
"""


def _agree(store) -> None:
    """State and audit agree for every request: the audited states form an allowed path that ends in the
    stored state; counted approvals and approval events name the same people; one start per execution."""
    from audit.models import TRANSITIONS

    for change in store.changes.list(limit=None):
        history = state_history(store, change.id)
        assert history and history[-1] == change.state, (change.id, history, change.state)
        assert ChangeState(history[0]) in NEW_STATES, history
        for a, b in itertools.pairwise(history):
            assert ChangeState(b) in TRANSITIONS[ChangeState(a)], (a, b)
        counted = sorted(e.actor for e in events(store, change.id, "approval") if e.result.get("counted"))
        assert counted == sorted(a.actor for a in store.changes.approvals(change.id, include_void=True))
        assert executions_started(store, change.id) == (1 if change.executing_started_at else 0)


def _run_flow(emb, db, args: dict, kill_at: int, counter) -> int:
    child = SPAWN.Process(target=pipeline_workers.flow, args=(
        str(emb.kubeconfig_path), emb.hub, str(db), CRASH_POLICY, "deploy", args, kill_at, str(counter)))
    child.start()
    child.join(240)
    if child.is_alive():
        child.kill()
        child.join()
        raise AssertionError(f"the flow killed at transaction {kill_at} did not finish")
    return child.exitcode


def test_killed_at_every_step_state_and_audit_agree_after_recover(make_pipeline, own, interpreter, tmp_path):
    """Run one whole change (ask, approve, approve to quorum, claim, execution steps, outcome) in a child
    process and SIGKILL it inside its k-th store transaction, for every k; after restart + recover the
    request's state and its audit events agree and the chain verifies."""
    from bot.identity import Actor
    from bot.interpreter import Context
    from bot.interpreter.result import ToolCall

    emb, fleet = own
    from bot.app import vocabulary_source

    call = interpreter.interpret("set llama-support replicas to 3",
                                 Context(who="U0ALICE", vocabulary=vocabulary_source(fleet)()))
    assert isinstance(call, ToolCall) and call.tool == "deploy"

    def args_for(i: int) -> dict:  # the other size than now, so that every run is a real change
        emb.wait_idle()
        now = fleet.get_deployment("llama-support").replicas
        return {**call.args.given(), "replicas": 2 if now == 3 else 3}

    counter = tmp_path / "transactions"
    db0 = tmp_path / "full.db"
    make_pipeline(db=db0)
    assert _run_flow(emb, db0, args_for(0), 0, counter) == 0  # no kill: how many transactions a change has
    total = int(counter.read_text())
    with open_store_(db0) as store:
        (change,) = store.changes.list()
        assert change.state == "succeeded"
        assert state_history(store, change.id) == ["pending", "approved", "executing", "succeeded"]
        _agree(store)
    assert total >= 10
    for k in range(1, total + 1):
        db = tmp_path / f"kill{k}.db"
        make_pipeline(db=db)
        code = _run_flow(emb, db, args_for(k), k, counter)
        # the number of progress events (one transaction each) depends on how often the rollout was polled: a
        # run with fewer transactions than the first one finishes before the k-th, and is checked the same way
        assert code == -signal.SIGKILL or (code == 0 and int(counter.read_text()) < k), (k, code)
        emb.wait_idle()
        pipe = make_pipeline(db=db)  # the restarted bot
        pipe.changes.recover()
        for change in pipe.changes.list(limit=None):
            assert change.state not in (ChangeState.EXECUTING, ChangeState.APPROVED), (k, change.state)
        _agree(pipe.store)
        assert pipe.store.audit.verify().ok, k
        # leave the deployment at a known size for the next round
        for change in pipe.changes.list(status="pending", limit=None):
            pipe.changes.cancel(change.id, Actor("U0ALICE"))
    assert fleet.get_deployment("llama-support") is not None


def open_store_(db):
    from audit.store import open_store

    return open_store(db)
