"""The bot's tools: every ``TOOL`` declared in ``tools`` (fleet) and ``bot.storetools`` (change store, audit).

This is the one list of tools and the one dispatcher the bot uses::

    from bot import toolbox
    toolbox.run(name, {"arg": "value"}, ToolContext(catalog, fleet=fleet, store=store))
    toolbox.get(name).mutating / .args / .description / .required / .source
    toolbox.validate(name, raw, catalog)   # pydantic; ``explain(err)`` turns the error into a sentence
    toolbox.read_only(), toolbox.mutating() # names, in declaration order

``TOOLS`` iterates the names and maps a name to its ``Tool`` (``TOOLS.items()``, ``name in TOOLS``).
``READ_ONLY`` / ``MUTATING`` are the same views as tuples.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.args import Args
from tools.catalog import Catalog
from tools.context import ToolContext
from tools.registry import Registry, Tool, UnknownTool, explain

TOOLS: Registry = Registry.discover("tools", "bot.storetools")
READ_ONLY: tuple[str, ...] = TOOLS.read_only()
MUTATING: tuple[str, ...] = TOOLS.mutating()

__all__ = [
    "MUTATING",
    "READ_ONLY",
    "TOOLS",
    "Tool",
    "UnknownTool",
    "explain",
    "get",
    "mutating",
    "read_only",
    "run",
    "validate",
]


def get(name: str) -> Tool:
    """The tool ``name``; ``UnknownTool`` (a ``KeyError`` naming the known tools) when there is none."""
    return TOOLS.get(name)


def validate(name: str, raw: Mapping[str, Any] | None, catalog: Catalog | None = None) -> Args:
    return TOOLS.validate(name, raw, catalog)


def run(name: str, args: Args | Mapping[str, Any] | None, ctx: ToolContext) -> Any:
    """Dispatch: a read-only tool's result (``.to_json()``, ``.render()``) or a mutating tool's ``Plan``."""
    return TOOLS.run(name, args, ctx)


def name_of(model: type[Args]) -> str:
    """The name of the tool that takes ``model`` as its arguments (front ends name a tool by what it takes,
    never by spelling its name); ``UnknownTool`` when no tool does."""
    for tool in TOOLS.values():
        if tool.args is model:
            return tool.name
    raise UnknownTool(model.__name__, tuple(TOOLS))


def read_only() -> tuple[str, ...]:
    return READ_ONLY


def mutating() -> tuple[str, ...]:
    return MUTATING
