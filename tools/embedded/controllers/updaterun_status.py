"""Status bookkeeping of a ClusterStagedUpdateRun (FLEET_API §7.2), with KubeFleet's condition types and reasons.

Every helper edits a plain status dict in place; ``set_condition`` has ``meta.SetStatusCondition`` semantics (the
transition time only moves when the status changes).
"""
from __future__ import annotations

from tools.embedded.conditions import find, make, rfc3339
from tools.messages import embedded_staged as msg

DELETE_STAGE = "kubernetes-fleet.io/deleteStage"


def set_condition(holder: dict, ctype: str, status: str, reason: str, message: str, gen: int) -> None:
    conds = holder.setdefault("conditions", [])
    new = make(ctype, status, reason, message, gen)
    for i, c in enumerate(conds):
        if c.get("type") == ctype:
            if c.get("status") == status and c.get("lastTransitionTime"):
                new["lastTransitionTime"] = c["lastTransitionTime"]
            conds[i] = new
            return
    conds.append(new)


def is_true(holder: dict, ctype: str) -> bool:
    return (find(holder.get("conditions"), ctype) or {}).get("status") == "True"


def is_false(holder: dict, ctype: str) -> bool:
    return (find(holder.get("conditions"), ctype) or {}).get("status") == "False"


def bump_generation(status: dict, gen: int) -> None:
    """All conditions refer to the run's current generation (``updateAllStatusConditionsGeneration``)."""
    def walk(node: object) -> None:
        if isinstance(node, dict):
            for c in node.get("conditions") or []:
                if isinstance(c, dict) and "observedGeneration" in c:
                    c["observedGeneration"] = gen
            for v in node.values():
                if isinstance(v, (dict, list)):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(status)


# --- run ----------------------------------------------------------------------------------------
def run_progressing(st: dict, gen: int) -> None:
    set_condition(st, "Progressing", "True", "UpdateRunProgressing", msg.RUN_PROGRESSING, gen)


def run_waiting(st: dict, gen: int, task: str, stage: str) -> None:
    set_condition(st, "Progressing", "False", "UpdateRunWaiting", msg.RUN_WAITING.format(task=task, stage=stage), gen)


def run_stopped(st: dict, gen: int) -> None:
    set_condition(st, "Progressing", "False", "UpdateRunStopped", msg.RUN_STOPPED, gen)


def run_succeeded(st: dict, gen: int) -> None:
    set_condition(st, "Progressing", "False", "UpdateRunSucceeded", msg.RUN_SUCCEEDED_P, gen)
    set_condition(st, "Succeeded", "True", "UpdateRunSucceeded", msg.RUN_SUCCEEDED, gen)


def run_failed(st: dict, gen: int, message: str) -> None:
    set_condition(st, "Progressing", "False", "UpdateRunFailed", msg.RUN_FAILED_P, gen)
    set_condition(st, "Succeeded", "False", "UpdateRunFailed", message, gen)


# --- stages -------------------------------------------------------------------------------------
def stage_started(stage: dict, gen: int) -> None:
    stage.setdefault("startTime", rfc3339())
    set_condition(stage, "Progressing", "True", "StageUpdatingStarted", msg.STAGE_STARTED, gen)


def stage_waiting(stage: dict, gen: int, message: str) -> None:
    set_condition(stage, "Progressing", "False", "StageUpdatingWaiting", message, gen)


def stage_stopped(stage: dict, gen: int) -> None:
    set_condition(stage, "Progressing", "False", "StageUpdatingStopped", msg.STAGE_STOPPED, gen)


def stage_succeeded(stage: dict, gen: int) -> None:
    stage.setdefault("endTime", rfc3339())
    set_condition(stage, "Progressing", "False", "StageUpdatingSucceeded", msg.STAGE_SUCCEEDED_P, gen)
    set_condition(stage, "Succeeded", "True", "StageUpdatingSucceeded", msg.STAGE_SUCCEEDED, gen)


def stage_skipped(stage: dict, gen: int) -> None:
    stage.setdefault("startTime", rfc3339())
    stage.setdefault("endTime", rfc3339())
    set_condition(stage, "Progressing", "False", "StageUpdatingSkippedNoClusters", msg.STAGE_SKIPPED, gen)
    set_condition(stage, "Succeeded", "True", "StageUpdatingSkippedNoClusters", msg.STAGE_SKIPPED, gen)


def stage_failed(stage: dict, gen: int, message: str) -> None:
    stage.setdefault("endTime", rfc3339())
    set_condition(stage, "Progressing", "False", "StageUpdatingFailed", msg.STAGE_FAILED_P, gen)
    set_condition(stage, "Succeeded", "False", "StageUpdatingFailed", message, gen)


# --- clusters and tasks -------------------------------------------------------------------------
def cluster_started(cluster: dict, gen: int) -> None:
    set_condition(cluster, "Started", "True", "ClusterUpdatingStarted", msg.CLUSTER_STARTED, gen)


def cluster_succeeded(cluster: dict, gen: int) -> None:
    set_condition(cluster, "Succeeded", "True", "ClusterUpdatingSucceeded", msg.CLUSTER_SUCCEEDED, gen)


def cluster_failed(cluster: dict, gen: int, message: str) -> None:
    set_condition(cluster, "Succeeded", "False", "ClusterUpdatingFailed", message, gen)


def task_created(task: dict, gen: int) -> None:
    set_condition(task, "ApprovalRequestCreated", "True", "StageTaskApprovalRequestCreated", msg.TASK_CREATED, gen)


def task_approved(task: dict, gen: int) -> None:
    set_condition(task, "ApprovalRequestApproved", "True", "StageTaskApprovalRequestApproved", msg.TASK_APPROVED, gen)


def task_waited(task: dict, gen: int) -> None:
    set_condition(task, "WaitTimeElapsed", "True", "AfterStageTaskWaitTimeElapsed", msg.TASK_WAITED, gen)


def task_waiting(task: dict, gen: int, left: str) -> None:
    set_condition(task, "WaitTimeElapsed", "False", "AfterStageTaskWaiting", msg.TASK_WAITING.format(left=left), gen)
