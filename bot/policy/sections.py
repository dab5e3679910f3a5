"""Checks of the team sections that the file's shape cannot express (unknown groups, tools, environments, teams)."""
from __future__ import annotations

from bot.messages import policy as msg
from bot.policy.rules import _USER, _USERGROUP, ANY, ENVIRONMENTS, Policy
from bot.policy.shape import Budgets, Owners, Scope, Team
from bot.toolbox import MUTATING

ALLOWED = {"teams": list(Team.model_fields), "scopes": list(Scope.model_fields),
           "owners": list(Owners.model_fields), "budgets": list(Budgets.model_fields)}


def allowed_keys(loc: list[str]) -> list[str] | None:
    """Keys allowed where a validation error points, for the team sections (None: not one of them)."""
    if loc[:1] in (["teams"], ["scopes"]) and len(loc) == 3:
        return ALLOWED[loc[0]]
    if loc[:1] in (["owners"], ["budgets"]) and len(loc) == 2:
        return ALLOWED[loc[0]]
    return None


def section_problems(p: Policy) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    groups = ", ".join(p.groups) or "none"
    teams = ", ".join(p.teams) or "none"
    envs = ", ".join(ENVIRONMENTS)
    for tool, by_env in (p.requesters or {}).items():
        if tool != ANY and tool not in MUTATING:
            problems.append((f"requesters.{tool}", msg.UNKNOWN_TOOL.format(
                tool=tool, hint="", known=", ".join(MUTATING))))
        for env, names in by_env.items():
            if env != ANY and env not in ENVIRONMENTS:
                problems.append((f"requesters.{tool}.{env}", msg.UNKNOWN_ENV.format(env=env, hint="", known=envs)))
            problems += [(f"requesters.{tool}.{env}", msg.UNKNOWN_GROUP.format(group=g, known=groups))
                         for g in names if g not in p.groups]
    for name, t in p.teams.items():
        problems += [(f"teams.{name}.users", msg.BAD_USER.format(value=u)) for u in t.users if not _USER.match(u)]
        problems += [(f"teams.{name}.usergroups", msg.BAD_USERGROUP.format(value=u))
                     for u in t.usergroups if not _USERGROUP.match(u)]
    if any(t.budget_per_hour is not None for t in p.teams.values()) and p.budgets.over_budget == "override" \
            and p.budgets.override_group not in p.groups:
        problems.append(("budgets.override_group", msg.UNKNOWN_GROUP.format(
            group=p.budgets.override_group, known=groups)))
    for name, s in p.scopes.items():
        problems += [(f"scopes.{name}.environments", msg.UNKNOWN_ENV.format(env=e, hint="", known=envs))
                     for e in s.environments if e not in ENVIRONMENTS]
        problems += [(f"scopes.{name}.groups", msg.UNKNOWN_GROUP.format(group=g, known=groups))
                     for g in s.groups if g not in p.groups]
        problems += [(f"scopes.{name}.teams", msg.UNKNOWN_TEAM.format(team=t, known=teams))
                     for t in s.teams if t not in p.teams]
    return problems
