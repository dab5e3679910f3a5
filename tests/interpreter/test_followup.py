"""Answers to the bot's questions complete the earlier request; new requests stand alone."""
import pytest


def _turns(ask, *texts):
    history, got = [], None
    for t in texts:
        got = ask(t, history)
        reply = got.get("question") or got.get("reason") or "done."
        history += [("user", t), ("bot", reply)]
    return got


@pytest.mark.parametrize("texts,tool,args", [
    (["deploy llama to staging", "the 8b one"], "deploy",
     {"model": "meta-llama/Llama-3.1-8B-Instruct", "environment": "staging"}),
    (["deploy llama to staging", "70b"], "deploy",
     {"model": "meta-llama/Llama-3.3-70B-Instruct", "environment": "staging"}),
    (["roll back", "coder-assist"], "rollback", {"deployment": "coder-assist"}),
    (["roll back coder-asist", "yes"], "rollback", {"deployment": "coder-assist"}),
    (["deploy to aks-eastus-prod-1", "phi-4"], "deploy", {"model": "microsoft/phi-4", "clusters": ["aks-eastus-prod-1"]}),
    (["deploy phi-5 to staging", "I meant phi-4"], "deploy", {"model": "microsoft/phi-4", "environment": "staging"}),
    (["deploy phi-5 to staging", "the first one"], "deploy", {"model": "microsoft/phi-4", "environment": "staging"}),
    (["rollback coder-assist to revision 9", "revision 2"], "rollback", {"deployment": "coder-assist", "to_revision": 2}),
    (["remove phi-4", "yes"], "undeploy", {"deployment": "phi4-chat"}),
    (["stop phi4-chat", "yep"], "undeploy", {"deployment": "phi4-chat"}),
    (["should I upgrade phi4-chat to phi-4-mini?", "yes please"], "deploy",
     {"name": "phi4-chat", "model": "microsoft/Phi-4-mini-instruct"}),
    (["deploy it to staging", "gemma 3", "4b"], "deploy", {"model": "google/gemma-3-4b-it", "environment": "staging"}),
    (["how is coder-assist doing?", "roll it back", "yes"], "rollback", {"deployment": "coder-assist"}),
    (["deploy phi-4 next to mistral-eu", "yes"], "deploy",
     {"model": "microsoft/phi-4", "clusters": ["aks-westeurope-prod-1"]}),
    (["remove phi4-chat from the eu clusters", "yes"], "undeploy",
     {"deployment": "phi4-chat", "clusters": ["aks-westeurope-prod-1"]}),
    (["roll back coder-assist in europe", "yes"], "rollback", {"deployment": "coder-assist"}),
])
def test_answers_complete_the_request(ask, texts, tool, args):
    assert _turns(ask, *texts) == {"kind": "tool_call", "tool": tool, "args": args}


def test_the_pronoun_alone_is_only_a_question(ask):
    got = _turns(ask, "how is coder-assist doing?", "roll it back")
    assert got["kind"] == "clarify" and "`coder-assist`" in got["question"]


def test_no_cancels(ask):
    got = _turns(ask, "stop phi4-chat", "no")
    assert got["kind"] == "clarify"
    assert _turns(ask, "deploy llama to staging", "nevermind")["kind"] == "clarify"


def test_a_new_request_is_not_an_answer(ask):
    got = _turns(ask, "deploy llama to staging", "list clusters in europe")
    assert got == {"kind": "tool_call", "tool": "list_clusters", "args": {"geo": "eu"}}


def test_ambiguous_answer_narrows_the_question(ask):
    got = _turns(ask, "deploy phi-5 to staging", "the mini one")
    assert got["kind"] == "clarify"
    assert "Phi-4-mini-instruct" in got["question"] and "microsoft/phi-4`" not in got["question"]


def test_yes_without_a_question_is_a_question(ask):
    assert ask("yes")["kind"] == "clarify"
