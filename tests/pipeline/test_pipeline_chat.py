"""``fleetops chat`` end to end as a user runs it (a subprocess reading a script on stdin), then
``fleetops audit verify`` on its database, before and after someone edits one audit row by hand."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """deploy phi-4 to 2 prod clusters in the us
/approve 1
/as U0BOB
/approve 1
/approve 1
/as U0CAROL
/approve 1
/as U0DAVE
/approve 1
/changes
"""


def _fleetops(*args: str, stdin: str | None = None, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEETOPS_", "KUBECONFIG"))}
    env.update(HOME=str(home), FLEETOPS_HOME=str(home / ".fleetops"))
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=180)


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    home = tmp_path_factory.mktemp("chat-home")
    db = home / "chat.db"
    res = _fleetops("chat", "--db", str(db), "--ready-delay", "0", stdin=SCRIPT, home=home)
    assert res.returncode == 0, res.stderr
    return res.stdout, db, home


def test_prod_deploy_needs_two_other_approvers_and_runs_once(chat):
    out, _, _ = chat
    lines = out.splitlines()
    assert any(line.startswith("── change 1 (pending)") for line in lines)
    assert "2 approvals from approvers" in out
    # the requester's own approval is refused
    i_self = next(i for i, line in enumerate(lines) if line.endswith("/approve 1") and "U0ALICE" in line)
    assert lines[i_self + 1].startswith("✗") and "someone else" in lines[i_self + 1]
    # Bob counts once; his second click does not count
    assert "Still needed: 1 approval from approvers" in out
    assert "You already approved change 1" in out
    # Carol completes the quorum: executed once, with per-cluster progress and the result
    assert out.count("change 1 is now executing") == 1
    assert out.count("is now at revision 1") >= 1
    assert "change 1: succeeded" in out and "change 1 is now succeeded" in out
    progress = [line for line in lines if line.strip().startswith("· change 1: [")]
    clusters = {line.split("[", 1)[1].split("]", 1)[0] for line in progress}
    assert len(clusters) == 2 and all("prod" in c for c in clusters)
    # Dave comes too late
    i_dave = next(i for i, line in enumerate(lines) if "U0DAVE" in line and line.endswith("/approve 1"))
    assert lines[i_dave + 1].startswith("✗") and "succeeded" in lines[i_dave + 1]


def test_audit_verify_passes_then_names_an_edited_row(chat, tmp_path):
    _, db, home = chat
    ok = _fleetops("audit", "verify", "--db", str(db), home=home)
    assert ok.returncode == 0 and ok.stdout.startswith("OK:"), ok.stdout + ok.stderr
    copy = tmp_path / "tampered.db"
    src = sqlite3.connect(db)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    # a tamperer drops the append-only triggers and rewrites who approved
    (row_id,) = dst.execute("SELECT id FROM audit_events WHERE event = 'approval' AND actor = 'U0CAROL' "
                            "ORDER BY id LIMIT 1").fetchone()
    dst.execute("DROP TRIGGER audit_events_no_update")
    dst.execute("DROP TRIGGER audit_events_no_delete")
    dst.execute("UPDATE audit_events SET actor = 'U0MALLORY' WHERE id = ?", (row_id,))
    dst.commit()
    dst.close()
    bad = _fleetops("audit", "verify", "--db", str(copy), home=home)
    assert bad.returncode == 1
    assert bad.stdout.startswith(f"TAMPERED: row {row_id}:") and "edited" in bad.stdout, bad.stdout
    js = _fleetops("audit", "verify", "--db", str(copy), "--json", home=home)
    data = json.loads(js.stdout)
    assert data["ok"] is False and data["first_bad_id"] == row_id and data["checked"] == row_id - 1


def test_editing_any_single_row_is_named_by_verify(chat, tmp_path):
    from audit.store import open_store

    _, db, _ = chat
    src = sqlite3.connect(db)
    ids = [r[0] for r in src.execute("SELECT id FROM audit_events ORDER BY id")]
    assert len(ids) > 15
    for row_id in ids:
        copy = tmp_path / f"t{row_id}.db"
        dst = sqlite3.connect(copy)
        src.backup(dst)
        dst.execute("DROP TRIGGER audit_events_no_update")
        dst.execute("UPDATE audit_events SET message = coalesce(message, '') || ' ' WHERE id = ?", (row_id,))
        dst.commit()
        dst.close()
        with open_store(copy) as store:
            result = store.audit.verify()
        assert (result.ok, result.first_bad_id) == (False, row_id)
    src.close()
