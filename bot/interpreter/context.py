"""What the interpreter knows besides the text: who asks, the fleet's names, the thread so far."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.interpreter.vocabulary import Vocabulary


@dataclass(frozen=True)
class Context:
    who: str | None = None  # Slack user id of the requester
    vocabulary: Vocabulary = field(default_factory=Vocabulary.catalog_only)
    history: Sequence[tuple[str, str]] = ()  # earlier turns of the thread: (role, text), oldest first

    def __post_init__(self) -> None:
        if self.vocabulary is None:  # no fleet facts: models still resolve, names are not checked
            object.__setattr__(self, "vocabulary", Vocabulary.catalog_only())
        object.__setattr__(self, "history", tuple((str(r), str(t)) for r, t in self.history or ()))

    def with_turn(self, role: str, text: str) -> Context:
        return Context(self.who, self.vocabulary, (*self.history, (role, text)))
