"""A request the interpreter understands as a DESIGN §4 tool that has no module (every one is built today, so the
test takes one out of the registry) is refused with what to do instead: never a traceback, never a change
request."""
from __future__ import annotations

from bot import toolbox
from tests.pipeline.pipeline_helpers import ERIN, ask
from tools.registry import Registry


def test_a_tool_without_a_module_is_refused_not_crashed(make_pipeline, monkeypatch):
    pipe = make_pipeline()
    assert "declare_freeze" in toolbox.TOOLS  # built: the freeze tools (tests/e2e_freeze)
    monkeypatch.setattr(toolbox, "TOOLS", Registry({n: t for n, t in toolbox.TOOLS.items() if n != "declare_freeze"}))
    r = ask(pipe, "freeze prod until monday", who=ERIN)
    assert r.kind == "refuse"
    assert "declare_freeze" in r.text
    assert "nothing was changed" in r.text
    assert pipe.store.changes.list() == []
    assert pipe.store.freezes.active() == []
