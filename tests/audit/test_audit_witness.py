"""A witness outside the file: signed digests catch what the file alone cannot (issue 12), and verify
reports a damaged database instead of crashing."""
import json
import shutil
import sqlite3

import pytest

from audit.log import COLUMNS, row_hash
from audit.store import open_store
from audit.verify import verify_path
from audit.witness import Digest, Witness, load_key, read_digests
from bot.cli import main

KEY = b"0123456789abcdef0123456789abcdef"
N = 10


@pytest.fixture
def digests(tmp_path):
    return tmp_path / "digests.jsonl"


@pytest.fixture
def witnessed(store, digests):
    """N events with a witness writing a digest every 5: digests at head 5 and 10."""
    Witness(store.database, digests, KEY, every_events=5).attach(store.audit)
    for i in range(1, N + 1):
        store.audit.record("execution_step", actor=f"U{i}", message=f"step {i}")
    return store


def unlock(conn):
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("DROP TRIGGER audit_events_no_delete")


def lines(path):
    return path.read_text().splitlines()


def messages(report):
    return " | ".join(p.message for p in report.problems)


def test_a_digest_every_n_events_signed_and_chained(witnessed, digests):
    ds = [d for _, d, _ in read_digests(lines(digests))]
    assert [(d.seq, d.head_id, d.count) for d in ds] == [(1, 5, 5), (2, 10, 10)]
    assert ds[1].head_hash == witnessed.audit.get(10).hash
    assert ds[0].first_hash == witnessed.audit.get(1).hash
    assert ds[1].prev != ds[0].prev


def test_untouched_log_verifies_with_its_digests(witnessed, db_path, digests):
    witnessed.audit.record("outcome", message="after the last digest")
    r = verify_path(db_path, digests=digests, key=KEY)
    assert r.ok, messages(r)
    assert (r.events, r.digests, r.covered_id, r.uncovered) == (N + 1, 2, N, 1)


def test_cut_tail_with_a_rewritten_anchor_passes_alone_but_not_with_digests(witnessed, db_path, digests, raw):
    conn = raw()
    unlock(conn)
    conn.execute("DELETE FROM audit_events WHERE id > 7")
    head = conn.execute("SELECT hash FROM audit_events WHERE id = 7").fetchone()[0]
    conn.execute("UPDATE audit_anchor SET head_id = 7, head_hash = ?", (head,))
    assert verify_path(db_path).ok  # the file alone cannot tell
    r = verify_path(db_path, digests=digests, key=KEY)
    assert not r.ok
    assert "tail was deleted" in messages(r)
    assert r.first_bad_id == 8


def test_recomputed_chain_is_caught_by_a_digest(witnessed, db_path, digests, raw):
    conn = raw()
    unlock(conn)
    cur = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_events ORDER BY id")
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in cur]
    prev = rows[1]["hash"]
    for row in rows[2:]:  # edit row 3, then re-hash everything after it
        if row["id"] == 3:
            row["message"] = "nothing happened"
        row["prev_hash"] = prev
        row["hash"] = prev = row_hash(row)
        conn.execute("UPDATE audit_events SET message = ?, prev_hash = ?, hash = ? WHERE id = ?",
                     (row["message"], row["prev_hash"], row["hash"], row["id"]))
    conn.execute("UPDATE audit_anchor SET head_hash = ?", (prev,))
    assert verify_path(db_path).ok
    r = verify_path(db_path, digests=digests, key=KEY)
    assert not r.ok
    assert "recomputed" in messages(r)


def test_emptied_tables_are_caught(witnessed, db_path, digests, raw):
    conn = raw()
    unlock(conn)
    conn.execute("DELETE FROM audit_events")
    conn.execute("DELETE FROM audit_anchor")
    r = verify_path(db_path, digests=digests, key=KEY)
    assert not r.ok
    assert "log is empty" in messages(r)


def test_emptied_log_next_to_change_requests_is_caught_without_digests(store, db_path, raw):
    store.changes.create(requester="U1", tool="deploy", plan_hash="h")
    store.audit.record("request", message="x")
    conn = raw()
    unlock(conn)
    conn.execute("DELETE FROM audit_events")
    conn.execute("UPDATE audit_anchor SET head_id = 0, head_hash = ?", ("0" * 64,))
    r = verify_path(db_path)
    assert not r.ok
    assert "1 change requests" in messages(r)


