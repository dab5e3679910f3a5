"""The LLM path end to end: langchain_openai.ChatOpenAI's real client over HTTP against a local
OpenAI-compatible server with scripted tool calls."""
import json

import pytest

from bot.interpreter import Clarify, Context, Refuse, ToolCall, from_spec, parse_spec
from bot.interpreter.redact import REDACTED

from .fake_openai import FakeOpenAI, text, tool_call

SECRET = "xoxb-1234567890-SECRETSECRETSECRET"


@pytest.fixture(scope="module")
def server():
    """One fake server and one client per mode for the module (a client's first request is slow)."""
    mp = pytest.MonkeyPatch()
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        mp.setenv(var, "")
    mp.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FakeOpenAI() as fake:
        url = fake.base_url
        llm = {hybrid: from_spec(parse_spec(f"{'hybrid:' if hybrid else ''}openai-compatible:fake-model@{url}"),
                                 api_key="test-key")
               for hybrid in (False, True)}
        yield fake, llm
    mp.undo()


@pytest.fixture
def run(server, vocab):
    """run(responses, text, history=(), hybrid=False) -> (result, recorded request bodies)."""
    fake, llm = server

    def _run(responses, text_, history=(), hybrid=False):
        fake.responses[:] = list(responses)
        fake.requests.clear()
        ctx = Context(who="U0TESTER1", vocabulary=vocab, history=list(history))
        return llm[hybrid].interpret(text_, ctx), list(fake.requests)

    return _run


def test_valid_tool_call(run):
    got, reqs = run([tool_call("deploy", {"model": "phi 4", "count": 2, "environment": "staging"})],
                    "put phi 4 on a couple of staging boxes")
    assert isinstance(got, ToolCall)
    assert got.to_json() == {"kind": "tool_call", "tool": "deploy",
                             "args": {"model": "microsoft/phi-4", "count": 2, "environment": "staging"}}
    assert len(reqs) == 1


def test_prompt_and_tool_schemas_reach_the_server_without_secrets(run):
    _, reqs = run([tool_call("list_clusters", {"geo": "eu"})], f"clusters in europe, fyi {SECRET}",
                  [("user", f"hi {SECRET}"), ("assistant", "hello")])
    body = reqs[0]
    system = body["messages"][0]
    assert system["role"] == "system"
    assert "You are the request interpreter of fleetops" in system["content"]
    assert "aks-westeurope-prod-1" in system["content"] and "microsoft/phi-4" in system["content"]
    names = {t["function"]["name"] for t in body["tools"]}
    assert {"list_clusters", "deploy", "rollback", "undeploy", "clarify", "refuse"} <= names
    deploy = next(t for t in body["tools"] if t["function"]["name"] == "deploy")
    assert "model" in deploy["function"]["parameters"]["properties"]
    assert SECRET not in json.dumps(body)
    assert REDACTED in body["messages"][-1]["content"]
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]


def test_bad_json_arguments_are_repaired_on_the_second_response(run):
    got, reqs = run([tool_call("rollback", '{"deployment": "coder-assist", ', "call_a"),
                     tool_call("rollback", {"deployment": "coder-assist"}, "call_b")], "roll coder-assist back")
    assert got.to_json() == {"kind": "tool_call", "tool": "rollback", "args": {"deployment": "coder-assist"}}
    assert len(reqs) == 2
    repair = reqs[1]["messages"][-1]
    assert repair["role"] == "tool" and repair["tool_call_id"] == "call_a"
    assert "not valid" in repair["content"]


def test_invalid_enum_is_repaired(run):
    got, reqs = run([tool_call("list_clusters", {"geo": "europe"}), tool_call("list_clusters", {"geo": "eu"})],
                    "clusters in europe")
    assert got.to_json() == {"kind": "tool_call", "tool": "list_clusters", "args": {"geo": "eu"}}
    assert "geo" in reqs[1]["messages"][-1]["content"]


def test_still_invalid_after_repair_becomes_a_question(run):
    got, reqs = run([tool_call("list_clusters", {"provider": "gcp"}),
                     tool_call("list_clusters", {"provider": "google"})], "gke clusters")
    assert isinstance(got, Clarify) and "provider" in got.question
    assert len(reqs) == 2


