"""Tool schemas bound to a chat model: every registry tool (``toolset``: schema from its pydantic argument model,
description from the registry unless prompts/tools.yaml words it for the model)
plus the two pseudo-tools ``clarify(question)`` and ``refuse(reason)``, so every answer is a tool call.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field

from bot.interpreter import toolset
from bot.interpreter.prompting import tool_texts

CLARIFY = "clarify"
REFUSE = "refuse"
PSEUDO = (CLARIFY, REFUSE)


class ClarifyArgs(BaseModel):
    """Ask the operator one short question."""

    question: str = Field(min_length=1)


class RefuseArgs(BaseModel):
    """Decline the request, with a one-sentence reason."""

    reason: str = Field(min_length=1)


def _schema(name: str, model: type[BaseModel], fallback: str) -> dict[str, Any]:
    texts = (tool_texts().get("tools") or {}).get(name) or {}
    tool = copy.deepcopy(convert_to_openai_tool(model))
    fn = tool["function"]
    fn["name"] = name
    fn["description"] = " ".join(t for t in (fallback, texts.get("hint") or "") if t)
    props = fn.get("parameters", {}).get("properties", {})
    for arg, text in (texts.get("args") or {}).items():
        if arg in props:
            props[arg]["description"] = text
    return tool


@lru_cache(maxsize=1)
def _schemas() -> tuple[dict[str, Any], ...]:
    out = [_schema(name, toolset.get(name).args, toolset.get(name).description) for name in toolset.names()]
    out.append(_schema(CLARIFY, ClarifyArgs, ClarifyArgs.__doc__ or ""))
    out.append(_schema(REFUSE, RefuseArgs, RefuseArgs.__doc__ or ""))
    return tuple(out)


def tool_schemas() -> list[dict[str, Any]]:
    """OpenAI-format tool schemas (a fresh copy: callers may not mutate the cache)."""
    return copy.deepcopy(list(_schemas()))


def tool_names() -> tuple[str, ...]:
    return tuple(t["function"]["name"] for t in _schemas())
