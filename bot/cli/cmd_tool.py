"""``fleetops tool NAME [--ARG VALUE ...] [--json]`` and ``fleetops plan NAME [--ARG VALUE ...] [--json]``.

``tool`` runs a read-only tool; ``plan`` prints a mutating tool's plan without applying it. Both work on
the embedded demo fleet with no setup, or on a real hub with KUBECONFIG.
"""
from __future__ import annotations

import argparse
import json
import sys

from pydantic import ValidationError

from bot.cli import toolargs
from tools import registry
from tools.errors import ToolError
from tools.fleet.errors import FleetError
from bot.messages import cli as text


def register(sub: argparse._SubParsersAction) -> None:
    for cmd, helptext, names in (
        ("tool", text.TOOL_HELP, registry.READ_ONLY),
        ("plan", text.PLAN_HELP, registry.MUTATING),
    ):
        p = sub.add_parser(cmd, help=helptext, description=helptext + "\n\n" + text.TOOL_EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("name", choices=names, metavar="NAME", help=", ".join(names))
        p.add_argument("rest", nargs=argparse.REMAINDER, help="--ARG VALUE pairs, and --json")
        p.set_defaults(func=run, mode=cmd)


def _emit_error(message: str, as_json: bool, kind: str = "error", extra: dict | None = None) -> None:
    if as_json:
        print(json.dumps({"error": kind, "message": message, **(extra or {})}))
    print(text.ERROR.format(message=message), file=sys.stderr)


def run(ns: argparse.Namespace) -> int:
    rest = list(ns.rest)
    as_json = "--json" in rest
    rest = [r for r in rest if r != "--json"]
    spec = registry.get(ns.name)
    try:
        raw = toolargs.parse(spec, rest)
        args = spec.validate(raw)
    except toolargs.ArgError as e:
        _emit_error(str(e), as_json, "bad_arguments")
        return 2
    except ValidationError as e:
        _emit_error(registry.explain(e), as_json, "bad_arguments")
        return 2

    from bot import readtools
    from bot.fleetconn import open_fleet

    try:
        if ns.mode == "tool" and ns.name in readtools.STORE_TOOLS:
            result = readtools.run_store_tool(ns.name, args)
            print(json.dumps(result.to_json(), indent=2) if as_json else result.render())
            return 0
        with open_fleet() as fleet:
            if ns.mode == "tool":
                result = readtools.run_fleet_tool(ns.name, args, fleet)
                print(json.dumps(result.to_json(), indent=2, default=str) if as_json else result.render())
            else:
                from tools import runner

                plan = runner.plan(ns.name, args, fleet)
                print(json.dumps(plan.to_json(), indent=2) if as_json else text.render_plan(plan))
        return 0
    except ToolError as e:
        _emit_error(e.message, as_json, e.kind, {k: v for k, v in e.to_json().items() if k not in ("error", "message")})
        return 1
    except FleetError as e:
        _emit_error(str(e), as_json, "fleet_error")
        return 1
