"""Stage gates of staged rollouts and the votes on them (tables ``gates`` and ``gate_votes``).

A gate is one ClusterApprovalRequest of a change's staged update run (``request`` is its name, unique). It is
``open`` until enough people approved it (``approved``), someone rejected it (``rejected``), or its change ended
(``closed``). Votes are counted like change approvals: one per person and gate, inserted in the same
transaction that checks the quorum (pass ``quorum``; the store knows nothing of policy), so two clicks at once
never approve a gate twice and a click after it was decided is not counted.
"""
from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Literal, Protocol

import sqlite_utils
from pydantic import BaseModel, ConfigDict, Field

from audit.timeutil import iso, utcnow


class Database(Protocol):  # audit.db.Database (not imported: db imports this module's migration)
    def write(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def read(self) -> AbstractContextManager[sqlite3.Connection]: ...

GateState = Literal["open", "approved", "rejected", "closed"]


class GateVote(BaseModel):
    model_config = ConfigDict(frozen=True)

    request: str
    actor: str
    actor_name: str | None = None
    usergroups: list[str] = Field(default_factory=list)
    ts: str


class Gate(BaseModel):
    request: str  # the ClusterApprovalRequest name
    change_id: str
    run: str
    stage: str
    next_stage: str | None = None  # the environment whose policy decides who may approve
    deployment: str = ""
    clusters: dict[str, str] = Field(default_factory=dict)  # cluster -> state when the gate opened
    decision: dict = Field(default_factory=dict)  # the policy decision for the next stage
    approvals_required: int = 0
    state: GateState = "open"
    reason: str | None = None
    decided_by: str | None = None
    channel: str | None = None
    message_ts: str | None = None
    created_at: str
    updated_at: str
    votes: list[GateVote] = Field(default_factory=list)

    @property
    def voters(self) -> list[str]:
        return [v.actor for v in self.votes]


class VoteResult(BaseModel):
    """``counted``: this vote is new; ``approved``: it completed the quorum (the gate moved to approved now)."""

    counted: bool
    approved: bool
    gate: Gate


def migrate(db: sqlite_utils.Database) -> None:
    """gates (one per approval request) and gate_votes (one per person and gate)."""
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS gates (request TEXT PRIMARY KEY, change_id TEXT NOT NULL, run TEXT NOT NULL, "
        "stage TEXT NOT NULL, next_stage TEXT, deployment TEXT, clusters TEXT, decision TEXT, "
        "approvals_required INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL, reason TEXT, decided_by TEXT, "
        "channel TEXT, message_ts TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS gates_change ON gates (change_id)")
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS gate_votes (request TEXT NOT NULL REFERENCES gates(request), actor TEXT NOT NULL, "
        "actor_name TEXT, usergroups TEXT, ts TEXT NOT NULL, PRIMARY KEY (request, actor))")


_COLS = ("request", "change_id", "run", "stage", "next_stage", "deployment", "clusters", "decision",
         "approvals_required", "state", "reason", "decided_by", "channel", "message_ts", "created_at", "updated_at")


class GateStore:
    def __init__(self, database: Database):
        self.database = database

    def open(self, *, request: str, change_id: str, run: str, stage: str, next_stage: str | None,
             deployment: str, clusters: dict[str, str], decision: dict, approvals_required: int,
             now: datetime | None = None) -> tuple[Gate, bool]:
        """Record a gate (once: a gate seen again is returned as it stands); (gate, new)."""
        ts = iso(now or utcnow())
        with self.database.write() as conn:
            new = conn.execute(
                f"INSERT OR IGNORE INTO gates ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})",
                (request, str(change_id), run, stage, next_stage, deployment, json.dumps(clusters),
                 json.dumps(decision), int(approvals_required), "open", None, None, None, None, ts, ts)).rowcount == 1
            return self._get(conn, request), new  # type: ignore[return-value]

    def get(self, request: str) -> Gate | None:
        with self.database.read() as conn:
            return self._get(conn, request)

    def for_change(self, change_id: str) -> builtins.list[Gate]:
        with self.database.read() as conn:
            rows = conn.execute("SELECT request FROM gates WHERE change_id = ? ORDER BY created_at, rowid",
                                (str(change_id),)).fetchall()
            return [g for r in rows if (g := self._get(conn, r[0])) is not None]

    def add_vote(self, request: str, actor: str, *, actor_name: str | None = None,
                 usergroups: builtins.list[str] | None = None,
                 quorum: Callable[[builtins.list[GateVote]], bool] | None = None,
                 now: datetime | None = None) -> VoteResult:
        ts = iso(now or utcnow())
        with self.database.write() as conn:
            gate = self._get(conn, request)
            if gate is None or gate.state != "open":
                raise LookupError(request)
            counted = conn.execute(
                "INSERT OR IGNORE INTO gate_votes (request, actor, actor_name, usergroups, ts) VALUES (?, ?, ?, ?, ?)",
                (request, actor, actor_name, json.dumps(sorted(usergroups or [])), ts)).rowcount == 1
            gate = self._get(conn, request)
            assert gate is not None
            approved = False
            if counted and quorum is not None and quorum(gate.votes):
                approved = self._move(conn, request, "open", "approved", None, None, ts)
                gate = self._get(conn, request)
                assert gate is not None
            return VoteResult(counted=counted, approved=approved, gate=gate)

    def decide(self, request: str, from_state: GateState, to_state: GateState, *, reason: str | None = None,
               by: str | None = None, now: datetime | None = None) -> bool:
        """Compare-and-set the gate's state; False when it was not in ``from_state`` (someone else won)."""
        with self.database.write() as conn:
            return self._move(conn, request, from_state, to_state, reason, by, iso(now or utcnow()))

    def close_open(self, change_id: str, reason: str, now: datetime | None = None) -> builtins.list[str]:
        """Close every gate of a change that is still open (the change ended); the requests closed."""
        ts = iso(now or utcnow())
        with self.database.write() as conn:
            rows = [r[0] for r in conn.execute("SELECT request FROM gates WHERE change_id = ? AND state = 'open'",
                                               (str(change_id),))]
            for r in rows:
                self._move(conn, r, "open", "closed", reason, None, ts)
            return rows

    def set_card(self, request: str, channel: str, message_ts: str) -> None:
        with self.database.write() as conn:
            conn.execute("UPDATE gates SET channel = ?, message_ts = ? WHERE request = ?", (channel, message_ts, request))

    @staticmethod
    def _move(conn: sqlite3.Connection, request: str, src: str, dst: str, reason: str | None, by: str | None,
              ts: str) -> bool:
        return conn.execute("UPDATE gates SET state = ?, reason = COALESCE(?, reason), decided_by = COALESCE(?, "
                            "decided_by), updated_at = ? WHERE request = ? AND state = ?",
                            (dst, reason, by, ts, request, src)).rowcount == 1

    @staticmethod
    def _get(conn: sqlite3.Connection, request: str) -> Gate | None:
        row = conn.execute(f"SELECT {', '.join(_COLS)} FROM gates WHERE request = ?", (request,)).fetchone()
        if row is None:
            return None
        d: dict[str, Any] = dict(zip(_COLS, row, strict=True))
        d["clusters"] = json.loads(d["clusters"] or "{}")
        d["decision"] = json.loads(d["decision"] or "{}")
        votes = conn.execute("SELECT request, actor, actor_name, usergroups, ts FROM gate_votes WHERE request = ? "
                             "ORDER BY ts, rowid", (request,)).fetchall()
        d["votes"] = [GateVote(request=v[0], actor=v[1], actor_name=v[2], usergroups=json.loads(v[3] or "[]"),
                               ts=v[4]) for v in votes]
        return Gate.model_validate(d)
