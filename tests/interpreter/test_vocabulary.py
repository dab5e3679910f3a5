"""Vocabulary from a FleetSnapshot, model mentions, and the demo snapshot helper."""
import pytest

from bot.interpreter import Vocabulary
from bot.interpreter.models import ModelMatcher
from tools.catalog import default_catalog


def test_from_snapshot_facets(vocab):
    assert len(vocab.clusters) == 14 and len(vocab.deployments) == 6
    assert vocab.clusters["eks-us-east-1-prod-1"].gpus == ("A10G", "H100")
    assert vocab.clusters["aks-swedencentral-prod-1"].geo == "eu"
    assert set(vocab.geos) == {"us", "eu", "apac"}
    assert set(vocab.providers) == {"azure", "aws"}
    assert "us-east-1" in vocab.regions and "westeurope" in vocab.regions
    assert "g5.xlarge" in vocab.instance_types and "Standard_ND96isr_H200_v5" in vocab.instance_types
    coder = vocab.deployments["coder-assist"]
    assert coder.model == "Qwen/Qwen2.5-Coder-32B-Instruct" and coder.revisions == (1, 2, 3)
    assert coder.revision == 3


def test_loose_mentions_resolve_back(vocab):
    loose = vocab.loose_mentions
    for mention in ("phi 4 mini", "llama 3.1 8b", "qwen2.5 coder 32b", "gemma 3 4b", "gpt oss 120b"):
        assert mention in loose
        assert default_catalog().get(loose[mention]).preset == loose[mention]


def test_catalog_only_has_no_fleet():
    v = Vocabulary.catalog_only()
    assert not v.has_fleet and v.models


@pytest.mark.parametrize("mention,kind,preset", [
    ("phi 4 mini", "exact", "microsoft/Phi-4-mini-instruct"),
    ("llama 3.1 8b", "exact", "meta-llama/Llama-3.1-8B-Instruct"),
    ("qwen2.5 coder 32b", "exact", "Qwen/Qwen2.5-Coder-32B-Instruct"),
    ("mistral 7b instruct", "exact", "mistralai/Mistral-7B-Instruct-v0.3"),
    ("gemma 3 4b", "exact", "google/gemma-3-4b-it"),
    ("gpt-oss-120b", "exact", "openai/gpt-oss-120b"),
    ("meta llama 3.1 8b", "exact", "meta-llama/Llama-3.1-8B-Instruct"),
    ("llama", "ambiguous", None), ("gemma 3", "ambiguous", None), ("qwen coder", "ambiguous", None),
    ("phi-5", "unknown", None), ("gpt-5", "unknown", None),
])
def test_model_matcher(mention, kind, preset):
    m = ModelMatcher(default_catalog()).resolve(mention)
    assert (m.kind, m.preset) == (kind, preset)
    if kind == "ambiguous":
        assert len(m.options) >= 2
    if mention == "phi-5":
        assert "microsoft/phi-4" in m.options


def test_mentions_are_found_in_sentences():
    found = ModelMatcher(default_catalog()).find("roll out qwen2.5 coder 7b on the cheapest eu prod cluster")
    assert [(f.match.kind, f.match.preset) for f in found] == [("exact", "Qwen/Qwen2.5-Coder-7B-Instruct")]


def test_without_fleet_facts_names_are_taken_as_given_and_models_still_checked(offline):
    from bot.interpreter import Context

    ctx = Context(who="U1", vocabulary=Vocabulary.catalog_only())
    assert offline.interpret("rollback coder-assist", ctx).to_json() == {
        "kind": "tool_call", "tool": "rollback", "args": {"deployment": "coder-assist"}}
    assert offline.interpret("tell me about aks-eastus-prod-1", ctx).to_json()["tool"] == "get_cluster"
    assert offline.interpret("deploy phi-5 to staging", ctx).to_json()["kind"] == "clarify"
    assert offline.interpret("roll back", ctx).to_json() == {
        "kind": "clarify", "question": "Which deployment should I roll back?"}
