"""Open the fleetops SQLite database: durability, locking, and schema migrations.

Durability (measured in ``bench/audit.py``): WAL journal with ``synchronous=FULL``. In WAL mode
``NORMAL`` skips the fsync at each commit, so a power cut or kernel crash can lose the last
committed transactions: an approval that Slack already showed as counted, or the audit event of a
step that ran on a production cluster. ``FULL`` fsyncs the WAL at every commit, so a commit that
returned is on disk. fleetops writes a handful of rows per human action, so the fsync costs nothing
anyone notices (the bench prints both). WAL also lets readers (``audit list``, Datasette, verify)
run while the bot writes.

Writes: ``Database.write()`` is the only way to write. It takes a per-connection lock (threads
sharing one ``Database`` queue up) and opens ``BEGIN IMMEDIATE``, which takes SQLite's write lock up
front, so a read-then-write (read the chain head, insert the next row; read a state, change it)
cannot interleave with another thread or process. Other processes wait up to the busy timeout
(30 s), then ``StoreBusyError``. Nested ``write()`` blocks become savepoints of the outer
transaction, so callers can group several operations (a state change and its audit event) into one
atomic commit.

Migrations: ``MIGRATIONS`` is an ordered list of ``(version, name, function)``; ``migrate()`` applies
the missing ones, each in the same transaction as its row in ``schema_migrations``, so a crash
leaves the schema either before or after a migration, and running it again is a no-op. A database
newer than this code raises ``SchemaVersionError`` instead of being touched.
"""
from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from audit import gates, incidents
from audit.errors import SchemaVersionError, StoreBusyError, StoreOpenError
from audit.models import GENESIS_HASH
from audit.timeutil import iso, utcnow

SYNCHRONOUS = "FULL"
BUSY_TIMEOUT_S = 30.0

# Audit events may not be changed or removed through SQL. Someone with the file can drop these;
# the hash chain is what detects that, the triggers stop accidents (a Datasette write plugin, a
# hand-typed UPDATE).
_APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
)


def _m1_base(db: sqlite_utils.Database) -> None:
    """audit_events, change_requests, approvals."""
    db.table("audit_events").create(
        {
            "id": int, "ts": str, "event": str, "actor": str, "channel": str, "change_id": str,
            "tool": str, "deployment": str, "clusters": str, "args": str, "result": str,
            "message": str, "prev_hash": str, "hash": str,
        },
        pk="id", not_null={"ts", "event", "prev_hash", "hash"}, if_not_exists=True,
    )
    for cols in (["ts"], ["change_id"], ["actor"], ["deployment"], ["event"]):
        db.table("audit_events").create_index(cols, if_not_exists=True)
    db.table("change_requests").create(
        {
            "id": str, "requester": str, "channel": str, "thread_ts": str, "message_ts": str,
            "tool": str, "args": str, "plan": str, "plan_hash": str, "summary": str,
            "decision": str, "approvals_required": int, "state": str, "reason": str,
            "request_key": str, "created_at": str, "expires_at": str, "updated_at": str,
            "executing_started_at": str, "outcome": str, "version": int,
        },
        pk="id", not_null={"requester", "tool", "plan_hash", "state", "created_at", "updated_at",
                           "version", "approvals_required"},
        defaults={"version": 1, "approvals_required": 0}, if_not_exists=True,
    )
    db.table("change_requests").create_index(["state"], if_not_exists=True)
    db.table("change_requests").create_index(["requester"], if_not_exists=True)
    db.table("change_requests").create_index(["request_key"], unique=True, if_not_exists=True)
    db.table("approvals").create(
        {"id": int, "change_id": str, "actor": str, "actor_name": str, "usergroups": str,
         "plan_hash": str, "ts": str, "voided_at": str},
        pk="id", not_null={"change_id", "actor", "plan_hash", "ts"},
        foreign_keys=[("change_id", "change_requests", "id")], if_not_exists=True,
    )
    db.table("approvals").create_index(["change_id", "actor", "plan_hash"], unique=True,
                                       if_not_exists=True)


def _m2_anchor(db: sqlite_utils.Database) -> None:
    """audit_anchor (head id + hash, updated with every append) and append-only triggers."""
    db.table("audit_anchor").create(
        {"id": int, "head_id": int, "head_hash": str, "updated_at": str}, pk="id",
        not_null={"head_id", "head_hash", "updated_at"}, if_not_exists=True,
    )
    head = db.execute("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    db.execute(
        "INSERT OR IGNORE INTO audit_anchor (id, head_id, head_hash, updated_at) VALUES (1, ?, ?, ?)",
        (head[0] if head else 0, head[1] if head else GENESIS_HASH, iso(utcnow())),
    )
    for sql in _APPEND_ONLY_TRIGGERS:  # not executescript(): it would COMMIT the migration
        db.conn.execute(sql)


def _m3_deliveries(db: sqlite_utils.Database) -> None:
    """deliveries: first-seen ids of inbound deliveries (Slack event_id, ...), for de-duplication."""
    db.table("deliveries").create({"key": str, "seen_at": str}, pk="key", not_null={"seen_at"},
                                  if_not_exists=True)
    db.table("deliveries").create_index(["seen_at"], if_not_exists=True)


