"""Fault injection for the embedded fleet (``EmbeddedFleet.faults``).

KAITO faults apply to KAITO objects created *after* they are set (matching on cluster and/or
deployment, ``None`` = any): ``never_ready`` leaves them ResourceReady True / InferenceReady False
(``InferenceNotReady``) forever; ``fail`` makes them Failed with the given message. Heartbeat faults
act at once: ``stop_heartbeat`` back-dates the member agent's last heartbeat past KubeFleet's 5-minute
eligibility window (``age_minutes``, default 10) and stops refreshing it; ``set_heartbeat_age`` sets
the age (and stops refreshing when it is past the window); ``resume_heartbeat`` reports now and
refreshes again. ``fail_apply`` makes the member agent fail to apply a placement's manifests on a cluster
(``Applied=False`` with the message in ``failedPlacements``, on the placement and on its binding) until
cleared. ``write_timeout`` makes the API server answer the next ``times`` matching writes with
504 Timeout at once and carry them out ``land_after`` seconds later (as kube-apiserver does when a
request outlives its deadline: the write may still land). ``clear`` removes KAITO, apply and write faults and
resumes heartbeats stopped by faults.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tools.embedded.controllers.kaito_status import Fate
from tools.fleet.conventions import HEARTBEAT_MAX_AGE_SECONDS
from tools.messages import embedded_staged as msg

if TYPE_CHECKING:
    from tools.embedded.controllers.heartbeat import HeartbeatController


@dataclass(frozen=True)
class _Rule:
    fate: Fate
    cluster: str | None
    deployment: str | None

    def matches(self, cluster: str, deployment: str | None) -> bool:
        return (self.cluster in (None, cluster)) and (self.deployment in (None, deployment))


@dataclass
class _WriteTimeout:
    cluster: str | None
    resource: str | None  # plural, e.g. "workspaces"
    times: int
    land_after: float


@dataclass(frozen=True)
class _ApplyFailure:
    cluster: str | None
    placement: str | None
    message: str


class Faults:
    def __init__(self, heartbeat: HeartbeatController | None = None):
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._apply_failures: list[_ApplyFailure] = []
        self._timeouts: list[_WriteTimeout] = []
        self._stopped: set[str] = set()
        self.heartbeat = heartbeat

    # --- KAITO ----------------------------------------------------------------------------------
    def never_ready(self, cluster: str | None = None, deployment: str | None = None) -> None:
        with self._lock:
            self._rules.append(_Rule(Fate("never_ready"), cluster, deployment))

    def fail(self, cluster: str | None = None, deployment: str | None = None, message: str | None = None,
             reason: str = "InferenceNotReady") -> None:
        with self._lock:
            self._rules.append(_Rule(Fate("failed", reason, message), cluster, deployment))

    def fate_for(self, cluster: str, deployment: str | None) -> Fate | None:
        """The fault a new KAITO object on ``cluster`` for ``deployment`` gets (the latest rule wins)."""
        with self._lock:
            for rule in reversed(self._rules):
                if rule.matches(cluster, deployment):
                    return rule.fate
        return None

    # --- member apply -----------------------------------------------------------------------------
    def fail_apply(self, cluster: str | None = None, placement: str | None = None, message: str | None = None) -> None:
        """Applies of ``placement`` (None = any) on ``cluster`` (None = any) fail from now on."""
        with self._lock:
            self._apply_failures.append(_ApplyFailure(cluster, placement, message or msg.INJECTED_APPLY_FAILURE))

    def apply_failure(self, cluster: str, placement: str) -> str | None:
        """The message an apply of ``placement`` on ``cluster`` fails with, or None."""
        with self._lock:
            for f in reversed(self._apply_failures):
                if f.cluster in (None, cluster) and f.placement in (None, placement):
                    return f.message
        return None

    # --- API writes -----------------------------------------------------------------------------
    def write_timeout(self, cluster: str | None = None, resource: str | None = None, times: int = 1,
                      land_after: float = 0.2) -> None:
        with self._lock:
            self._timeouts.append(_WriteTimeout(cluster, resource, times, land_after))

    def take_write_timeout(self, cluster: str, resource: str) -> float | None:
        """Seconds after which a write that gets a 504 now lands, or None (no fault for it)."""
        with self._lock:
            for t in self._timeouts:
                if t.times > 0 and t.cluster in (None, cluster) and t.resource in (None, resource):
                    t.times -= 1
                    return t.land_after
        return None

    # --- heartbeats -----------------------------------------------------------------------------
    def stop_heartbeat(self, cluster: str, age_minutes: float = 10.0) -> None:
        with self._lock:
            self._stopped.add(cluster)
        self._hb().stop(cluster, age_minutes)

    def resume_heartbeat(self, cluster: str) -> None:
        with self._lock:
            self._stopped.discard(cluster)
        self._hb().resume(cluster)

    def set_heartbeat_age(self, cluster: str, minutes: float) -> None:
        if minutes * 60 > HEARTBEAT_MAX_AGE_SECONDS:
            with self._lock:
                self._stopped.add(cluster)
            self._hb().stop(cluster, minutes)
        else:
            self._hb().set_age(cluster, minutes)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._timeouts.clear()
            self._apply_failures.clear()
            stopped, self._stopped = sorted(self._stopped), set()
        for cluster in stopped:
            self._hb().resume(cluster)

    def _hb(self) -> HeartbeatController:
        if self.heartbeat is None:
            raise RuntimeError("heartbeat faults need a running embedded fleet")
        return self.heartbeat
