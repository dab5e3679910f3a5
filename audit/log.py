"""The audit log: an append-only, hash-chained SQLite table (``audit_events``).

Chain: row ``n`` stores ``prev_hash`` = hash of row ``n-1`` (64 zeros for row 1) and
``hash`` = SHA-256 hex of the canonical JSON of every other column of the row, as stored:

    canonical = json.dumps({id, ts, event, actor, channel, change_id, tool, deployment,
                            clusters, args, result, message, prev_hash},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    hash = sha256(canonical.encode("utf-8")).hexdigest()

``clusters``, ``args`` and ``result`` are stored as canonical JSON *text* (same dumps settings)
and enter the hash as that text (a JSON string), so the hash covers the exact stored bytes.
``id`` is consecutive from 1. ``audit_anchor`` holds the head (id, hash), updated in the same
transaction as each append, so deleting rows at the end is detected too; to detect a rewrite of
the whole file, keep ``verify()``'s head hash somewhere else (post it, print it) and pass it back
as ``expect_head``, or let ``audit.witness.Witness`` write signed digests to a file outside the
database (``fleetops audit verify --digests FILE`` checks them).

Appends are serialised across threads and processes: ``BEGIN IMMEDIATE``, read the head, insert,
update the anchor, commit — one transaction, so concurrent writers never fork the chain. Every
field goes through ``audit.redact.redact`` first.
"""
from __future__ import annotations

import csv
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from audit import messages as msg
from audit.chain import COLUMNS, HASHED, canonical, dumps, row_hash
from audit.db import Database
from audit.errors import EventNotFound, InvalidEventError, InvalidQueryError
from audit.models import EVENTS, GENESIS_HASH, AuditEvent, VerifyResult
from audit.redact import redact, redact_text
from audit.timeutil import iso, parse_since, utcnow

FIELDS: tuple[str, ...] = (  # what a caller of record() may set
    "actor", "channel", "change_id", "tool", "deployment", "clusters", "args", "result", "message",
)
_TEXT_FIELDS = ("actor", "channel", "change_id", "tool", "deployment", "message")
_JSON_COLUMNS = ("clusters", "args", "result")
_EVENT_SET = frozenset(EVENTS)
_SELECT = ", ".join(COLUMNS)
__all__ = ["COLUMNS", "HASHED", "AuditLog", "canonical", "dumps", "prepare", "row_hash"]
_INSERT = f"INSERT INTO audit_events ({_SELECT}) VALUES ({', '.join('?' * len(COLUMNS))})"
_ANCHOR = ("INSERT INTO audit_anchor (id, head_id, head_hash, updated_at) VALUES (1, ?, ?, ?) "
           "ON CONFLICT(id) DO UPDATE SET head_id=excluded.head_id, head_hash=excluded.head_hash, "
           "updated_at=excluded.updated_at")
