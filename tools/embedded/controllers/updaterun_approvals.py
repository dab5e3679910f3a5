"""ClusterApprovalRequests of a staged update run (FLEET_API §7.3), as KubeFleet's run controller handles them.

A stage's Approval task creates ``<run>-before-<stage>`` / ``<run>-after-<stage>`` (labels: the run, the stage, the
task type and ``isLatestUpdateRunApproval=true``; spec: ``parentStageRollout``, ``targetStage``, immutable). It
passes once the request's status has ``Approved=True`` with ``observedGeneration`` equal to the request's
``metadata.generation`` (what ``kubectl fleet approve`` writes); the controller then adds ``ApprovalAccepted=True``
(after which flipping ``Approved`` has no effect) and marks the task ``ApprovalRequestApproved``.
"""
from __future__ import annotations

from tools.embedded.conditions import find
from tools.embedded.controllers import updaterun_status as us
from tools.embedded.controllers.index import ObjectIndex
from tools.embedded.crds import by_kind
from tools.embedded.errors import NotFound
from tools.embedded.store import ResourceType, Store
from tools.fleet import conventions as cv
from tools.messages import embedded_staged as msg

RUN_LABEL = "kubernetes-fleet.io/targetUpdateRun"
STAGE_LABEL = "kubernetes-fleet.io/targetUpdatingStage"
TASK_TYPE_LABEL = "kubernetes-fleet.io/taskType"
IS_LATEST_LABEL = "kubernetes-fleet.io/isLatestUpdateRunApproval"


class Abort(Exception):
    """The run cannot continue (it fails with this message)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def request_type() -> ResourceType:
    return by_kind("ClusterApprovalRequest", cv.PLACEMENT_GROUP)


def run_type() -> ResourceType:
    return by_kind("ClusterStagedUpdateRun", cv.PLACEMENT_GROUP)


def approval(store: Store, hub: str, ts: dict, stage: str, run: dict, task_type: str, gen: int) -> bool:
    """Whether the Approval task ``ts`` (status entry, updated in place) has passed; creates its request."""
    if us.is_true(ts, "ApprovalRequestApproved"):
        return True
    rt = request_type()
    name = ts["approvalRequestName"]
    run_name = run["metadata"]["name"]
    try:
        ar = store.get(hub, rt, None, name)
    except NotFound:
        store.create(hub, rt, None, {
            "apiVersion": rt.api_version(), "kind": rt.kind,
            "metadata": {"name": name, "labels": {STAGE_LABEL: stage, RUN_LABEL: run_name,
                                                  TASK_TYPE_LABEL: task_type, IS_LATEST_LABEL: "true"}},
            "spec": {"parentStageRollout": run_name, "targetStage": stage},
        })
        us.task_created(ts, gen)
        return False
    us.task_created(ts, gen)
    if ar["spec"].get("targetStage") != stage or ar["spec"].get("parentStageRollout") != run_name:
        raise Abort(f"the approval request task `{name}` is targeting update run "
                    f"`{ar['spec'].get('parentStageRollout')}` and stage `{ar['spec'].get('targetStage')}`, "
                    f"want target update run `{run_name}` and stage `{stage}`")
    ar_gen = int(ar["metadata"].get("generation", 1))
    conds = (ar.get("status") or {}).get("conditions")

    def current(ctype: str) -> bool:
        c = find(conds, ctype)
        return bool(c and c.get("status") == "True" and int(c.get("observedGeneration", -1)) == ar_gen)

    approved, accepted = current("Approved"), current("ApprovalAccepted")
    if not approved and not accepted:
        return False
    if approved and not accepted:
        us.set_condition(ar.setdefault("status", {}), "ApprovalAccepted", "True", "ApprovalRequestApprovalAccepted",
                         msg.APPROVAL_ACCEPTED, ar_gen)
        store.replace(hub, rt, None, name, ar, subresource="status")
    us.task_approved(ts, gen)
    return True


def supersede(store: Store, hub: str, reader: ObjectIndex | Store, run: dict) -> None:
    """The approval requests of the placement's other runs are no longer the latest."""
    me = run["metadata"]["name"]
    rt = request_type()
    for other in reader.list(hub, run_type())[0]:
        if other["metadata"]["name"] == me or other["spec"].get("placementName") != run["spec"]["placementName"]:
            continue
        selector = f'{RUN_LABEL}={other["metadata"]["name"]},{IS_LATEST_LABEL}=true'
        for ar in reader.list(hub, rt, label_selector=selector)[0]:
            ar["metadata"]["labels"][IS_LATEST_LABEL] = "false"
            store.replace(hub, rt, None, ar["metadata"]["name"], ar)
