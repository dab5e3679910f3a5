"""The shipped Datasette metadata matches the real schema: every table exists, every canned query runs."""
import re
from pathlib import Path

import yaml

import audit

METADATA = Path(audit.__file__).parent / "datasette" / "metadata.yaml"


def test_metadata_tables_and_queries_match_the_schema(store):
    meta = yaml.safe_load(METADATA.read_text())
    db = meta["databases"]["fleetops"]
    cr = store.changes.create(requester="U0ALICE", tool="deploy", plan_hash="h", ttl_seconds=60)
    store.changes.add_approval(cr.id, "U0BOB", "h")
    store.audit.record("request", actor="U0ALICE", deployment="phi-4", change_id=cr.id)
    with store.database.read() as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert set(db["tables"]) <= tables
        for name, spec in db["tables"].items():
            cols = {r[1] for r in conn.execute(f"PRAGMA table_info({name})")}
            assert set(spec.get("columns", {})) <= cols, name
            assert set(spec.get("facets", [])) <= cols, name
        for name, q in db["queries"].items():
            params = {p: {"deployment": "phi-4", "change_id": cr.id}[p]
                      for p in re.findall(r":(\w+)", q["sql"])}
            rows = conn.execute(q["sql"], params).fetchall()
            assert rows, name  # each query finds the rows written above
