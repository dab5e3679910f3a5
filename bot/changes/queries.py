"""The read side of the change service, and the little bookkeeping front ends need (where a Slack card is,
once-only claims). Front ends use this instead of the store; ``fleetops changes`` uses it on its own."""
from __future__ import annotations

import builtins
from collections.abc import Iterable

from pydantic import ValidationError

from audit.errors import ChangeNotFound
from audit.models import Approval, ChangeRequest, ChangeState
from audit.store import Store
from bot.policy import Decision


class ChangeQueries:
    def __init__(self, store: Store):
        self.store = store

    def get(self, change_id: str) -> ChangeRequest:
        """The request; ``audit.errors.ChangeNotFound`` if there is none."""
        return self.store.changes.get(change_id)

    def find(self, change_id: str) -> ChangeRequest | None:
        try:
            return self.store.changes.get(change_id)
        except ChangeNotFound:
            return None

    def list(self, status: str | Iterable[str] | None = None, requester: str | None = None,
             limit: int | None = 50) -> builtins.list[ChangeRequest]:
        """Requests, newest first."""
        return self.store.changes.list(status=status, requester=requester, limit=limit)

    def pending_for(self, actor: str | None = None, limit: int | None = 50) -> builtins.list[ChangeRequest]:
        return self.store.changes.pending_for(actor, limit=limit)

    def approvals(self, change_id: str, *, include_void: bool = False) -> builtins.list[Approval]:
        return self.store.changes.approvals(change_id, include_void=include_void)

    @staticmethod
    def decision_of(change: ChangeRequest) -> Decision | None:
        """The policy Decision stored with the request (None if it is missing or unreadable)."""
        try:
            return Decision.model_validate(change.decision) if change.decision else None
        except ValidationError:
            return None

    @staticmethod
    def is_open(change: ChangeRequest) -> bool:
        return change.state in (ChangeState.PENDING, ChangeState.APPROVED, ChangeState.STALE)

    # -- bookkeeping for front ends --------------------------------------------------------------------
    def first_delivery(self, key: str) -> bool:
        """True the first time ``key`` is claimed (by any process on the database), False after."""
        return self.store.claim_delivery(key)

    def set_card(self, change_id: str, channel: str, message_ts: str, thread_ts: str | None = None) -> None:
        """Remember where the request's Slack card is."""
        self.store.changes.set_card(change_id, channel, message_ts, thread_ts)
