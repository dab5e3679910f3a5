"""Chat models chosen by ``settings.llm``: ``offline`` (default), ``openai:<model>``,
``anthropic:<model>``, ``ollama:<model>``, ``openai-compatible:<model>`` (with ``settings.llm_base_url``
or ``<model>@<base-url>``, e.g. a model served by KAITO), and ``hybrid:<one of those>``.

Hybrid: the offline rules answer first; the LLM is asked only when the offline answer is a question
marked *undecided* — the rules recognised no request at all (no tool, no refusal, no missing or
ambiguous argument). A refusal, a tool call, or a specific question (which model? did you mean?) from
the rules is final.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.interpreter import messages as msg

PROVIDERS = ("openai", "anthropic", "ollama", "openai-compatible")


class LlmConfigError(ValueError):
    """The LLM setting cannot be used; the message says what to change or install."""


@dataclass(frozen=True)
class LlmSpec:
    provider: str  # offline | openai | anthropic | ollama | openai-compatible
    model: str = ""
    base_url: str | None = None
    hybrid: bool = False


def parse_spec(spec: str, base_url: str | None = None) -> LlmSpec:
    raw = (spec or "offline").strip()
    hybrid = raw.startswith("hybrid:")
    body = raw.removeprefix("hybrid:")
    if body == "offline":
        if hybrid:
            raise LlmConfigError(msg.LLM_BAD_SPEC.format(spec=spec))
        return LlmSpec("offline")
    provider, sep, model = body.partition(":")
    if not sep or provider not in PROVIDERS or not model:
        raise LlmConfigError(msg.LLM_BAD_SPEC.format(spec=spec))
    url = base_url
    if "@http" in model:
        model, _, rest = model.partition("@http")
        url = "http" + rest
    if provider == "openai-compatible" and not url:
        raise LlmConfigError(msg.LLM_NEEDS_BASE_URL)
    return LlmSpec(provider, model, url, hybrid)


def chat_model(spec: LlmSpec, api_key: Any = None, timeout: float = 60.0):
    """The LangChain chat model for ``spec`` (never 'offline': see ``OfflineChatModel``)."""
    try:
        return _chat_model(spec, api_key, timeout)
    except LlmConfigError:
        raise
    except Exception as e:  # missing credentials, bad options: say what to set
        raise LlmConfigError(msg.LLM_CANNOT_START.format(provider=spec.provider, error=e)) from e


def _chat_model(spec: LlmSpec, api_key: Any, timeout: float):
    if spec.provider in ("openai", "openai-compatible"):
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as e:
            raise LlmConfigError(msg.LLM_MISSING_EXTRA.format(provider=spec.provider, extra="openai")) from e

        kwargs: dict[str, Any] = {"model": spec.model, "temperature": 0, "timeout": timeout, "max_retries": 1}
        if spec.base_url:
            kwargs["base_url"] = spec.base_url
        if api_key is not None:
            kwargs["api_key"] = api_key
        elif spec.provider == "openai-compatible":
            kwargs["api_key"] = "not-needed"
        return ChatOpenAI(**kwargs)
    if spec.provider == "anthropic":
        try:
            from langchain_anthropic import ChatAnthropic
        except ImportError as e:
            raise LlmConfigError(msg.LLM_MISSING_EXTRA.format(provider="anthropic", extra="anthropic")) from e
        kwargs = {"model": spec.model, "temperature": 0, "timeout": timeout, "max_retries": 1}
        if api_key is not None:
            kwargs["api_key"] = api_key
        return ChatAnthropic(**kwargs)
    if spec.provider == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as e:
            raise LlmConfigError(msg.LLM_MISSING_EXTRA.format(provider="ollama", extra="ollama")) from e
        kwargs = {"model": spec.model, "temperature": 0}
        if spec.base_url:
            kwargs["base_url"] = spec.base_url
        return ChatOllama(**kwargs)
    raise LlmConfigError(msg.LLM_BAD_SPEC.format(spec=spec.provider))
