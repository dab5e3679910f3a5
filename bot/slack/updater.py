"""One updater for every card: coalesces and throttles ``chat.update`` per message.

``mark(key)`` says "this card is out of date". A single sender thread renders the card *when it sends*
(so what goes out is always the latest state, never an older snapshot that lost a race) and edits each
message at most once per ``interval`` seconds; any number of marks in between become one edit. An edit
whose content equals the last one sent for that message is skipped. ``seed(key, payload)`` records a
freshly posted card as the last state sent (a post counts as an edit for the throttle).

``render(key)`` returns ``((channel, ts), payload)`` or None (no card yet / nothing to show);
``send((channel, ts), payload)`` performs the edit. Exceptions in either are logged, never raised.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Target = tuple[str, str]
Render = Callable[[str], "tuple[Target, dict[str, Any]] | None"]
Send = Callable[[Target, dict[str, Any]], None]


def digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def due_time(now: float, last_sent: float | None, interval: float) -> float:
    """When a card marked at ``now`` may be edited next (pure)."""
    return now if last_sent is None else max(now, last_sent + interval)


class CardUpdater:
    def __init__(self, render: Render, send: Send, interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self.render, self.send, self.interval, self.clock = render, send, interval, clock
        self._cond = threading.Condition()
        self._due: dict[str, float] = {}
        self._last_at: dict[str, float] = {}
        self._last_digest: dict[str, str] = {}
        self._busy: str | None = None
        self._flush = False
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="fleetops-card-updater", daemon=True)
        self._thread.start()
        self.sent = 0  # edits performed (for stats and tests)

    def mark(self, key: str) -> None:
        with self._cond:
            if key not in self._due:
                self._due[key] = due_time(self.clock(), self._last_at.get(key), self.interval)
                self._cond.notify_all()

    def seed(self, key: str, payload: dict[str, Any]) -> None:
        with self._cond:
            self._last_at[key] = self.clock()
            self._last_digest[key] = digest(payload)

    def flush(self, timeout: float = 10.0) -> bool:
        """Send every pending edit now, ignoring the throttle; True when nothing is left."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._flush = True
            self._cond.notify_all()
            try:
                while self._due or self._busy:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(left)
            finally:
                self._flush = False
        return True

    def close(self, timeout: float = 10.0) -> None:
        self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def _next(self) -> str | None:
        with self._cond:
            while True:
                if self._closed:
                    return None
                if self._due:
                    key, at = min(self._due.items(), key=lambda kv: kv[1])
                    wait = at - self.clock()
                    if wait <= 0 or self._flush:
                        del self._due[key]
                        self._busy = key
                        self._last_at[key] = self.clock()
                        return key
                    self._cond.wait(wait)
                else:
                    self._cond.wait()

    def _loop(self) -> None:
        while True:
            key = self._next()
            if key is None:
                return
            try:
                self._edit(key)
            except Exception:
                log.exception("updating card %s failed", key)
            finally:
                with self._cond:
                    self._busy = None
                    self._cond.notify_all()

    def _edit(self, key: str) -> None:
        rendered = self.render(key)
        if rendered is None:
            return
        target, payload = rendered
        d = digest(payload)
        with self._cond:
            if self._last_digest.get(key) == d:
                return
        self.send(target, payload)
        with self._cond:
            self._last_digest[key] = d
            self.sent += 1
