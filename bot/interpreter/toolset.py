"""The interpreter's one accessor to the tool registry: which tools exist, their argument models,
whether they mutate, their descriptions, and validation.

It reads ``bot.toolbox.TOOLS`` (every ``TOOL`` declared in ``tools`` and ``bot.storetools``). DESIGN §4
names three tools whose module has not landed yet (``_PENDING``): the interpreter already routes requests to
them, so they are offered from their argument models in ``tools.args`` until a module declares them; an
entry the registry has is ignored, and goes from ``_PENDING`` when its module lands.
Nothing else in ``bot.interpreter`` imports the registry.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot import toolbox
from tools import args as a

__all__ = ["Spec", "UnknownTool", "explain", "get", "name_of", "names", "validate"]

UnknownTool = toolbox.UnknownTool
explain = toolbox.explain

# DESIGN §4 tools without a module (no ``TOOL`` yet), all mutating: name -> argument model (none left today).
_PENDING: dict[str, type[a.Args]] = {}


@dataclass(frozen=True)
class Spec:
    name: str
    args: type[a.Args]
    mutating: bool
    description: str


@lru_cache(maxsize=1)
def _specs() -> dict[str, Spec]:
    out = {name: Spec(name, t.args, t.mutating, t.description) for name, t in toolbox.TOOLS.items()}
    for name, model in _PENDING.items():
        out.setdefault(name, Spec(name, model, True, (model.__doc__ or "").strip()))
    return out


def names() -> tuple[str, ...]:
    return tuple(_specs())


def get(name: str) -> Spec:
    try:
        return _specs()[name]
    except KeyError:
        raise UnknownTool(name, names()) from None


def name_of(model: type[a.Args]) -> str:
    """The name of the tool that takes ``model`` as its arguments (``UnknownTool`` when none does)."""
    for spec in _specs().values():
        if spec.args is model:
            return spec.name
    raise UnknownTool(model.__name__, names())


def validate(name: str, raw: dict[str, Any]) -> a.Args:
    """The validated argument model; raises ``pydantic.ValidationError`` or ``UnknownTool``."""
    return get(name).args.model_validate(raw)
