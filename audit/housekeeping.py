"""Periodic clean-up of the database: forget inbound delivery ids once Slack can no longer retry them.

``deliveries`` holds the first-seen ids of inbound deliveries (Slack ``event_id`` …) so a retry is not
handled twice. Slack retries a failed event delivery about immediately, after ~1 minute and after ~5
minutes (docs.slack.dev, Events API), so after an hour an id can never come back; without pruning the
table grows by one row per event forever. ``prune_deliveries`` deletes ids first seen before
``now - keep`` (default one hour: well past the retry window, short enough to stay small).
``Housekeeper`` runs it every ``interval`` seconds in a daemon thread (``start()`` / ``stop()``).

This module writes with its own SQL through ``Database.write()`` so it does not depend on the store's
method names; it only needs the ``deliveries(key, seen_at)`` table of migration 3.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from audit.db import Database
from audit.timeutil import iso, to_utc, utcnow

log = logging.getLogger(__name__)

RETRY_WINDOW = timedelta(hours=1)
INTERVAL_S = 600.0


def prune_deliveries(database: Database, now: datetime | None = None, keep: timedelta = RETRY_WINDOW) -> int:
    """Delete delivery ids first seen more than ``keep`` before ``now``; returns how many were deleted."""
    if keep <= timedelta(0):
        raise ValueError("keep must be positive: a delivery id must outlive Slack's retries")
    cutoff = iso(to_utc(now or utcnow()) - keep)
    with database.write() as conn:
        return conn.execute("DELETE FROM deliveries WHERE seen_at < ?", (cutoff,)).rowcount


class Housekeeper:
    """Runs ``prune_deliveries`` now and every ``interval`` seconds until ``stop()``; never raises."""

    def __init__(self, database: Database, *, interval: float = INTERVAL_S, keep: timedelta = RETRY_WINDOW,
                 clock: Callable[[], datetime] = utcnow):
        self.database, self.interval, self.keep, self.clock = database, float(interval), keep, clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        try:
            n = prune_deliveries(self.database, self.clock(), self.keep)
        except Exception:  # the bot keeps serving; the next round tries again
            log.exception("pruning old delivery ids failed")
            return 0
        if n:
            log.info("forgot %d delivery ids older than %s", n, self.keep)
        return n

    def start(self) -> Housekeeper:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="fleetops-housekeeping", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        self.run_once()
        while not self._stop.wait(self.interval):
            self.run_once()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
