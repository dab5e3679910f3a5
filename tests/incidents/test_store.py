"""The incidents table on real SQLite files: one open incident per key, across connections and restarts."""
from __future__ import annotations

import threading

from audit.db import LATEST
from audit.incidents import IncidentStore
from audit.store import open_store

KEY = ("deployment_not_ready", "coder-assist", "aks-swedencentral-prod-1")


def _incidents(store) -> IncidentStore:
    return IncidentStore(store.database, store.audit)


def test_the_migration_creates_the_table(tmp_path):
    with open_store(tmp_path / "f.db") as s:
        assert s.database.schema_version() == LATEST
        assert _incidents(s).list_open() == []


def test_open_claims_once_across_two_replicas(tmp_path):
    a, b = open_store(tmp_path / "f.db"), open_store(tmp_path / "f.db")
    try:
        first = _incidents(a).open(*KEY, what="failing")
        second = _incidents(b).open(*KEY, what="failing")
        assert first is not None
        assert second is None
    finally:
        a.close()
        b.close()


def test_open_claims_once_under_concurrency(tmp_path):
    stores = [open_store(tmp_path / "f.db") for _ in range(4)]
    won: list[object] = []
    barrier = threading.Barrier(len(stores))

    def claim(s):
        barrier.wait()
        won.append(_incidents(s).open(*KEY, what="failing"))

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert sum(1 for w in won if w is not None) == 1


def test_still_open_after_a_restart(tmp_path):
    with open_store(tmp_path / "f.db") as s:
        _incidents(s).open(*KEY, what="failing")
    with open_store(tmp_path / "f.db") as s:
        assert _incidents(s).open(*KEY, what="failing") is None
        assert [r.deployment for r in _incidents(s).list_open()] == ["coder-assist"]


def test_recovery_closes_once_and_a_new_failure_opens_a_new_incident(tmp_path):
    with open_store(tmp_path / "f.db") as s:
        inc = _incidents(s)
        rec = inc.open(*KEY, what="failing")
        assert rec is not None
        assert inc.close(rec.id) is not None
        assert inc.close(rec.id) is None
        again = inc.open(*KEY, what="failing again")
        assert again is not None and again.id != rec.id


def test_every_step_is_audited(tmp_path):
    with open_store(tmp_path / "f.db") as s:
        inc = _incidents(s)
        rec = inc.open(*KEY, what="failing")
        assert rec is not None
        inc.mute(rec.id, "U0BOB")
        inc.close(rec.id)
        states = [e.result["state"] for e in s.audit.list(event="incident")]
        assert sorted(states) == ["muted", "open", "recovered"]
        assert s.audit.verify().ok


def test_mute_records_who_once(tmp_path):
    with open_store(tmp_path / "f.db") as s:
        inc = _incidents(s)
        rec = inc.open(*KEY, what="failing")
        assert rec is not None
        muted = inc.mute(rec.id, "U0BOB")
        assert muted is not None and muted.muted_by == "U0BOB"
        assert inc.mute(rec.id, "U0CAROL") is None


def test_card_location_is_stored(tmp_path):
    with open_store(tmp_path / "f.db") as s:
        inc = _incidents(s)
        rec = inc.open(*KEY, what="failing")
        assert rec is not None
        inc.set_card(rec.id, "C0ALERTS", "1700000000.000001")
        got = inc.get(rec.id)
        assert got is not None and (got.channel, got.message_ts) == ("C0ALERTS", "1700000000.000001")


def _openings(n: int, kind: str = "cluster_ineligible") -> list:
    from audit.incidents import Opening

    return [Opening(kind, "", f"member-{i}", what=f"member-{i} is down") for i in range(n)]


def test_open_many_claims_each_once(tmp_path):
    with open_store(tmp_path / "f.db") as s:
        first = _incidents(s).open_many(_openings(450))
        again = _incidents(s).open_many(_openings(452))
        assert ([r.cluster for r in first], [r.cluster for r in again]) == (
            [f"member-{i}" for i in range(450)], ["member-450", "member-451"])


def test_open_many_audits_each_incident(tmp_path):
    with open_store(tmp_path / "f.db") as s:
        opened = _incidents(s).open_many(_openings(5))
        rows = s.audit.list(event="incident")
        assert sorted(e.result["incident"] for e in rows) == sorted(r.id for r in opened)


def test_close_many_closes_each_once_and_audits_it(tmp_path):
    with open_store(tmp_path / "f.db") as s:
        ids = [r.id for r in _incidents(s).open_many(_openings(3))]
        closed = _incidents(s).close_many(ids)
        again = _incidents(s).close_many(ids)
        recovered = [e.result["incident"] for e in s.audit.list(event="incident") if e.result["state"] == "recovered"]
        assert ([r.id for r in closed], again, sorted(recovered)) == (ids, [], ids)


def test_a_group_is_where_its_incidents_are_and_says_so(tmp_path):
    with open_store(tmp_path / "f.db") as s:
        ids = [r.id for r in _incidents(s).open_many(_openings(3))]
        _incidents(s).set_group(ids, "C0ALERTS", "1700000000.000100")
        got = _incidents(s).list_ids(ids)
        assert [(r.channel, r.message_ts, r.detail.get("grouped")) for r in got] == [
            ("C0ALERTS", "1700000000.000100", True)] * 3
