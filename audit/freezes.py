"""Change freezes declared in chat (``freezes`` table): who froze which environments until when, and who lifted it.

One row per declared freeze. A freeze is *active* from ``start`` until ``end`` unless ``lifted_at`` is set;
an expired one stops applying by itself (nothing has to remove it). Every write is one transaction together
with its ``freeze`` audit event, so the table and the audit log never disagree::

    freezes = FreezeStore(store.database, store.audit)
    freezes.declare("prod", ["prod"], start=now, end=until, reason="incident", actor="U0ERIN", change_id="7")
    freezes.active(now)                 # what the policy applies now (bot.policy.freezes)
    freezes.lift("prod", actor="U0BOB", change_id="8", now=now)

Declaring a name that is active already replaces its environments, end and reason (a new end, not a second
row). Both writes are idempotent for the change that made them (crash recovery may run them again).
The table is created on first use (``CREATE TABLE IF NOT EXISTS``), outside ``audit.db.MIGRATIONS``.
"""
from __future__ import annotations

import builtins
import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel

from audit.timeutil import iso, utcnow

COLUMNS = ("id", "name", "environments", "start", "end", "reason", "declared_by", "declared_at", "change_id",
           "lifted_at", "lifted_by", "lift_change_id")
_SELECT = "SELECT " + ", ".join(f'"{c}"' for c in COLUMNS) + " FROM freezes"
_SCHEMA = """CREATE TABLE IF NOT EXISTS freezes (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, environments TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
    reason TEXT, declared_by TEXT, declared_at TEXT NOT NULL, change_id TEXT, lifted_at TEXT, lifted_by TEXT,
    lift_change_id TEXT)"""
_INDEX = "CREATE INDEX IF NOT EXISTS freezes_active ON freezes (lifted_at, \"end\")"


class FreezeRecord(BaseModel):
    id: int
    name: str
    environments: list[str]
    start: str
    end: str
    reason: str | None = None
    declared_by: str | None = None
    declared_at: str
    change_id: str | None = None
    lifted_at: str | None = None
    lifted_by: str | None = None
    lift_change_id: str | None = None

    def active(self, now: datetime) -> bool:
        return self.lifted_at is None and self.start <= iso(now) < self.end


class _Database(Protocol):
    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def read(self) -> AbstractContextManager[sqlite3.Connection]: ...


class _Audit(Protocol):
    def record(self, event: str, **fields: Any) -> Any: ...


def _row(values: tuple) -> FreezeRecord:
    d = dict(zip(COLUMNS, values, strict=True))
    d["environments"] = json.loads(d["environments"] or "[]")
    return FreezeRecord.model_validate(d)


class FreezeStore:
    def __init__(self, database: _Database, audit: _Audit):
        self.database, self.audit = database, audit
        with self.database.write() as conn:
            conn.execute(_SCHEMA)
            conn.execute(_INDEX)

    # --- reads ------------------------------------------------------------------------------------------
    def active(self, now: datetime | None = None) -> builtins.list[FreezeRecord]:
        """Freezes in force at ``now``, oldest first."""
        at = iso(now or utcnow())
        with self.database.read() as conn:
            rows = conn.execute(_SELECT + ' WHERE lifted_at IS NULL AND start <= ? AND "end" > ? ORDER BY id',
                                (at, at)).fetchall()
        return [_row(r) for r in rows]

    def list(self, limit: int = 50) -> builtins.list[FreezeRecord]:
        with self.database.read() as conn:
            rows = conn.execute(_SELECT + " ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
        return [_row(r) for r in rows]

    # --- writes (each one transaction with its audit event) ---------------------------------------------
    def declare(self, name: str, environments: builtins.list[str], *, start: datetime, end: datetime, reason: str | None,
                actor: str | None, change_id: str | None = None, now: datetime | None = None,
                message: str | None = None) -> FreezeRecord:
        """Freeze ``environments`` until ``end`` under ``name`` (replacing an active freeze of that name)."""
        now = now or utcnow()
        with self.database.write() as conn:
            if change_id is not None:
                done = conn.execute(_SELECT + " WHERE change_id = ?", (change_id,)).fetchone()
                if done:
                    return _row(done)
            envs = json.dumps(list(environments))
            current = conn.execute(_SELECT + ' WHERE name = ? AND lifted_at IS NULL AND "end" > ? ORDER BY id DESC',
                                   (name, iso(now))).fetchone()
            if current:
                fid = current[0]
                conn.execute('UPDATE freezes SET environments = ?, "end" = ?, reason = ?, declared_by = ?, '
                             "declared_at = ?, change_id = ? WHERE id = ?",
                             (envs, iso(end), reason, actor, iso(now), change_id, fid))
            else:
                fid = conn.execute(
                    'INSERT INTO freezes (name, environments, start, "end", reason, declared_by, declared_at, '
                    "change_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, envs, iso(start), iso(end), reason, actor, iso(now), change_id)).lastrowid
            rec = _row(conn.execute(_SELECT + " WHERE id = ?", (fid,)).fetchone())
            self.audit.record("freeze", actor=actor, change_id=change_id, tool="declare_freeze",
                              message=message or f"freeze '{name}' declared until {rec.end}",
                              result={"freeze": rec.id, "name": name, "state": "declared",
                                      "environments": rec.environments, "start": rec.start, "end": rec.end,
                                      "replaced": bool(current)})
            return rec

    def lift(self, name: str, *, actor: str | None, change_id: str | None = None, now: datetime | None = None,
             message: str | None = None) -> builtins.list[FreezeRecord]:
        """Lift the active freeze(s) named ``name``; returns what was lifted (nothing when none is active,
        or when ``change_id`` lifted it already)."""
        now = now or utcnow()
        with self.database.write() as conn:
            rows = conn.execute(_SELECT + ' WHERE name = ? AND lifted_at IS NULL AND "end" > ?',
                                (name, iso(now))).fetchall()
            lifted = []
            for r in rows:
                conn.execute("UPDATE freezes SET lifted_at = ?, lifted_by = ?, lift_change_id = ? WHERE id = ?",
                             (iso(now), actor, change_id, r[0]))
                rec = _row(conn.execute(_SELECT + " WHERE id = ?", (r[0],)).fetchone())
                self.audit.record("freeze", actor=actor, change_id=change_id, tool="lift_freeze",
                                  message=message or f"freeze '{name}' lifted",
                                  result={"freeze": rec.id, "name": name, "state": "lifted",
                                          "environments": rec.environments, "end": rec.end})
                lifted.append(rec)
            return lifted
