"""Functions run in spawned processes by the concurrency and crash tests (must be importable)."""
from __future__ import annotations

import sys

from audit.store import open_store


def append_events(path: str, worker: int, count: int, barrier=None) -> None:
    store = open_store(path)
    if barrier is not None:
        barrier.wait()
    for i in range(count):
        store.audit.record("execution_step", actor=f"P{worker}", message=f"P{worker}:{i}",
                           clusters=[f"c{worker}"], args={"worker": worker, "i": i})
    store.close()


def approve_and_claim(path: str, change_id: str, actor: str, plan_hash: str, barrier, queue) -> None:
    store = open_store(path)
    barrier.wait()
    result = store.changes.add_approval(change_id, actor, plan_hash,
                                        quorum=lambda approvals: len(approvals) >= 2)
    claimed = store.changes.claim_execution(change_id)
    queue.put((actor, result.status, result.approved, claimed))
    store.close()


if __name__ == "__main__":  # crash test: append forever (singles and 200-row batches) until killed
    s = open_store(sys.argv[1])
    tag, n = sys.argv[2], 0
    while True:
        if n % 2:
            s.audit.record_many({"event": "execution_step", "message": f"{tag} batch {n}",
                                 "args": {"n": n, "j": j}} for j in range(200))
        else:
            s.audit.record("outcome", message=f"{tag} single {n}")
        n += 1
