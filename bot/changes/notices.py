"""What a person is told after a verb: always from the state the request is in *now*, never from what the
verb hoped for ("carried out" only when it succeeded)."""
from __future__ import annotations

from audit.models import ChangeRequest, ChangeState
from bot.changes.queries import ChangeQueries
from bot.changes.types import Refusal, Result
from bot.messages import pipeline as M

S = ChangeState


def reason_of(change: ChangeRequest) -> str:
    outcome = change.outcome if isinstance(change.outcome, dict) else {}
    return str(outcome.get("message") or change.reason or M.NO_REASON)


def tell(change: ChangeRequest, actor: str | None = None) -> str:
    """One sentence on where ``change`` stands; ``actor`` is the person who just acted (approvals)."""
    cid, why = change.id, reason_of(change)
    if change.state == S.PENDING:
        if actor is not None and change.version > 1 and actor not in change.approvers:
            return M.REPLANNED.format(id=cid)
        d = ChangeQueries.decision_of(change)
        needed = d.still_needed(change.approvals) if d else M.NO_REASON
        if actor is not None and actor in change.approvers:
            return M.APPROVED_WAITING.format(id=cid, needed=needed)
        return M.TELL_PENDING.format(id=cid, needed=needed)
    if change.state == S.APPROVED:
        return M.TELL_APPROVED_WAITING.format(id=cid, reason=change.reason) if change.reason else \
            M.TELL_APPROVED.format(id=cid)
    template = {
        S.EXECUTING: M.TELL_EXECUTING, S.SUCCEEDED: M.TELL_SUCCEEDED, S.FAILED: M.TELL_FAILED,
        S.ATTENTION: M.TELL_ATTENTION, S.STALE: M.TELL_STALE, S.CANCELLED: M.TELL_CANCELLED,
        S.EXPIRED: M.TELL_EXPIRED, S.REJECTED: M.TELL_REJECTED,
    }[change.state]
    return template.format(id=cid, reason=why)


def answer(result: Result, actor: str | None = None) -> tuple[bool, str]:
    """``(acted, text)`` for a verb's result: a refusal's own text, else ``tell`` of the new state."""
    if isinstance(result, Refusal):
        return False, result.text
    return True, tell(result, actor)
