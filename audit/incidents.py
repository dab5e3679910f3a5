"""Incidents: problems the health watch found, persisted so each is told once (``incidents`` table).

One row per incident. ``open_key`` is ``kind|deployment|cluster`` while the incident is open and NULL once
it recovered; a UNIQUE index on it means at most one open incident per key. Opening is a claim
(``INSERT OR IGNORE`` in one transaction with its audit event): of several watchers (replicas, a restart
that sees the same failure again) exactly one gets the row back and tells people; the others get None.
Closing is a compare-and-set on ``closed_at IS NULL``, likewise won by one. Muting records who and when.

    incidents = IncidentStore(store.database, store.audit)
    row = incidents.open("deployment_not_ready", "coder-assist", "aks-swedencentral-prod-1", what=..., now=now)
    if row: notify(row)                      # only the claimer
    incidents.set_card(row.id, channel, ts)  # where its Slack card is, for the in-place update
    rows = incidents.open_many([Opening(kind, deployment, cluster, what=...), ...], now=now)  # a look's claims,
                                             # one transaction per CHUNK (a fleet-wide outage: hundreds at once)

The schema is ``migrate`` (migration 4 of ``audit.db.MIGRATIONS``). This module does not import
``audit.db`` (which imports it for the migration); it works on anything with ``write()``/``read()``.
"""
from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlite_utils
from pydantic import BaseModel

from audit.timeutil import iso, utcnow

CHUNK = 200  # incidents claimed or closed per transaction by open_many / close_many (bounds the write lock's hold)
COLUMNS = ("id", "kind", "deployment", "cluster", "what", "detail", "since", "opened_at", "closed_at",
           "channel", "message_ts", "muted_by", "muted_at")
_SELECT = "SELECT " + ", ".join(COLUMNS) + " FROM incidents"


def migrate(db: sqlite_utils.Database) -> None:
    """incidents, with at most one open incident per (kind, deployment, cluster)."""
    table = db.table("incidents")
    table.create(
        {"id": int, "kind": str, "deployment": str, "cluster": str, "open_key": str, "what": str, "detail": str,
         "since": str, "opened_at": str, "closed_at": str, "channel": str, "message_ts": str, "muted_by": str,
         "muted_at": str},
        pk="id", not_null={"kind", "deployment", "cluster", "opened_at"}, defaults={"deployment": ""},
        if_not_exists=True,
    )
    table.create_index(["open_key"], unique=True, if_not_exists=True)
    table.create_index(["opened_at"], if_not_exists=True)


def open_key(kind: str, deployment: str, cluster: str) -> str:
    return f"{kind}|{deployment}|{cluster}"


class IncidentRecord(BaseModel):
    id: int
    kind: str
    deployment: str = ""
    cluster: str
    what: str | None = None
    detail: Any = None
    since: str | None = None
    opened_at: str
    closed_at: str | None = None
    channel: str | None = None
    message_ts: str | None = None
    muted_by: str | None = None
    muted_at: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def muted(self) -> bool:
        return self.muted_at is not None


@dataclass(frozen=True)
class Opening:
    """One incident to claim with ``open_many`` (the arguments of ``open``)."""

    kind: str
    deployment: str
    cluster: str
    what: str = ""
    detail: Mapping[str, Any] | None = None
    since: datetime | None = None


class _Database(Protocol):
    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def read(self) -> AbstractContextManager[sqlite3.Connection]: ...


class _Audit(Protocol):
    def record(self, event: str, **fields: Any) -> Any: ...
    def record_many(self, events: Iterable[Mapping[str, Any]]) -> int: ...


def _row(values: tuple) -> IncidentRecord:
    d = dict(zip(COLUMNS, values, strict=True))
    d["detail"] = json.loads(d["detail"]) if d["detail"] else None
    return IncidentRecord.model_validate(d)


