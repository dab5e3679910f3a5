"""The tool registry: each tool's name, description, argument model, and whether it mutates.

The interpreter binds tools from here (LLM tool schemas come from the argument models), the CLI
parses ``--arg value`` against them, and the pipeline asks ``mutating`` to decide between replying
with a result and opening a change request.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from tools import args as a


@dataclass(frozen=True)
class Tool:
    """One tool, declared in its own module as ``TOOL = Tool(...)``: the registry finds it there.

    ``handler``: for a read-only tool ``handler(ctx, args) -> result`` (``.to_json()``, ``.render()``);
    for a mutating tool ``handler(ctx, args) -> Plan``. ``ctx`` gives what the tool may read (a fleet
    snapshot, the catalog, the live fleet for plans, the bot's store for store tools).
    ``source``: ``fleet`` (reads the fleet) or ``store`` (reads the bot's change store / audit log).
    The description the interpreter and help text show is the argument model's docstring.
    """

    name: str
    args: type[a.Args]
    mutating: bool
    handler: Callable[..., Any]
    source: str = "fleet"

    @property
    def description(self) -> str:
        return (self.args.__doc__ or "").strip()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(n for n, f in self.args.model_fields.items() if f.is_required())


def discover(*packages: str) -> dict[str, Tool]:
    """Every ``TOOL`` declared by a module directly inside ``packages`` (e.g. "tools"), by name."""
    found: dict[str, Tool] = {}
    for pkg_name in packages:
        pkg = importlib.import_module(pkg_name)
        for info in pkgutil.iter_modules(pkg.__path__):
            if info.ispkg or info.name.startswith("_"):
                continue
            mod = importlib.import_module(f"{pkg_name}.{info.name}")
            tool = getattr(mod, "TOOL", None)
            if isinstance(tool, Tool):
                if tool.name in found:
                    raise ValueError(f"tool '{tool.name}' declared twice ({pkg_name}.{info.name})")
                found[tool.name] = tool
    return found


@dataclass(frozen=True)
class ToolSpec:
    name: str
    args: type[a.Args]
    mutating: bool
    description: str
    required: tuple[str, ...] = ()

    def validate(self, raw: dict) -> a.Args:
        """Validate raw arguments; raises ``pydantic.ValidationError``."""
        return self.args.model_validate(raw)


def _spec(name: str, model: type[a.Args], mutating: bool) -> ToolSpec:
    required = tuple(n for n, f in model.model_fields.items() if f.is_required())
    return ToolSpec(name, model, mutating, (model.__doc__ or "").strip(), required)


TOOLS: dict[str, ToolSpec] = {
    s.name: s
    for s in (
        _spec("list_clusters", a.ListClustersArgs, False),
        _spec("get_cluster", a.GetClusterArgs, False),
        _spec("list_deployments", a.ListDeploymentsArgs, False),
        _spec("get_deployment", a.GetDeploymentArgs, False),
        _spec("plan_placement", a.PlanPlacementArgs, False),
        _spec("list_changes", a.ListChangesArgs, False),
        _spec("get_change", a.GetChangeArgs, False),
        _spec("search_audit", a.SearchAuditArgs, False),
        _spec("deploy", a.DeployArgs, True),
        _spec("rollback", a.RollbackArgs, True),
        _spec("undeploy", a.UndeployArgs, True),
    )
}

READ_ONLY = tuple(n for n, s in TOOLS.items() if not s.mutating)
MUTATING = tuple(n for n, s in TOOLS.items() if s.mutating)


class UnknownTool(KeyError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown tool '{self.name}'; tools: {', '.join(TOOLS)}"


def get(name: str) -> ToolSpec:
    try:
        return TOOLS[name]
    except KeyError:
        raise UnknownTool(name) from None


def validate(name: str, raw: dict) -> a.Args:
    return get(name).validate(raw)


def explain(err: ValidationError) -> str:
    """One plain sentence per problem, naming the argument: what the user should fix."""
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e.get("loc", ()) if not isinstance(x, int)) or "arguments"
        msg = e.get("msg", "invalid")
        msg = msg.removeprefix("Value error, ")
        if e.get("type") == "extra_forbidden":
            msg = "is not an argument of this tool"
        elif e.get("type") == "missing":
            msg = "is required"
        elif e.get("type") == "enum":
            ctx = e.get("ctx") or {}
            msg = f"must be one of {ctx.get('expected', '')}"
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)
