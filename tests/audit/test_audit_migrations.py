import sqlite3
import threading

import pytest

from audit.db import LATEST, MIGRATIONS, Database, apply_migrations
from audit.errors import SchemaVersionError, StoreOpenError
from audit.log import COLUMNS, row_hash
from audit.models import GENESIS_HASH
from audit.store import open_store


def tables(path):
    with sqlite3.connect(path) as c:
        sql = "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
        return {r[0] for r in c.execute(sql)}


def test_new_database_gets_every_migration_once(db_path):
    s = open_store(db_path)
    assert s.database.schema_version() == LATEST
    with s.database.read() as conn:
        rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    assert rows == [(v, n) for v, n, _ in MIGRATIONS]
    assert mode == "wal" and sync == 2  # FULL
    assert apply_migrations(s.database) == []  # idempotent
    s.close()
    assert open_store(db_path).database.schema_version() == LATEST
    assert {"audit_events", "audit_anchor", "change_requests", "approvals", "deliveries",
            "audit_events_no_update", "audit_events_no_delete"} <= tables(db_path)


def test_old_version_database_is_migrated_and_its_chain_kept(db_path):
    old = Database(db_path, migrate=False)
    assert apply_migrations(old, target=1) == [1]
    assert old.schema_version() == 1
    # A version-1 fleetops wrote events (no anchor table, no triggers yet).
    prev = GENESIS_HASH
    with old.write() as conn:
        for i in range(1, 6):
            row = {c: None for c in COLUMNS}
            row.update(id=i, ts=f"2026-01-01T00:00:0{i}.000Z", event="request", clusters="[]",
                       message=f"old {i}", prev_hash=prev)
            prev = row["hash"] = row_hash(row)
            conn.execute(f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES "
                         f"({', '.join('?' * len(COLUMNS))})", [row[c] for c in COLUMNS])
    old.close()
    assert "audit_anchor" not in tables(db_path)

    s = open_store(db_path)
    assert s.database.schema_version() == LATEST
    with s.database.read() as conn:
        assert conn.execute("SELECT head_id, head_hash FROM audit_anchor").fetchone() == (5, prev)
    assert s.audit.verify().ok and s.audit.verify().checked == 5
    e = s.audit.record("request", message="new")
    assert e.id == 6 and e.prev_hash == prev and s.audit.verify().ok
    assert s.claim_delivery("Ev123") and not s.claim_delivery("Ev123")  # migration 3 table


def test_database_from_a_newer_fleetops_is_refused(db_path):
    open_store(db_path).close()
    with sqlite3.connect(db_path) as c:
        c.execute("INSERT INTO schema_migrations VALUES (?, 'future', '2030-01-01T00:00:00.000Z')",
                  (LATEST + 1,))
    with pytest.raises(SchemaVersionError, match="newer fleetops"):
        open_store(db_path)


def test_concurrent_first_opens_migrate_once(db_path):
    errors, stores = [], []

    def opener():
        try:
            stores.append(open_store(db_path))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=opener) for _ in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    with sqlite3.connect(db_path) as c:
        assert c.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)
    for s in stores:
        s.close()


def test_unopenable_and_missing_files(tmp_path):
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreOpenError, match="cannot open the fleetops database"):
        open_store(tmp_path / "dir.db")
    with pytest.raises(StoreOpenError, match="does not exist"):
        open_store(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
