"""Choosing the interpreter from settings.llm."""
import importlib.util

import pytest

from bot.interpreter import Interpreter, LlmConfigError, build_interpreter, parse_spec
from bot.settings import Settings


@pytest.mark.parametrize("spec,provider,model,url,hybrid", [
    ("offline", "offline", "", None, False),
    ("openai:gpt-4.1-mini", "openai", "gpt-4.1-mini", None, False),
    ("anthropic:claude-x", "anthropic", "claude-x", None, False),
    ("ollama:qwen2.5", "ollama", "qwen2.5", None, False),
    ("openai-compatible:phi-4@http://kaito.local/v1", "openai-compatible", "phi-4", "http://kaito.local/v1", False),
    ("hybrid:openai:gpt-4.1-mini", "openai", "gpt-4.1-mini", None, True),
])
def test_parse_spec(spec, provider, model, url, hybrid):
    s = parse_spec(spec)
    assert (s.provider, s.model, s.base_url, s.hybrid) == (provider, model, url, hybrid)


def test_base_url_setting_is_used():
    assert parse_spec("openai-compatible:phi-4", "http://x:8000/v1").base_url == "http://x:8000/v1"


@pytest.mark.parametrize("bad", ["gpt-4", "foo:bar", "openai:", "openai-compatible:phi-4", "hybrid:offline"])
def test_bad_specs_say_what_to_write(bad):
    with pytest.raises(LlmConfigError) as e:
        parse_spec(bad)
    assert "offline" in str(e.value) or "BASE_URL" in str(e.value)


@pytest.mark.parametrize("provider,extra", [("anthropic", "anthropic"), ("ollama", "ollama")])
def test_missing_integration_names_the_extra(provider, extra):
    module = {"anthropic": "langchain_anthropic", "ollama": "langchain_ollama"}[provider]
    if importlib.util.find_spec(module) is not None:
        pytest.skip(f"{module} is installed")
    with pytest.raises(LlmConfigError) as e:
        build_interpreter(Settings(llm=f"{provider}:some-model"))
    assert f"pip install 'fleetops[{extra}]'" in str(e.value)


def test_default_is_offline():
    interp = build_interpreter(Settings(llm="offline"))
    assert isinstance(interp, Interpreter) and interp.mode == "offline"


def test_a_model_that_cannot_start_is_a_config_error(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LlmConfigError) as e:
        build_interpreter(Settings(llm="openai:gpt-4.1-mini"))
    assert "FLEETOPS_LLM_API_KEY" in str(e.value)
