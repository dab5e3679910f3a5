"""What every verb of the change service shares: one transaction that notifies after its commit, and the
audit event of a request, stamped with the state the request is in after it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from audit.models import ChangeRequest
from audit.store import Store
from bot.changes.queries import ChangeQueries
from bot.changes.types import Notifier, Silent, Workspace
from bot.policy import Decision, Policy
from bot.policy.live import LivePolicy
from tools.executor import Executor
from tools.plan import Plan

Planner = Callable[[str, Any], Plan]


def _no_gate() -> str | None:
    return None


def _nothing() -> None:
    pass


class ServiceBase(ChangeQueries):
    def __init__(self, store: Store, policy: Policy | LivePolicy, planner: Planner, executor: Executor, *,
                 notifier: Notifier | None = None, clock: Callable[[], datetime]):
        super().__init__(store)
        self.live = policy if isinstance(policy, LivePolicy) else LivePolicy(policy, store.freezes.active)
        self.planner, self.executor = planner, executor
        self.notifier: Notifier = notifier or Silent()
        self.clock = clock
        self.workspace: Workspace | None = None  # the Slack install's (set by the Slack front end)
        self.wake: Callable[[], None] = _nothing  # called after locks were released (the retry scheduler's poke)
        # Whether this copy may execute now: None, or why not (a standby copy: another one holds the writer lease).
        self.gate: Callable[[], str | None] = _no_gate

    @property
    def policy(self) -> Policy:
        """The policy as it reads now: the file's (a reload replaces it) plus the freezes declared in chat."""
        return self.live.at(self.clock())

    @policy.setter
    def policy(self, value: Policy) -> None:
        self.live.replace(value)

    @contextmanager
    def _tx(self) -> Iterator[list[ChangeRequest]]:
        """One store transaction; the requests appended to the yielded list are announced after it
        committed (never when it rolled back)."""
        told: list[ChangeRequest] = []
        with self.store.atomic():
            yield told
        for change in told:
            self.notifier.change_updated(change)

    def _audit(self, event: str, change: ChangeRequest, *, result: dict[str, Any] | None = None,
               **fields: Any) -> None:
        """Record ``event`` about ``change`` (as it is after the event: ``result.change_state``)."""
        plan = change.plan if isinstance(change.plan, dict) else {}
        fields.setdefault("deployment", plan.get("deployment"))
        self.store.audit.record(event, change_id=change.id, tool=change.tool,
                                result={**(result or {}), "change_state": change.state.value}, **fields)

    def gate_opened(self, change: ChangeRequest, info: dict[str, Any]) -> Any:
        """A staged rollout's stage gate opened (``bot.changes.gates.Gates`` records and announces it)."""
        raise NotImplementedError

    @staticmethod
    def _decision(change: ChangeRequest) -> Decision:
        return Decision.model_validate(change.decision)
