"""What the offline rules decide for one message, before it becomes a (pseudo-)tool call."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Decision:
    kind: str  # tool | clarify | refuse
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # the question or the reason
    undecided: bool = False  # clarify because the request was not understood at all
    span: str | None = None  # the words a follow-up answer replaces ("llama", "coder-asist", "it")
    options: tuple[str, ...] = ()  # what the answer may pick from

    @classmethod
    def call(cls, tool: str, args: dict[str, Any]) -> Decision:
        return cls("tool", tool, {k: v for k, v in args.items() if v is not None})

    @classmethod
    def ask(cls, question: str, *, span: str | None = None, options=(), undecided: bool = False) -> Decision:
        return cls("clarify", text=question, span=span, options=tuple(options), undecided=undecided)

    @classmethod
    def refuse(cls, reason: str) -> Decision:
        return cls("refuse", text=reason)
