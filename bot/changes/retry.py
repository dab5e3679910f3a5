"""The retry scheduler: no approved change is left stranded (issue 12).

A request stays ``approved`` when it could not start: the hub could not be read to re-check its plan, or
another change holds its deployment (``bot.changes.execution``). ``RetryScheduler`` runs those again by
itself: every ``tick`` seconds it looks at the approved requests and calls ``execute`` on each one that is
due (a request is first due ``first`` seconds after the scheduler first sees it, so the approval that just
made it ``approved`` runs it and tells its approver the outcome), with exponential backoff per request (``first``, ×``factor``, at most ``cap`` seconds) while the hub
keeps failing. ``poke()`` (the service's ``wake``, called whenever a change releases its locks) makes every
waiting request due at once, so the second of two changes to one deployment runs right after the first.
The request's ``reason`` (shown on its card and told to its approver) says what it waits for and that the
bot retries by itself; it is recorded once per new reason, not once per try.

The schedule lives in memory: after a restart ``recover()`` runs the approved requests first, then the
scheduler takes over. Several processes on one database may retry the same request: the claim inside
``execute`` lets exactly one of them run it.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from audit.models import ChangeState
from bot.changes.service import ChangeService

log = logging.getLogger(__name__)
FIRST_S, FACTOR, CAP_S, TICK_S = 2.0, 2.0, 300.0, 1.0


@dataclass
class _Due:
    attempts: int
    at: float


def backoff(attempts: int, first: float = FIRST_S, factor: float = FACTOR, cap: float = CAP_S) -> float:
    """Seconds to wait before try ``attempts + 1`` (pure): first, first×factor, … capped."""
    return min(cap, first * factor ** max(0, attempts - 1))


class RetryScheduler:
    def __init__(self, service: ChangeService, *, first: float = FIRST_S, factor: float = FACTOR,
                 cap: float = CAP_S, tick: float = TICK_S, clock: Callable[[], float] = time.monotonic):
        self.service, self.first, self.factor, self.cap, self.tick = service, first, factor, cap, tick
        self.clock = clock
        self._due: dict[str, _Due] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.tries = 0  # execute calls made (stats, tests)

    def poke(self) -> None:
        """Make every waiting request due now (locks were released)."""
        with self._lock:
            for due in self._due.values():
                due.at = 0.0
        self._wake.set()

    def run_once(self) -> list[str]:
        """Retry every approved request that is due; returns the ids tried."""
        now = self.clock()
        waiting = self.service.list(status=ChangeState.APPROVED, limit=None)
        ids = {c.id for c in waiting}
        with self._lock:
            for gone in set(self._due) - ids:
                del self._due[gone]
            # one seen for the first time gets ``first`` seconds: the approver's own call is starting it
            due = [c.id for c in sorted(waiting, key=lambda c: int(c.id) if c.id.isdigit() else 0)
                   if self._due.setdefault(c.id, _Due(0, now + self.first)).at <= now]
        for cid in due:
            if self._stop.is_set():
                break
            self.tries += 1
            try:
                change = self.service.execute(cid)
            except Exception:
                log.exception("retrying change %s failed", cid)
                change = None
            with self._lock:
                if change is not None and change.state != ChangeState.APPROVED:
                    self._due.pop(cid, None)
                    continue
                d = self._due.setdefault(cid, _Due(0, 0.0))
                d.attempts += 1
                d.at = self.clock() + backoff(d.attempts, self.first, self.factor, self.cap)
        return due

    def start(self) -> RetryScheduler:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="fleetops-retry", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.tick)  # first round after a tick: the front end attaches its notifier first
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.run_once()
            except Exception:
                log.exception("the retry round failed")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
