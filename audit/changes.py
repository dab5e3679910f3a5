"""Change requests and their approvals (tables ``change_requests`` and ``approvals``).

Every state change is a compare-and-set in one ``BEGIN IMMEDIATE`` transaction
(``UPDATE ... WHERE id = ? AND state IN (...)``): of two racing callers (a double click, approve
vs reject, the expiry sweep vs the executor) exactly one gets ``True``; the other is told so and
must do nothing. ``claim_execution`` (approved -> executing) is the only way into ``executing`` and
so the only gate to the executor: a plan runs at most once.

Approvals are bound to a plan hash: ``add_approval`` counts an approval only while the request is
``pending`` and only for the current ``plan_hash``; ``UNIQUE(change_id, actor, plan_hash)`` makes a
repeated click a ``duplicate``. Moving to ``stale`` or ``replan()`` voids (``voided_at``) every
approval given so far. The store knows nothing of policy: pass ``quorum`` (e.g. ``lambda approvals:
decision.is_satisfied([...])``) to ``add_approval`` to move the request to ``approved`` in the same
transaction as the approval that completes it.

Ids are sequential integers as text ("7"), matching "change 7". Times are UTC ISO strings
(``audit.timeutil.iso``); every ``now`` parameter exists for tests and defaults to the clock.
Stored text and JSON go through ``audit.redact.redact`` (a plan must not carry secret material;
manifests refer to Kubernetes Secrets by name, which is kept).
"""
from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Literal

from audit import messages as msg
from audit.db import Database
from audit.errors import ChangeNotFound, InvalidQueryError, InvalidTransitionError
from audit.models import (
    NEW_STATES,
    OPEN_STATES,
    STATES,
    TRANSITIONS,
    Approval,
    ApprovalResult,
    ChangeRequest,
    ChangeState,
)
from audit.redact import redact, redact_text
from audit.timeutil import iso, to_utc, utcnow

_COLUMNS = (
    "id", "requester", "channel", "thread_ts", "message_ts", "tool", "args", "plan", "plan_hash",
    "summary", "decision", "approvals_required", "state", "reason", "request_key", "created_at",
    "expires_at", "updated_at", "executing_started_at", "outcome", "version",
)
_JSON = frozenset({"args", "plan", "decision", "outcome"})
_TEXT = frozenset({"requester", "channel", "thread_ts", "message_ts", "summary", "reason", "tool",
                   "request_key"})
# Fields transition() may set alongside the state.
UPDATABLE = frozenset({"channel", "thread_ts", "message_ts", "summary", "decision", "reason",
                       "outcome", "approvals_required", "expires_at"})
_APPROVAL_COLS = ("change_id", "actor", "actor_name", "usergroups", "plan_hash", "ts", "voided_at")
_SELECT = ", ".join(_COLUMNS)
_ORDER = "CAST(id AS INTEGER) DESC"

Quorum = Callable[[list[Approval]], bool]


def _now(now: datetime | None) -> str:
    return iso(now or utcnow())


