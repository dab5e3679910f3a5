"""The health watch: every ``every`` seconds take a snapshot, ``detect``, persist, tell the notifier.

    handle = start_watch(pipeline, notifier, every=30, after=timedelta(minutes=5))
    ...
    handle.stop()

One look (``Watcher.tick``): read the fleet once; ``detect`` against the previous look; claim each problem in
the ``incidents`` table (``IncidentStore.open_many``: only the process that claims it tells the notifier, so a
restart or a second replica never posts it again); close every open incident — whoever opened it — that the
snapshot shows is over (``detect.resolver``), and tell the notifier about the ones this process closed.
Bounded: when one look opens (or closes) ``group_at`` or more incidents — a fleet-wide outage, hundreds of
members whose heartbeats lapsed at once — the notifier is told once (``opened_group`` / ``recovered_group``:
one message grouped by reason) rather than once per incident.
The first look runs at once, so a failure already there when the bot starts is told at start. A look that
cannot read the fleet is logged and skipped (the next one tries again); nothing here raises into the thread.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from audit.incidents import IncidentRecord, IncidentStore, Opening
from audit.timeutil import parse_duration
from bot import metrics
from bot.incidents.detect import DEFAULT_AFTER, DEFAULT_STORM_AT, Detection, Memory, detect, resolver
from bot.messages import incidents as M
from tools.fleet.models import FleetSnapshot

log = logging.getLogger(__name__)
DEFAULT_EVERY = 30.0


DEFAULT_GROUP_AT = 3


class IncidentNotifier(Protocol):
    def opened(self, incident: IncidentRecord) -> None: ...
    def recovered(self, incident: IncidentRecord) -> None: ...
    def opened_group(self, incidents: list[IncidentRecord]) -> None: ...
    def recovered_group(self, incidents: list[IncidentRecord]) -> None: ...


@dataclass
class TickResult:
    detection: Detection | None
    opened: list[IncidentRecord] = field(default_factory=list)
    closed: list[IncidentRecord] = field(default_factory=list)


class Watcher:
    """One process's watch over the fleet of ``pipeline`` (its ``fleet``, ``store`` and ``clock``)."""

    def __init__(self, pipeline: Any, notifier: IncidentNotifier, *, after: timedelta = DEFAULT_AFTER,
                 storm_at: int = DEFAULT_STORM_AT, clock: Callable[[], datetime] | None = None,
                 group_at: int = DEFAULT_GROUP_AT):
        self.fleet = pipeline.fleet
        self.group_at = max(2, group_at)
        self.incidents = IncidentStore(pipeline.store.database, pipeline.store.audit)
        self.notifier = notifier
        self.after, self.storm_at = after, storm_at
        self.clock = clock or getattr(pipeline, "clock", None) or (lambda: datetime.now(UTC))
        self._prev: FleetSnapshot | None = None
        self._memory = Memory()
        self._lock = threading.Lock()

    def tick(self) -> TickResult:
        with self._lock:
            try:
                snapshot = self.fleet.snapshot()
            except Exception as e:
                log.warning("health watch: could not read the fleet: %s", e)
                return TickResult(None)
            now = self.clock()
            det = detect(self._prev, snapshot, now, after=self.after, memory=self._memory, storm_at=self.storm_at)
            self._prev, self._memory = snapshot, det.memory
            result = TickResult(det)
            result.opened = self.incidents.open_many(
                (Opening(p.kind, p.deployment, p.cluster, what=p.what, since=p.since,
                         detail={**p.detail, "deployments": list(p.deployments)}) for p in det.problems), now=now)
            is_over = resolver(snapshot)
            over = [rec.id for rec in self.incidents.list_open() if is_over(rec.kind, rec.deployment, rec.cluster)]
            result.closed = self.incidents.close_many(over, now=now, message=M.AUDIT_CLOSED)
        for rec in result.opened:
            metrics.observe_incident(rec.kind)
        self._tell(self.notifier.opened, self.notifier.opened_group, result.opened)
        self._tell(self.notifier.recovered, self.notifier.recovered_group, result.closed)
        return result

    def _tell(self, one: Callable[[IncidentRecord], None], group: Callable[[list[IncidentRecord]], None],
              records: list[IncidentRecord]) -> None:
        """One call per incident, or one for all of them when there are ``group_at`` or more."""
        if len(records) >= self.group_at:
            try:
                group(records)
            except Exception:
                log.exception("telling about %d incidents (%s..%s) failed", len(records), records[0].id,
                              records[-1].id)
            return
        for rec in records:
            try:
                one(rec)
            except Exception:
                log.exception("telling about incident %s failed", rec.id)


class WatchHandle:
    """The running watch: ``stop()`` ends the thread (after the look in progress); ``watcher.tick()`` looks now."""

    def __init__(self, watcher: Watcher, every: float):
        self.watcher, self.every = watcher, every
        self._stop = threading.Event()
        self.first_look = threading.Event()
        self.thread = threading.Thread(target=self._run, name="fleetops-health-watch", daemon=True)

    def _run(self) -> None:
        while True:
            try:
                self.watcher.tick()
            except Exception:
                log.exception("health watch look failed")
            self.first_look.set()
            if self._stop.wait(self.every):
                return

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(timeout)


def start_watch(pipeline: Any, notifier: IncidentNotifier, *, every: float = DEFAULT_EVERY,
                after: timedelta | float | str = DEFAULT_AFTER, storm_at: int = DEFAULT_STORM_AT,
                clock: Callable[[], datetime] | None = None, group_at: int = DEFAULT_GROUP_AT) -> WatchHandle:
    """Start watching ``pipeline``'s fleet in a daemon thread (first look at once); ``after``: how long a deployment
    may be not ready before it is an incident (a ``timedelta``, seconds, or ``"5m"``; FLEETOPS_INCIDENT_AFTER)."""
    if isinstance(after, str):
        after = timedelta(seconds=parse_duration(after))
    elif not isinstance(after, timedelta):
        after = timedelta(seconds=float(after))
    handle = WatchHandle(Watcher(pipeline, notifier, after=after, storm_at=storm_at, clock=clock,
                                 group_at=group_at), every)
    handle.thread.start()
    return handle
