"""The policy file's shape (validated pydantic models) and ``PolicyError``."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from audit.timeutil import parse_duration, to_utc
from bot.identity import Actor, is_member
from bot.messages import policy as msg
from bot.policy.impersonation import Impersonation
from bot.policy.shape import Budgets, Owners, Requesters, Scope, Team
from tools.args import Environment

ENVIRONMENTS: tuple[str, ...] = tuple(e.value for e in Environment)
ANY = "*"
DEFAULT_OVERRIDE_GROUP = "freeze-override"
_USER = re.compile(r"^[UWB][A-Z0-9]{2,}$")
_USERGROUP = re.compile(r"^S[A-Z0-9]{2,}$")


class PolicyError(ValueError):
    """An invalid policy file; ``problems`` is a list of ``(key, problem)``."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source, self.problems = source, problems
        if len(problems) == 1:
            k, p = problems[0]
            text = (msg.LOAD_ERROR.format(source=source, key=k, problem=p) if k else
                    msg.LOAD_ERROR_NO_KEY.format(source=source, problem=p))
        else:
            text = "\n".join([msg.LOAD_ERRORS_HEAD.format(source=source)] + [
                msg.LOAD_ERROR_ITEM.format(key=k, problem=p) if k else
                msg.LOAD_ERROR_ITEM_NO_KEY.format(problem=p) for k, p in problems])
        super().__init__(text)


# -- the file's shape ------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Group(_Strict):
    users: list[str] = Field(default_factory=list)
    usergroups: list[str] = Field(default_factory=list)

    def contains(self, actor: Actor) -> bool:
        return is_member(self, actor)


class Rule(_Strict):
    approvals: int = Field(0, ge=0, le=20)
    approver_groups: list[str] = Field(default_factory=list)
    allow_self_approval: bool = False
    ttl: str | None = None
    deny: str | None = None

    @field_validator("ttl", mode="before")
    @classmethod
    def _ttl(cls, v: Any) -> Any:
        if v is not None:
            parse_duration(v)
            return str(v)
        return v

    def strictness(self) -> tuple[int, int, int, int]:
        return (1 if self.deny else 0, self.approvals, 1 if self.approver_groups else 0,
                0 if self.allow_self_approval else 1)


class Freeze(_Strict):
    name: str | None = None
    start: datetime
    end: datetime
    environments: list[str] = Field(default_factory=lambda: ["prod"])
    reason: str
    override_group: str = DEFAULT_OVERRIDE_GROUP

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return to_utc(v)

    def active(self, now: datetime) -> bool:
        return self.start <= to_utc(now) < self.end

    def covers(self, envs: Iterable[str]) -> bool:
        return ANY in self.environments or bool(set(self.environments) & set(envs))


class Policy(_Strict):
    ttl: str = "4h"
    groups: dict[str, Group] = Field(default_factory=dict)
    rules: dict[str, dict[str, Rule]] = Field(default_factory=dict)
    freezes: list[Freeze] = Field(default_factory=list)
    requesters: Requesters | None = None  # None: anyone may open a change (bot/policy/requesters.py)
    teams: dict[str, Team] = Field(default_factory=dict)
    owners: Owners = Field(default_factory=Owners)
    budgets: Budgets = Field(default_factory=Budgets)
    scopes: dict[str, Scope] = Field(default_factory=dict)
    impersonation: Impersonation = Field(default_factory=Impersonation)  # act as the person (off by default)
    source: str = Field("<policy>", exclude=True)

    @field_validator("ttl", mode="before")
    @classmethod
    def _ttl(cls, v: Any) -> Any:
        parse_duration(v)
        return str(v)

    @property
    def ttl_seconds(self) -> int:
        return parse_duration(self.ttl)

    def rule(self, tool: str, env: str) -> Rule | None:
        for t, e in ((tool, env), (tool, ANY), (ANY, env), (ANY, ANY)):
            if (r := self.rules.get(t, {}).get(e)) is not None:
                return r
        return None

    def rule_name(self, tool: str, env: str) -> str:
        """The entry ``rule(tool, env)`` found, as ``rules.deploy.prod``."""
        for t, e in ((tool, env), (tool, ANY), (ANY, env), (ANY, ANY)):
            if e in self.rules.get(t, {}):
                return f"rules.{t}.{e}"
        return f"rules.{tool}.{env}"
