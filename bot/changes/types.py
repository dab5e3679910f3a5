"""What the change service returns and whom it tells: ``Refusal`` (a verb that did not act, and why) and the
``Notifier`` protocol front ends implement (called once per verb, after its transaction committed)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from audit.models import ChangeRequest
from tools.executor import ProgressEvent


class Why(StrEnum):
    """Why a verb refused to act."""

    NOT_FOUND = "not_found"
    NOT_OPEN = "not_open"  # the request is in a state the verb cannot act on
    OLD_VERSION = "old_version"  # the person saw another plan version
    ALREADY_APPROVED = "already_approved"
    NOT_ALLOWED = "not_allowed"  # policy: this person may not approve (now)
    REASON_REQUIRED = "reason_required"
    CANNOT_REJECT = "cannot_reject"
    CANNOT_CANCEL = "cannot_cancel"
    EXPIRED = "expired"  # it expired at the moment it was clicked
    WRONG_WORKSPACE = "wrong_workspace"  # the click came from another Slack workspace than the bot's
    POLICY = "policy"  # the policy, as it reads now, refuses the change


@dataclass(frozen=True)
class Workspace:
    """The Slack workspace of the bot's install (or of a click): team id, and the Enterprise Grid org id.
    ``accepts(click)``: a click counts only from the install's own team (or, for an org-wide install, its
    own enterprise); one that names no workspace is refused."""

    team_id: str | None = None
    enterprise_id: str | None = None
    enterprise_install: bool = False

    def accepts(self, other: Workspace) -> bool:
        if self.enterprise_install and self.enterprise_id:
            return other.enterprise_id == self.enterprise_id
        return bool(other.team_id) and other.team_id == self.team_id and (
            not self.enterprise_id or not other.enterprise_id or other.enterprise_id == self.enterprise_id)

    def __str__(self) -> str:
        return "/".join(x for x in (self.enterprise_id, self.team_id) if x) or "no workspace"


@dataclass(frozen=True)
class Refusal:
    """A verb that changed nothing: ``why`` for code, ``text`` for the person, ``change`` as it stands."""

    why: Why
    text: str
    change: ChangeRequest | None = None


Result = ChangeRequest | Refusal


class Notifier(Protocol):
    """Front ends (Slack card, terminal) implement this to show changes and progress as they happen."""

    def change_updated(self, change: ChangeRequest) -> None: ...

    def progress(self, change: ChangeRequest, event: ProgressEvent) -> None: ...


class Silent:
    def change_updated(self, change: ChangeRequest) -> None:
        pass

    def progress(self, change: ChangeRequest, event: ProgressEvent) -> None:
        pass
