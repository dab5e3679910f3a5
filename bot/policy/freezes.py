"""Freezes declared in chat, as the policy sees them (pure; the store is read by the caller).

* ``FREEZE_TOOLS``: ``declare_freeze`` and ``lift_freeze``. Only members of the override group
  (``freeze-override``) may ask for either (``refuse_requester``); freezes never apply to these two tools
  (lifting a prod freeze needs no second override on top of its own rule).
* ``DEFAULT_RULES``: what the two tools need when the policy file says nothing about them: declaring needs no
  approval (it only restricts, and takes effect at once); lifting needs 1 approval from ``freeze-override``,
  never the requester's own. A file that has ``rules.lift_freeze`` (or ``rules.declare_freeze``) decides instead.
* ``as_freeze``: a stored freeze (``audit.freezes.FreezeRecord``) as a policy ``Freeze``, applied by
  ``decide`` exactly like a freeze written in the policy file.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot import toolbox
from bot.identity import Actor
from bot.messages import policy as msg
from bot.policy.rules import ANY, DEFAULT_OVERRIDE_GROUP, Freeze, Policy, Rule
from tools.args import DeclareFreezeArgs, LiftFreezeArgs

DECLARE, LIFT = toolbox.name_of(DeclareFreezeArgs), toolbox.name_of(LiftFreezeArgs)
FREEZE_TOOLS: frozenset[str] = frozenset({DECLARE, LIFT})

DEFAULT_RULES: dict[str, dict[str, Rule]] = {
    DECLARE: {ANY: Rule(approvals=0)},
    LIFT: {ANY: Rule(approvals=1, approver_groups=[DEFAULT_OVERRIDE_GROUP])},
}


def refuse_requester(policy: Policy, actor: Actor, tool: str) -> str | None:
    """Why ``actor`` may not ask for ``tool`` (a freeze tool, and not in the override group), else None."""
    if tool not in FREEZE_TOOLS:
        return None
    group = policy.groups.get(DEFAULT_OVERRIDE_GROUP)
    if group is not None and group.contains(actor):
        return None
    return msg.FREEZE_TOOL_MEMBERS_ONLY.format(tool=tool, group=DEFAULT_OVERRIDE_GROUP)


def with_defaults(policy: Policy) -> Policy:
    """``policy`` with ``DEFAULT_RULES`` for the freeze tools it has no rule of its own for."""
    missing = {t: r for t, r in DEFAULT_RULES.items() if t not in policy.rules}
    if not missing:
        return policy
    return policy.model_copy(update={"rules": {**policy.rules, **missing}})


def as_freeze(record: Any) -> Freeze:
    """A stored freeze (``name``, ``environments``, ``start``, ``end``, ``reason``, ``declared_by``) as a Freeze."""
    reason = record.reason or msg.FREEZE_DECLARED_BY.format(who=record.declared_by or "?")
    return Freeze(name=record.name, start=record.start, end=record.end, environments=list(record.environments),
                  reason=reason)


def merged(policy: Policy, stored: Iterable[Any]) -> Policy:
    """The policy file's rules and freezes plus the freezes declared in chat (and the freeze tools' defaults)."""
    policy = with_defaults(policy)
    extra = [as_freeze(r) for r in stored]
    return policy.model_copy(update={"freezes": [*policy.freezes, *extra]}) if extra else policy


def covering(policy: Policy, environments: Iterable[str], now: datetime) -> list[Freeze]:
    """The freezes in force at ``now`` that cover one of ``environments`` (all active ones when empty)."""
    envs = list(environments)
    return [fz for fz in policy.freezes if fz.active(now) and (not envs or fz.covers(envs))]


_FREEZE_PREFIX = msg.FREEZE.split("{", 1)[0]


def freeze_notes(decision: Any) -> list[str]:
    """The freeze requirements of a stored decision, in words (what a change card shows on its freeze line)."""
    extra = getattr(decision, "extra", None) or []
    return [r.reason for r in extra if str(r.reason).startswith(_FREEZE_PREFIX)]


def freeze_line(fz: Freeze) -> str:
    """One line for a card or App Home: "❄ prod frozen until 2026-12-05 09:00 UTC ('prod': reason)"."""
    return msg.FREEZE_LINE.format(envs=", ".join(fz.environments), end=fz.end.strftime("%Y-%m-%d %H:%M UTC"),
                                  name=fz.name or "-", reason=fz.reason)
