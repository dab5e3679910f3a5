"""Dispatch read-only tools: fleet tools read a snapshot; change/audit tools read the bot's store."""
from __future__ import annotations

from typing import Any

from tools import runner
from tools.args import Args
from tools.fleet.adapter import Fleet

STORE_TOOLS = ("list_changes", "get_change", "search_audit")


def run_fleet_tool(name: str, args: Args, fleet: Fleet) -> Any:
    return runner.run_readonly(name, args, fleet.snapshot(), fleet.catalog)


def run_store_tool(name: str, args: Args, store: Any = None) -> Any:
    from bot import storetools

    return storetools.run(name, args, store)
