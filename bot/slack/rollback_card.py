"""The one-click rollback button on the card of a failed change that left something on the hub (pure; the
click is handled in ``bot.slack.rollback``)."""
from __future__ import annotations

from audit.models import ChangeRequest, ChangeState
from bot.slack import blocks as B
from bot.slack import messages as M
from tools.plan import Plan

ROLLBACK_AFTER = "failed_rollback"


def deployment_left(change: ChangeRequest) -> str | None:
    """The deployment a failed change left something of, or None (undone, or not a deployment change)."""
    if change.state != ChangeState.FAILED or (change.outcome or {}).get("undone"):
        return None
    try:
        plan = Plan.model_validate(change.plan or {})
    except ValueError:
        return None
    if plan.strategy == "create":  # the way back from a new deployment is undeploy, which its failure names
        return None
    return plan.deployment if plan.deployment and plan.revision is not None else None


def rollback_blocks(change: ChangeRequest) -> list[B.Block]:
    dep = deployment_left(change)
    if dep is None:
        return []
    return [B.section(M.ROLLBACK_AFTER_TITLE.format(deployment=B.escape(dep))),
            B.actions(f"rollback:{change.id}", B.button(M.BUTTON_ROLLBACK.format(deployment=dep), ROLLBACK_AFTER,
                                                        change.id, "danger", None))]


