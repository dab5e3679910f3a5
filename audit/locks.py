"""Execution locks: one change per deployment (and per cluster for cluster operations) at a time.

Table ``change_locks(key PRIMARY KEY, change_id, claimed_at)``. A key names what a change holds while it
executes: ``deployment:<name>`` or ``cluster:<name>``. ``claim(keys, change_id)`` is called inside the
transaction that moves the request ``approved -> executing`` (``Store.atomic()``): either every key is
free (or already this change's) and all are taken, or nothing is taken and the holder is returned, so
two processes claiming the same deployment cannot both win (``BEGIN IMMEDIATE`` serialises them).
``release(change_id)`` drops a change's keys in the transaction that records its outcome (or its
reconciliation after a crash). ``release_orphans()`` drops keys whose change is no longer ``executing``
(a crash between outcome and release cannot happen, since they share a transaction, but an older
database or a hand edit can leave one).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from audit.db import Database
from audit.timeutil import iso, utcnow


@dataclass(frozen=True)
class Held:
    """A key another change holds: ``key`` (``deployment:granite-dev``) and its ``change_id``."""

    key: str
    change_id: str

    @property
    def what(self) -> str:
        """The name after the kind: ``granite-dev``."""
        return self.key.partition(":")[2] or self.key


class LockStore:
    def __init__(self, database: Database):
        self.database = database

    def claim(self, keys: Iterable[str], change_id: str, now: datetime | None = None) -> Held | None:
        """Take every key for ``change_id`` (None), or take nothing and return the first key held by another
        change. Idempotent for the same change."""
        keys = sorted(set(keys))
        cid = str(change_id)
        with self.database.write() as conn:
            for key in keys:
                row = conn.execute("SELECT change_id FROM change_locks WHERE key = ?", (key,)).fetchone()
                if row is not None and row[0] != cid:
                    return Held(key, row[0])
            ts = iso(now or utcnow())
            conn.executemany("INSERT OR IGNORE INTO change_locks (key, change_id, claimed_at) VALUES (?, ?, ?)",
                             [(k, cid, ts) for k in keys])
        return None

    def holder(self, keys: Iterable[str]) -> Held | None:
        """The first of ``keys`` someone holds (a look, not a claim)."""
        with self.database.read() as conn:
            for key in sorted(set(keys)):
                row = conn.execute("SELECT change_id FROM change_locks WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    return Held(key, row[0])
        return None

    def release(self, change_id: str) -> int:
        """Drop every key ``change_id`` holds; returns how many."""
        with self.database.write() as conn:
            return conn.execute("DELETE FROM change_locks WHERE change_id = ?", (str(change_id),)).rowcount

    def held(self) -> list[Held]:
        with self.database.read() as conn:
            return [Held(k, c) for k, c in conn.execute("SELECT key, change_id FROM change_locks ORDER BY key")]

    def release_orphans(self) -> int:
        """Drop keys whose change is not ``executing`` (kept only by a crash or a hand edit)."""
        with self.database.write() as conn:
            return conn.execute(
                "DELETE FROM change_locks WHERE change_id NOT IN "
                "(SELECT id FROM change_requests WHERE state = 'executing')").rowcount
