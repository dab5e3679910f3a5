"""The "Show all" button of a summarised answer (a large inventory or placement): its value carries the tool
call to run again (tool name and the arguments the request gave), never the data, so a click recomputes the
list under the clicker's identity and policy scope (``bot.slack.show_all``)."""
from __future__ import annotations

import json
from typing import Any

from bot.slack import blocks as B
from bot.slack import messages as M

SHOW_ALL = "fleet_show_all"


def button_value(tool: str, args: dict[str, Any]) -> str | None:
    """``{"tool", "args"}`` as compact JSON; None when it would not fit a button (2,000 characters)."""
    value = json.dumps({"tool": tool, "args": args}, separators=(",", ":"), ensure_ascii=False)
    return value if len(value) <= B.MAX_VALUE else None


def parse_value(value: str | None) -> tuple[str, dict[str, Any]] | None:
    """(tool, arguments as given) from a button value, or None for anything else."""
    try:
        data = json.loads(value or "")
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("tool"), str) or not isinstance(data.get("args"), dict):
        return None
    return data["tool"], data["args"]


def show_all_blocks(tool: str | None, args: Any) -> list[B.Block]:
    """The hint and the button for a summarised answer; just the ``--all`` hint when there is no tool call to
    carry (or it is too long for a button)."""
    given = args.given() if hasattr(args, "given") else args
    value = button_value(tool, given) if tool and isinstance(given, dict) else None
    if value is None:
        return [B.context(M.FULL_LIST_HINT)]
    return [B.context(M.SHOW_ALL_HINT), B.actions("show_all", B.button(M.SHOW_ALL_BUTTON, SHOW_ALL, value))]
