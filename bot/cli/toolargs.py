"""Parse ``--arg value`` pairs for a tool against its argument model (``-``/``_`` alike, lists repeat or
comma-separate), and list tools for ``--help`` (names and descriptions from the registry)."""
from __future__ import annotations

from typing import Any, get_args, get_origin

from bot import toolbox
from bot.messages import cli as M
from tools.registry import Tool


class ArgError(ValueError):
    pass


def _is_list(tool: Tool, field: str) -> bool:
    ann = tool.args.model_fields[field].annotation
    for t in (ann, *get_args(ann)):
        if get_origin(t) is list or t is list:
            return True
        for inner in get_args(t):
            if get_origin(inner) is list:
                return True
    return False


def parse(tool: Tool, argv: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    i = 0
    while i < len(argv):
        tok = argv[i]
        if not tok.startswith("--"):
            raise ArgError(M.ARG_UNEXPECTED.format(tok=tok))
        key, _, val = tok[2:].partition("=")
        key = key.replace("-", "_")
        if key not in tool.args.model_fields:
            known = ", ".join("--" + f.replace("_", "-") for f in tool.args.model_fields)
            raise ArgError(M.ARG_UNKNOWN.format(tool=tool.name, arg=key.replace('_', '-'), known=known or 'none'))
        if not _:
            if i + 1 >= len(argv):
                raise ArgError(M.ARG_NEEDS_VALUE.format(arg=key.replace('_', '-')))
            val = argv[i + 1]
            i += 1
        i += 1
        if _is_list(tool, key):
            out.setdefault(key, []).extend(v for v in val.split(",") if v.strip())
        else:
            out[key] = val
    return out


def listing(names: tuple[str, ...]) -> str:
    """A ``tools:`` heading and one line per tool: its name and its argument model's description."""
    width = max((len(n) for n in names), default=0)
    return "\n".join([M.TOOLS_HEADING, *(f"  {n.ljust(width)}  {toolbox.get(n).description}" for n in names)])
