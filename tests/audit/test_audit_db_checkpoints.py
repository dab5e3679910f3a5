"""``Database(checkpoints=False)``: a connection whose commits someone waits on (the acks' job commits) leaves
SQLite's automatic WAL checkpoints to the file's other connections (issue 17: one checkpoint inside a burst of
acks held nine of them for 266 ms)."""
from __future__ import annotations

from audit.db import Database


def _autocheckpoint(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])


def test_a_connection_without_checkpoints_never_checkpoints_automatically(tmp_path):
    Database(tmp_path / "f.db").close()
    with Database(tmp_path / "f.db", migrate=False, checkpoints=False) as db:
        assert _autocheckpoint(db) == 0


def test_a_connection_checkpoints_automatically_by_default(tmp_path):
    with Database(tmp_path / "f.db") as db:
        assert _autocheckpoint(db) > 0


def test_commits_without_checkpoints_grow_the_wal_past_the_automatic_checkpoint(tmp_path):
    main = Database(tmp_path / "f.db", synchronous="OFF")  # open: its checkpoints would be the file's
    acks = Database(tmp_path / "f.db", synchronous="OFF", migrate=False, checkpoints=False)
    try:
        for i in range(1100):  # a page of WAL each at least: past the 1,000 pages of the automatic checkpoint
            with acks.write() as conn:
                conn.execute("INSERT INTO deliveries (key, seen_at) VALUES (?, ?)", (f"k{i}-" + "x" * 4000, "t"))
        assert (tmp_path / "f.db-wal").stat().st_size > 1100 * 4096
    finally:
        acks.close()
        main.close()
