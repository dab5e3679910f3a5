"""Verify an audit database file, and optionally a digest file, without ever crashing.

``verify_path(path, digests=..., key=..., expect_head=...) -> VerifyReport`` opens the file read-only
(a missing file is a fresh install: 0 events, nothing created), then checks, reporting every finding as a
``Problem`` instead of raising:

* the file: not an SQLite database, unreadable, a table or column missing (dropped or altered by hand);
* the rows: a BLOB where fleetops writes text (written outside fleetops), text that is not UTF-8;
* the chain and the anchor (``audit.log``): edited, deleted, inserted, reordered rows, a cut tail;
* emptied tables: change requests exist but the audit log is empty, or the anchor row is gone;
* the digests (``audit.witness``), given the key: each signature, the chain of digests, and each
  digest against the database: a digest vouching for ids the file no longer has (tail truncated and
  the anchor rewritten, tables emptied), or whose head row now has another hash (the chain was
  recomputed after an edit, or the file was swapped for another database: then row 1 differs too).

``ok`` is True only when there is no problem. ``AuditLog.verify()`` runs the same database checks on an
open store and returns the chain's ``VerifyResult``.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from audit import messages as msg
from audit.chain import COLUMNS, verify_rows
from audit.models import GENESIS_HASH, VerifyResult
from audit.witness import Digest, chain_link, key_id, read_digests, signature_ok

MAX_PROBLEMS = 20  # a digest file with thousands of lines against a swapped database: say it 20 times at most


class Problem(BaseModel):
    kind: Literal["tampered", "damaged", "unchecked"]
    message: str
    row: int | None = None
    checked: int | None = None  # set for a break in the chain: rows verified before it


class VerifyReport(BaseModel):
    ok: bool
    path: str
    exists: bool = True
    events: int = 0  # the highest id in the log (rows, if none is missing)
    checked: int = 0  # rows verified from id 1 before the first break in the chain (all, when ok)
    head_id: int | None = None
    head_hash: str = GENESIS_HASH
    first_bad_id: int | None = None  # the row of the first problem that names one
    digests: int = 0  # digests read (signed with the key or not)
    covered_id: int | None = None  # the highest id a valid digest vouches for
    uncovered: int = 0  # events after it, not yet covered by any digest
    problems: list[Problem] = Field(default_factory=list)


# -- the database ------------------------------------------------------------------------------------
def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def check_connection(conn: sqlite3.Connection, expect_head: str | None = None
                     ) -> tuple[VerifyResult | None, list[Problem]]:
    """Every database check on an open connection (one read snapshot); the chain result is None when the
    file is too damaged to walk the chain."""
    problems: list[Problem] = []
    try:
        conn.execute("BEGIN")
        tables = _tables(conn)
    except sqlite3.Error as e:
        return None, [Problem(kind="damaged", message=msg.VERIFY_NOT_A_DATABASE.format(error=e))]
    if "audit_events" not in tables:
        return None, [Problem(kind="damaged", message=msg.VERIFY_NO_EVENTS_TABLE)]
    try:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(audit_events)")}
        missing = [c for c in COLUMNS if c not in columns]
        if missing:
            return None, [Problem(kind="damaged", message=msg.VERIFY_MISSING_COLUMNS.format(columns=", ".join(missing)))]
        blob = conn.execute(
            "SELECT id, " + ", ".join(f"typeof({c})" for c in COLUMNS) + " FROM audit_events WHERE "
            + " OR ".join(f"typeof({c}) = 'blob'" for c in COLUMNS) + " OR typeof(id) != 'integer' ORDER BY id LIMIT 1"
        ).fetchone()
        if blob is not None:
            col = next((c for c, t in zip(COLUMNS, blob[1:], strict=True) if t == "blob"), "id")
            return None, [Problem(kind="tampered", row=blob[0] if isinstance(blob[0], int) else None,
                                  message=msg.VERIFY_BLOB.format(id=blob[0], column=col))]
        if "audit_anchor" not in tables:
            problems.append(Problem(kind="tampered", message=msg.VERIFY_NO_ANCHOR_TABLE))
        elif conn.execute("SELECT COUNT(*) FROM audit_anchor WHERE id = 1").fetchone()[0] == 0:
            problems.append(Problem(kind="tampered", message=msg.VERIFY_NO_ANCHOR_ROW))
        chain = verify_rows(conn, expect_head)
        if not chain.ok and chain.reason != msg.VERIFY_NO_ANCHOR:
            problems.insert(0, Problem(kind="tampered", row=chain.first_bad_id, message=chain.reason or "",
                                       checked=chain.checked))
        if chain.ok and chain.checked == 0 and "change_requests" in tables:
            changes = conn.execute("SELECT COUNT(*) FROM change_requests").fetchone()[0]
            if changes:
                problems.append(Problem(kind="tampered", message=msg.VERIFY_EMPTIED.format(n=changes)))
        return chain, problems
    except (sqlite3.Error, ValueError, TypeError, UnicodeError) as e:
        return None, [*problems, Problem(kind="damaged", message=msg.VERIFY_UNREADABLE.format(error=e))]


# -- the digests ---------------------------------------------------------------------------------------
def _row_hashes(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    out: dict[int, str] = {}
    for i in range(0, len(wanted), 500):
        part = wanted[i:i + 500]
        rows = conn.execute(f"SELECT id, hash FROM audit_events WHERE id IN ({', '.join('?' * len(part))})", part)
        out.update({r[0]: r[1] for r in rows})
    return out


def check_digests(conn: sqlite3.Connection | None, lines: Iterable[str], key: bytes | None, last_id: int
                  ) -> tuple[int, int | None, list[Problem]]:
    """(digests read, highest id vouched for by a valid digest, problems). ``conn`` None: no database."""
    problems: list[Problem] = []
    valid: list[Digest] = []
    previous: Digest | None = None
    count = 0
    for line_no, digest, why in read_digests(lines):
        if digest is None:
            problems.append(Problem(kind="tampered", message=why or ""))
            continue
        count += 1
        if key is None:
            continue
        if digest.key_id != key_id(key):
            problems.append(Problem(kind="unchecked", message=msg.DIGEST_OTHER_KEY.format(
                line=line_no, seq=digest.seq, theirs=digest.key_id, ours=key_id(key))))
            continue
        if not signature_ok(digest, key):
            problems.append(Problem(kind="tampered", message=msg.DIGEST_BAD_SIG.format(line=line_no, seq=digest.seq)))
            continue
        if previous is not None and (digest.seq != previous.seq + 1 or digest.prev != chain_link(previous)):
            problems.append(Problem(kind="tampered", message=msg.DIGEST_GAP.format(
                line=line_no, seq=digest.seq, before=previous.seq)))
        elif previous is None and count == 1 and digest.seq != 1:
            problems.append(Problem(kind="tampered", message=msg.DIGEST_GAP.format(line=line_no, seq=digest.seq,
                                                                                   before="the start")))
        if previous is not None and digest.head_id < previous.head_id:
            problems.append(Problem(kind="tampered", message=msg.DIGEST_WENT_BACK.format(
                seq=digest.seq, ts=digest.ts, head_id=digest.head_id, before=previous.head_id)))
        if digest.count != digest.head_id:
            problems.append(Problem(kind="tampered", message=msg.DIGEST_COUNT.format(
                seq=digest.seq, count=digest.count, head_id=digest.head_id)))
        previous = digest
        valid.append(digest)
    if key is None and count:
        problems.append(Problem(kind="unchecked", message=msg.DIGEST_NO_KEY.format(n=count)))
    covered = max((d.head_id for d in valid), default=None)
    hashes = _row_hashes(conn, [d.head_id for d in valid if d.head_id] + [1]) if conn is not None else {}
    for d in sorted(valid, key=lambda d: -d.head_id):
        if d.head_id == 0:
            continue
        if d.head_id > last_id:
            text = msg.DIGEST_EMPTY if last_id == 0 else msg.DIGEST_TRUNCATED
            problems.append(Problem(kind="tampered", row=last_id + 1, message=text.format(
                seq=d.seq, ts=d.ts, head_id=d.head_id, last=last_id)))
        elif hashes.get(d.head_id) != d.head_hash:
            other = d.first_hash != hashes.get(1)
            text = msg.DIGEST_OTHER_DATABASE if other else msg.DIGEST_REWRITTEN
            problems.append(Problem(kind="tampered", row=d.head_id, message=text.format(
                seq=d.seq, ts=d.ts, head_id=d.head_id, found=hashes.get(d.head_id), expected=d.head_hash)))
        if len(problems) >= MAX_PROBLEMS:
            break
    return count, covered, problems


# -- the file -----------------------------------------------------------------------------------------------
def _read_lines(digests: str | Path | Iterable[str]) -> tuple[list[str], Problem | None]:
    if isinstance(digests, (str, Path)):
        try:
            return Path(digests).read_text(encoding="utf-8", errors="replace").splitlines(), None
        except OSError as e:
            return [], Problem(kind="damaged", message=msg.DIGEST_FILE_UNREADABLE.format(
                path=digests, error=e.strerror or e))
    return list(digests), None


def _open_readonly(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None,
                           check_same_thread=False, timeout=30)
    conn.execute("PRAGMA query_only=ON")
    return conn


def verify_path(path: str | Path, *, digests: str | Path | Iterable[str] | None = None, key: bytes | None = None,
                expect_head: str | None = None) -> VerifyReport:
    """Verify the database at ``path`` (and the ``digests``: a file path or its lines) without raising."""
    path = Path(path)
    report = VerifyReport(ok=True, path=str(path), exists=path.exists())
    conn: sqlite3.Connection | None = None
    last_id = 0
    try:
        if report.exists:
            try:
                conn = _open_readonly(path)
            except sqlite3.Error as e:
                report.problems.append(Problem(kind="damaged", message=msg.VERIFY_NOT_A_DATABASE.format(error=e)))
            if conn is not None:
                chain, problems = check_connection(conn, expect_head)
                report.problems += problems
                if chain is not None:  # the rows past a break are still there: compare digests with them
                    last_id = chain.checked if chain.ok else _last_id(conn)
                    report.events, report.checked = last_id, chain.checked
                    report.head_id, report.head_hash = chain.head_id, chain.head_hash
        if digests is not None:
            lines, problem = _read_lines(digests)
            if problem is not None:
                report.problems.append(problem)
            try:
                n, covered, problems = check_digests(conn, lines, key, last_id)
            except (sqlite3.Error, ValueError, TypeError, UnicodeError) as e:
                n, covered, problems = 0, None, [Problem(kind="damaged", message=msg.VERIFY_UNREADABLE.format(error=e))]
            report.digests, report.covered_id = n, covered
            report.uncovered = max(0, report.events - (covered or 0))
            report.problems += problems
    finally:
        if conn is not None:
            conn.close()
    report.ok = not report.problems
    report.first_bad_id = next((p.row for p in report.problems if p.row is not None), None)
    return report


def _last_id(conn: sqlite3.Connection) -> int:
    try:
        row: Any = conn.execute("SELECT MAX(id) FROM audit_events").fetchone()
        return int(row[0] or 0)
    except (sqlite3.Error, ValueError, TypeError):
        return 0
