"""``open_store(path)``: the one entry point to fleetops' database (audit log + change requests).

Both live in one SQLite file so that a state change and the audit event that records it can
commit together::

    store = open_store(settings.database)
    with store.atomic():                       # one transaction; nested writes are savepoints
        if store.changes.claim_execution(cid):
            store.audit.record("execution_step", change_id=cid, message="started")

``claim_delivery(key)`` de-duplicates inbound deliveries (Slack ``event_id``, a retried request):
True the first time a key is seen, False after, across threads and processes. ``jobs`` (``JobStore``)
persists acknowledged work together with its delivery id; ``locks`` (``LockStore``) holds one executing
change per deployment / cluster; ``gates`` (``GateStore``) the stage gates of staged rollouts and their votes;
``freezes`` (``FreezeStore``) the change freezes declared in chat.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from audit import messages as msg
from audit.changes import ChangeStore
from audit.db import BUSY_TIMEOUT_S, SYNCHRONOUS, Database
from audit.errors import StoreOpenError
from audit.freezes import FreezeStore
from audit.gates import GateStore
from audit.jobs import JobStore
from audit.locks import LockStore
from audit.log import AuditLog
from audit.timeutil import iso, utcnow


@dataclass
class Store:
    database: Database
    audit: AuditLog
    changes: ChangeStore
    jobs: JobStore
    locks: LockStore
    gates: GateStore
    freezes: FreezeStore

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """Group several writes (change-store and audit) into one transaction."""
        with self.database.write() as conn:
            yield conn

    def claim_delivery(self, key: str, now: datetime | None = None) -> bool:
        """True if ``key`` was never seen before (and records it); False for a repeat."""
        with self.database.write() as conn:
            return conn.execute("INSERT OR IGNORE INTO deliveries (key, seen_at) VALUES (?, ?)",
                                (str(key), iso(now or utcnow()))).rowcount == 1

    def prune_deliveries(self, before: datetime) -> int:
        """Forget delivery keys first seen before ``before``; returns how many."""
        with self.database.write() as conn:
            return conn.execute("DELETE FROM deliveries WHERE seen_at < ?", (iso(before),)).rowcount

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(path: str | Path, *, synchronous: str = SYNCHRONOUS,
               busy_timeout: float = BUSY_TIMEOUT_S, create: bool = True) -> Store:
    """Open (creating and migrating as needed) the database at ``path``.

    ``create=False`` (read-only commands): a missing file is a ``StoreOpenError`` instead of a new,
    empty database. Raises ``StoreOpenError`` (cannot open), ``SchemaVersionError`` (written by a
    newer fleetops).
    """
    if not create and str(path) != ":memory:" and not Path(path).exists():
        raise StoreOpenError(path, msg.NO_SUCH_FILE)
    database = Database(path, synchronous=synchronous, busy_timeout=busy_timeout)
    audit = AuditLog(database)
    return Store(database, audit, ChangeStore(database), JobStore(database), LockStore(database),
                 GateStore(database), FreezeStore(database, audit))
