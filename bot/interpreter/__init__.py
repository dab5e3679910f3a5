"""Natural language -> one validated tool call, a question back, or a refusal.

    interp = build_interpreter()            # offline rules by default (settings.llm)
    ctx = Context(who="U123", vocabulary=Vocabulary.from_snapshot(snapshot), history=[...])
    result = interp.interpret("roll coder-assist back", ctx)   # ToolCall | Clarify | Refuse
    result.to_json()

``langchain*`` is imported only inside this package.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.interpreter.context import Context
    from bot.interpreter.interpreter import Interpreter, build_interpreter, from_spec
    from bot.interpreter.llm import LlmConfigError, LlmSpec, parse_spec
    from bot.interpreter.result import Clarify, Refuse, Result, ToolCall
    from bot.interpreter.vocabulary import Vocabulary

# Imported on first use: the interpreter's modules load langchain-core (about a second), which a process that
# only reads results (a worker, ``fleetops --help``, a crash-recovery child) never needs.
_HOMES = {
    "Context": "context", "Interpreter": "interpreter", "build_interpreter": "interpreter",
    "from_spec": "interpreter", "LlmConfigError": "llm", "LlmSpec": "llm", "parse_spec": "llm",
    "Clarify": "result", "Refuse": "result", "Result": "result", "ToolCall": "result", "Vocabulary": "vocabulary",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bot.interpreter' has no attribute {name!r}")
    return getattr(importlib.import_module(f"bot.interpreter.{home}"), name)


__all__ = [
    "Clarify", "Context", "Interpreter", "LlmConfigError", "LlmSpec", "Refuse", "Result", "ToolCall",
    "Vocabulary", "build_interpreter", "from_spec", "parse_spec",
]
