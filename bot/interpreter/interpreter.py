"""``Interpreter.interpret(text, context) -> ToolCall | Clarify | Refuse``.

Both paths bind the same tool schemas to a LangChain chat model and decode its ``AIMessage`` with the
same function. Offline (default): ``OfflineChatModel``. LLM: the system prompt (vocabulary, rules,
examples) + the thread + the redacted message; an invalid call gets one repair round with the
validation error sent back as a ``ToolMessage``, then becomes a question. Requests the offline guard
refuses (approval by text, secrets, shell, ...) are refused before any LLM is called.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable

from bot.interpreter import messages as msg
from bot.interpreter import rules
from bot.interpreter.binding import tool_schemas
from bot.interpreter.context import Context
from bot.interpreter.decode import Invalid, decode
from bot.interpreter.llm import LlmSpec, chat_model, parse_spec
from bot.interpreter.offline import OfflineChatModel
from bot.interpreter.prompting import render_system, repair_message
from bot.interpreter.redact import redact
from bot.interpreter.result import Clarify, Refuse, Result
from bot.interpreter.text import normalize

log = logging.getLogger(__name__)


def _history_messages(history: Sequence[tuple[str, str]], clean) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    for role, text in history:
        if role.lower() in ("user", "human"):
            out.append(HumanMessage(clean(text)))
        else:
            out.append(AIMessage(clean(text)))
    return out


class Interpreter:
    """Turns one message (plus its thread) into exactly one result. Never acts, never approves."""

    def __init__(self, llm: Any = None, *, hybrid: bool = False):
        self.llm = llm  # a LangChain chat model, or None for offline only
        self.hybrid = hybrid and llm is not None
        self._tools = tool_schemas()
        self._bound_llm: Runnable[LanguageModelInput, AIMessage] | None = (
            llm.bind_tools(self._tools) if llm is not None else None)

    @property
    def mode(self) -> str:
        return "offline" if self.llm is None else ("hybrid" if self.hybrid else "llm")

    # --- public --------------------------------------------------------------------------------------
    def interpret(self, text: str, context: Context | None = None) -> Result:
        ctx = context or Context()
        try:
            if self._bound_llm is None:
                return self._offline(text, ctx)
            if self.hybrid:
                first = self._offline(text, ctx)
                if not (isinstance(first, Clarify) and first.undecided):
                    return first
            return self._with_llm(self._bound_llm, text, ctx)
        except Exception as e:  # never a traceback to the operator: a question with the reason
            log.exception("interpretation failed")
            return Clarify(msg.INTERNAL_ERROR.format(error=type(e).__name__))

    # --- offline -------------------------------------------------------------------------------------
    def _offline(self, text: str, ctx: Context) -> Result:
        model = OfflineChatModel(vocabulary=ctx.vocabulary, who=ctx.who).bind_tools(self._tools)
        messages = [*_history_messages(ctx.history, str), HumanMessage(text)]
        result = decode(model.invoke(messages), ctx.vocabulary, text)
        if isinstance(result, Invalid):
            return Clarify(msg.INVALID_ARGS.format(error=result.error))
        return result

    # --- LLM -----------------------------------------------------------------------------------------
    def _with_llm(self, llm: Runnable[LanguageModelInput, AIMessage], text: str, ctx: Context) -> Result:
        guard_says = rules.refusal(normalize(text), ctx.vocabulary)
        if guard_says is not None:
            return Refuse(guard_says)
        messages: list[BaseMessage] = [
            SystemMessage(render_system(ctx.vocabulary, ctx.who)),
            *_history_messages(ctx.history, redact),
            HumanMessage(redact(text)),
        ]
        try:
            ai = llm.invoke(messages)
            result = decode(ai, ctx.vocabulary, text)
            if not isinstance(result, Invalid):
                return result
            messages.append(ai)
            messages.extend(ToolMessage(repair_message(result.error), tool_call_id=cid)
                            for cid in result.call_ids if cid)
            result = decode(llm.invoke(messages), ctx.vocabulary, text)
        except Exception as e:
            log.warning("LLM call failed: %s", e)
            return Clarify(msg.LLM_FAILED.format(error=type(e).__name__))
        if isinstance(result, Invalid):
            return Clarify(msg.INVALID_ARGS.format(error=result.error))
        return result


def from_spec(spec: LlmSpec, api_key: Any = None) -> Interpreter:
    if spec.provider == "offline":
        return Interpreter()
    return Interpreter(chat_model(spec, api_key), hybrid=spec.hybrid)


def build_interpreter(settings: Any = None) -> Interpreter:
    """The interpreter ``settings.llm`` asks for (``bot.settings.get_settings()`` by default)."""
    if settings is None:
        from bot.settings import get_settings

        settings = get_settings()
    spec = parse_spec(settings.llm, settings.llm_base_url)
    return from_spec(spec, settings.llm_api_key)
