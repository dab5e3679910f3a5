"""Parse ``--arg value`` pairs for a tool against its argument model (``-``/``_`` alike, lists repeat or
comma-separate)."""
from __future__ import annotations

from typing import Any, get_args, get_origin

from bot.messages import cli as M
from tools.registry import ToolSpec


class ArgError(ValueError):
    pass


def _is_list(spec: ToolSpec, field: str) -> bool:
    ann = spec.args.model_fields[field].annotation
    for t in (ann, *get_args(ann)):
        if get_origin(t) is list or t is list:
            return True
        for inner in get_args(t):
            if get_origin(inner) is list:
                return True
    return False


def parse(spec: ToolSpec, argv: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    i = 0
    while i < len(argv):
        tok = argv[i]
        if not tok.startswith("--"):
            raise ArgError(M.ARG_UNEXPECTED.format(tok=tok))
        key, _, val = tok[2:].partition("=")
        key = key.replace("-", "_")
        if key not in spec.args.model_fields:
            known = ", ".join("--" + f.replace("_", "-") for f in spec.args.model_fields)
            raise ArgError(M.ARG_UNKNOWN.format(tool=spec.name, arg=key.replace('_', '-'), known=known or 'none'))
        if not _:
            if i + 1 >= len(argv):
                raise ArgError(M.ARG_NEEDS_VALUE.format(arg=key.replace('_', '-')))
            val = argv[i + 1]
            i += 1
        i += 1
        if _is_list(spec, key):
            out.setdefault(key, []).extend(v for v in val.split(",") if v.strip())
        else:
            out[key] = val
    return out
