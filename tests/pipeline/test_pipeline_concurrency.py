"""Many approvers clicking the last approval at once (threads, then processes on the same database and
fleet): exactly one execution, no approval counted twice."""
from __future__ import annotations

import threading
from pathlib import Path

import pipeline_workers

from audit.store import open_store
from bot.identity import Actor
from bot.policy import loads_policy
from tests.pipeline.pipeline_helpers import ALICE, acted, ask, events, executions_started, runner_of
from tests.processes import children

SPAWN = children()
APPROVERS = [f"U{i:03d}" for i in range(1, 13)]
POLICY = f"""
ttl: 4h
groups:
  approvers:
    users: [{", ".join(APPROVERS)}]
rules:
  "*":
    dev: {{approvals: 0}}
    staging: {{approvals: 1}}
    prod: {{approvals: 2, approver_groups: [approvers]}}
"""


def _counted(store, cid: str) -> list[str]:
    return [e.actor for e in events(store, cid, "approval") if (e.result or {}).get("counted")]


def test_threads_racing_for_the_last_approval_execute_once(make_pipeline, own):
    pipe = make_pipeline(policy=loads_policy(POLICY))
    r = ask(pipe, "deploy phi 4 mini as race-threads on aks-eastus-prod-2", who=ALICE)
    assert r.change.state == "pending" and r.decision.approvals_required == 2
    cid = r.change.id
    assert acted(pipe.changes.approve(cid, Actor(APPROVERS[0])))
    racers = APPROVERS[1:11]
    barrier = threading.Barrier(len(racers))
    replies: dict[str, object] = {}

    def click(who: str) -> None:
        barrier.wait()
        replies[who] = pipe.changes.approve(cid, Actor(who))

    threads = [threading.Thread(target=click, args=(w,)) for w in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(replies) == len(racers)
    executed = [runner_of(pipe.store, cid)]
    assert executed[0] in racers and replies[executed[0]].state == "succeeded"
    assert sum(1 for rep in replies.values() if acted(rep)) == 1
    change = pipe.changes.get(cid)
    assert change.state == "succeeded" and sorted(change.approvers) == sorted([APPROVERS[0], executed[0]])
    assert _counted(pipe.store, cid) == [APPROVERS[0], executed[0]]
    assert executions_started(pipe.store, cid) == 1
    assert [r.revision for r in own[1].revisions("race-threads")] == [1]
    assert pipe.store.audit.verify().ok


def test_processes_racing_for_the_last_approval_execute_once(make_pipeline, own, tmp_path):
    emb, fleet = own
    db = tmp_path / "fleetops.db"
    pipe = make_pipeline(policy=loads_policy(POLICY), db=db)
    cid = ask(pipe, "deploy phi 4 mini as race-procs on aks-eastus-prod-2").change.id
    assert acted(pipe.changes.approve(cid, Actor(APPROVERS[0])))
    racers = APPROVERS[1:4]
    barrier, queue = SPAWN.Barrier(len(racers)), SPAWN.Queue()
    procs = [SPAWN.Process(target=pipeline_workers.approve,
                           args=(str(emb.kubeconfig_path), emb.hub, str(db), POLICY, cid, w, barrier, queue))
             for w in racers]
    for p in procs:
        p.start()
    results = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert not [r for r in results if r[3] == "error"], results
    executed = [r for r in results if r[1]]
    assert len(executed) == 1 and executed[0][3] == "succeeded", results
    with open_store(db) as store:
        assert runner_of(store, cid) == executed[0][0]
        assert store.changes.get(cid).state == "succeeded"
        assert _counted(store, cid) == [APPROVERS[0], executed[0][0]]
        assert executions_started(store, cid) == 1
        assert store.audit.verify().ok
    assert [r.revision for r in fleet.revisions("race-procs")] == [1]
    assert Path(db).exists()