class IncidentStore:
    def __init__(self, database: _Database, audit: _Audit):
        self.database, self.audit = database, audit

    # --- reads ------------------------------------------------------------------------------------------
    def get(self, incident_id: int) -> IncidentRecord | None:
        with self.database.read() as conn:
            row = conn.execute(_SELECT + " WHERE id = ?", (int(incident_id),)).fetchone()
        return _row(row) if row else None

    def find_open(self, kind: str, deployment: str, cluster: str) -> IncidentRecord | None:
        with self.database.read() as conn:
            row = conn.execute(_SELECT + " WHERE open_key = ?", (open_key(kind, deployment, cluster),)).fetchone()
        return _row(row) if row else None

    def list_open(self) -> list[IncidentRecord]:
        with self.database.read() as conn:
            rows = conn.execute(_SELECT + " WHERE closed_at IS NULL ORDER BY id").fetchall()
        return [_row(r) for r in rows]

    def list(self, limit: int = 50) -> list[IncidentRecord]:
        with self.database.read() as conn:
            rows = conn.execute(_SELECT + " ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
        return [_row(r) for r in rows]

    # --- writes (each one transaction with its audit event) ---------------------------------------------
    def open(self, kind: str, deployment: str, cluster: str, *, what: str, detail: Mapping[str, Any] | None = None,
             since: datetime | None = None, now: datetime | None = None, message: str | None = None,
             ) -> IncidentRecord | None:
        """Claim the incident: the new row, or None when one with this key is open already."""
        now = now or utcnow()
        with self.database.write() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO incidents (kind, deployment, cluster, open_key, what, detail, since, opened_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, deployment, cluster, open_key(kind, deployment, cluster), what,
                 json.dumps(dict(detail or {}), sort_keys=True, default=str), iso(since) if since else None,
                 iso(now)))
            if cur.rowcount != 1:
                return None
            rec = self._get(conn, cur.lastrowid)
            self.audit.record("incident", deployment=deployment or None, clusters=[cluster],
                              message=message or what,
                              result={"incident": rec.id, "kind": kind, "state": "open", "since": rec.since,
                                      "detail": rec.detail})
            return rec

    def open_many(self, openings: Iterable[Opening], *, now: datetime | None = None) -> builtins.list[IncidentRecord]:
        """Claim many incidents (``open`` for each): the rows this call claimed, in order. Each chunk of
        ``CHUNK`` is one transaction with its audit events (one per incident), so a look that finds hundreds
        of problems commits a few times rather than once per incident."""
        now = now or utcnow()
        items = list(openings)
        out: builtins.list[IncidentRecord] = []
        for start in range(0, len(items), CHUNK):
            with self.database.write() as conn:
                claimed = []
                for o in items[start:start + CHUNK]:
                    cur = conn.execute(
                        "INSERT OR IGNORE INTO incidents (kind, deployment, cluster, open_key, what, detail, since,"
                        " opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (o.kind, o.deployment, o.cluster, open_key(o.kind, o.deployment, o.cluster), o.what,
                         json.dumps(dict(o.detail or {}), sort_keys=True, default=str),
                         iso(o.since) if o.since else None, iso(now)))
                    if cur.rowcount == 1:
                        claimed.append(self._get(conn, cur.lastrowid))
                self.audit.record_many(
                    {"event": "incident", "deployment": rec.deployment or None, "clusters": [rec.cluster],
                     "message": rec.what, "result": {"incident": rec.id, "kind": rec.kind, "state": "open",
                                                     "since": rec.since, "detail": rec.detail}}
                    for rec in claimed)
                out += claimed
        return out

    def close_many(self, incident_ids: Sequence[int], *, now: datetime | None = None,
                   message: str = "incident {id} recovered") -> builtins.list[IncidentRecord]:
        """Mark many recovered (``close`` for each; ``message`` is formatted with the ``id``): the rows this call
        closed, in order, ``CHUNK`` per transaction with their audit events."""
        now = now or utcnow()
        out: builtins.list[IncidentRecord] = []
        ids = [int(i) for i in incident_ids]
        for start in range(0, len(ids), CHUNK):
            with self.database.write() as conn:
                closed = []
                for incident_id in ids[start:start + CHUNK]:
                    cur = conn.execute("UPDATE incidents SET closed_at = ?, open_key = NULL"
                                       " WHERE id = ? AND closed_at IS NULL", (iso(now), incident_id))
                    if cur.rowcount == 1:
                        closed.append(self._get(conn, incident_id))
                self.audit.record_many(
                    {"event": "incident", "deployment": rec.deployment or None, "clusters": [rec.cluster],
                     "message": message.format(id=rec.id),
                     "result": {"incident": rec.id, "kind": rec.kind, "state": "recovered"}}
                    for rec in closed)
                out += closed
        return out

    def close(self, incident_id: int, *, now: datetime | None = None, message: str | None = None,
              ) -> IncidentRecord | None:
        """Mark it recovered: the closed row, or None when it was closed already (by whoever)."""
        now = now or utcnow()
        with self.database.write() as conn:
            cur = conn.execute("UPDATE incidents SET closed_at = ?, open_key = NULL WHERE id = ? AND closed_at IS NULL",
                               (iso(now), int(incident_id)))
            if cur.rowcount != 1:
                return None
            rec = self._get(conn, incident_id)
            self.audit.record("incident", deployment=rec.deployment or None, clusters=[rec.cluster],
                              message=message or f"incident {rec.id} recovered",
                              result={"incident": rec.id, "kind": rec.kind, "state": "recovered"})
            return rec

    def mute(self, incident_id: int, actor: str, *, now: datetime | None = None, message: str | None = None,
             ) -> IncidentRecord | None:
        """Mute it (who, when): the muted row, or None when it was muted already or does not exist."""
        now = now or utcnow()
        with self.database.write() as conn:
            cur = conn.execute("UPDATE incidents SET muted_by = ?, muted_at = ? WHERE id = ? AND muted_at IS NULL",
                               (actor, iso(now), int(incident_id)))
            if cur.rowcount != 1:
                return None
            rec = self._get(conn, incident_id)
            self.audit.record("incident", actor=actor, deployment=rec.deployment or None, clusters=[rec.cluster],
                              message=message or f"incident {rec.id} muted",
                              result={"incident": rec.id, "kind": rec.kind, "state": "muted"})
            return rec

    def set_card(self, incident_id: int, channel: str, message_ts: str) -> None:
        """Where its card was posted (the recovery edits that message)."""
        with self.database.write() as conn:
            conn.execute("UPDATE incidents SET channel = ?, message_ts = ? WHERE id = ?",
                         (channel, message_ts, int(incident_id)))

    def set_group(self, incident_ids: Sequence[int], channel: str, message_ts: str) -> None:
        """Incidents told together in one message (a look that found many): that message is where they are
        (its thread takes what follows: a change opened from one, its recovery), and each one's ``detail``
        says ``grouped`` (the message is a summary, not its card: it is never edited for one of them)."""
        with self.database.write() as conn:
            conn.executemany(
                "UPDATE incidents SET channel = ?, message_ts = ?,"
                " detail = json_set(COALESCE(detail, '{}'), '$.grouped', json('true')) WHERE id = ?",
                [(channel, message_ts, int(i)) for i in incident_ids])

    def list_ids(self, incident_ids: Iterable[int]) -> builtins.list[IncidentRecord]:
        """These incidents (those that exist), by id."""
        ids = sorted({int(i) for i in incident_ids})
        out: builtins.list[IncidentRecord] = []
        with self.database.read() as conn:
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                rows = conn.execute(_SELECT + f" WHERE id IN ({', '.join('?' * len(part))}) ORDER BY id",
                                    part).fetchall()
                out += [_row(r) for r in rows]
        return out

    @staticmethod
    def _get(conn: sqlite3.Connection, incident_id: int | None) -> IncidentRecord:
        row = conn.execute(_SELECT + " WHERE id = ?", (incident_id,)).fetchone()
        return _row(row)