def test_swapped_database_is_caught(witnessed, db_path, digests, tmp_path):
    other = open_store(tmp_path / "other.db")
    for i in range(N + 5):
        other.audit.record("request", message=f"other {i}")
    other.close()
    witnessed.close()
    shutil.copy(tmp_path / "other.db", db_path)
    for suffix in ("-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    assert verify_path(db_path).ok
    r = verify_path(db_path, digests=digests, key=KEY)
    assert not r.ok
    assert "another database" in messages(r)


def test_missing_database_with_digests_is_not_a_fresh_install(witnessed, db_path, digests, tmp_path):
    r = verify_path(tmp_path / "gone.db", digests=digests, key=KEY)
    assert not r.ok
    assert "log is empty" in messages(r)


def test_edited_digest_line_fails_its_signature(witnessed, db_path, digests):
    text = digests.read_text().replace('"head_id":5', '"head_id":4', 1)
    digests.write_text(text)
    r = verify_path(db_path, digests=digests, key=KEY)
    assert not r.ok
    assert "signature that does not match" in messages(r)


def test_removed_digest_line_breaks_the_digest_chain(store, db_path, digests):
    Witness(store.database, digests, KEY, every_events=2).attach(store.audit)
    for i in range(6):
        store.audit.record("request", message=str(i))
    kept = lines(digests)
    digests.write_text("\n".join([kept[0], kept[2]]) + "\n")
    r = verify_path(db_path, digests=digests, key=KEY)
    assert not r.ok
    assert "does not follow digest 1" in messages(r)


def test_digests_need_the_right_key(witnessed, db_path, digests):
    r = verify_path(db_path, digests=digests, key=b"another-key-another-key-another!")
    assert not r.ok
    assert "another key" in messages(r)
    r = verify_path(db_path, digests=digests, key=None)
    assert not r.ok
    assert "no audit key" in messages(r)


def test_a_digest_never_vouches_for_a_rolled_back_append(store, db_path, digests):
    Witness(store.database, digests, KEY, every_events=1).attach(store.audit)
    store.audit.record("request", message="committed")
    with pytest.raises(RuntimeError), store.atomic():
        store.audit.record("request", message="rolled back")
        raise RuntimeError("crash before commit")
    ds = [d for _, d, _ in read_digests(lines(digests))]
    assert max(d.head_id for d in ds) == 1
    assert verify_path(db_path, digests=digests, key=KEY).ok


def test_timer_thread_and_stop_write_digests_and_publish(store, digests):
    published = []
    w = Witness(store.database, digests, KEY, every_events=1000, every_seconds=3600, publish=published.append)
    store.audit.record("request", message="one")
    w.start()
    store.audit.record("request", message="two")
    w.stop()  # joins the timer, then writes the last head
    ds = [d for _, d, _ in read_digests(lines(digests))]
    assert ds[-1].head_id == 2
    assert published[-1] == ds[-1]


def test_digest_text_for_slack_reads_back(witnessed, digests):
    d = [d for _, d, _ in read_digests(lines(digests))][-1]
    back = [x for _, x, _ in read_digests([d.text()])]
    assert back == [d]
    assert isinstance(back[0], Digest)


def test_key_sources(tmp_path, monkeypatch):
    f = tmp_path / "key"
    f.write_text("k" * 32 + "\n")
    assert load_key(key_file=f) == b"k" * 32
    assert load_key(environ={"FLEETOPS_AUDIT_KEY": "e" * 20}) == b"e" * 20
    assert load_key(environ={"FLEETOPS_AUDIT_KEY_FILE": str(f)}) == b"k" * 32
    assert load_key(environ={}) is None
    with pytest.raises(ValueError, match="at least 16"):
        Witness(None, f, b"short")


# --- a damaged database: reported, never a traceback --------------------------------------------------
def test_dropped_anchor_table(store, db_path, raw):
    store.audit.record("request", message="x")
    raw().execute("DROP TABLE audit_anchor")
    r = verify_path(db_path)
    assert not r.ok
    assert "audit_anchor table is missing" in messages(r)
    assert not store.audit.verify().ok


def test_blob_value(store, db_path, raw):
    store.audit.record("request", message="x")
    store.audit.record("request", message="y")
    conn = raw()
    unlock(conn)
    conn.execute("UPDATE audit_events SET message = ? WHERE id = 2", (b"\x00\xffbinary",))
    r = verify_path(db_path)
    assert not r.ok
    assert "BLOB" in messages(r)
    assert r.first_bad_id == 2
    assert not store.audit.verify().ok


def test_missing_column(store, db_path, raw):
    store.audit.record("request", message="x")
    conn = raw()
    unlock(conn)
    conn.execute("ALTER TABLE audit_events DROP COLUMN message")
    r = verify_path(db_path)
    assert not r.ok
    assert "no column message" in messages(r)


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100, b""])
def test_not_a_database(tmp_path, content):
    path = tmp_path / "junk.db"
    path.write_bytes(content)
    r = verify_path(path)
    assert not r.ok
    assert r.problems[0].kind == "damaged"


