import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from audit.chain import CANONICAL_SQL, canonical, row_hash
from audit.errors import EventNotFound, InvalidEventError, InvalidQueryError
from audit.models import EVENTS, GENESIS_HASH
from audit.timeutil import iso, parse_duration, parse_since


def test_record_chains_rows_from_genesis(store):
    a = store.audit.record("request", actor="U0ALICE", channel="C1", message="deploy phi-4")
    b = store.audit.record("plan", actor="U0ALICE", change_id=7, tool="deploy",
                           deployment="phi-4", clusters=["eu-1", "eu-2"], args={"replicas": 2},
                           result={"diff": ["+ eu-1"]})
    assert (a.id, b.id) == (1, 2)
    assert a.prev_hash == GENESIS_HASH and b.prev_hash == a.hash
    assert b.change_id == "7" and b.clusters == ["eu-1", "eu-2"] and b.args == {"replicas": 2}
    assert store.audit.get(2) == b
    assert store.audit.head() == (2, b.hash)
    assert a.ts.endswith("Z") and len(a.ts) == len("2026-11-01T09:30:00.123Z")


def test_hash_is_sha256_of_canonical_json_of_the_other_columns(store):
    e = store.audit.record("decision", actor="U0BOB", args={"b": 1, "a": [1, "é"]}, message="ok")
    stored = {"id": e.id, "ts": e.ts, "event": "decision", "actor": "U0BOB", "channel": None,
              "change_id": None, "tool": None, "deployment": None, "clusters": "[]",
              "args": '{"a":[1,"é"],"b":1}', "result": None, "message": "ok",
              "prev_hash": GENESIS_HASH}
    text = json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert e.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()


NASTY = ['quote " and \\ backslash', "tab\tnew\nline\rcr\b\f", "ctl \x01\x02\x1f\x7f",
         "é ü 中文 🚀 \u2028\u2029", "</script>", "", "nul\x00byte", "a" * 5000]


@pytest.mark.parametrize("text", NASTY)
def test_sql_canonical_form_matches_python_definition(store, text):
    e = store.audit.record("error", actor=text, message=text, args={text: [text]}, clusters=[text])
    with store.database.read() as conn:
        sql_text = conn.execute(f"SELECT {CANONICAL_SQL} FROM audit_events WHERE id = ?",
                                (e.id,)).fetchone()[0]
        cols = [d[0] for d in conn.execute("SELECT * FROM audit_events LIMIT 0").description]
        row = dict(zip(cols, conn.execute("SELECT * FROM audit_events WHERE id = ?",
                                          (e.id,)).fetchone(), strict=True))
    assert sql_text.encode("utf-8") == canonical(row)
    assert row_hash(row) == e.hash
    assert store.audit.verify().ok


def test_unknown_event_or_field_is_rejected_before_writing(store):
    with pytest.raises(InvalidEventError, match="unknown audit event type 'deploy'"):
        store.audit.record("deploy")
    with pytest.raises(InvalidEventError, match="no field 'user'"):
        store.audit.record("request", user="U1")
    with pytest.raises(InvalidEventError, match="clusters"):
        store.audit.record("request", clusters=5)
    assert store.audit.count() == 0
    assert set(EVENTS) >= {"request", "approval", "execution_step", "reconcile", "stale"}


def test_get_missing_event(store):
    with pytest.raises(EventNotFound, match="no audit event 42"):
        store.audit.get(42)


