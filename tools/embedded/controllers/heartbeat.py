"""Simulated member agents' heartbeats: every ``period`` seconds each healthy member reports to the hub.

A member is silent (never refreshed) when the fleet file says its heartbeat is older than KubeFleet's
5-minute window, or when a fault stopped it. After each round the KubeFleet controller re-checks
eligibility, since heartbeats also go stale just by time passing.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tools.embedded.conditions import rfc3339
from tools.embedded.crds import by_kind
from tools.embedded.errors import Conflict, NotFound
from tools.embedded.store import Store
from tools.fleet import conventions as cv

log = logging.getLogger(__name__)


class HeartbeatController:
    def __init__(self, store: Store, hub: str, period: float = 60.0,
                 on_round: Callable[[], None] | None = None):
        self.store = store
        self.hub = hub
        self.period = period
        self.on_round = on_round
        self.mc_rt = by_kind("MemberCluster", cv.CLUSTER_GROUP)
        self._silent: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="embedded-heartbeat", daemon=True)
        self._thread.start()

    def stop_thread(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            try:
                self.round()
            except Exception:
                log.exception("heartbeat round failed")

    def round(self) -> None:
        """One heartbeat from every member that still reports."""
        with self._lock:
            silent = set(self._silent)
        for mc in self.store.list(self.hub, self.mc_rt)[0]:
            name = mc["metadata"]["name"]
            if name not in silent:
                self.beat(name)
        if self.on_round:
            self.on_round()

    # --- control (faults, seed) ---------------------------------------------------------------
    def stop(self, cluster: str, age_minutes: float) -> None:
        with self._lock:
            self._silent.add(cluster)
        self.beat(cluster, datetime.now(UTC) - timedelta(minutes=age_minutes))

    def resume(self, cluster: str) -> None:
        with self._lock:
            self._silent.discard(cluster)
        self.beat(cluster)

    def set_age(self, cluster: str, minutes: float) -> None:
        """Back-date the last heartbeat; silent from now on if that is past the eligibility window."""
        if minutes * 60 > cv.HEARTBEAT_MAX_AGE_SECONDS:
            self.stop(cluster, minutes)
        else:
            self.beat(cluster, datetime.now(UTC) - timedelta(minutes=minutes))

    def beat(self, cluster: str, at: datetime | None = None) -> None:
        """Write MemberAgent ``lastReceivedHeartbeat`` (default: now) on the member's MemberCluster."""
        stamp = rfc3339(at)
        for _ in range(5):
            try:
                mc = self.store.get(self.hub, self.mc_rt, None, cluster)
            except NotFound:
                return
            status = mc.get("status") or {}
            agents = status.get("agentStatus") or []
            agent = next((a for a in agents if a.get("type") == "MemberAgent"), None)
            if agent is None:
                agent = {"type": "MemberAgent"}
                agents.append(agent)
            agent["lastReceivedHeartbeat"] = stamp
            status["agentStatus"] = agents
            if at is None and isinstance(status.get("resourceUsage"), dict):
                status["resourceUsage"]["observationTime"] = stamp
            mc["status"] = status
            try:
                self.store.replace(self.hub, self.mc_rt, None, cluster, mc, subresource="status")
                return
            except Conflict:
                continue