# -- pure functions ------------------------------------------------------------------------------
def prepare(event: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and redact one event's fields into stored column values (no id/ts/hashes yet)."""
    if event not in _EVENT_SET:
        raise InvalidEventError(msg.UNKNOWN_EVENT.format(event=event, known=", ".join(EVENTS)))
    row: dict[str, Any] = {"event": event}
    for key, value in fields.items():
        if key not in FIELDS:
            raise InvalidEventError(msg.UNKNOWN_FIELD.format(field=key, known=", ".join(FIELDS)))
        if key in _TEXT_FIELDS:
            if value is not None and not isinstance(value, (str, int)):
                raise InvalidEventError(msg.BAD_FIELD.format(field=key, expected="text", got=value))
            row[key] = None if value is None else redact_text(str(value))
        elif key == "clusters":
            if isinstance(value, str):
                value = [value]
            if value is not None and not isinstance(value, (list, tuple, set, frozenset)):
                raise InvalidEventError(
                    msg.BAD_FIELD.format(field=key, expected="a list of cluster names", got=value))
            row[key] = dumps([str(v) for v in redact(list(value or ()))])
        else:
            row[key] = None if value is None else dumps(redact(value))
    row.setdefault("clusters", "[]")
    return row


def _to_event(values: tuple) -> AuditEvent:
    d = dict(zip(COLUMNS, values, strict=False))
    for c in _JSON_COLUMNS:
        if d[c] is not None:
            d[c] = json.loads(d[c])
    d["clusters"] = d["clusters"] or []
    return AuditEvent.model_validate(d)


def _as_time(value: str | datetime | None) -> str | None:
    if value is None:
        return None
    try:
        return iso(parse_since(value))
    except ValueError as e:
        raise InvalidQueryError(str(e)) from None


# -- the log ---------------------------------------------------------------------------------------
class AuditLog:
    """Append, read, verify and export the audit log of one ``Database``."""

    def __init__(self, database: Database):
        self.database = database
        self._listeners: list[Callable[[int], None]] = []

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(n)`` after every append of ``n`` events (e.g. ``audit.witness.Witness.poke``).
        It runs in the appending thread, possibly inside the caller's still-open transaction, so it must
        read committed state on its own connection; its exceptions are logged, never raised."""
        self._listeners.append(listener)

    def _notify(self, n: int) -> None:
        for listener in list(self._listeners):
            try:
                listener(n)
            except Exception:  # a listener must never break recording
                logging.getLogger(__name__).exception("audit listener %r failed", listener)

    def record(self, event: str, **fields: Any) -> AuditEvent:
        """Append one event (fields: ``FIELDS``); returns it with its id and hashes.

        Raises ``InvalidEventError`` for an unknown event or field, ``StoreBusyError`` if the
        write lock stays taken past the busy timeout. Safe from any thread or process.
        """
        event_row = self._append([prepare(event, fields)])[-1]
        self._notify(1)
        return event_row

    def record_many(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Append many events (each a mapping with ``event`` and fields) in one transaction."""
        rows = []
        for e in events:
            e = dict(e)
            rows.append(prepare(e.pop("event", None), e))
        if not rows:
            return 0
        n = len(self._append(rows, build=False))
        self._notify(n)
        return n

    def _append(self, rows: list[dict[str, Any]], build: bool = True) -> list[Any]:
        with self.database.write() as conn:
            head = conn.execute(
                "SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
            last_id, prev = head if head else (0, GENESIS_HASH)
            ts = iso(utcnow())
            out, params = [], []
            for row in rows:
                last_id += 1
                row.update(id=last_id, ts=ts, prev_hash=prev)
                for c in FIELDS:
                    row.setdefault(c, None)
                prev = row["hash"] = row_hash(row)
                values = tuple(row[c] for c in COLUMNS)
                params.append(values)
                out.append(values)
            conn.executemany(_INSERT, params) if len(params) > 1 else conn.execute(_INSERT, params[0])
            conn.execute(_ANCHOR, (last_id, prev, ts))
        return [_to_event(v) for v in out] if build else out

    # -- reading ---------------------------------------------------------------------------------
    def get(self, event_id: int) -> AuditEvent:
        with self.database.read() as conn:
            row = conn.execute(f"SELECT {_SELECT} FROM audit_events WHERE id = ?",
                               (int(event_id),)).fetchone()
        if row is None:
            raise EventNotFound(event_id)
        return _to_event(row)

    def head(self) -> tuple[int, str]:
        """(id, hash) of the last event; (0, 64 zeros) for an empty log."""
        with self.database.read() as conn:
            row = conn.execute("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    def count(self) -> int:
        with self.database.read() as conn:
            return conn.execute("SELECT COUNT(*) FROM audit_events").fetchone()[0]

    def list(self, *, actor: str | None = None, deployment: str | None = None,
             cluster: str | None = None, action: str | None = None,
             since: str | datetime | None = None, until: str | datetime | None = None,
             change_id: str | None = None, event: str | None = None, limit: int | None = 100,
             newest_first: bool = True) -> list[AuditEvent]:
        """Events matching every given filter. ``action`` matches the event type or the tool
        (``deploy`` finds deploy requests, plans and outcomes); ``since``/``until`` take a datetime,
        an ISO date/timestamp or a span like ``24h``/``7d`` (see ``parse_since``)."""
        where: list[str] = []
        params: list[Any] = []
        for col, val in (("actor", actor), ("deployment", deployment), ("change_id", change_id),
                         ("event", event)):
            if val is not None:
                where.append(f"{col} = ?")
                params.append(str(val))
        if cluster is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(audit_events.clusters) WHERE value = ?)")
            params.append(cluster)
        if action is not None:
            where.append("(event = ? OR tool = ?)")
            params += [action, action]
        if (s := _as_time(since)) is not None:
            where.append("ts >= ?")
            params.append(s)
        if (u := _as_time(until)) is not None:
            where.append("ts < ?")
            params.append(u)
        sql = f"SELECT {_SELECT} FROM audit_events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY id {'DESC' if newest_first else 'ASC'}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        with self.database.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [_to_event(r) for r in rows]

    def iter_rows(self) -> Iterator[dict[str, Any]]:
        """Every stored row in id order (column values as stored), from a private connection."""
        conn = self.database.reader()
        try:
            cur = conn.execute(f"SELECT {_SELECT} FROM audit_events ORDER BY id")
            while chunk := cur.fetchmany(2000):
                for values in chunk:
                    yield dict(zip(COLUMNS, values, strict=False))
        finally:
            conn.close()

    # -- verification ------------------------------------------------------------------------------
    def verify(self, expect_head: str | None = None) -> VerifyResult:
        """Check the whole chain and the anchor; the result names the first bad row and why.

        ``expect_head``: a head hash recorded earlier (e.g. printed by ``audit verify``); the check
        then also fails unless some row still has that hash, i.e. the log was only appended to.
        Never raises for a damaged file (``audit.verify.check_connection``): the reason says what is wrong.
        """
        from audit.verify import check_connection  # imports this module

        conn = self.database.reader()
        try:
            chain, problems = check_connection(conn, expect_head)  # one snapshot for rows and anchor
        finally:
            conn.close()
        if chain is not None and (not chain.ok or not problems):
            return chain
        first = problems[0]
        return VerifyResult(ok=False, checked=chain.checked if chain else 0, first_bad_id=first.row,
                            reason=first.message, head_id=chain.head_id if chain else None,
                            head_hash=chain.head_hash if chain else GENESIS_HASH)

    # -- export ------------------------------------------------------------------------------------
    def export(self, fmt: str = "jsonl", out: IO[str] | str | Path | None = None) -> int:
        """Write every event to ``out`` (a text file, a path, or stdout) as ``jsonl`` (one object per
        line, JSON columns decoded) or ``csv`` (columns as stored). Returns the number written."""
        if fmt not in ("jsonl", "csv"):
            raise InvalidQueryError(msg.BAD_FORMAT.format(fmt=fmt))
        if isinstance(out, (str, Path)):
            with open(out, "w", encoding="utf-8", newline="") as f:
                return self.export(fmt, f)
        stream = out or sys.stdout
        n = 0
        if fmt == "csv":
            writer = csv.writer(stream)
            writer.writerow(COLUMNS)
            for row in self.iter_rows():
                writer.writerow([row[c] for c in COLUMNS])
                n += 1
        else:
            for row in self.iter_rows():
                for c in _JSON_COLUMNS:
                    if row[c] is not None:
                        row[c] = json.loads(row[c])
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
        return n
