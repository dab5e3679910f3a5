"""The background worker: a bounded thread pool for everything that happens after Slack got its ack.

``submit(fn, *args, on_error=...)`` returns False instead of queueing when ``max_pending`` tasks are
already waiting or running (the caller tells the user to retry). A task never raises out of the pool:
an exception is logged and handed to ``on_error`` (which reports it to the user), itself guarded.
``before_task`` runs before each task (the Slack app passes ``Traffic.wait_quiet``: acks first).

``JobRunner``: the work of every acknowledged click and command, persisted before the ack (``audit.jobs``)
and run by a bounded number of threads, also after a restart (issue 12: no acked click silently lost).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, Literal

from audit.jobs import Job, JobStore

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, max_workers: int = 8, max_pending: int = 256, name: str = "fleetops-slack",
                 before_task: Callable[[], None] | None = None):
        self._before = before_task
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(max_pending)
        self._idle = threading.Condition()
        self._running = 0
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any,
               on_error: Callable[[BaseException], None] | None = None) -> bool:
        if self._closed or not self._slots.acquire(blocking=False):
            return False
        with self._idle:
            self._running += 1
        try:
            self._pool.submit(self._run, fn, args, on_error)
        except RuntimeError:  # shut down meanwhile
            self._done()
            return False
        return True

    def _run(self, fn: Callable[..., Any], args: tuple, on_error: Callable[[BaseException], None] | None) -> None:
        try:
            if self._before is not None:
                self._before()
            fn(*args)
        except BaseException as e:
            log.exception("background task %s failed", getattr(fn, "__name__", fn))
            if on_error is not None:
                try:
                    on_error(e)
                except Exception:
                    log.exception("reporting a failure failed too")
        finally:
            self._done()

    def _done(self) -> None:
        self._slots.release()
        with self._idle:
            self._running -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no task is queued or running (tests, shutdown). False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)

    @property
    def pending(self) -> int:
        with self._idle:
            return self._running

    def shutdown(self, wait: bool = True) -> None:
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


# --- persisted jobs ---------------------------------------------------------------------------------------
Accepted = Literal["queued", "duplicate", "failed"]


_LIVE_OWNERS: set[str] = set()  # the runners of this process (a test may run several on one database)


def dead_local_owner(owner: str, me: str | None = None) -> bool:
    """True when ``owner`` (``host:pid:tag``) was a runner on this host whose process is gone: its pid is not
    running, or it is this process's pid but no runner of this process has that name (a restarted container
    gets pid 1 again). A pid taken by an unrelated process reads as alive: its lease then runs out as usual."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit() or owner == me:
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return owner not in _LIVE_OWNERS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: someone else's process, alive
        return False
    return False


class _Pending:
    __slots__ = ("done", "item", "lead", "result", "wake")

    def __init__(self, item: tuple[str, str, Any]):
        self.item = item
        self.wake = threading.Event()  # set when committed (``done``) or when asked to commit the next group (``lead``)
        self.done = False
        self.lead = False
        self.result: Accepted = "failed"