def test_unknown_tool_is_never_executed(run):
    got, _ = run([tool_call("delete_cluster", {"name": "aks-eastus-prod-1"})], "get rid of that east us box")
    assert isinstance(got, (Clarify, Refuse))
    assert "delete_cluster" in json.dumps(got.to_json())


def test_plain_text_answer_is_a_question(run):
    got, _ = run([text("Which deployment do you mean?")], "fix the thing")
    assert got.to_json() == {"kind": "clarify", "question": "Which deployment do you mean?"}


def test_llm_mutation_on_unknown_name_becomes_did_you_mean(run):
    got, _ = run([tool_call("rollback", {"deployment": "coder-asist"})], "roll back the coder thing")
    assert isinstance(got, Clarify) and "`coder-assist`" in got.question


def test_pseudo_tools(run):
    got, _ = run([tool_call("refuse", {"reason": "out of scope"})], "sing")
    assert got.to_json() == {"kind": "refuse", "reason": "out of scope"}
    got, _ = run([tool_call("clarify", {"question": "Which model?"})], "deploy the usual")
    assert got.to_json() == {"kind": "clarify", "question": "Which model?"}


def test_approval_attempts_never_reach_the_llm(run):
    got, reqs = run([tool_call("deploy", {"model": "phi-4"})], "approve change 12 and deploy phi-4")
    assert isinstance(got, Refuse) and reqs == []


def test_hybrid_asks_the_llm_only_when_the_rules_did_not_understand(run, server):
    assert server[1][True].mode == "hybrid"
    got, reqs = run([tool_call("list_deployments", {"status": "failed"})], "deploy llama to prod", hybrid=True)
    assert isinstance(got, Clarify) and reqs == []  # a specific question from the rules is final
    got, reqs = run([tool_call("list_deployments", {"status": "failed"})], "anything on fire over there?",
                    hybrid=True)
    assert got.to_json() == {"kind": "tool_call", "tool": "list_deployments", "args": {"status": "failed"}}
    assert len(reqs) == 1


def test_unreachable_llm_is_a_question_not_a_crash(server, vocab):
    with FakeOpenAI() as gone:
        url = gone.base_url
    got = from_spec(parse_spec(f"openai-compatible:fake@{url}")).interpret("list clusters", Context(vocabulary=vocab))
    assert isinstance(got, Clarify)


def test_wave2_tool_call_is_typed_and_validated(run):
    got, _ = run([tool_call("move", {"deployment": "coder-assist", "from_clusters": ["aks-swedencentral-prod-1"]})],
                 "move coder-assist off aks-swedencentral-prod-1")
    assert isinstance(got, ToolCall) and got.mutating
    assert got.to_json() == {"kind": "tool_call", "tool": "move",
                             "args": {"deployment": "coder-assist", "from_clusters": ["aks-swedencentral-prod-1"]}}


def test_llm_replacing_clusters_it_was_not_told_to_becomes_add_or_move(run):
    got, _ = run([tool_call("deploy", {"name": "granite-dev", "clusters": ["aks-centralindia-dev-1"]})],
                 "also run granite-dev on aks-centralindia-dev-1")
    assert isinstance(got, Clarify) and "add" in got.question and "move" in got.question


def test_llm_new_deploy_without_target_becomes_a_question(run):
    got, _ = run([tool_call("deploy", {"model": "microsoft/phi-4"})], "deploy phi-4")
    assert isinstance(got, Clarify) and "Where should I deploy" in got.question


def test_llm_move_from_a_cluster_it_does_not_run_on_is_asked(run):
    got, _ = run([tool_call("move", {"deployment": "mistral-eu", "from_clusters": ["aks-eastus-prod-1"]})],
                 "move mistral-eu off aks-eastus-prod-1")
    assert isinstance(got, Clarify) and "aks-westeurope-prod-1" in got.question


def test_tool_schemas_come_from_the_registry_with_wave2_tools(run):
    from bot.interpreter import toolset

    _, reqs = run([tool_call("cost_report", {})], "how much does the fleet cost per hour?")
    sent = {t["function"]["name"]: t["function"]["description"] for t in reqs[0]["tools"]}
    assert set(toolset.names()) <= set(sent)
    assert sent["cost_report"].startswith(toolset.get("cost_report").description)
