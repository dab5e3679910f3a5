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
