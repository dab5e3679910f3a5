"""``fleetops`` command line. Each ``bot/cli/cmd_*.py`` module adds its subcommands.

A command module defines ``register(subparsers)`` and sets ``func`` on its parsers; ``func(args)``
returns the process exit code. Modules are discovered, so adding a command touches no other file.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import TextIO

from bot import settings
from bot.cli.output import quiet_closed_pipe, version
from bot.messages import settings as settings_msg


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fleetops",
        description="Slack assistant for a KubeFleet + KAITO inference fleet (demo, tools, audit, bot).",
        epilog=settings_msg.environment_epilog(settings.defaults()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fleetops {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    pkg = importlib.import_module("bot.cli")
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"bot.cli.{info.name}").register(sub)
    return parser


def warn_unknown_variables(out: TextIO) -> None:
    """One warning line per ``FLEETOPS_*`` variable no setting reads (a typo would otherwise go unnoticed)."""
    for name, closest in settings.unknown_variables():
        print(settings_msg.UNKNOWN_VARIABLE.format(name=name, closest=closest), file=out)


def main(argv: list[str] | None = None) -> int:
    warn_unknown_variables(sys.stderr)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`fleetops audit list | head`): not an error
        quiet_closed_pipe()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