def _m4_jobs_and_locks(db: sqlite_utils.Database) -> None:
    """jobs: acknowledged work persisted before the ack (audit/jobs.py); change_locks: one change per
    deployment / cluster at a time (audit/locks.py)."""
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, "
        "kind TEXT NOT NULL, payload TEXT, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, owner TEXT, "
        "lease_until TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, error TEXT)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, id)")
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS change_locks (key TEXT PRIMARY KEY, change_id TEXT NOT NULL, "
        "claimed_at TEXT NOT NULL)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS change_locks_change ON change_locks (change_id)")


Migration = tuple[int, str, Callable[[sqlite_utils.Database], None]]
MIGRATIONS: list[Migration] = [
    (1, "base tables", _m1_base),
    (2, "audit anchor and append-only triggers", _m2_anchor),
    (3, "delivery de-duplication", _m3_deliveries),
    (4, "persisted jobs and execution locks", _m4_jobs_and_locks),
    (5, "incidents (health watch)", incidents.migrate),
    (6, "stage gates of staged rollouts", gates.migrate),
]
LATEST = MIGRATIONS[-1][0]


class Database:
    """One SQLite connection to the fleetops database file, safe to share between threads."""

    def __init__(self, path: str | Path, *, synchronous: str = SYNCHRONOUS,
                 busy_timeout: float = BUSY_TIMEOUT_S, migrate: bool = True, checkpoints: bool = True):
        """``checkpoints=False``: this connection never runs SQLite's automatic WAL checkpoint (copying the WAL
        back into the database file, with its fsyncs, at the end of whichever commit finds the WAL past 1,000
        pages); the other connections to the file still do. For a connection whose commits someone waits on
        (the acks' job commits: one such checkpoint inside a burst held 9 acks for 266 ms)."""
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.synchronous = synchronous.upper()
        if self.synchronous not in ("FULL", "NORMAL", "EXTRA", "OFF"):
            raise ValueError(f"synchronous must be FULL, NORMAL, EXTRA or OFF, not {synchronous!r}")
        self._lock = threading.RLock()
        self._savepoints = itertools.count(1)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = connect(self.path, synchronous=self.synchronous, busy_timeout=busy_timeout)
            if not checkpoints:
                self.conn.execute("PRAGMA wal_autocheckpoint=0")
        except (OSError, sqlite3.Error) as e:
            raise StoreOpenError(self.path, e) from e
        self.db = sqlite_utils.Database(self.conn, execute_plugins=False)
        if migrate:
            apply_migrations(self)

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``), or a savepoint inside an open one."""
        with self._lock:
            conn = self.conn
            if conn.in_transaction:
                name = f"fleetops_sp{next(self._savepoints)}"
                conn.execute(f"SAVEPOINT {name}")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute(f"ROLLBACK TO {name}")
                        conn.execute(f"RELEASE {name}")
                    raise
                else:
                    conn.execute(f"RELEASE {name}")
                return
            self._begin_immediate()
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The shared connection, held for a short read (use ``reader()`` for long scans)."""
        with self._lock:
            yield self.conn

    def reader(self) -> sqlite3.Connection:
        """A new connection for a long read (verify, export); the caller closes it."""
        conn = connect(self.path, synchronous=self.synchronous, busy_timeout=self.busy_timeout,
                       wal=False)
        conn.execute("PRAGMA query_only=ON")
        conn.execute("PRAGMA mmap_size=268435456")  # long sequential scans: fewer read() calls
        return conn

    def _begin_immediate(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise StoreBusyError(self.path, self.busy_timeout) from e
            raise

    # -- misc --------------------------------------------------------------------------------
    def schema_version(self) -> int:
        with self.read() as conn:
            return _applied_version(conn)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(path: str | Path, *, synchronous: str = SYNCHRONOUS,
            busy_timeout: float = BUSY_TIMEOUT_S, wal: bool = True) -> sqlite3.Connection:
    """A raw connection with fleetops' PRAGMAs; transactions are explicit (``isolation_level=None``)."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    if wal:
        _set_wal(conn, busy_timeout)
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _set_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    # Switching to WAL needs a moment of exclusive access; first openers may race for it.
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() in ("wal", "memory"):
                return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e):
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("could not switch the database to WAL mode: locked")
        time.sleep(0.01)


def _applied_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'").fetchone()
    if not exists:
        return 0
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]


def apply_migrations(database: Database, target: int | None = None) -> list[int]:
    """Apply the migrations not yet applied (up to ``target``); returns the versions applied."""
    applied_now: list[int] = []
    with database.write() as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        if done and max(done) > LATEST:
            raise SchemaVersionError(database.path, max(done), LATEST)
        for version, name, fn in MIGRATIONS:
            if version in done or (target is not None and version > target):
                continue
            fn(database.db)
            conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                         (version, name, iso(utcnow())))
            applied_now.append(version)
    return applied_now
