"""The three result shapes of DESIGN §4."""
from bot.interpreter import Clarify, Refuse, ToolCall
from tools.args import DeployArgs, ListClustersArgs


def test_tool_call_json_has_only_given_arguments():
    call = ToolCall("deploy", DeployArgs(model="phi 4", count=2))
    assert call.to_json() == {"kind": "tool_call", "tool": "deploy",
                              "args": {"model": "microsoft/phi-4", "count": 2}}
    assert call.mutating is True


def test_empty_args_and_read_only():
    call = ToolCall("list_clusters", ListClustersArgs())
    assert call.to_json() == {"kind": "tool_call", "tool": "list_clusters", "args": {}}
    assert call.mutating is False


def test_clarify_and_refuse_shapes_hide_internal_fields():
    assert Clarify("Which one?", options=("a", "b"), undecided=True).to_json() == {
        "kind": "clarify", "question": "Which one?"}
    assert Refuse("no").to_json() == {"kind": "refuse", "reason": "no"}