def _encode(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in _JSON:
        return json.dumps(redact(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if field in _TEXT:
        return redact_text(str(value))
    if field == "expires_at":
        return iso(value) if isinstance(value, datetime) else str(value)
    return value


def _to_change(values: tuple, approvals: list[Approval]) -> ChangeRequest:
    d = dict(zip(_COLUMNS, values, strict=True))
    for c in _JSON:
        if d[c] is not None:
            d[c] = json.loads(d[c])
    return ChangeRequest.model_validate({**d, "approvals": approvals})


def _to_approval(values: tuple) -> Approval:
    d = dict(zip(_APPROVAL_COLS, values, strict=True))
    d["usergroups"] = json.loads(d["usergroups"]) if d["usergroups"] else []
    return Approval.model_validate(d)


def _state(s: str) -> ChangeState:
    try:
        return ChangeState(s)
    except ValueError:
        raise InvalidQueryError(msg.UNKNOWN_STATE.format(state=s, known=", ".join(STATES))) from None


def _states(states: str | Iterable[str]) -> list[ChangeState]:
    return [_state(s) for s in ([states] if isinstance(states, str) else list(states))]


def _check_move(src: ChangeState, dst: ChangeState) -> None:
    if not src.can_move_to(dst):
        raise InvalidTransitionError(src, dst, ", ".join(sorted(TRANSITIONS[src])) or "nothing")


class ChangeStore:
    """Create, read and move change requests; count approvals. Safe across threads and processes."""

    def __init__(self, database: Database):
        self.database = database

    # -- create / read ---------------------------------------------------------------------------
    def create(self, *, requester: str, tool: str, plan_hash: str, args: Any = None,
               plan: Any = None, summary: str | None = None, decision: Any = None,
               approvals_required: int = 0, ttl_seconds: int | None = None,
               channel: str | None = None, thread_ts: str | None = None,
               request_key: str | None = None, state: str = ChangeState.PENDING,
               now: datetime | None = None) -> ChangeRequest:
        """Persist a new request (``pending``, or ``approved`` when no approval is needed).

        ``request_key`` (e.g. the Slack delivery id) makes creation idempotent: a second call with
        the same key returns the request the first one created, unchanged.
        """
        if state not in NEW_STATES:
            raise InvalidTransitionError("(new)", state, ", ".join(sorted(NEW_STATES)))
        state = ChangeState(state)
        ts = to_utc(now or utcnow())
        expires = iso(ts + timedelta(seconds=ttl_seconds)) if ttl_seconds else None
        with self.database.write() as conn:
            if request_key is not None:
                row = conn.execute("SELECT id FROM change_requests WHERE request_key = ?",
                                   (_encode("request_key", request_key),)).fetchone()
                if row:
                    return self._get(conn, row[0])
            new_id = str(conn.execute(
                "SELECT COALESCE(MAX(CAST(id AS INTEGER)), 0) + 1 FROM change_requests").fetchone()[0])
            values = {
                "id": new_id, "requester": requester, "channel": channel, "thread_ts": thread_ts,
                "message_ts": None, "tool": tool, "args": args, "plan": plan,
                "plan_hash": plan_hash, "summary": summary, "decision": decision,
                "approvals_required": int(approvals_required), "state": state, "reason": None,
                "request_key": request_key, "created_at": iso(ts), "expires_at": expires,
                "updated_at": iso(ts), "executing_started_at": None, "outcome": None, "version": 1,
            }
            conn.execute(
                f"INSERT INTO change_requests ({_SELECT}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                [_encode(c, values[c]) for c in _COLUMNS])
            return self._get(conn, new_id)

    def get(self, change_id: str | int) -> ChangeRequest:
        """The request with its counted approvals; ``ChangeNotFound`` if there is none."""
        with self.database.read() as conn:
            return self._get(conn, str(change_id).strip().lstrip("#"))

    def _get(self, conn: Any, change_id: str) -> ChangeRequest:
        row = conn.execute(f"SELECT {_SELECT} FROM change_requests WHERE id = ?",
                           (change_id,)).fetchone()
        if row is None:
            raise ChangeNotFound(change_id)
        return _to_change(row, self._approvals(conn, [change_id])[change_id])

    def list(self, status: str | Iterable[str] | None = None, requester: str | None = None,
             limit: int | None = 50) -> builtins.list[ChangeRequest]:
        """Requests, newest first, optionally by state(s) and requester."""
        where: builtins.list[str] = []
        params: builtins.list[Any] = []
        if status is not None:
            states = _states(status)
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params += states
        if requester is not None:
            where.append("requester = ?")
            params.append(requester)
        return self._select(where, params, limit)

    def pending_for(self, actor: str | None = None, *, channel: str | None = None,
                    limit: int | None = 50) -> builtins.list[ChangeRequest]:
        """Pending requests ``actor`` could act on: not their own, not yet approved by them for the
        current plan (policy still decides whether they may approve: ``Decision.can_approve``)."""
        where: builtins.list[str] = ["state = ?"]
        params: builtins.list[Any] = [ChangeState.PENDING]
        if actor is not None:
            where += ["requester != ?", "NOT EXISTS (SELECT 1 FROM approvals a WHERE "
                      "a.change_id = change_requests.id AND a.actor = ? AND "
                      "a.plan_hash = change_requests.plan_hash AND a.voided_at IS NULL)"]
            params += [actor, actor]
        if channel is not None:
            where.append("channel = ?")
            params.append(channel)
        return self._select(where, params, limit)

    def find_executing(self) -> builtins.list[ChangeRequest]:
        """Requests left in ``executing`` (after a crash: reconcile them against the fleet)."""
        return self._select(["state = ?"], [ChangeState.EXECUTING], None)

    def _select(self, where: builtins.list[str], params: builtins.list[Any], limit: int | None) -> builtins.list[ChangeRequest]:
        sql = f"SELECT {_SELECT} FROM change_requests"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {_ORDER}"
        if limit is not None:
            sql += " LIMIT ?"
            params = [*params, int(limit)]
        with self.database.read() as conn:
            rows = conn.execute(sql, params).fetchall()
            approvals = self._approvals(conn, [r[0] for r in rows])
        return [_to_change(r, approvals[r[0]]) for r in rows]

    def approvals(self, change_id: str, *, include_void: bool = False) -> builtins.list[Approval]:
        """Approvals of a request: the counted ones, or every one ever given (``include_void``)."""
        with self.database.read() as conn:
            return self._approvals(conn, [str(change_id)], include_void)[str(change_id)]

    @staticmethod
    def _approvals(conn: Any, ids: builtins.list[str], include_void: bool = False
                   ) -> dict[str, builtins.list[Approval]]:
        out: dict[str, builtins.list[Approval]] = {i: [] for i in ids}
        if not ids:
            return out
        cols = ", ".join(f"a.{c}" for c in _APPROVAL_COLS)
        cond = "" if include_void else "AND a.voided_at IS NULL AND a.plan_hash = c.plan_hash"
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            for row in conn.execute(
                f"SELECT {cols} FROM approvals a JOIN change_requests c ON c.id = a.change_id "
                f"WHERE a.change_id IN ({', '.join('?' * len(part))}) {cond} ORDER BY a.id", part):
                out[row[0]].append(_to_approval(row))
        return out

    # -- state changes ---------------------------------------------------------------------------
    def transition(self, change_id: str, from_states: str | Iterable[str], to_state: str, *,
                   now: datetime | None = None, **fields: Any) -> bool:
        """Compare-and-set: move to ``to_state`` (setting ``fields``, see ``UPDATABLE``) only if the
        request is in one of ``from_states``. True if this call made the move; False if the
        request was in another state (someone else won). Moving to ``stale`` voids the approvals.
        ``executing`` is entered only through ``claim_execution``.
        """
        sources = _states(from_states)
        to_state = _state(to_state)
        for src in sources:
            _check_move(src, to_state)
            if to_state == ChangeState.EXECUTING and src != ChangeState.EXECUTING:
                raise InvalidTransitionError(src, to_state, "use claim_execution()")
        bad = set(fields) - UPDATABLE
        if bad:
            raise InvalidQueryError(msg.UNKNOWN_CHANGE_FIELD.format(
                field=sorted(bad)[0], known=", ".join(sorted(UPDATABLE))))
        ts = _now(now)
        sets = {"state": to_state, "updated_at": ts, **{k: _encode(k, v) for k, v in fields.items()}}
        assign = ", ".join(f"{k} = ?" for k in sets)
        cid = str(change_id)
        with self.database.write() as conn:
            cur = conn.execute(
                f"UPDATE change_requests SET {assign} WHERE id = ? AND state IN "
                f"({', '.join('?' * len(sources))})", [*sets.values(), cid, *sources])
            if cur.rowcount != 1:
                self._must_exist(conn, cid)
                return False
            if to_state == ChangeState.STALE:
                self._void(conn, cid, ts)
            return True

    def set_card(self, change_id: str, channel: str, message_ts: str,
                 thread_ts: str | None = None) -> None:
        """Remember where the request's Slack card is (any state)."""
        sets = {"channel": channel, "message_ts": message_ts}
        if thread_ts is not None:
            sets["thread_ts"] = thread_ts
        with self.database.write() as conn:
            cur = conn.execute(
                f"UPDATE change_requests SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                [_encode(k, v) for k, v in sets.items()] + [str(change_id)])
            if cur.rowcount != 1:
                raise ChangeNotFound(change_id)

    def add_approval(self, change_id: str, actor: str, plan_hash: str, *,
                     actor_name: str | None = None, usergroups: Iterable[str] = (),
                     quorum: Quorum | None = None, now: datetime | None = None) -> ApprovalResult:
        """Count ``actor``'s approval of plan ``plan_hash`` (see ``ApprovalResult``).

        With ``quorum``: if this approval is new and ``quorum(counted approvals)`` is true, the
        request moves ``pending -> approved`` in the same transaction (``result.approved``).
        """
        cid, ts = str(change_id), _now(now)
        with self.database.write() as conn:
            row = conn.execute("SELECT state, plan_hash FROM change_requests WHERE id = ?",
                               (cid,)).fetchone()
            if row is None:
                raise ChangeNotFound(change_id)
            state, current = ChangeState(row[0]), row[1]
            status: Literal["inserted", "duplicate", "not_pending", "wrong_hash"]
            if state != ChangeState.PENDING:
                status = "not_pending"
            elif plan_hash != current:
                status = "wrong_hash"
            else:
                cur = conn.execute(
                    "INSERT INTO approvals (change_id, actor, actor_name, usergroups, plan_hash, ts) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(change_id, actor, plan_hash) DO UPDATE SET "
                    "voided_at = NULL, ts = excluded.ts, actor_name = excluded.actor_name, "
                    "usergroups = excluded.usergroups WHERE approvals.voided_at IS NOT NULL",
                    (cid, redact_text(actor), None if actor_name is None else redact_text(actor_name),
                     json.dumps(sorted(redact(list(usergroups)))), plan_hash, ts))
                status = "inserted" if cur.rowcount == 1 else "duplicate"
            approvals = self._approvals(conn, [cid])[cid]
            approved = False
            if status == "inserted" and quorum is not None and quorum(approvals):
                approved = conn.execute(
                    "UPDATE change_requests SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
                    (ChangeState.APPROVED, ts, cid, ChangeState.PENDING)).rowcount == 1
                state = ChangeState.APPROVED if approved else state
            return ApprovalResult(status=status, state=state, plan_hash=current,
                                  approvals=approvals, approved=approved)

    def claim_execution(self, change_id: str, now: datetime | None = None) -> bool:
        """approved -> executing, exactly once: True only for the one caller that may execute."""
        ts = _now(now)
        with self.database.write() as conn:
            cur = conn.execute(
                "UPDATE change_requests SET state = ?, executing_started_at = ?, updated_at = ? "
                "WHERE id = ? AND state = ?",
                (ChangeState.EXECUTING, ts, ts, str(change_id), ChangeState.APPROVED))
            if cur.rowcount != 1:
                self._must_exist(conn, str(change_id))
                return False
            return True

    def replan(self, change_id: str, new_plan: Any, new_hash: str, *, summary: str | None = None,
               decision: Any = None, approvals_required: int | None = None,
               ttl_seconds: int | None = None, now: datetime | None = None) -> ChangeRequest | None:
        """Replace the plan of a ``pending`` or ``stale`` request: voids its approvals,
        returns it to ``pending`` with ``version + 1`` (and a fresh expiry if ``ttl_seconds``).
        None if the request is in another state (an ``approved`` one must first go ``stale``)."""
        t = to_utc(now or utcnow())
        ts = iso(t)
        sets: dict[str, Any] = {"plan": _encode("plan", new_plan), "plan_hash": new_hash,
                                "state": ChangeState.PENDING, "updated_at": ts, "reason": None}
        if summary is not None:
            sets["summary"] = _encode("summary", summary)
        if decision is not None:
            sets["decision"] = _encode("decision", decision)
        if approvals_required is not None:
            sets["approvals_required"] = int(approvals_required)
        if ttl_seconds:
            sets["expires_at"] = iso(t + timedelta(seconds=ttl_seconds))
        cid = str(change_id)
        with self.database.write() as conn:
            cur = conn.execute(
                f"UPDATE change_requests SET {', '.join(f'{k} = ?' for k in sets)}, "
                "version = version + 1 WHERE id = ? AND state IN (?, ?)",
                [*sets.values(), cid, ChangeState.PENDING, ChangeState.STALE])
            if cur.rowcount != 1:
                self._must_exist(conn, cid)
                return None
            self._void(conn, cid, ts)
            return self._get(conn, cid)

    def expire_due(self, now: datetime | None = None) -> builtins.list[str]:
        """Expire every open request (pending/approved/stale) whose ``expires_at`` has passed;
        returns the ids this call expired (each one a compare-and-set)."""
        ts = _now(now)
        states = sorted(OPEN_STATES)
        with self.database.write() as conn:
            rows = conn.execute(
                "UPDATE change_requests SET state = ?, updated_at = ? WHERE expires_at IS "
                f"NOT NULL AND expires_at <= ? AND state IN ({', '.join('?' * len(states))}) "
                "RETURNING id", (ChangeState.EXPIRED, ts, ts, *states)).fetchall()
        return sorted((r[0] for r in rows), key=lambda i: int(i) if i.isdigit() else 0)

    @staticmethod
    def _void(conn: Any, change_id: str, ts: str) -> None:
        conn.execute("UPDATE approvals SET voided_at = ? WHERE change_id = ? AND voided_at IS NULL",
                     (ts, change_id))

    @staticmethod
    def _must_exist(conn: Any, change_id: str) -> None:
        if conn.execute("SELECT 1 FROM change_requests WHERE id = ?", (change_id,)).fetchone() is None:
            raise ChangeNotFound(change_id)
