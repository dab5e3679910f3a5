"""One active writer: of all fleetops processes pointed at one hub (or sharing one local database), exactly one
may execute changes; the others are standby (they answer read-only requests and queue approvals) and take over
when the writer goes away.

    writer = acquire_writer(fleet, settings.database, on_acquired=pipe.changes.recover)
    ...
    if writer.may_execute(): ...        # what the change service asks before claiming an execution
    writer.close()                      # hands the lease over at once (a killed process: after it expires)

* A real hub: a ``coordination.k8s.io/v1`` Lease ``fleetops-system/fleetops-writer`` (the namespace of the
  revision records: one writer per hub, whatever namespace or laptop a copy runs in). Taken with a create or a
  resourceVersion-checked update, renewed every third of its duration. As client-go's leader election does, a
  standby judges expiry by its own clock: a lease whose record has not changed for its whole duration is free,
  so clocks need not agree. The writer stops executing once it failed to renew for two thirds of the duration,
  before any standby may take over.
* The embedded demo fleet (each process runs its own) with a local database: an exclusive ``flock`` on
  ``<database>.writer.lock`` beside the database, which the kernel releases when the process dies.

A takeover calls ``on_acquired`` (the change service's ``recover``: reconcile what the previous writer left
``executing``, then run what was approved meanwhile).
"""
from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tools.fleet.conventions import REVISIONS_NAMESPACE
from tools.fleet.errors import FleetConflict, FleetError

log = logging.getLogger(__name__)
LEASE_NAME = "fleetops-writer"
LEASE_NAMESPACE = REVISIONS_NAMESPACE
LEASE_SECONDS = 15


def new_identity() -> str:
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:6]}"


def micro_time(at: datetime | None = None) -> str:
    """Kubernetes MicroTime (RFC 3339 with microseconds, UTC)."""
    return (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lease_object(holder: str, duration: int, previous: dict | None = None, *, renew: bool = False,
                 name: str = LEASE_NAME, namespace: str = LEASE_NAMESPACE) -> dict[str, Any]:
    """The Lease to write: a renewal keeps ``acquireTime``; a takeover counts one more transition. Carries the
    previous resourceVersion, so a concurrent writer makes the update fail with a conflict."""
    now = micro_time()
    spec = dict((previous or {}).get("spec") or {})
    if not renew:
        spec["acquireTime"] = now
        if previous is not None:
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
    spec.update(holderIdentity=holder, leaseDurationSeconds=duration, renewTime=now)
    spec.setdefault("leaseTransitions", 0)
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    rv = ((previous or {}).get("metadata") or {}).get("resourceVersion")
    if rv:
        meta["resourceVersion"] = rv
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta, "spec": spec}


@dataclass
class _Seen:
    """A lease record as this process first saw it, on its own monotonic clock."""
    version: str
    at: float


