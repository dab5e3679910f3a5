"""The three things an interpretation can be (DESIGN §4): a validated tool call, a question, a refusal."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.interpreter import toolset
from tools.args import Args


@dataclass(frozen=True)
class ToolCall:
    tool: str
    args: Args

    @property
    def mutating(self) -> bool:
        return toolset.get(self.tool).mutating

    def to_json(self) -> dict[str, Any]:
        return {"kind": "tool_call", "tool": self.tool, "args": self.args.given()}


@dataclass(frozen=True)
class Clarify:
    question: str
    options: tuple[str, ...] = ()  # candidates the question offers (not part of the JSON)
    undecided: bool = False  # the request was not understood at all (hybrid mode asks the LLM then)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "clarify", "question": self.question}


@dataclass(frozen=True)
class Refuse:
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": "refuse", "reason": self.reason}


Result = ToolCall | Clarify | Refuse
