"""The tool registry: each tool declares itself, the registry finds it, and ``Registry.run`` is the only dispatcher.

A tool is a module with ``TOOL = Tool(name, args, mutating, handler, source)`` at its bottom; nothing else
lists tool names. ``discover("tools", "bot.storetools")`` collects them; ``Registry`` wraps the result with
the views every caller needs: ``get`` (typed ``UnknownTool``), ``validate`` (pydantic, with the catalog in
the validation context), ``run`` (dispatch: read-only → result, mutating → ``Plan``), ``read_only()`` and
``mutating()``. The interpreter binds tools from it (LLM tool schemas come from the argument models), the
CLI parses ``--arg value`` against it, and the pipeline dispatches through it.

The bot's registry (fleet tools + store tools) is ``bot.toolbox``: ``tools`` cannot see ``bot``.
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from tools import args as a

if TYPE_CHECKING:  # annotations only: importing the catalog module is not needed to declare a tool
    from tools.catalog import Catalog
    from tools.context import ToolContext


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

    def validate(self, raw: Mapping[str, Any] | None, catalog: Catalog | None = None) -> a.Args:
        """Validate raw arguments (``pydantic.ValidationError`` when wrong). ``catalog`` resolves model
        names; without one, ``tools.args`` falls back to the packaged default catalog."""
        context = {"catalog": catalog} if catalog is not None else None
        return self.args.model_validate(dict(raw or {}), context=context)


_DECLARES_TOOL = re.compile(r"^TOOL\s*(:[^=\n]*)?=", re.MULTILINE)


def _declares_tool(module: str) -> bool:
    """Whether the module's source assigns ``TOOL`` at top level (read, not imported: ``discover`` then
    imports only tool modules, not e.g. the executor with the kubernetes client behind it)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return True  # no source to read (compiled, frozen): import it and look
    return bool(_DECLARES_TOOL.search(Path(spec.origin).read_text(encoding="utf-8")))


def discover(*packages: str) -> dict[str, Tool]:
    """Every ``TOOL = Tool(...)`` declared at the top level of a module directly inside ``packages``
    (e.g. "tools"), by name, in module-name order."""
    found: dict[str, Tool] = {}
    for pkg_name in packages:
        pkg = importlib.import_module(pkg_name)
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            if info.ispkg or info.name.startswith("_") or not _declares_tool(f"{pkg_name}.{info.name}"):
                continue
            mod = importlib.import_module(f"{pkg_name}.{info.name}")
            tool = getattr(mod, "TOOL", None)
            if isinstance(tool, Tool):
                if tool.name in found:
                    raise ValueError(f"tool '{tool.name}' declared twice ({pkg_name}.{info.name})")
                found[tool.name] = tool
    return found


class UnknownTool(KeyError):
    def __init__(self, name: str, known: tuple[str, ...] = ()):
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown tool '{self.name}'; tools: {', '.join(self.known)}"


class Registry:
    """Tools by name (iterates names; ``in``, ``[name]``, ``items()`` like a read-only dict)."""

    def __init__(self, tools: Mapping[str, Tool]):
        self._tools = dict(tools)

    @classmethod
    def discover(cls, *packages: str) -> Registry:
        return cls(discover(*packages))

    # --- a read-only mapping of name -> Tool -------------------------------------------------------
    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[str]:
        return iter(self._tools)

    def __len__(self) -> int:
        return len(self._tools)

    def __getitem__(self, name: str) -> Tool:
        return self.get(name)

    def items(self) -> list[tuple[str, Tool]]:
        return list(self._tools.items())

    def values(self) -> list[Tool]:
        return list(self._tools.values())

    # --- views -------------------------------------------------------------------------------------
    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise UnknownTool(name, tuple(self._tools)) from None

    def read_only(self) -> tuple[str, ...]:
        return tuple(n for n, t in self._tools.items() if not t.mutating)

    def mutating(self) -> tuple[str, ...]:
        return tuple(n for n, t in self._tools.items() if t.mutating)

    def validate(self, name: str, raw: Mapping[str, Any] | None, catalog: Catalog | None = None) -> a.Args:
        return self.get(name).validate(raw, catalog)

    # --- the dispatcher ----------------------------------------------------------------------------
    def run(self, name: str, args: a.Args | Mapping[str, Any] | None, ctx: ToolContext) -> Any:
        """Run tool ``name``: a read-only tool returns its result, a mutating tool its ``Plan`` (no writes).

        ``args``: the tool's validated argument model, or raw arguments (validated here against
        ``ctx.catalog``). Raises ``UnknownTool``, ``pydantic.ValidationError``, or the tool's own errors
        (``ToolError``, ``FleetError``)."""
        tool = self.get(name)
        if not isinstance(args, tool.args):
            raw = args.model_dump(exclude_unset=True) if isinstance(args, BaseModel) else args
            args = tool.validate(raw, ctx.catalog)
        return tool.handler(ctx, args)


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

