"""Small helpers for the pipeline tests: reading the audit log and building requests."""
from __future__ import annotations

from audit.store import Store
from bot.identity import Actor
from bot.pipeline import Request

ALICE, BOB, CAROL, DAVE, ERIN = (Actor(u) for u in ("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN"))


def ask(pipe, text: str, who: Actor = ALICE, delivery_id: str | None = None):
    return pipe.handle(Request(actor=who, text=text, channel="C0TEST", delivery_id=delivery_id))


def events(store: Store, change_id: str | None = None, event: str | None = None) -> list:
    """Audit events, oldest first."""
    return store.audit.list(change_id=change_id, event=event, limit=None, newest_first=False)


def executions_started(store: Store, change_id: str | None = None) -> int:
    return sum(1 for e in events(store, change_id, "execution_step") if e.message == "execution started")
