"""``fleetops tool NAME [--ARG VALUE ...] [--json] [--all]`` and ``fleetops plan NAME [--ARG VALUE ...] [--json]``.

``tool`` runs a read-only tool (``--all``: every row of a large answer, not its summary); ``plan`` prints a mutating tool's plan without applying it. Both work on
the embedded demo fleet with no setup, or on a real hub with KUBECONFIG. Tools that read the bot's change
store (``source == "store"``) run on the configured database. Names, arguments and help come from the
registry (``bot.toolbox``).
"""
from __future__ import annotations

import argparse
import inspect
import json
import sys
from contextlib import ExitStack
from typing import Any

from pydantic import ValidationError

from bot import toolbox
from bot.cli import toolargs
from bot.messages import cli as text
from tools.catalog import default_catalog
from tools.context import ToolContext
from tools.errors import ToolError
from tools.fleet.errors import FleetError


def register(sub: argparse._SubParsersAction) -> None:
    for cmd, helptext, names in (
        ("tool", text.TOOL_HELP, toolbox.read_only()),
        ("plan", text.PLAN_HELP, toolbox.mutating()),
    ):
        description = "\n\n".join([helptext, toolargs.listing(names), text.TOOL_EPILOG])
        p = sub.add_parser(cmd, help=helptext, description=description,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("name", choices=names, metavar="NAME", help=", ".join(names))
        p.add_argument("rest", nargs=argparse.REMAINDER, help="--ARG VALUE pairs, and --json")
        p.set_defaults(func=run, mode=cmd)


def _emit_error(message: str, as_json: bool, kind: str = "error", extra: dict | None = None) -> None:
    if as_json:
        print(json.dumps({"error": kind, "message": message, **(extra or {})}))
    print(text.ERROR.format(message=message), file=sys.stderr)


def _context(stack: ExitStack, tool: toolbox.Tool) -> ToolContext:
    """What the tool reads: the configured store for store tools, else the fleet (demo or real hub)."""
    if tool.source == "store":
        from bot.app import open_db
        from bot.settings import get_settings

        store = open_db(get_settings())
        stack.callback(store.close)
        return ToolContext(catalog=default_catalog(), store=store)
    from bot.fleetconn import open_fleet

    fleet = stack.enter_context(open_fleet())
    return ToolContext(catalog=fleet.catalog, fleet=fleet)


def _print(result: Any, as_json: bool, mutating: bool, full: bool = False) -> None:
    if as_json:
        print(json.dumps(result.to_json(), indent=2, default=str))
    elif mutating:
        print(text.render_plan(result))
    elif full and "full" in inspect.signature(result.render).parameters:  # --all: no summary of a large answer
        print(result.render(full=True))
    else:
        print(result.render())


def run(ns: argparse.Namespace) -> int:
    rest = list(ns.rest)
    as_json = "--json" in rest
    full = "--all" in rest
    rest = [r for r in rest if r not in ("--json", "--all")]
    tool = toolbox.get(ns.name)
    try:
        args = tool.validate(toolargs.parse(tool, rest), default_catalog())
    except toolargs.ArgError as e:
        _emit_error(str(e), as_json, "bad_arguments")
        return 2
    except ValidationError as e:
        _emit_error(toolbox.explain(e), as_json, "bad_arguments")
        return 2
    try:
        with ExitStack() as stack:
            result = toolbox.run(tool.name, args, _context(stack, tool))
            _print(result, as_json, tool.mutating, full)
        return 0
    except ToolError as e:
        _emit_error(e.message, as_json, e.kind, {k: v for k, v in e.to_json().items() if k not in ("error", "message")})
        return 1
    except FleetError as e:
        _emit_error(str(e), as_json, "fleet_error")
        return 1
