import csv
import json
import sqlite3

import pytest

from bot.cli import main


@pytest.fixture
def filled(store, db_path):
    store.audit.record("request", actor="U0ALICE", tool="deploy", deployment="phi-4",
                       clusters=["eu-prod-1"], message="put phi-4 on eu-prod-1")
    store.audit.record("approval", actor="U0BOB", change_id="1", deployment="phi-4")
    store.audit.record("outcome", actor="U0ALICE", tool="deploy", deployment="coder",
                       clusters=["us-dev-1"], result={"ok": True})
    cr = store.changes.create(requester="U0ALICE", tool="deploy", plan_hash="h1",
                              summary="deploy phi-4 to eu-prod-1", approvals_required=2)
    store.changes.add_approval(cr.id, "U0BOB", "h1", actor_name="bob")
    store.changes.create(requester="U0CAROL", tool="undeploy", plan_hash="h2", state="approved")
    return str(db_path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_audit_list_table_and_filters(filled, capsys):
    code, out, _ = run(capsys, "audit", "list", "--db", filled)
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["ID", "TIME", "(UTC)"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3"]
    assert "put phi-4 on eu-prod-1" in out
    code, out, _ = run(capsys, "audit", "list", "--db", filled, "--deployment", "phi-4",
                       "--action", "deploy", "--json")
    assert code == 0 and [e["id"] for e in json.loads(out)] == [1]
    _, out, _ = run(capsys, "audit", "list", "--db", filled, "--cluster", "us-dev-1", "--json")
    assert [e["id"] for e in json.loads(out)] == [3]
    _, out, _ = run(capsys, "audit", "list", "--db", filled, "--limit", "2", "--json")
    assert [e["id"] for e in json.loads(out)] == [2, 3]
    _, out, _ = run(capsys, "audit", "list", "--db", filled, "--actor", "U0NOBODY")
    assert out.strip() == "No audit events match."
    code, _, err = run(capsys, "audit", "list", "--db", filled, "--since", "last tuesday")
    assert code == 1 and "is not a time" in err


def test_audit_show(filled, capsys):
    code, out, _ = run(capsys, "audit", "show", "3", "--db", filled)
    assert code == 0 and "outcome" in out and '"ok": true' in out
    code, out, _ = run(capsys, "audit", "show", "3", "--db", filled, "--json")
    assert json.loads(out)["result"] == {"ok": True}
    code, _, err = run(capsys, "audit", "show", "99", "--db", filled)
    assert code == 1 and "no audit event 99" in err


def test_audit_verify_ok_then_tampered(filled, capsys):
    code, out, _ = run(capsys, "audit", "verify", "--db", filled)
    head = out.split()[-1]
    assert code == 0 and out.startswith("OK: 3 events verified, head ") and len(head) == 64
    code, out, _ = run(capsys, "audit", "verify", "--db", filled, "--expect-head", head)
    assert code == 0
    with sqlite3.connect(filled) as c:
        c.execute("DROP TRIGGER audit_events_no_update")
        c.execute("UPDATE audit_events SET actor = 'U0MALLORY' WHERE id = 2")
    code, out, _ = run(capsys, "audit", "verify", "--db", filled)
    assert code == 1 and "row 2" in out and "edited" in out
    code, out, _ = run(capsys, "audit", "verify", "--db", filled, "--json")
    data = json.loads(out)
    assert code == 1 and data["first_bad_id"] == 2 and data["ok"] is False


def test_audit_commands_do_not_create_a_missing_database(tmp_path, capsys):
    missing = tmp_path / "nope.db"
    code, _, err = run(capsys, "audit", "list", "--db", str(missing))
    assert code == 1 and "does not exist" in err and not missing.exists()


def test_audit_verify_on_a_fresh_install_says_0_events(tmp_path, capsys):
    missing = tmp_path / "nope.db"
    code, out, _ = run(capsys, "audit", "verify", "--db", str(missing))
    assert code == 0
    assert "0 events" in out
    assert not missing.exists()


def test_audit_export(filled, tmp_path, capsys):
    code, out, _ = run(capsys, "audit", "export", "--db", filled)
    assert code == 0 and [json.loads(line)["id"] for line in out.splitlines()] == [1, 2, 3]
    path = tmp_path / "out.csv"
    code, _, err = run(capsys, "audit", "export", "--db", filled, "--format", "csv", "-o", str(path))
    assert code == 0 and "Exported 3 events" in err
    assert [r["event"] for r in csv.DictReader(path.open())] == ["request", "approval", "outcome"]


def test_changes_list_and_show(filled, capsys):
    code, out, _ = run(capsys, "changes", "list", "--db", filled)
    lines = out.splitlines()
    assert code == 0 and [line.split()[0] for line in lines[1:]] == ["2", "1"]
    assert "1/2" in lines[2] and "deploy phi-4 to eu-prod-1" in lines[2]
    _, out, _ = run(capsys, "changes", "list", "--db", filled, "--status", "approved", "--json")
    assert [c["id"] for c in json.loads(out)] == ["2"]
    code, out, _ = run(capsys, "changes", "show", "1", "--db", filled)
    assert code == 0 and "pending" in out and "bob" in out
    _, out, _ = run(capsys, "changes", "show", "1", "--db", filled, "--json")
    assert json.loads(out)["approvals"][0]["actor"] == "U0BOB"
    code, _, err = run(capsys, "changes", "show", "7", "--db", filled)
    assert code == 1 and "no change request 7" in err
