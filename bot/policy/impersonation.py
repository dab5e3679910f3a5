"""Act as the person (optional, off by default): the policy maps Slack users to Kubernetes users and groups, and
the bot sends the hub requests made for them with Kubernetes impersonation, so the hub's own RBAC decides and its
audit log names the human::

    impersonation:
      enabled: true
      users:
        U0ALICE: {user: alice@corp.example, groups: [sre]}

Whose identity (``who_acts``): a read-only request and the planning of a change act as the **requester**; the
execution of a change (its re-check against the fleet and every write) acts as the **last approver** whose
approval completed it, or the requester when the policy needed no approval. With impersonation on, a Slack user
the policy does not map gets ``NotMapped`` (nothing is sent to the hub), never the bot's own identity.
Crash recovery and the bot's background reads (health watch, vocabulary, status) use the bot's identity.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.messages import policy as msg
from tools.errors import ToolError
from tools.fleet.impersonation import Identity, impersonating


class KubeIdentity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    user: str = Field(min_length=1)
    groups: list[str] = Field(default_factory=list)


class Impersonation(BaseModel):
    """The policy file's ``impersonation`` section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    users: dict[str, KubeIdentity] = Field(default_factory=dict)


class NotMapped(ToolError):
    """Impersonation is on and this Slack user has no Kubernetes identity in the policy."""

    kind = "not_mapped"

    def __init__(self, slack_user: str):
        super().__init__(msg.IMPERSONATION_NOT_MAPPED.format(user=slack_user))
        self.slack_user = slack_user


def identity_of(config: Impersonation | None, slack_user: str) -> Identity | None:
    """The Kubernetes identity to act as for ``slack_user`` (None when impersonation is off)."""
    if config is None or not config.enabled:
        return None
    mapped = config.users.get(slack_user)
    if mapped is None:
        raise NotMapped(slack_user)
    return Identity(mapped.user, tuple(mapped.groups))


def who_acts(change: Any) -> str:
    """Whose identity executes a change: the last approver, else (no approval needed) the requester."""
    approvers = list(getattr(change, "approvers", None) or [])
    return approvers[-1] if approvers else str(change.requester)


@contextmanager
def acting_as(policy: Any, slack_user: str, hub: str) -> Iterator[Identity | None]:
    """Hub requests inside the block act as ``slack_user``'s mapped identity (when impersonation is on)."""
    identity = identity_of(getattr(policy, "impersonation", None), slack_user)
    with impersonating(identity, hub):
        yield identity
