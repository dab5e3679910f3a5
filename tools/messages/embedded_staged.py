"""Texts the simulated KubeFleet writes for External placements and staged update runs (KubeFleet's own wording,
from pkg/controllers/updaterun and pkg/utils/condition, so that what the bot reads matches a real hub)."""
from __future__ import annotations

ABORTED = "cannot continue the updateRun: failed to validate the updateRun: {detail}"

# initialization failures (Initialized=False, reason UpdateRunInitializedFailed)
INIT_OK = "ClusterStagedUpdateRun initialized successfully"
NO_PLACEMENT = "parent placement not found"
NOT_EXTERNAL = "The placement does not have an external rollout strategy, placement: `{placement}`"
NO_POLICY_SNAPSHOT = "no latest policy snapshot associated with placement `{placement}`"
NOT_SCHEDULED = "policy snapshot `{policy}` not fully scheduled yet"
COUNT_MISMATCH = "the number of selected bindings {n} is not equal to the observed cluster count {count}"
NO_BINDINGS = "no scheduled or to-be-deleted bindings found for the latest policy snapshot {policy}"
NO_STRATEGY = "referenced updateStrategy not found: `{strategy}`"
BAD_INDEX = "invalid resource snapshot index `{index}` provided, expected an integer >= 0"
NO_INDEX = "no resourceSnapshots with index `{index}` found for placement `{placement}`"
NO_SNAPSHOT = "no master resourceSnapshot found for placement {placement}"
DUPLICATE = "cluster `{cluster}` appears in more than one stages"
BAD_SORT_LABEL = "the sorting label `{key}:{value}` on cluster `{cluster}` is not valid: not an integer"
UNSTAGED = "some clusters are not placed in any stage, total {n}, showing up to 10: {names}"
BAD_CONCURRENCY = "invalid maxConcurrency `{value}`: an integer >= 1 or a percentage is required"

# run
RUN_PROGRESSING = "The update run is making progress"
RUN_WAITING = "The updateRun is waiting for {task} tasks in stage {stage} to complete"
RUN_STOPPED = "The update run has been stopped"
RUN_SUCCEEDED_P = "All stages are completed"
RUN_SUCCEEDED = "All stages are completed successfully"
RUN_FAILED_P = "The stages are aborted due to a non-recoverable error"
RUN_ABANDONED = ("the placement's scheduling policy changed since the run was initialized (policy snapshot "
                 "index {old} -> {new}): create a new update run")

# stages
STAGE_STARTED = "Clusters in the stage started updating"
STAGE_WAITING_BEFORE = "Not all before-stage tasks are completed, waiting for approval"
STAGE_WAITING_AFTER = "All clusters in the stage are updated, waiting for after-stage tasks to complete"
STAGE_SUCCEEDED_P = "All clusters in the stage are updated and after-stage tasks are completed"
STAGE_SUCCEEDED = "Stage update completed successfully"
STAGE_SKIPPED = "Stage skipped because it has no clusters"
STAGE_FAILED_P = "Stage update aborted due to a non-recoverable error"
STAGE_STOPPED = "The stage is stopped"

# clusters
CLUSTER_STARTED = "Cluster update started"
CLUSTER_SUCCEEDED = "Cluster update completed successfully"
CLUSTER_FAILED = "the cluster `{cluster}` in the stage {stage} has failed: {detail}"
CLUSTER_APPLY_FAILED = "the cluster updating encountered an error at stage `{stage}`, updateRun := `{run}`: {detail}"

# tasks
TASK_CREATED = "ApprovalRequest object is created"
TASK_APPROVED = "ApprovalRequest object is approved"
TASK_WAITED = "Wait time elapsed"
TASK_WAITING = "Waiting {left} more before the stage completes"
APPROVAL_ACCEPTED = "The approval request has been approved and cannot be reverted"

# bindings / placement (External)
BINDING_ROLLOUT_STARTED = ("Detected the new changes on the resources and started the rollout process, "
                           "resourceSnapshotIndex: {index}, updateRun: {run}")
WAITING_FOR_RUN = "The placement uses an external rollout strategy: waiting for a staged update run to roll it out"
SCHEDULED_REASON = "picked by scheduling policy"

# fault injection
INJECTED_APPLY_FAILURE = "injected fault: the member agent failed to apply the manifests"
