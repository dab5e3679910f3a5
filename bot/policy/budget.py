"""GPU budgets (``teams.<team>.budget_per_hour`` and ``budgets`` in the policy), pure: a plan's effect on its
team's spend, and what a breach needs."""
from __future__ import annotations

from dataclasses import dataclass

from bot.messages import policy as msg
from bot.policy.rules import Policy


@dataclass(frozen=True)
class Spend:
    """A team's GPU spend in $/h before and after a plan, against its budget (None: no budget)."""

    team: str
    before: float
    after: float
    budget: float | None

    @property
    def breach(self) -> bool:
        """Over budget after the plan, and the plan adds to the spend (one that saves money always may)."""
        return self.budget is not None and self.after > self.budget + 1e-9 and self.after > self.before + 1e-9

    def text(self) -> str:
        base = msg.SPEND.format(team=self.team, before=_usd(self.before), after=_usd(self.after))
        if self.budget is None:
            return base + msg.SPEND_NO_BUDGET
        return base + msg.SPEND_BUDGET.format(budget=_usd(self.budget))


def _usd(x: float) -> str:
    return f"${x:,.2f}/h"


def spend(policy: Policy, team: str | None, before: float | None, after: float | None) -> Spend | None:
    if not team or before is None or after is None:
        return None
    t = policy.teams.get(team)
    return Spend(team, before, after, t.budget_per_hour if t else None)


def breach_text(policy: Policy, s: Spend) -> str:
    """The sentence a breach adds: denied, or needs 1 approval from the override group."""
    b = policy.budgets
    if b.over_budget == "deny":
        return msg.BUDGET_DENY.format(team=s.team, after=_usd(s.after), budget=_usd(s.budget or 0))
    return msg.BUDGET_OVERRIDE.format(team=s.team, after=_usd(s.after), budget=_usd(s.budget or 0),
                                      group=b.override_group)