def test_unreadable_digest_file(store, db_path, tmp_path):
    r = verify_path(db_path, digests=tmp_path / "no-such-digests.jsonl", key=KEY)
    assert not r.ok
    assert "cannot read the digest file" in messages(r)


def test_garbage_digest_line(witnessed, db_path, digests):
    with digests.open("a") as f:
        f.write('{"seq": "not a digest"\n')
    r = verify_path(db_path, digests=digests, key=KEY)
    assert not r.ok
    assert "is not a digest" in messages(r)


# --- the CLI ---------------------------------------------------------------------------------------------
def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_digest_then_verify_then_tamper(store, db_path, digests, raw, capsys, monkeypatch):
    monkeypatch.setenv("FLEETOPS_AUDIT_KEY", KEY.decode())
    for i in range(4):
        store.audit.record("request", message=str(i))
    code, out, _ = run(capsys, "audit", "digest", "--db", db_path, "--digests", digests)
    assert code == 0 and out.startswith("Digest 1 written")
    code, out, _ = run(capsys, "audit", "verify", "--db", db_path, "--digests", digests)
    assert code == 0
    assert "1 digests checked" in out
    conn = raw()
    unlock(conn)
    conn.execute("DELETE FROM audit_events WHERE id > 2")
    conn.execute("UPDATE audit_anchor SET head_id = 2, head_hash = (SELECT hash FROM audit_events WHERE id = 2)")
    code, out, _ = run(capsys, "audit", "verify", "--db", db_path)
    assert code == 0
    code, out, _ = run(capsys, "audit", "verify", "--db", db_path, "--digests", digests)
    assert code == 1
    assert out.startswith("TAMPERED:") and "tail was deleted" in out
    code, out, _ = run(capsys, "audit", "verify", "--db", db_path, "--digests", digests, "--json")
    assert code == 1 and json.loads(out)["first_bad_id"] == 3


def test_cli_verify_damaged_database_exits_1_without_traceback(tmp_path, capsys):
    path = tmp_path / "junk.db"
    path.write_bytes(b"garbage" * 1000)
    code, out, err = run(capsys, "audit", "verify", "--db", path)
    assert code == 1
    assert out.startswith("DAMAGED:")
    assert "Traceback" not in err


def test_cli_digest_without_key(store, db_path, digests, capsys, monkeypatch):
    monkeypatch.delenv("FLEETOPS_AUDIT_KEY", raising=False)
    monkeypatch.delenv("FLEETOPS_AUDIT_KEY_FILE", raising=False)
    code, _, err = run(capsys, "audit", "digest", "--db", db_path, "--digests", digests)
    assert code == 1 and "needs the audit key" in err


def test_sqlite_raw_connection_sanity(db_path, store):
    """The raw fixture talks to the same file (guards the tamper tests above against testing nothing)."""
    store.audit.record("request", message="seen")
    assert sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM audit_events").fetchone()[0] == 1
