"""Persisted work: every acknowledged Slack click or command becomes a row in ``jobs`` before its ack.

``enqueue(key, kind, payload)`` claims the delivery id ``key`` (table ``deliveries``, as
``Store.claim_delivery`` does) and inserts the job in the same transaction: a delivery id is only ever
"seen" together with the job it created, so a process that dies after the ack leaves a queued job, never
a claimed id with no work behind it (issue 12). A repeated key returns None (a duplicate delivery).

Workers ``claim(owner, lease)`` the oldest runnable job: ``queued``, or ``running`` under a lease that ran
out (its worker died; a live worker ``renew``s its leases). ``finish`` / ``fail`` end it. A job is tried at
most ``MAX_ATTEMPTS`` times (a job that kills its worker every time must not loop forever). The payload is
the raw request (it may hold what a person typed, before masking) and is dropped when the job ends;
``prune`` forgets ended jobs after a while.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from audit.db import Database
from audit.timeutil import iso, to_utc, utcnow

JobState = Literal["queued", "running", "done", "failed"]
MAX_ATTEMPTS = 3
_COLS = ("id", "key", "kind", "payload", "state", "attempts", "owner", "lease_until", "created_at",
         "updated_at", "error")


class Job(BaseModel):
    id: int
    key: str
    kind: str
    payload: Any = None
    state: JobState
    attempts: int = 0
    owner: str | None = None
    lease_until: str | None = None
    created_at: str
    updated_at: str
    error: str | None = None


def _job(row: tuple) -> Job:
    d = dict(zip(_COLS, row, strict=True))
    d["payload"] = json.loads(d["payload"]) if d["payload"] else None
    return Job.model_validate(d)


_MAX_PARAMS = 900  # bound parameters per statement (SQLite's limit is 999 in builds before 3.32)


def _chunks(values: list, size: int) -> Iterator[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _payload(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def _kind_filter(kinds: Collection[str] | None, exclude: Collection[str]) -> tuple[str, tuple[str, ...]]:
    """The SQL condition (`` AND kind IN (...)`` / ``NOT IN``) and its parameters; empty for no filter."""
    where = ""
    params: tuple[str, ...] = ()
    if kinds is not None:
        only = tuple(kinds)
        where += f" AND kind IN ({', '.join('?' * len(only))})" if only else " AND 0"
        params += only
    if exclude:
        left_out = tuple(exclude)
        where += f" AND kind NOT IN ({', '.join('?' * len(left_out))})"
        params += left_out
    return where, params


class JobStore:
    def __init__(self, database: Database):
        self.database = database

    def enqueue(self, key: str, kind: str, payload: Any, now: datetime | None = None) -> Job | None:
        """Claim delivery ``key`` and queue its job, in one transaction; None when ``key`` was seen before."""
        return self.enqueue_many([(key, kind, payload)], now)[0]

    def enqueue_many(self, items: Iterable[tuple[str, str, Any]], now: datetime | None = None) -> list[Job | None]:
        """``enqueue`` for several deliveries in one transaction (one fsync: a burst of clicks commits
        together); one result per item, None for a key seen before (or twice in ``items``)."""
        ts = iso(now or utcnow())
        out: list[Job | None] = []
        with self.database.write() as conn:
            for key, kind, payload in items:
                if conn.execute("INSERT OR IGNORE INTO deliveries (key, seen_at) VALUES (?, ?)",
                                (str(key), ts)).rowcount != 1:
                    out.append(None)
                    continue
                row = conn.execute(
                    f"INSERT INTO jobs (key, kind, payload, state, attempts, created_at, updated_at) "
                    f"VALUES (?, ?, ?, 'queued', 0, ?, ?) RETURNING {', '.join(_COLS)}",
                    (str(key), kind, _payload(payload), ts, ts)).fetchone()
                out.append(_job(row))
        return out

    def accept_many(self, items: Sequence[tuple[str, str, Any]], now: datetime | None = None) -> list[bool]:
        """``enqueue_many`` for the acks' group commits: True per item queued, False for a key seen before (or
        earlier in ``items``). Same transaction and rows, in a constant number of statements however many items
        (one lookup, one multi-row insert per table) and no ``Job`` objects built: each statement lets go of the
        GIL and must win it back from the listener threads, so per-item statements made a group commit in a
        burst wait for the GIL once per row."""
        if not items:
            return []
        ts = iso(now or utcnow())
        keys = [str(key) for key, _, _ in items]
        fresh: list[int] = []  # indexes of the items to insert
        with self.database.write() as conn:
            seen: set[str] = set()
            for part in _chunks(sorted(set(keys)), _MAX_PARAMS):
                seen.update(r[0] for r in conn.execute(
                    f"SELECT key FROM deliveries WHERE key IN ({', '.join('?' * len(part))})", part))
            for i, key in enumerate(keys):
                if key not in seen:
                    seen.add(key)
                    fresh.append(i)
            for part in _chunks(fresh, _MAX_PARAMS // 7):
                conn.execute(f"INSERT INTO deliveries (key, seen_at) VALUES {', '.join(['(?, ?)'] * len(part))}",
                             [v for i in part for v in (keys[i], ts)])
                conn.execute(
                    "INSERT INTO jobs (key, kind, payload, state, attempts, created_at, updated_at) VALUES "
                    + ", ".join(["(?, ?, ?, 'queued', 0, ?, ?)"] * len(part)),
                    [v for i in part for v in (keys[i], items[i][1], _payload(items[i][2]), ts, ts)])
        queued = set(fresh)
        return [i in queued for i in range(len(items))]

    def claim(self, owner: str, lease: timedelta, now: datetime | None = None, *,
              kinds: Collection[str] | None = None, exclude: Collection[str] = ()) -> Job | None:
        """Take the oldest runnable job for ``owner`` (``running`` until ``now + lease``); None if none.
        ``kinds``: only jobs of these kinds; ``exclude``: none of these (a runner's separate lanes)."""
        t = to_utc(now or utcnow())
        ts, until = iso(t), iso(t + lease)
        where, params = _kind_filter(kinds, exclude)
        with self.database.write() as conn:
            conn.execute(  # jobs whose lease ran out after their last attempt: give up on them
                "UPDATE jobs SET state = 'failed', payload = NULL, updated_at = ?, error = ? "
                "WHERE state = 'running' AND lease_until < ? AND attempts >= ?",
                (ts, "its worker stopped during every attempt", ts, MAX_ATTEMPTS))
            row = conn.execute(
                f"UPDATE jobs SET state = 'running', owner = ?, lease_until = ?, attempts = attempts + 1, "
                f"updated_at = ? WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' OR "
                f"(state = 'running' AND lease_until < ?)){where} ORDER BY id LIMIT 1) RETURNING {', '.join(_COLS)}",
                (owner, until, ts, ts, *params)).fetchone()
        return _job(row) if row else None

    def renew(self, owner: str, ids: Iterable[int], lease: timedelta, now: datetime | None = None) -> None:
        ids = list(ids)
        if not ids:
            return
        until = iso(to_utc(now or utcnow()) + lease)
        with self.database.write() as conn:
            conn.execute(f"UPDATE jobs SET lease_until = ? WHERE owner = ? AND state = 'running' AND id IN "
                         f"({', '.join('?' * len(ids))})", (until, owner, *ids))

    def running_owners(self) -> set[str]:
        """The owners of ``running`` jobs (workers, alive or not)."""
        with self.database.read() as conn:
            return {r[0] for r in conn.execute("SELECT DISTINCT owner FROM jobs WHERE state = 'running' "
                                               "AND owner IS NOT NULL")}

    def requeue(self, owner: str, now: datetime | None = None) -> int:
        """Queue again, at once, the ``running`` jobs of ``owner``, a worker known to be dead (instead of
        waiting for their leases to run out). Returns how many."""
        with self.database.write() as conn:
            return conn.execute("UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL, updated_at = ? "
                                "WHERE state = 'running' AND owner = ?", (iso(now or utcnow()), owner)).rowcount

    def finish(self, job_id: int, now: datetime | None = None) -> None:
        self._end(job_id, "done", None, now)

    def fail(self, job_id: int, error: str, now: datetime | None = None) -> None:
        self._end(job_id, "failed", error[:500], now)

    def _end(self, job_id: int, state: JobState, error: str | None, now: datetime | None) -> None:
        with self.database.write() as conn:
            conn.execute("UPDATE jobs SET state = ?, payload = NULL, error = ?, updated_at = ? WHERE id = ?",
                         (state, error, iso(now or utcnow()), int(job_id)))

    def get(self, job_id: int) -> Job | None:
        with self.database.read() as conn:
            row = conn.execute(f"SELECT {', '.join(_COLS)} FROM jobs WHERE id = ?", (int(job_id),)).fetchone()
        return _job(row) if row else None

    def list(self, state: JobState | None = None) -> list[Job]:
        sql = f"SELECT {', '.join(_COLS)} FROM jobs" + (" WHERE state = ?" if state else "") + " ORDER BY id"
        with self.database.read() as conn:
            return [_job(r) for r in conn.execute(sql, (state,) if state else ())]

    def counts(self) -> dict[str, int]:
        with self.database.read() as conn:
            return {s: n for s, n in conn.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state")}

    def runnable(self, now: datetime | None = None, *, kinds: Collection[str] | None = None,
                 exclude: Collection[str] = ()) -> int:
        """How many jobs a worker could claim now (of ``kinds``, not of ``exclude``, as ``claim``)."""
        ts = iso(now or utcnow())
        where, params = _kind_filter(kinds, exclude)
        with self.database.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM jobs WHERE (state = 'queued' OR "
                                    f"(state = 'running' AND lease_until < ?)){where}", (ts, *params)).fetchone()[0])

    def prune(self, before: datetime) -> int:
        """Forget ended jobs last touched before ``before``."""
        with self.database.write() as conn:
            return conn.execute("DELETE FROM jobs WHERE state IN ('done', 'failed') AND updated_at < ?",
                                (iso(before),)).rowcount
