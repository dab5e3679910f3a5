"""Tampering by hand with sqlite3 is detected, and verify names the first bad row and why."""
import sqlite3

import pytest

from audit.log import COLUMNS, row_hash
from audit.store import open_store

N = 10


@pytest.fixture
def filled(store):
    for i in range(1, N + 1):
        store.audit.record("execution_step", actor=f"U{i}", message=f"step {i}", clusters=["c1"],
                           args={"i": i})
    return store


def unlock(conn):
    """What a tamperer has to do first: drop the append-only triggers."""
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("DROP TRIGGER audit_events_no_delete")


def rows(conn):
    cur = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_events ORDER BY id")
    return [dict(zip(COLUMNS, r, strict=True)) for r in cur]


def test_untampered_log_verifies(filled):
    r = filled.audit.verify()
    assert (r.ok, r.checked, r.first_bad_id, r.reason) == (True, N, None, None)
    assert r.head_hash == filled.audit.get(N).hash and r.head_id == N


def test_empty_log_verifies(store):
    assert store.audit.verify().ok and store.audit.verify().checked == 0


def test_triggers_refuse_update_and_delete(filled, raw):
    conn = raw()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_events SET message = 'x' WHERE id = 3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_events WHERE id = 3")
    assert filled.audit.verify().ok


@pytest.mark.parametrize("column,value", [("message", "step 4 (edited)"), ("actor", "U999"),
                                          ("args", '{"i":40}'), ("ts", "2020-01-01T00:00:00.000Z"),
                                          ("clusters", '["c2"]'), ("event", "approval")])
def test_edited_field_names_the_row(filled, raw, column, value):
    conn = raw()
    unlock(conn)
    conn.execute(f"UPDATE audit_events SET {column} = ? WHERE id = 4", (value,))
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 4 and "edited" in r.reason
    assert r.checked == 3


def test_edit_and_rehash_one_row_is_caught_at_the_next_row(filled, raw):
    conn = raw()
    unlock(conn)
    row = rows(conn)[3]
    row["message"] = "nothing happened"
    conn.execute("UPDATE audit_events SET message = ?, hash = ? WHERE id = 4",
                 (row["message"], row_hash(row)))
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 5 and "prev_hash of row 5" in r.reason


def test_deleted_row_is_named(filled, raw):
    conn = raw()
    unlock(conn)
    conn.execute("DELETE FROM audit_events WHERE id = 6")
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 6
    assert "row 6 is missing" in r.reason and "from 5 to 7" in r.reason


def test_deleted_first_row(filled, raw):
    conn = raw()
    unlock(conn)
    conn.execute("DELETE FROM audit_events WHERE id = 1")
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 1 and "starts at id 2" in r.reason


def test_deleted_then_renumbered_rows_break_the_link(filled, raw):
    conn = raw()
    unlock(conn)
    conn.execute("DELETE FROM audit_events WHERE id = 6")
    for i in range(7, N + 1):
        conn.execute("UPDATE audit_events SET id = ? WHERE id = ?", (i - 1, i))
    conn.execute("UPDATE audit_anchor SET head_id = ?", (N - 1,))
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 6 and "prev_hash of row 6" in r.reason


def test_truncated_tail_is_caught_by_the_anchor(filled, raw):
    conn = raw()
    unlock(conn)
    conn.execute("DELETE FROM audit_events WHERE id > 8")
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 9 and "tail was deleted" in r.reason


def test_all_rows_deleted(filled, raw):
    conn = raw()
    unlock(conn)
    conn.execute("DELETE FROM audit_events")
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 1 and "empty" in r.reason


def test_naive_inserted_row_at_the_end(filled, raw):
    conn = raw()
    conn.execute("INSERT INTO audit_events (id, ts, event, message, clusters, prev_hash, hash) "
                 "VALUES (?, '2026-01-01T00:00:00.000Z', 'approval', 'forged', '[]', ?, ?)",
                 (N + 1, "f" * 64, "e" * 64))
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == N + 1 and "prev_hash" in r.reason


def test_well_forged_row_at_the_end_is_caught_by_the_anchor(filled, raw):
    conn = raw()
    last = rows(conn)[-1]
    forged = {**last, "id": N + 1, "message": "approved by U0ALICE", "prev_hash": last["hash"]}
    forged["hash"] = row_hash(forged)
    conn.execute(f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES "
                 f"({', '.join('?' * len(COLUMNS))})", [forged[c] for c in COLUMNS])
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == N + 1 and "without updating the anchor" in r.reason


def test_row_inserted_in_the_middle(filled, raw):
    conn = raw()
    unlock(conn)
    for i in range(N, 4, -1):  # make room at id 5
        conn.execute("UPDATE audit_events SET id = ? WHERE id = ?", (i + 1, i))
    prev = rows(conn)[3]
    forged = {**prev, "id": 5, "message": "approved by U0ALICE", "prev_hash": prev["hash"]}
    forged["hash"] = row_hash(forged)  # even a correctly hashed insert breaks the next link
    conn.execute(f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES "
                 f"({', '.join('?' * len(COLUMNS))})", [forged[c] for c in COLUMNS])
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 6 and "prev_hash of row 6" in r.reason


def test_naive_row_inserted_in_the_middle(filled, raw):
    conn = raw()
    unlock(conn)
    for i in range(N, 4, -1):
        conn.execute("UPDATE audit_events SET id = ? WHERE id = ?", (i + 1, i))
    original5 = rows(conn)[4]  # now id 6
    forged = {**original5, "id": 5, "message": "forged"}  # copied prev_hash, stale hash
    conn.execute(f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES "
                 f"({', '.join('?' * len(COLUMNS))})", [forged[c] for c in COLUMNS])
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 5 and "edited" in r.reason


def test_swapped_rows(filled, raw):
    conn = raw()
    unlock(conn)
    r3, r4 = rows(conn)[2:4]
    cols = [c for c in COLUMNS if c != "id"]
    for target, source in ((3, r4), (4, r3)):
        conn.execute(f"UPDATE audit_events SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
                     [source[c] for c in cols] + [target])
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 3 and "reordered" in r.reason


def test_reordered_ids(filled, raw):
    conn = raw()
    unlock(conn)
    conn.execute("UPDATE audit_events SET id = -1 WHERE id = 7")
    conn.execute("UPDATE audit_events SET id = 7 WHERE id = 8")
    conn.execute("UPDATE audit_events SET id = 8 WHERE id = -1")
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 7 and "prev_hash of row 7" in r.reason


def test_replaced_genesis(filled, raw):
    conn = raw()
    unlock(conn)
    first = rows(conn)[0]
    first.update(prev_hash="1" * 64)
    first["hash"] = row_hash(first)
    conn.execute("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = 1",
                 (first["prev_hash"], first["hash"]))
    r = filled.audit.verify()
    assert not r.ok and r.first_bad_id == 1 and "genesis" in r.reason


def test_rewritten_log_fails_against_a_recorded_head(filled, db_path, tmp_path):
    head = filled.audit.verify().head_hash
    assert filled.audit.verify(expect_head=head).ok
    filled.audit.record("outcome", message="later")
    assert filled.audit.verify(expect_head=head).ok  # appending keeps the old head in the chain
    other = open_store(tmp_path / "other.db")  # a consistent but different log
    other.audit.record("request")
    r = other.audit.verify(expect_head=head)
    assert not r.ok and "rewritten" in r.reason
    other.close()


def test_anchor_removed(filled, raw):
    raw().execute("DELETE FROM audit_anchor")
    r = filled.audit.verify()
    assert not r.ok and "anchor" in r.reason
