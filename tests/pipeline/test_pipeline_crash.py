"""A bot process killed (SIGKILL) in the middle of an execution: after restart, ``recover()`` reconciles the
request against the fleet and marks it, without applying the plan a second time."""
from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pipeline_workers
from tests.pipeline.pipeline_helpers import events, executions_started
from tools.fleet import conventions as cv

SPAWN = multiprocessing.get_context("spawn")
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
    done = pipe.recover()
    assert done == [(cid, pipe.get(cid).state)]
    change = pipe.get(cid)
    assert change.state in ("succeeded", "failed", "attention") and change.reason
    # the hub matches the plan but the rollout never finished: nothing recorded, a person must look
    assert change.state == "attention" and "revision record is missing" in change.reason
    (rec,) = events(pipe.store, cid, "reconcile")
    assert rec.result == {"status": "attention"} and rec.message == change.reason
    emb.wait_idle()
    assert len(events(pipe.store, cid, "execution_step")) == steps_before  # not run again
    assert executions_started(pipe.store, cid) == 1
    assert _hub_state(fleet) == hub_before  # nothing applied again: no write, no new snapshot
    assert fleet.recorded_revisions(NAME) == []  # fleetops recorded no revision
    assert pipe.recover() == []  # a second restart finds nothing to do
    assert pipe.store.audit.verify().ok


def test_request_approved_before_a_crash_is_run_once_on_recover(make_pipeline, own, tmp_path):
    from tests.pipeline.pipeline_helpers import ask

    db = tmp_path / "fleetops.db"
    pipe = make_pipeline(db=db)
    r = ask(pipe, "deploy phi 4 mini as after-crash on aks-eastus-prod-2")
    assert r.change.state == "pending" and r.decision.approvals_required == 2
    decision = pipe.decision_of(r.change)
    # the quorum was reached (same transaction as the last approval) but the bot died before executing
    for who in ("U0BOB", "U0CAROL"):
        pipe.store.changes.add_approval(r.change.id, who, r.change.plan_hash,
                                        quorum=lambda approvals: decision.is_satisfied(approvals))
    assert pipe.get(r.change.id).state == "approved"
    restarted = make_pipeline(db=db)
    assert restarted.recover() == [(r.change.id, "succeeded")]
    assert executions_started(restarted.store, r.change.id) == 1
    assert restarted.recover() == [] and executions_started(restarted.store, r.change.id) == 1
    assert [x.revision for x in own[1].recorded_revisions("after-crash")] == [1]
