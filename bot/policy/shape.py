"""The policy file's team sections (all optional): ``requesters``, ``teams``, ``owners``, ``budgets``, ``scopes``.

``requesters``  tool -> environment -> groups whose members may OPEN such a change ("*" as in ``rules``). Absent:
                anyone may (the behaviour before requesters existed); present: nobody else may.
``teams``       team -> members (``users``/``usergroups``, as a group) and an optional GPU ``budget_per_hour`` ($/h).
``owners``      ``team_approval`` (default true): a change to a team's deployment also needs 1 approval from that
                team, unless the requester is in it.
``budgets``     what a plan that takes a team over its budget gets: ``over_budget: override`` (1 more approval from
                ``override_group``, default ``budget-override``) or ``deny``.
``scopes``      name -> what a channel (``channels``) or, in DMs, a member of ``groups`` sees and may change:
                ``environments``, ``cluster_labels`` (all must match) and ``teams`` (empty = no limit).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.identity import Actor, is_member

BUDGET_OVERRIDE_GROUP = "budget-override"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Team(_Strict):
    users: list[str] = Field(default_factory=list)
    usergroups: list[str] = Field(default_factory=list)
    budget_per_hour: float | None = Field(None, ge=0)

    def contains(self, actor: Actor) -> bool:
        return is_member(self, actor)


class Owners(_Strict):
    team_approval: bool = True


class Budgets(_Strict):
    over_budget: Literal["override", "deny"] = "override"
    override_group: str = BUDGET_OVERRIDE_GROUP


class Scope(_Strict):
    channels: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    environments: list[str] = Field(default_factory=list)
    cluster_labels: dict[str, str] = Field(default_factory=dict)
    teams: list[str] = Field(default_factory=list)


Requesters = dict[str, dict[str, list[str]]]
