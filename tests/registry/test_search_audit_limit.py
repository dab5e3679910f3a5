"""search_audit says when it stops at its limit instead of silently dropping the rest."""
from __future__ import annotations

from audit.store import open_store
from bot import toolbox
from tools.args import SearchAuditArgs
from tools.catalog import default_catalog
from tools.context import ToolContext


def _ask(store, **args):
    return toolbox.run("search_audit", SearchAuditArgs(**args), ToolContext(catalog=default_catalog(), store=store))


def test_an_answer_cut_at_the_limit_says_so(tmp_path):
    with open_store(tmp_path / "a.db") as store:
        for i in range(7):
            store.audit.record("request", actor="U1", message=f"m{i}")
        cut = _ask(store, limit=5)
        assert len(cut.to_json()["events"]) == 5
        assert cut.to_json()["truncated"] is True
        assert "newest 5" in cut.render()
        whole = _ask(store, limit=7)
        assert whole.to_json()["truncated"] is False
        assert "newest" not in whole.render()
