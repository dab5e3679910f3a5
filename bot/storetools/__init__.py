"""Read-only tools answered from the bot's own store (change requests, audit log), one module per tool.

Each module declares ``TOOL = Tool(..., source="store")``; its handler reads ``ctx.store``, which the
caller passes in (a tool never opens the configured database itself). Dispatch: ``bot.toolbox``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tools.context import ToolContext

if TYPE_CHECKING:  # annotation only: declaring the tools does not load the database layer
    from audit.store import Store


@dataclass
class StoreResult:
    payload: dict
    text: str

    def to_json(self) -> dict:
        return self.payload

    def render(self) -> str:
        return self.text


def store_of(ctx: ToolContext) -> Store:
    """The store the caller put in the context (a ``RuntimeError`` names the mistake when there is none)."""
    if ctx.store is None:
        raise RuntimeError("a store tool needs the bot's store: pass it as ToolContext(store=...)")
    store: Store = ctx.store
    return store