class Writer:
    """Base: a background thread keeps trying to become (and stay) the writer. Subclasses implement ``_try``
    (become or stay the writer now: True/False) and ``_let_go``."""

    kind = "writer"

    def __init__(self, identity: str, period: float, on_acquired: Callable[[], Any] | None,
                 on_lost: Callable[[], Any] | None = None):
        self.identity, self.period = identity, period
        self.on_acquired, self.on_lost = on_acquired, on_lost
        self.holder: str | None = None  # who holds it, as last seen
        self._active = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._first = threading.Event()  # the first attempt is done

    # --- what others ask ------------------------------------------------------------------------------
    def may_execute(self) -> bool:
        """True while this process is the one writer (the change service asks before claiming a change)."""
        return self._active

    @property
    def active(self) -> bool:
        return self._active

    def describe(self) -> str:
        raise NotImplementedError

    # --- life ---------------------------------------------------------------------------------------------
    def start(self) -> Writer:
        """Try once now (so the caller knows at once whether it is the writer), then keep trying/renewing in
        the background."""
        self._thread = threading.Thread(target=self._loop, name="fleetops-writer", daemon=True)
        self._thread.start()
        self._first.wait()
        return self

    def wait_active(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._active:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(min(self.period, 0.1))
        return True

    def step(self) -> bool:
        """One attempt to become or stay the writer; runs ``on_acquired`` / ``on_lost`` on a change."""
        with self._lock:
            was = self._active
            try:
                now = self._try()
            except FleetError as e:
                log.warning("writer %s: %s", self.kind, e)
                now = self._still_valid()
            self._active = now
        if now and not was:
            log.info("fleetops is the active writer (%s)", self.describe())
            self._call(self.on_acquired, "takeover")
        elif was and not now:
            log.warning("fleetops lost the writer %s; standby until it is free again (%s)", self.kind,
                        self.describe())
            self._call(self.on_lost, "lost")
        return now

    def _call(self, fn: Callable[[], Any] | None, what: str) -> None:
        """Run a callback in its own thread: a long recover must not hold up the renewals."""
        if fn is None:
            return

        def run() -> None:
            try:
                fn()
            except Exception:
                log.exception("writer %s: the %s callback failed", self.kind, what)

        threading.Thread(target=run, name=f"fleetops-writer-{what}", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        with self._lock:
            if self._active:
                with contextlib.suppress(FleetError, OSError):
                    self._let_go()
            self._active = False

    def _loop(self) -> None:
        first = True
        while first or not self._stop.wait(self.period):
            try:
                self.step()
            except Exception:
                log.exception("writer %s: attempt failed", self.kind)
            if first:
                first = False
                self._first.set()

    def _try(self) -> bool:
        raise NotImplementedError

    def _still_valid(self) -> bool:
        return False

    def _let_go(self) -> None:
        raise NotImplementedError


class FileWriter(Writer):
    """An exclusive ``flock`` on ``path``: held until ``close()`` or the process ends."""

    kind = "file lock"

    def __init__(self, path: Path, identity: str, *, period: float = 1.0,
                 on_acquired: Callable[[], Any] | None = None):
        super().__init__(identity, period, on_acquired)
        self.path = Path(path)
        self._fh: IO[str] | None = None

    def describe(self) -> str:
        return f"{self.kind} {self.path}, held by {self.holder or 'nobody'}"

    def _try(self) -> bool:
        import fcntl

        if self._fh is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for as long as the lock
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            self.holder = fh.read().strip() or None
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(self.identity + "\n")
        fh.flush()
        self._fh, self.holder = fh, self.identity
        return True

    def _let_go(self) -> None:
        if self._fh is not None:
            self._fh.truncate(0)
            self._fh.close()  # closing releases the flock
            self._fh = None


class LeaseWriter(Writer):
    """A ``coordination.k8s.io/v1`` Lease on the hub, through the fleet adapter's lease calls."""

    kind = "lease"

    def __init__(self, fleet: Any, identity: str, *, duration: int = LEASE_SECONDS, period: float | None = None,
                 on_acquired: Callable[[], Any] | None = None, name: str = LEASE_NAME,
                 namespace: str = LEASE_NAMESPACE):
        super().__init__(identity, period if period is not None else max(duration / 3, 0.05), on_acquired)
        self.fleet, self.duration, self.name, self.namespace = fleet, duration, name, namespace
        self._seen: _Seen | None = None
        self._renewed = 0.0  # monotonic time of our last successful write

    def describe(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name} on the hub, held by {self.holder or 'nobody'}"

    def _still_valid(self) -> bool:
        """After a failed renewal: still the writer only while no standby can have taken over."""
        return self._active and time.monotonic() - self._renewed < self.duration * 2 / 3

    def _try(self) -> bool:
        current = self.fleet.read_lease(self.name, self.namespace)
        spec = (current or {}).get("spec") or {}
        holder = spec.get("holderIdentity") or None
        self.holder = holder
        if current is not None and holder not in (None, self.identity) and not self._expired(current):
            return False
        renew = current is not None and holder == self.identity
        try:
            written = self.fleet.write_lease(lease_object(self.identity, self.duration, current, renew=renew,
                                                          name=self.name, namespace=self.namespace))
        except FleetConflict:  # someone else wrote it first
            self._seen = None
            return False
        self.holder, self._renewed = self.identity, time.monotonic()
        self._seen = _Seen(str(((written or {}).get("metadata") or {}).get("resourceVersion") or ""), self._renewed)
        return True

    def _expired(self, lease: dict) -> bool:
        version = str((lease.get("metadata") or {}).get("resourceVersion") or "")
        duration = int(((lease.get("spec") or {}).get("leaseDurationSeconds")) or self.duration)
        now = time.monotonic()
        if self._seen is None or self._seen.version != version:
            self._seen = _Seen(version, now)  # a change we had not seen: its holder is alive
            return False
        return now - self._seen.at >= duration

    def _let_go(self) -> None:
        current = self.fleet.read_lease(self.name, self.namespace)
        if current is None or ((current.get("spec") or {}).get("holderIdentity")) != self.identity:
            return
        released = lease_object(self.identity, 1, current, renew=True, name=self.name, namespace=self.namespace)
        released["spec"]["holderIdentity"] = ""
        self.fleet.write_lease(released)


def acquire_writer(fleet: Any, database: Path | str, *, identity: str | None = None,
                   on_acquired: Callable[[], Any] | None = None, lease_seconds: int = LEASE_SECONDS,
                   period: float | None = None) -> Writer:
    """Start competing to be the one writer: a Lease on a real hub, a file lock beside ``database`` on the
    embedded fleet. Returns at once (``.active`` says which it is now; ``on_acquired`` runs on each takeover,
    the first one included, each in a thread of its own)."""
    me = identity or new_identity()
    if getattr(fleet, "embedded", None) is None:
        return LeaseWriter(fleet, me, duration=lease_seconds, period=period, on_acquired=on_acquired).start()
    lock = Path(str(database) + ".writer.lock")
    return FileWriter(lock, me, period=period if period is not None else 1.0, on_acquired=on_acquired).start()
