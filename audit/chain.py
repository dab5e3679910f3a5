"""The chain itself, pure: the columns a row hashes, its canonical bytes, and the check of a whole table.

``audit.log`` appends rows; ``audit.verify`` checks a database, digests included; both build on this
module, which imports neither.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from audit import messages as msg
from audit.models import GENESIS_HASH, VerifyResult

COLUMNS: tuple[str, ...] = (
    "id", "ts", "event", "actor", "channel", "change_id", "tool", "deployment", "clusters",
    "args", "result", "message", "prev_hash", "hash",
)
HASHED: tuple[str, ...] = tuple(c for c in COLUMNS if c != "hash")
_SELECT = ", ".join(COLUMNS)
# The canonical JSON built by SQLite (keys in sorted order; json_object writes no whitespace and
# escapes like json.dumps(ensure_ascii=False)). verify() uses it as a fast path and falls back to
# the Python definition for any row whose fast hash does not match, so the Python one is the spec.
CANONICAL_SQL = "json_object(" + ", ".join(f"'{c}', {c}" for c in sorted(HASHED)) + ")"


def dumps(value: Any) -> str:
    """Canonical JSON text: sorted keys, no whitespace, UTF-8 (not ASCII-escaped)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes hashed for a row (``row`` holds stored column values; ``hash`` is ignored)."""
    return dumps({c: row.get(c) for c in HASHED}).encode("utf-8")


def row_hash(row: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def verify_rows(conn: Any, expect_head: str | None) -> VerifyResult:
    sha256 = hashlib.sha256
    expected_id, prev, seen_expected = 1, GENESIS_HASH, expect_head is None

    def bad(first: int | None, reason: str) -> VerifyResult:
        return VerifyResult(ok=False, checked=expected_id - 1, first_bad_id=first, reason=reason,
                            head_id=expected_id - 1 or None, head_hash=prev)

    try:
        anchor = conn.execute("SELECT head_id, head_hash FROM audit_anchor WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # the table was dropped: reported by audit.verify
        anchor = None
    cur = conn.execute(f"SELECT id, prev_hash, hash, {CANONICAL_SQL} FROM audit_events ORDER BY id")
    while chunk := cur.fetchmany(10000):
        for rid, prev_hash, stored, canon in chunk:
            if rid != expected_id:
                if expected_id == 1:
                    return bad(1, msg.VERIFY_FIRST_ID.format(id=rid, last_missing=rid - 1))
                return bad(expected_id, msg.VERIFY_MISSING.format(
                    id=expected_id, before=expected_id - 1, after=rid, last_missing=rid - 1))
            if prev_hash != prev:
                if rid == 1:
                    return bad(1, msg.VERIFY_GENESIS.format(found=prev_hash))
                return bad(rid, msg.VERIFY_PREV_HASH.format(id=rid, before=rid - 1))
            if sha256(canon.encode("utf-8")).hexdigest() != stored:
                full = conn.execute(f"SELECT {_SELECT} FROM audit_events WHERE id = ?",
                                    (rid,)).fetchone()
                expected = row_hash(dict(zip(COLUMNS, full, strict=False)))
                if expected != stored:
                    return bad(rid, msg.VERIFY_HASH.format(id=rid, expected=expected, stored=stored))
            if not seen_expected and stored == expect_head:
                seen_expected = True
            prev = stored
            expected_id += 1
    last = expected_id - 1
    if anchor is not None:
        head_id, head_hash = anchor
        if last < head_id:
            if last == 0:
                return bad(1, msg.VERIFY_EMPTY_TRUNCATED.format(head_id=head_id))
            return bad(last + 1, msg.VERIFY_TRUNCATED.format(id=last + 1, head_id=head_id, last=last))
        if last > head_id:
            return bad(head_id + 1, msg.VERIFY_PAST_ANCHOR.format(id=head_id + 1, head_id=head_id))
        if last and prev != head_hash:
            return bad(last, msg.VERIFY_HEAD_MISMATCH.format(id=last, anchor=head_hash, found=prev))
    elif last:
        return bad(None, msg.VERIFY_NO_ANCHOR)
    if not seen_expected:
        return bad(None, msg.VERIFY_EXPECTED_HEAD.format(found=prev, expected=expect_head))
    return VerifyResult(ok=True, checked=last, head_id=last or None, head_hash=prev)
