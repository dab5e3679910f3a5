"""Who is acting: a Slack user id with their Slack user groups (what policy groups are made of)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Actor:
    """A person: Slack user id (``U0ALICE``), display name, and Slack user-group ids (``S0SRE``)."""

    id: str
    name: str | None = None
    usergroups: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.usergroups, frozenset):
            object.__setattr__(self, "usergroups", frozenset(self.usergroups or ()))

    def __str__(self) -> str:
        return self.name or self.id

    @classmethod
    def of(cls, value: Actor | str | Any) -> Actor:
        """An Actor from an Actor, a user id, or a stored approval (``actor``, ``actor_name``,
        ``usergroups`` attributes, as ``audit.models.Approval`` has)."""
        if isinstance(value, Actor):
            return value
        if isinstance(value, str):
            return cls(value)
        return cls(value.actor, getattr(value, "actor_name", None),
                   frozenset(getattr(value, "usergroups", ()) or ()))


class _HasMembers(Protocol):
    users: list[str]
    usergroups: list[str]


class _HasGroups(Protocol):
    groups: dict[str, Any]


def is_member(group: _HasMembers, actor: Actor) -> bool:
    """True if the actor is listed by user id or belongs to one of the group's Slack user groups."""
    return actor.id in group.users or bool(actor.usergroups.intersection(group.usergroups))


def groups_of(policy: _HasGroups, actor: Actor) -> set[str]:
    """Names of the policy groups (``approvers``, ``freeze-override``, ...) the actor is in."""
    return {name for name, group in policy.groups.items() if is_member(group, actor)}


def actors(values: Iterable[Actor | str | Any]) -> list[Actor]:
    """``Actor.of`` over a list, keeping the first of each id."""
    seen: dict[str, Actor] = {}
    for v in values:
        a = Actor.of(v)
        seen.setdefault(a.id, a)
    return list(seen.values())