class JobRunner:
    """Runs the jobs of ``audit.jobs`` (persisted before the ack) on ``threads`` threads.

    ``accept(key, kind, payload)`` persists a job and its delivery id together, and returns ``queued``,
    ``duplicate`` (the id was seen before) or ``failed`` (not persisted within ``accept_wait`` seconds: the
    ack must say "busy, try again"). Concurrent accepts are committed together (group commit: a burst of 1,000
    clicks costs a few fsyncs, not 1,000) by one of the listener threads waiting for them (the leader; see
    ``accept``), not by a committer thread of its own. Workers claim jobs from the database, not
    from memory, so a job accepted by a process that died is run by the next one (``start()`` picks up what
    is queued; a job a dead worker was running is taken again once its lease runs out, at once when that worker
    was a process on this host that is gone). Each kind has one
    handler, ``handler(payload)``; a handler that raises fails its job (logged, ``on_error`` told).

    ``lanes`` (``{name: (kinds, threads)}``) give some kinds threads of their own: an Approve click executes
    its change (minutes of waiting on KAITO readiness), so with ``{"executions": (("approve",), 4)}`` eight
    executions in flight cannot hold the threads that answer commands, and a burst of commands cannot delay
    an execution's start. The ``threads`` of the default lane take every kind not in a lane.
    ``max_queued``: at most this many runnable jobs per lane; past it ``accept`` answers ``failed`` at once
    (the ack says "busy, try again") instead of queueing work nobody will get to in time.
    ``accept_jobs``: the store the acks' group commits write through, on a SQLite connection of its own (they then
    do not queue behind the background work's reads and writes on the shared connection's lock; SQLite still lets
    one write transaction run at a time, each short).
    """

    def __init__(self, jobs: JobStore, handlers: dict[str, Callable[[Any], None]], *, threads: int = 8,
                 lease: float = 60.0, accept_wait: float = 2.0, batch: int = 256,
                 before_task: Callable[[], None] | None = None,
                 on_error: Callable[[Job, BaseException], None] | None = None,
                 lanes: Mapping[str, tuple[Collection[str], int]] | None = None, max_queued: int | None = None,
                 accept_jobs: JobStore | None = None):
        self.jobs, self.handlers = jobs, handlers
        self._accept_jobs = accept_jobs or jobs
        self.threads, self.lease, self.accept_wait, self.batch = max(1, threads), lease, accept_wait, batch
        self.lanes = {name: (frozenset(kinds), max(1, n)) for name, (kinds, n) in (lanes or {}).items()}
        self._laned = frozenset(k for kinds, _ in self.lanes.values() for k in kinds)
        self.max_queued = max_queued
        # one wake-up per lane: a commit wakes as many of a lane's idle threads as it queued jobs for that lane
        # (waking every thread made each of them run a claim transaction in the middle of a burst)
        self._wake = {lane: threading.Condition() for lane in ("default", *self.lanes)}
        self.refused = 0  # accepts refused because a lane's queue was full (stats, tests)
        # runnable jobs per lane for ``max_queued``, kept off the acks' path (see _runnable_estimate)
        self._counts = threading.Lock()
        self._estimate: dict[str, int | None] = {lane: None for lane in ("default", *self.lanes)}
        self._before, self.on_error = before_task, on_error
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._accepting = threading.Lock()
        self._waiting: list[_Pending] = []  # accepted, not yet in a group being committed
        self._leading = False  # a listener thread is committing a group (or has been asked to)
        self._cond = threading.Condition()
        self._running: set[int] = set()
        self._stop = threading.Event()
        self._started: list[threading.Thread] = []
        self.ran = 0  # jobs run by this runner (stats, tests)

    # --- accepting (listener threads, before the ack) ---------------------------------------------------
    def accept(self, key: str, kind: str, payload: Any) -> Accepted:
        """Persist one job; called by listener threads, before their ack.

        The first caller while nothing is being committed becomes the leader: it commits every accept waiting
        by then in one transaction, itself included, and hands the lead to the oldest accept that arrived
        meanwhile (which commits the next group), or gives it up when none did. The others wait for their
        group. Measured in bench/ack.py: with a committer thread each ack paid two thread hand-offs (listener ->
        committer -> listener), each a wait for the GIL behind the other listener threads of a burst; the leader
        pays none, the others one."""
        if self._stop.is_set():
            return "failed"
        me = _Pending((key, kind, payload))
        with self._accepting:
            self._waiting.append(me)
            if not self._leading:
                self._leading = me.lead = True
        deadline = time.monotonic() + self.accept_wait
        while not me.lead:
            me.wake.wait(max(0.0, deadline - time.monotonic()))
            with self._accepting:
                if me.done:
                    return me.result
                if not me.lead and time.monotonic() >= deadline:
                    self._waiting.remove(me)  # not committed, and never will be: the ack says busy
                    log.warning("job %s was not persisted within %.1fs", key, self.accept_wait)
                    return "failed"
                me.wake.clear()
        self._commit_next()
        return me.result

    def _commit_next(self) -> None:
        """The leader's part: commit the accepts waiting now (its own first), then hand over the lead."""
        with self._accepting:
            group, self._waiting = self._waiting[:self.batch], self._waiting[self.batch:]
        try:
            admitted = self._admit(group)
            results = self._accept_jobs.accept_many([p.item for p in admitted])
            for p, queued_now in zip(admitted, results, strict=True):
                p.result = "queued" if queued_now else "duplicate"
                if queued_now:
                    self._adjust(self.lane_of(p.item[1]), +1)
        except Exception:
            log.exception("persisting %d jobs failed", len(group))
        with self._accepting:
            for p in group:
                p.done = True
                p.wake.set()
            if self._waiting:
                nxt = self._waiting[0]
                nxt.lead = True
                nxt.wake.set()
            else:
                self._leading = False
        queued: dict[str, int] = {}
        for p in group:
            if p.result == "queued":
                queued[self.lane_of(p.item[1])] = queued.get(self.lane_of(p.item[1]), 0) + 1
        for lane, n in queued.items():
            with self._wake[lane]:
                self._wake[lane].notify(n)

    def lane_of(self, kind: str) -> str:
        return next((name for name, (kinds, _) in self.lanes.items() if kind in kinds), "default")

    def _filter(self, lane: str) -> tuple[frozenset[str] | None, frozenset[str]]:
        """(kinds, exclude) of a lane's jobs, as ``JobStore.claim`` takes them."""
        return (self.lanes[lane][0], frozenset()) if lane in self.lanes else (None, self._laned)

    def _runnable_estimate(self, lane: str, exact: bool) -> int:
        """Runnable jobs of ``lane``, without a query on the acks' path: the last count (the lane's job threads
        count before each claim, a read they make anyway), plus what was queued since, minus what this runner's
        threads took. Jobs taken by other processes make it high, so a lane that looks full is counted again
        (``exact``) before refusing. Measured in bench/ack.py: the count the leader ran every 0.5 s took 10-15 ms
        inside a burst (waiting for the GIL between its steps), and the group behind it waited as long."""
        with self._counts:
            estimate = self._estimate[lane]
        if exact or estimate is None:
            kinds, exclude = self._filter(lane)
            estimate = self._accept_jobs.runnable(kinds=kinds, exclude=exclude)
            with self._counts:
                self._estimate[lane] = estimate
        return estimate

    def _adjust(self, lane: str, by: int, counted: int | None = None) -> None:
        with self._counts:
            base = self._estimate[lane] if counted is None else counted
            if base is not None:
                self._estimate[lane] = max(0, base + by)

    def _admit(self, group: list[_Pending]) -> list[_Pending]:
        """The part of ``group`` its lanes have room for (``max_queued``); the rest is refused (``failed``)."""
        if self.max_queued is None:
            return group
        room: dict[str, int] = {}
        admitted: list[_Pending] = []
        for p in group:
            lane = self.lane_of(p.item[1])
            if lane not in room:
                room[lane] = self.max_queued - self._runnable_estimate(lane, exact=False)
                if room[lane] < len(group):
                    room[lane] = self.max_queued - self._runnable_estimate(lane, exact=True)
            if room[lane] > 0:
                room[lane] -= 1
                admitted.append(p)
            else:
                self.refused += 1
                log.warning("job %s refused: %d jobs already wait in lane %s", p.item[0], self.max_queued, lane)
        return admitted

    # --- running ---------------------------------------------------------------------------------------
    def start(self) -> JobRunner:
        if not self._started:
            self._stop.clear()
            _LIVE_OWNERS.add(self.owner)
            self._requeue_orphans()
            loops = [("default", self.threads)] + [(name, n) for name, (_, n) in self.lanes.items()]
            for lane, n in loops:
                for i in range(n):
                    name = f"fleetops-job-{i}" if lane == "default" else f"fleetops-job-{lane}-{i}"
                    t = threading.Thread(target=self._work_loop, args=(lane,), name=name, daemon=True)
                    t.start()
                    self._started.append(t)
            hb = threading.Thread(target=self._heartbeat, name="fleetops-job-lease", daemon=True)
            hb.start()
            self._started.append(hb)
        return self

    def _requeue_orphans(self) -> None:
        """Jobs a dead process on this host was running (SIGKILL, OOM, a crash) are taken again now, not
        after their lease: a restart resumes them at once."""
        try:
            for owner in self.jobs.running_owners():
                if dead_local_owner(owner, self.owner):
                    n = self.jobs.requeue(owner)
                    log.warning("%d job(s) of %s, which is gone, are queued again", n, owner)
        except Exception:
            log.exception("taking back the jobs of a dead process failed (their leases will run out)")

    def _claim(self, lane: str = "default") -> Job | None:
        """The lane's oldest runnable job, looked for once ``before_task`` lets it (a quiet moment between acks):
        a claim is a write transaction, and the acks' commits should not share the database with it in the middle
        of a burst (measured in bench/ack.py: claims woken by a burst's first commit held the file while the next
        group waited), nor the GIL with the read before it. Checked with a read first, so an idle thread takes no
        write lock."""
        kinds, exclude = self._filter(lane)
        try:
            if self._before is not None:
                self._before()
            runnable = self.jobs.runnable(kinds=kinds, exclude=exclude)
            self._adjust(lane, 0, counted=runnable)
            if not runnable:
                return None
            job = self.jobs.claim(self.owner, timedelta(seconds=self.lease), kinds=kinds, exclude=exclude)
            if job is not None:
                self._adjust(lane, -1)
            return job
        except Exception:
            log.exception("claiming a job failed")
            return None

    def _work_loop(self, lane: str = "default") -> None:
        wake = self._wake[lane]
        while not self._stop.is_set():
            job = self._claim(lane)
            if job is None:
                with wake:
                    wake.wait(0.5)
                continue
            with self._cond:
                self._running.add(job.id)
            try:
                self._run(job)
            finally:
                with self._cond:
                    self._running.discard(job.id)
                    self._cond.notify_all()

    def _run(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for jobs of kind {job.kind!r}")
            if self._before is not None:
                self._before()
            handler(job.payload)
        except BaseException as e:
            log.exception("job %s (%s) failed", job.id, job.kind)
            error = f"{type(e).__name__}: {e}"
            self._end(lambda: self.jobs.fail(job.id, error))
            if self.on_error is not None:
                try:
                    self.on_error(job, e)
                except Exception:
                    log.exception("reporting a failed job failed too")
            return
        self._end(lambda: self.jobs.finish(job.id))
        self.ran += 1

    @staticmethod
    def _end(fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            log.exception("recording the end of a job failed")

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.lease / 4):
            with self._cond:
                ids = list(self._running)
            try:
                self.jobs.renew(self.owner, ids, timedelta(seconds=self.lease))
            except Exception:
                log.exception("renewing job leases failed")

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing runnable is left in the database and nothing runs here (tests, shutdown)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._cond:
                busy = bool(self._running)
            with self._accepting:
                busy = busy or bool(self._waiting) or self._leading
            if not busy and self.jobs.runnable() == 0:
                with self._cond:
                    if not self._running:
                        return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking jobs; jobs still running finish (or are taken again after a restart)."""
        self._stop.set()
        _LIVE_OWNERS.discard(self.owner)
        for wake in self._wake.values():
            with wake:
                wake.notify_all()
        for t in self._started:
            t.join(timeout)
        self._started.clear()
