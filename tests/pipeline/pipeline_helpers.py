"""Small helpers for the pipeline tests: reading the audit log and building requests."""
from __future__ import annotations

from audit.models import ChangeRequest
from audit.store import Store
from bot.changes import Refusal, Result, answer
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


def acted(result: Result) -> bool:
    """The verb acted (it returned the request), rather than refusing."""
    return isinstance(result, ChangeRequest)


def said(result: Result, who: Actor | None = None) -> str:
    """What the person who acted is told."""
    return answer(result, who.id if who else None)[1]


def refused(result: Result) -> Refusal:
    assert isinstance(result, Refusal), result
    return result


def runner_of(store: Store, change_id: str) -> str | None:
    """Who started the execution of ``change_id`` (the actor of its "execution started" event)."""
    started = [e for e in events(store, change_id, "execution_step") if e.message == "execution started"]
    return started[0].actor if started else None


def state_history(store: Store, change_id: str) -> list[str]:
    """The states the audit log says the request went through (each event's ``result.change_state``)."""
    out: list[str] = []
    for e in events(store, change_id):
        st = (e.result or {}).get("change_state") if isinstance(e.result, dict) else None
        if st and (not out or out[-1] != st):
            out.append(st)
    return out