def test_list_filters(store):
    store.audit.record("request", actor="U1", tool="deploy", deployment="phi-4", clusters=["a"])
    store.audit.record("approval", actor="U2", change_id="1", deployment="phi-4")
    store.audit.record("outcome", actor="U1", tool="deploy", deployment="coder", clusters=["a", "b"])
    store.audit.record("request", actor="U3", tool="undeploy", deployment="coder", clusters=["c"])
    ids = lambda **kw: [e.id for e in store.audit.list(**kw)]  # noqa: E731
    assert ids() == [4, 3, 2, 1]
    assert ids(actor="U1") == [3, 1]
    assert ids(deployment="coder") == [4, 3]
    assert ids(cluster="a") == [3, 1]
    assert ids(cluster="b") == [3]
    assert ids(action="deploy") == [3, 1]
    assert ids(action="approval") == [2]
    assert ids(change_id="1") == [2]
    assert ids(actor="U1", cluster="b") == [3]
    assert ids(limit=2) == [4, 3]
    assert ids(limit=2, newest_first=False) == [1, 2]
    assert ids(since="1h") == [4, 3, 2, 1]
    assert ids(since=datetime.now(UTC) + timedelta(minutes=1)) == []
    assert ids(until="2000-01-01") == []
    with pytest.raises(InvalidQueryError, match="not a time"):
        store.audit.list(since="yesterday")


def test_parse_since_and_duration():
    now = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    assert parse_since("24h", now) == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2026, 10, 26, 12, 0, tzinfo=UTC)
    assert parse_since("30m", now) == datetime(2026, 11, 2, 11, 30, tzinfo=UTC)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-01T09:30:00Z", now) == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert parse_since("2026-11-01T10:30:00+01:00", now) == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert parse_duration("4h") == 14400 and parse_duration("1h30m") == 5400
    assert parse_duration("2w") == 1209600 and parse_duration(60) == 60
    for bad in ("", "soon", "4x", "0h", "-1h", "2026-13-40"):
        with pytest.raises(ValueError):
            parse_since(bad, now) if bad != "0h" else parse_duration(bad)
    assert iso(datetime(2026, 1, 2, 3, 4, 5, 678999, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"


def test_export_jsonl_and_csv_round_trip_the_stored_rows(store, tmp_path):
    store.audit.record("request", actor="U1", message='say "hi",\nthen go', args={"k": [1, 2]})
    store.audit.record("outcome", clusters=["a", "b"], result={"ok": True})
    out = io.StringIO()
    assert store.audit.export("jsonl", out) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in lines] == [1, 2]
    assert lines[0]["args"] == {"k": [1, 2]} and lines[1]["clusters"] == ["a", "b"]
    assert lines[1]["hash"] == store.audit.get(2).hash
    path = tmp_path / "audit.csv"
    assert store.audit.export("csv", path) == 2
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert rows[0]["message"] == 'say "hi",\nthen go'
    # CSV keeps stored text: the hash recomputes from it (empty cell = NULL).
    stored = {k: (None if v == "" else int(v) if k == "id" else v) for k, v in rows[0].items()}
    assert row_hash(stored) == rows[0]["hash"]
    with pytest.raises(InvalidQueryError, match="jsonl or csv"):
        store.audit.export("xml", io.StringIO())


def test_record_many_is_one_chain(store):
    store.audit.record("request")
    n = store.audit.record_many({"event": "execution_step", "message": str(i)} for i in range(50))
    assert n == 50 and store.audit.count() == 51
    assert store.audit.verify().ok
    with pytest.raises(InvalidEventError):
        store.audit.record_many([{"event": "plan"}, {"event": "bogus"}])
    assert store.audit.count() == 51


def test_atomic_groups_a_state_change_and_its_event(store):
    cr = store.changes.create(requester="U1", tool="deploy", plan_hash="h", state="approved")
    with pytest.raises(RuntimeError), store.atomic():
        assert store.changes.claim_execution(cr.id)
        store.audit.record("execution_step", change_id=cr.id, message="started")
        raise RuntimeError("crash before commit")
    assert store.changes.get(cr.id).state == "approved"
    assert store.audit.count() == 0
    with store.atomic():
        assert store.changes.claim_execution(cr.id)
        store.audit.record("execution_step", change_id=cr.id, message="started")
    assert store.changes.get(cr.id).state == "executing" and store.audit.count() == 1
