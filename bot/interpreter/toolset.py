"""The interpreter's one accessor to the tool registry: which tools exist, their argument models,
whether they mutate, their descriptions, and validation.

Today it reads ``tools.registry.TOOLS`` plus the wave-2 argument models of ``tools.args`` that no tool
module registers yet (DESIGN §4 "Wave 2 tools"); when ``bot.toolbox`` lands, only this module changes.
Nothing else in ``bot.interpreter`` imports the registry.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tools import args as a
from tools import registry

__all__ = ["Spec", "UnknownTool", "explain", "get", "names", "validate"]

UnknownTool = registry.UnknownTool
explain = registry.explain

# Wave-2 tools (DESIGN §4) by argument model and kind, used until their modules register themselves.
_WAVE2: dict[str, tuple[type[a.Args], bool]] = {
    "move": (a.MoveArgs, True),
    "cordon_cluster": (a.CordonClusterArgs, True),
    "uncordon_cluster": (a.UncordonClusterArgs, True),
    "drain_cluster": (a.DrainClusterArgs, True),
    "autoscale": (a.AutoscaleArgs, True),
    "declare_freeze": (a.DeclareFreezeArgs, True),
    "lift_freeze": (a.LiftFreezeArgs, True),
    "list_models": (a.ListModelsArgs, False),
    "cost_report": (a.CostReportArgs, False),
}


@dataclass(frozen=True)
class Spec:
    name: str
    args: type[a.Args]
    mutating: bool
    description: str


@lru_cache(maxsize=1)
def _specs() -> dict[str, Spec]:
    out = {name: Spec(name, t.args, bool(t.mutating), str(t.description or (t.args.__doc__ or "")).strip())
           for name, t in registry.TOOLS.items()}
    for name, (model, mutating) in _WAVE2.items():
        out.setdefault(name, Spec(name, model, mutating, (model.__doc__ or "").strip()))
    return out


def names() -> tuple[str, ...]:
    return tuple(_specs())


def get(name: str) -> Spec:
    try:
        return _specs()[name]
    except KeyError:
        raise UnknownTool(name) from None


def validate(name: str, raw: dict[str, Any]) -> a.Args:
    """The validated argument model; raises ``pydantic.ValidationError`` or ``UnknownTool``."""
    return get(name).args.model_validate(raw)

