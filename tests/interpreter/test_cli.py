"""``fleetops parse`` and ``fleetops eval`` (the fleet is the demo snapshot: no server started)."""
import io
import json

import pytest

from bot.cli import cmd_parse, main
from bot.interpreter.evaluate import score


@pytest.fixture(autouse=True)
def _demo_vocabulary(monkeypatch, vocab):
    monkeypatch.setattr(cmd_parse, "load_vocabulary", lambda: vocab)


def test_parse_json_prints_one_object(capsys):
    assert main(["parse", "--json", "deploy gemma 3 4b to two staging clusters"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert json.loads(out[0]) == {"kind": "tool_call", "tool": "deploy",
                                  "args": {"model": "google/gemma-3-4b-it", "count": 2, "environment": "staging"}}


@pytest.mark.parametrize("text,kind", [("approve change 12", "refuse"), ("deploy it", "clarify"), ("", "clarify")])
def test_parse_json_clarify_and_refuse_exit_zero(capsys, text, kind):
    assert main(["parse", "--json", text]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == kind


def test_parse_stdin_one_line_per_request(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("list clusters\napprove change 3\n\nroll back\n"))
    assert main(["parse", "--json", "-"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert [x["kind"] for x in lines] == ["tool_call", "refuse", "clarify", "clarify"]


def test_parse_internal_error_is_an_object_not_a_traceback(capsys, monkeypatch):
    from bot.interpreter import interpreter as mod

    def boom(*a, **k):
        raise RuntimeError("kaput")

    monkeypatch.setattr(mod.Interpreter, "_offline", boom)
    assert main(["parse", "--json", "list clusters"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "clarify" and "RuntimeError" in out["question"]


def test_parse_human_rendering(capsys):
    main(["parse", "where could I run gpt-oss-120b?"])
    assert capsys.readouterr().out.strip() == "→ plan_placement(model='openai/gpt-oss-120b')"


def test_eval_reports_failures_and_total(tmp_path, capsys):
    f = tmp_path / "set.yaml"
    f.write_text(
        "- text: list clusters\n  expect: {kind: tool_call, tool: list_clusters, args: {}}\n"
        "- text: clusters in europe\n  expect: {kind: tool_call, tool: list_clusters, args: {geo: us}}\n"
        "- text: approve change 1\n  expect: {kind: refuse}\n"
    )
    assert main(["eval", str(f)]) == 0
    out = capsys.readouterr().out
    assert "clusters in europe" in out and "geo" in out
    assert out.strip().splitlines()[-1] == "passed 2/3 (66.7%)"
    assert main(["eval", str(f), "--min", "90"]) == 1
    assert main(["eval", str(f), "--min", "50"]) == 0


def test_eval_bad_file(tmp_path, capsys):
    f = tmp_path / "bad.yaml"
    f.write_text("just: a mapping\n")
    assert main(["eval", str(f)]) == 2


@pytest.mark.parametrize("expected,got,ok", [
    ({"kind": "clarify"}, {"kind": "clarify", "question": "?"}, True),
    ({"kind": "refuse"}, {"kind": "clarify", "question": "?"}, False),
    ({"kind": "tool_call", "tool": "deploy", "args": {"model": "phi-4"}},
     {"kind": "tool_call", "tool": "deploy", "args": {"model": "microsoft/phi-4"}}, True),
    ({"kind": "tool_call", "tool": "list_clusters", "args": {"gpu": "h100"}},
     {"kind": "tool_call", "tool": "list_clusters", "args": {"gpu": "H100"}}, True),
    ({"kind": "tool_call", "tool": "deploy", "args": {"clusters": ["b", "a"]}},
     {"kind": "tool_call", "tool": "deploy", "args": {"clusters": ["a", "b"]}}, True),
    ({"kind": "tool_call", "tool": "get_change", "args": {"id": "7"}},
     {"kind": "tool_call", "tool": "get_change", "args": {"id": 7}}, True),
    ({"kind": "tool_call", "tool": "plan_placement", "args": {"model": "phi-4"}},
     {"kind": "tool_call", "tool": "plan_placement", "args": {"model": "microsoft/phi-4", "count": 1, "prefer": "cost"}},
     True),
    ({"kind": "tool_call", "tool": "plan_placement", "args": {"model": "phi-4"}},
     {"kind": "tool_call", "tool": "plan_placement", "args": {"model": "microsoft/phi-4", "geo": "eu"}}, False),
    ({"kind": "tool_call", "tool": "plan_placement", "args": {"model": "phi-4", "max_cost_per_hour": 3}},
     {"kind": "tool_call", "tool": "plan_placement", "args": {"model": "microsoft/phi-4", "max_cost_per_hour": 3.0}},
     True),
    ({"kind": "tool_call", "tool": "rollback", "args": {"deployment": "x"}},
     {"kind": "tool_call", "tool": "list_deployments", "args": {}}, False),
])
def test_scoring_rules(expected, got, ok):
    assert score(expected, got).ok is ok
