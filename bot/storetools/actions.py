"""How a mutating store tool is carried out: a write to the bot's store instead of the fleet executor.

``store_action(tool)`` is the tool module's ``apply(store, plan, change_id, actor, now) -> Outcome`` (or None for
a fleet tool). The change service calls it where it would call ``Executor.apply`` (and again, idempotently, when
it recovers a change that was executing when the process stopped).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tools.outcome import Outcome
from tools.plan import Plan

StoreAction = Callable[[Any, Plan, str, "str | None", datetime], Outcome]


def store_action(tool: str) -> StoreAction | None:
    from bot.storetools import declare_freeze, lift_freeze

    actions: dict[str, StoreAction] = {declare_freeze.TOOL.name: declare_freeze.apply,
                                       lift_freeze.TOOL.name: lift_freeze.apply}
    return actions.get(tool)
