"""The offline interpreter as a LangChain chat model: deterministic rules, no network, no weights.

It answers like any tool-calling model — an ``AIMessage`` whose single tool call is a fleet tool,
``clarify`` or ``refuse`` — so the offline and LLM paths share binding, validation and tests.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool

from bot.interpreter import followup
from bot.interpreter.binding import CLARIFY, REFUSE
from bot.interpreter.decision import Decision
from bot.interpreter.vocabulary import Vocabulary

META = "fleetops"  # response_metadata key: {"undecided": bool, "options": [...]}


def _text(m: BaseMessage) -> str:
    c = m.content
    if isinstance(c, str):
        return c
    return " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in c)


def _turns(messages: Sequence[BaseMessage]) -> tuple[str, list[tuple[str, str]]]:
    """The last human message and the (role, text) turns before it (system/tool messages skipped)."""
    turns: list[tuple[str, str]] = []
    for m in messages:
        if isinstance(m, (SystemMessage, ToolMessage)):
            continue
        role = "user" if isinstance(m, HumanMessage) else "assistant"
        text = _text(m)
        if isinstance(m, AIMessage) and m.tool_calls and not text:
            args = m.tool_calls[0].get("args") or {}
            text = str(args.get("question") or args.get("reason") or "")
        turns.append((role, text))
    if not turns or turns[-1][0] != "user":
        return "", turns
    return turns[-1][1], turns[:-1]


def to_message(d: Decision, allowed: set[str] | None) -> AIMessage:
    if d.kind == "tool" and (allowed is None or d.tool in allowed):
        name, args = d.tool, d.args
    elif d.kind == "refuse":
        name, args = REFUSE, {"reason": d.text}
    elif d.kind == "tool":  # a tool that is not bound: say so rather than call it
        name, args = CLARIFY, {"question": f"I can't use '{d.tool}' here."}
    else:
        name, args = CLARIFY, {"question": d.text}
    return AIMessage(
        content="",
        tool_calls=[{"name": name, "args": args, "id": "offline-0", "type": "tool_call"}],
        response_metadata={META: {"undecided": d.undecided, "options": list(d.options)}},
    )


class OfflineChatModel(BaseChatModel):
    """Rules-based tool-calling chat model over a fleet vocabulary."""

    vocabulary: Any = None  # Vocabulary
    who: str | None = None

    @property
    def _llm_type(self) -> str:
        return "fleetops-offline"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [t if isinstance(t, dict) and "function" in t else convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, **kwargs)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        vocab = self.vocabulary if isinstance(self.vocabulary, Vocabulary) else Vocabulary.catalog_only()
        text, history = _turns(messages)
        tools = kwargs.get("tools")
        allowed = {t["function"]["name"] for t in tools} if tools else None
        decision = followup.interpret(text, history, vocab, self.who)
        return ChatResult(generations=[ChatGeneration(message=to_message(decision, allowed))])
