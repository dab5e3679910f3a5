"""A request the interpreter understands as a DESIGN §4 tool that has no module yet (the freeze tools)
is refused with what to do instead: never a traceback, never a change request."""
from __future__ import annotations

from bot import toolbox
from tests.pipeline.pipeline_helpers import ask


def test_a_tool_without_a_module_is_refused_not_crashed(make_pipeline):
    pipe = make_pipeline()
    assert "declare_freeze" not in toolbox.TOOLS  # the premise: when it is built, this test moves on
    r = ask(pipe, "freeze prod until monday")
    assert r.kind == "refuse"
    assert "declare_freeze" in r.text
    assert "nothing was changed" in r.text
    assert pipe.store.changes.list() == []
