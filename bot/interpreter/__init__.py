"""Natural language -> one validated tool call, a question back, or a refusal.

    interp = build_interpreter()            # offline rules by default (settings.llm)
    ctx = Context(who="U123", vocabulary=Vocabulary.from_snapshot(snapshot), history=[...])
    result = interp.interpret("roll coder-assist back", ctx)   # ToolCall | Clarify | Refuse
    result.to_json()

``langchain*`` is imported only inside this package.
"""
from bot.interpreter.context import Context
from bot.interpreter.interpreter import Interpreter, build_interpreter, from_spec
from bot.interpreter.llm import LlmConfigError, LlmSpec, parse_spec
from bot.interpreter.result import Clarify, Refuse, Result, ToolCall
from bot.interpreter.vocabulary import Vocabulary

__all__ = [
    "Clarify", "Context", "Interpreter", "LlmConfigError", "LlmSpec", "Refuse", "Result", "ToolCall",
    "Vocabulary", "build_interpreter", "from_spec", "parse_spec",
]
