"""Deployment owners (``teams`` and ``owners`` in the policy), pure: whose deployment it is, and the team's approval
a change to it needs."""
from __future__ import annotations

from bot.identity import Actor
from bot.messages import policy as msg
from bot.policy.rules import Group, Policy
from bot.policy.shape import Team


def teams_of(policy: Policy, actor: Actor) -> list[str]:
    """The teams ``actor`` is in, by name."""
    return sorted(n for n, t in policy.teams.items() if t.contains(actor))


def requester_team(policy: Policy, actor: Actor) -> str | None:
    """The team a new deployment of ``actor``'s belongs to when the request names none: their first team."""
    mine = teams_of(policy, actor)
    return mine[0] if mine else None


def team_group_name(team: str) -> str:
    """The name an owner approval's group has in a Decision (``team search``)."""
    return msg.TEAM_GROUP.format(team=team)


def as_group(team: Team) -> Group:
    return Group(users=list(team.users), usergroups=list(team.usergroups))


def owner_requirement(policy: Policy, actor: Actor, team: str | None) -> tuple[str, Group | None] | None:
    """For a change to a deployment of ``team``: None when no owner approval is needed (no such team, the rule is
    off, the requester is in the team), else (the sentence saying so, the team as a group — None when the team
    has nobody, and the change must be denied)."""
    if not team or not policy.owners.team_approval or team not in policy.teams:
        return None
    t = policy.teams[team]
    if t.contains(actor):
        return None
    if not (t.users or t.usergroups):
        return msg.OWNER_NOBODY.format(team=team), None
    return msg.OWNER_NEEDS.format(team=team, group=team_group_name(team)), as_group(t)
