"""What owners and budgets need to know about a plan, read from the fleet snapshot (pure over the snapshot): the
owning team of the plan's deployment and that team's GPU spend before and after the plan."""
from __future__ import annotations

from bot.policy.rules import Policy
from tools import cost_report
from tools.catalog import Catalog
from tools.fleet.models import FleetSnapshot
from tools.plan import Plan
from tools.teams import team_of


def plan_team(snap: FleetSnapshot, plan: Plan, asked: str | None) -> str | None:
    """The deployment's team: its label on the hub, else the ``team`` the request names (a new deployment)."""
    dep = snap.deployment(plan.deployment)
    if dep is not None and dep.labels.get("fleetops.dev/team"):
        return team_of(dep)
    return asked


def team_facts(policy: Policy, snap: FleetSnapshot, plan: Plan, asked: str | None,
               catalog: Catalog) -> dict[str, object]:
    """``Facts`` fields for owners and budgets (``team``, ``spend_before``, ``spend_after`` in $/h)."""
    team = plan_team(snap, plan, asked)
    if team is None or team not in policy.teams:
        return {"team": team}
    before = round(cost_report.run(snap, {"team": team}, catalog).total.cost_per_hour, 2)
    return {"team": team, "spend_before": before,
            "spend_after": round(max(0.0, before + plan.cost_delta_per_hour), 2)}
