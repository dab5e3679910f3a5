"""The background worker: a bounded thread pool for everything that happens after Slack got its ack.

``submit(fn, *args, on_error=...)`` returns False instead of queueing when ``max_pending`` tasks are
already waiting or running (the caller tells the user to retry). A task never raises out of the pool:
an exception is logged and handed to ``on_error`` (which reports it to the user), itself guarded.
``before_task`` runs before each task (the Slack app passes ``Traffic.wait_quiet``: acks first).
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

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
        except BaseException as e:  # noqa: BLE001 - nothing may escape into the pool
            log.exception("background task %s failed", getattr(fn, "__name__", fn))
            if on_error is not None:
                try:
                    on_error(e)
                except Exception:  # noqa: BLE001
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
