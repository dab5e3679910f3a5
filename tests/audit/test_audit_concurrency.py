"""Many threads and processes at once: one intact chain, nothing lost, one executor claim."""
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import audit_workers

from audit.store import open_store
from tests.processes import children

SPAWN = children()


def test_threads_and_processes_append_one_intact_chain(db_path):
    open_store(db_path).close()
    procs, per_proc, threads, per_thread = 3, 40, 6, 40
    barrier = SPAWN.Barrier(procs + 1)
    ps = [SPAWN.Process(target=audit_workers.append_events, args=(str(db_path), w, per_proc, barrier))
          for w in range(procs)]
    for p in ps:
        p.start()
    shared = open_store(db_path)  # one connection shared by threads, plus one per thread
    tbarrier = threading.Barrier(threads)

    def work(t: int) -> None:
        own = open_store(db_path) if t % 2 else None
        s = own or shared
        tbarrier.wait()
        for i in range(per_thread):
            s.audit.record("execution_step", actor=f"T{t}", message=f"T{t}:{i}")
        if own:
            own.close()

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    barrier.wait()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for p in ps:
        p.join(60)
        assert p.exitcode == 0
    result = shared.audit.verify()
    assert result.ok, result.reason
    total = procs * per_proc + threads * per_thread
    assert result.checked == total
    events = shared.audit.list(limit=None, newest_first=False)
    assert [e.id for e in events] == list(range(1, total + 1))
    messages = Counter(e.message for e in events)
    expected = {f"P{w}:{i}" for w in range(procs) for i in range(per_proc)} | {
        f"T{t}:{i}" for t in range(threads) for i in range(per_thread)}
    assert set(messages) == expected and max(messages.values()) == 1  # none lost, none twice
    # each writer's own events stay in its order
    for actor in {e.actor for e in events}:
        mine = [int(e.message.split(":")[1]) for e in events if e.actor == actor]
        assert mine == sorted(mine)
    shared.close()


def test_racing_approvals_and_claims_run_once(db_path):
    store = open_store(db_path)
    cr = store.changes.create(requester="U0REQ", tool="deploy", plan_hash="h1",
                              approvals_required=2)
    actors = ["U1", "U2", "U3", "U1", "U2", "U3"]  # duplicates: same person clicking twice
    n_proc = 4
    barrier = SPAWN.Barrier(n_proc + len(actors))
    queue = SPAWN.Queue()
    ps = [SPAWN.Process(target=audit_workers.approve_and_claim,
                        args=(str(db_path), cr.id, actors[i], "h1", barrier, queue))
          for i in range(n_proc)]
    for p in ps:
        p.start()
    results = []
    lock = threading.Lock()

    def work(actor: str) -> None:
        own = open_store(db_path)
        barrier.wait()
        r = own.changes.add_approval(cr.id, actor, "h1", quorum=lambda a: len(a) >= 2)
        claimed = own.changes.claim_execution(cr.id)
        with lock:
            results.append((actor, r.status, r.approved, claimed))
        own.close()

    ts = [threading.Thread(target=work, args=(a,)) for a in actors]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for _ in ps:
        results.append(queue.get(timeout=60))
    for p in ps:
        p.join(60)
    assert len(results) == n_proc + len(actors)
    assert sum(claimed for *_, claimed in results) == 1  # exactly one executor
    assert sum(approved for _, _, approved, _ in results) == 1  # one pending -> approved move
    inserted = Counter(actor for actor, status, *_ in results if status == "inserted")
    assert set(inserted.values()) <= {1}  # nobody counted twice
    final = store.changes.get(cr.id)
    assert final.state == "executing"
    assert len(final.approvals) == len(set(final.approvers)) == len(inserted) >= 2
    store.close()


def test_sigkill_during_appends_leaves_a_verifiable_log(db_path):
    open_store(db_path).close()
    worker = Path(audit_workers.__file__)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    previous = 0
    for run in range(3):
        p = subprocess.Popen([sys.executable, str(worker), str(db_path), f"run{run}"], env=env)
        try:
            store = open_store(db_path)
            deadline = time.monotonic() + 30
            while store.audit.count() < previous + 300 and time.monotonic() < deadline:
                time.sleep(0.02)
            p.send_signal(signal.SIGKILL)
            p.wait(10)
        finally:
            if p.poll() is None:
                p.kill()
        result = store.audit.verify()
        assert result.ok, result.reason
        assert result.checked >= previous + 300
        # a batch is one transaction: after the kill each one is there entirely or not at all
        batches = Counter(e.message for e in store.audit.list(limit=None, event="execution_step"))
        assert batches and set(batches.values()) == {200}
        previous = result.checked
        store.audit.record("reconcile", message="after kill")  # the chain continues
        assert store.audit.verify().ok
        store.close()
