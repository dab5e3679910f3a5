"""Controller plumbing: a work queue per controller, delayed work, and one activity count for all.

Store events arrive in the writer's thread; a controller's ``on_event`` only enqueues keys. A worker
thread per controller pops keys (deduplicated) and calls ``reconcile(key)``. ``Activity`` counts every
queued, running and delayed item across controllers under one lock, so ``wait_idle`` returns only
when nothing is left anywhere: an item is counted before the write that caused it is acknowledged
and uncounted after the reconcile that handled it (whose own writes were counted first).
Each controller waits on a condition of its own over that lock, and ``wait_idle`` on the activity's, which is
notified when the count reaches zero: an enqueue wakes one worker, not every worker and every idle waiter.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time

from tools.embedded.controllers.index import ObjectIndex
from tools.embedded.errors import AlreadyExists, Conflict
from tools.embedded.store import Event, Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # a reconcile that keeps failing is dropped after this many tries (a bug: logged)
# A write that lost a race (Conflict, AlreadyExists) is retried much longer, with a growing delay: under load two
# controllers writing the same object may collide many times in a row, and a key dropped then would leave its
# object stuck until some unrelated event (a staged run that never moves on). controller-runtime retries forever.
RACE_ATTEMPTS = 60

# A work item: what to reconcile, e.g. ("crp", name) or ("ws", cluster, namespace, name).
Key = tuple[str, ...]


class Activity:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)  # notified when ``pending`` reaches zero (``wait_idle``)
        self.pending = 0

    def add(self, n: int = 1) -> None:
        with self.cond:
            self.pending += n

    def done(self, n: int = 1) -> None:
        with self.cond:
            self.pending -= n
            if self.pending <= 0:
                self.cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            while self.pending > 0:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self.cond.wait(left)
            return True


class Controller:
    """Subclasses implement ``on_event(event)`` (enqueue keys) and ``reconcile(key)``."""

    name = "controller"

    def __init__(self, store: Store, activity: Activity, reader: ObjectIndex | Store | None = None):
        self.store = store
        self.reader: ObjectIndex | Store = reader or store  # reads (``get``/``list``): an ObjectIndex, or the store itself
        self.activity = activity
        self._cond = threading.Condition(activity.lock)  # this controller's queue and timers
        self._queue: dict[Key, None] = {}
        self._timers: list[tuple[float, int, Key]] = []
        self._seq = itertools.count()
        self._attempts: dict[Key, int] = {}
        self._thread: threading.Thread | None = None
        self._stopping = False

    # --- queue --------------------------------------------------------------------------------
    def enqueue(self, key: Key) -> None:
        with self._cond:
            if self._stopping or key in self._queue:
                return
            self._queue[key] = None
            self.activity.pending += 1
            self._cond.notify()

    def enqueue_after(self, delay: float, key: Key) -> None:
        if delay <= 0:
            self.enqueue(key)
            return
        with self._cond:
            if self._stopping:
                return
            heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), key))
            self.activity.pending += 1
            self._cond.notify_all()

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self.store.subscribe(self._on_event_safe)
        self._thread = threading.Thread(target=self._run, name=f"embedded-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        unsubscribe = getattr(self.store, "unsubscribe", None)
        if unsubscribe:
            unsubscribe(self._on_event_safe)
        with self._cond:
            self._stopping = True
            dropped = len(self._queue) + len(self._timers)
            self._queue.clear()
            self._timers.clear()
            self.activity.pending -= dropped
            self._cond.notify_all()
            if self.activity.pending <= 0:
                self.activity.cond.notify_all()
        if self._thread:
            self._thread.join(timeout=5)

    def _on_event_safe(self, ev: Event) -> None:
        if self._stopping:
            return
        try:
            self.on_event(ev)
        except Exception:  # a subscriber must never break the writer
            log.exception("%s: event handler failed", self.name)

    def _next(self) -> Key | None:
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                while self._timers and self._timers[0][0] <= now:
                    _, _, key = heapq.heappop(self._timers)
                    if key in self._queue:
                        self.activity.pending -= 1
                    else:
                        self._queue[key] = None
                if self._queue:
                    key = next(iter(self._queue))
                    del self._queue[key]
                    return key
                timeout = self._timers[0][0] - now if self._timers else None
                self._cond.wait(timeout)
            return None

    def _run(self) -> None:
        while True:
            key = self._next()
            if key is None:
                return
            try:
                self.reconcile(key)
                self._attempts.pop(key, None)
            except (Conflict, AlreadyExists):
                self._retry(key, 0.01, RACE_ATTEMPTS)
            except Exception:
                log.exception("%s: reconcile %r failed", self.name, key)
                self._retry(key, 0.05)
            finally:
                self.activity.done()

    def _retry(self, key: Key, delay: float, attempts: int = MAX_ATTEMPTS) -> None:
        n = self._attempts.get(key, 0) + 1
        if n >= attempts:
            log.error("%s: giving up on %r after %d attempts", self.name, key, n)
            self._attempts.pop(key, None)
            return
        self._attempts[key] = n
        self.enqueue_after(min(delay * n, 0.25), key)

    # --- to implement -------------------------------------------------------------------------
    def on_event(self, ev: Event) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def reconcile(self, key: Key) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
