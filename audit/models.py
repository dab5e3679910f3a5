"""Data shapes of the audit log and change-request store (pydantic), plus the two closed lists:
audit event types (``EVENTS``) and change-request states (``ChangeState``) with their allowed moves
(``TRANSITIONS``).
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Every audit event type, in pipeline order. The one place this list lives.
EVENTS: tuple[str, ...] = (
    "request",         # someone asked for something (Slack, CLI, chat)
    "interpretation",  # the interpreter's ToolCall / clarify / refuse
    "plan",            # a tool's Plan (or a read-only result)
    "decision",        # policy.decide's Decision
    "approval",        # an approval was counted
    "approval_refused",  # an approval click that was not counted (self-approval, not an approver, ...), and why
    "rejection",       # a change request was rejected (with the reason)
    "expiry",          # a change request expired unapproved
    "cancel",          # a change request was cancelled
    "stale",           # approvals voided: the fleet changed, the plan was recomputed
    "execution_step",  # one step of carrying out a plan (per cluster)
    "outcome",         # the final outcome of a change request
    "error",           # something failed that a person should know about
    "reconcile",       # crash recovery looked at an interrupted execution
    "incident",        # the health watch opened, closed or muted an incident
    "gate_opened",     # a staged rollout's stage gate opened (KubeFleet asked for approval, KAITO serves the stage)
    "gate_approval",   # an approval of a stage gate was counted
    "gate_approval_refused",  # a stage gate approval that was not counted, and why
    "gate_approved",   # a stage gate was approved on the hub (the Approved condition written)
    "gate_rejection",  # a stage gate was rejected: the update run was stopped
    "freeze",          # a change freeze was declared or lifted from chat (audit.freezes)
    "policy",          # the policy file was reloaded, a reload was asked for, or a bad file was refused
)
Event = Literal[
    "request", "interpretation", "plan", "decision", "approval", "approval_refused", "rejection", "expiry", "cancel",
    "stale", "execution_step", "outcome", "error", "reconcile", "incident", "gate_opened", "gate_approval",
    "gate_approval_refused", "gate_approved", "gate_rejection", "freeze", "policy",
]

class ChangeState(StrEnum):
    """Change-request lifecycle (DESIGN §1). A ``StrEnum``: stored and serialised as its value."""

    PENDING = "pending"
    APPROVED = "approved"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ATTENTION = "attention"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    STALE = "stale"

    def can_move_to(self, dst: ChangeState) -> bool:
        """True if the lifecycle allows ``self -> dst`` (a state may always "move" to itself: a guarded
        field update)."""
        return dst == self or dst in TRANSITIONS[self]

    @property
    def terminal(self) -> bool:
        return not TRANSITIONS[self]


_S = ChangeState
# The allowed moves, in one place.
TRANSITIONS: dict[ChangeState, frozenset[ChangeState]] = {
    _S.PENDING: frozenset({_S.APPROVED, _S.REJECTED, _S.EXPIRED, _S.CANCELLED, _S.STALE}),
    _S.APPROVED: frozenset({_S.EXECUTING, _S.CANCELLED, _S.EXPIRED, _S.STALE}),
    _S.STALE: frozenset({_S.PENDING, _S.CANCELLED, _S.EXPIRED, _S.REJECTED}),
    _S.EXECUTING: frozenset({_S.SUCCEEDED, _S.FAILED, _S.ATTENTION}),
    _S.ATTENTION: frozenset({_S.SUCCEEDED, _S.FAILED}),
    _S.SUCCEEDED: frozenset(),
    _S.FAILED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.EXPIRED: frozenset(),
    _S.CANCELLED: frozenset(),
}
STATES: tuple[str, ...] = tuple(s.value for s in ChangeState)
State = ChangeState  # older name
NEW_STATES = frozenset({_S.PENDING, _S.APPROVED})  # what a request may be created in
OPEN_STATES = frozenset({_S.PENDING, _S.APPROVED, _S.STALE})  # may still expire, be cancelled
TERMINAL_STATES = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
GENESIS_HASH = "0" * 64


class AuditEvent(BaseModel):
    """One row of ``audit_events``. ``hash`` = SHA-256 of the canonical JSON of every other column."""

    model_config = ConfigDict(frozen=True)

    id: int
    ts: str  # UTC ISO-8601 with ms, e.g. 2026-11-01T09:30:00.123Z
    event: Event
    actor: str | None = None
    channel: str | None = None
    change_id: str | None = None
    tool: str | None = None
    deployment: str | None = None
    clusters: list[str] = Field(default_factory=list)
    args: Any = None
    result: Any = None
    message: str | None = None
    prev_hash: str
    hash: str


class VerifyResult(BaseModel):
    """Outcome of ``AuditLog.verify()``: ``first_bad_id`` is the first row (or missing id) where the
    chain breaks and ``reason`` says why in one sentence; ``head_hash`` is the last verified hash."""

    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str | None = None
    head_id: int | None = None
    head_hash: str = GENESIS_HASH


class Approval(BaseModel):
    """One approval of one plan version. ``voided_at`` is set when the plan was recomputed."""

    model_config = ConfigDict(frozen=True)

    change_id: str
    actor: str
    actor_name: str | None = None
    usergroups: list[str] = Field(default_factory=list)
    plan_hash: str
    ts: str
    voided_at: str | None = None


class ChangeRequest(BaseModel):
    """A persisted Plan waiting for (or past) approval. ``approvals`` holds the approvals that count:
    non-void ones for the current ``plan_hash``. ``version`` is the plan version (1, +1 per replan)."""

    id: str
    requester: str
    channel: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None
    tool: str
    args: Any = None
    plan: Any = None
    plan_hash: str
    summary: str | None = None
    decision: Any = None
    approvals_required: int = 0
    state: ChangeState
    reason: str | None = None
    request_key: str | None = None
    created_at: str
    expires_at: str | None = None
    updated_at: str
    executing_started_at: str | None = None
    outcome: Any = None
    version: int = 1
    approvals: list[Approval] = Field(default_factory=list)

    @property
    def approvers(self) -> list[str]:
        return [a.actor for a in self.approvals]


class ApprovalResult(BaseModel):
    """What ``ChangeStore.add_approval`` did.

    status: ``inserted`` (counted now), ``duplicate`` (this person already approved this plan),
    ``not_pending`` (the request is no longer pending: see ``state``), ``wrong_hash`` (the
    approval was for another plan version than the current one: see ``plan_hash``).
    ``approved`` is True when this call's ``quorum`` check moved the request to ``approved``.
    """

    status: Literal["inserted", "duplicate", "not_pending", "wrong_hash"]
    state: ChangeState
    plan_hash: str
    approvals: list[Approval] = Field(default_factory=list)
    approved: bool = False

    @property
    def counted(self) -> bool:
        return self.status == "inserted"
