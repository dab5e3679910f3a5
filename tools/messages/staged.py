"""User-facing text of staged rollouts (``tools.staged``, the executor's ``run_stages`` step)."""

UNCOVERED = ("{deployment} runs on {clusters}, which no stage covers (stages: {stages}). Add their environment to "
             "the stages, or leave those clusters out of the deployment first.")
ALL_EMPTY = ("No cluster of {deployment} is in any of the stages {stages}: there is nothing to roll out in stages. "
             "Name the environments its clusters are in.")
CLUSTERS_CHANGE = ("A staged rollout keeps the clusters of {deployment} as they are. Change the clusters first "
                   "(without stages), then roll the update out in stages.")
NO_SNAPSHOTS = ("KubeFleet holds no resource snapshot of {deployment}: there is no earlier snapshot to roll back "
                "to in stages. Roll back without stages.")
SNAPSHOT_GONE = ("No earlier resource snapshot of {deployment} holds {target} any more (KubeFleet keeps indices "
                 "{indices}). Roll back without stages: fleetops re-applies that revision from its own record.")

ACTION_IN_STAGE = "stage {stage}: {detail}"
ACTION_BACK = "{now} → {target} (snapshot index {index})"
DIFF_STAGES = "stages (update run {run}, strategy {strategy}){pinned}:"
PINNED = ", pinned to resource snapshot index {index} (holds {target}, revision {revision}; kept: {indices})"
DIFF_STAGE = "  {i}. {stage}: {clusters}; then {then}"
DIFF_STAGE_EMPTY = "  {i}. stage {stage}: no cluster of {deployment} is in {stage} (empty: nothing rolls there, no gate)"
DIFF_GATE = "a gate: approval as for {next} before the next stage"
DIFF_LAST = "done"
DIFF_SOAK = "a soak of {soak}, then {then}"
DIFF_CLEANUP = ("then {old} is removed stage by stage (update run {run}, no gates), only once the new copy "
                "served in every stage")
GATES = "a gate after {after}"
NO_GATES = "no gates"
SOAK_GATES = "a soak of {soak} and then a gate after {after}"
INTENT_SOAK = ", soaking {soak} after each stage before its gate"
SUMMARY = "{summary} In stages {stages}, {gates}."
SUMMARY_BACK = ("Roll {deployment} back in stages {stages} to resource snapshot index {index} ({target}, revision "
                "{revision}), {gates}.")
STEP_START = "start update run {run} once {placement} is scheduled on {clusters}"
STEP_START_PINNED = "start update run {run} (pinned to resource snapshot index {index}) once {placement} is scheduled on {clusters}"
STEP_DIRECT_RUN = "follow the update run (no gates) that rolls this change out"
DIRECT_LINE = ("{deployment} is rolled out by KubeFleet update runs since its staged rollout (its placement is "
               "External and cannot go back): this change rolls out through update runs {runs} (strategy {strategy}: "
               "stages {stages}, no gates), one before each wait")
DIRECT_REMOVED = ("{deployment} was rolled out in stages: with its placement go its update runs ({runs}, with their "
                  "approval requests) and its strategies ({strategies})")
DIRECT_SUMMARY = "Rolled out through an update run over stages {stages}, without gates (the placement is External)."
DIRECT_NO_ENV = ("{deployment} is rolled out by KubeFleet update runs (its placement is External), and {clusters} "
                 "has no fleetops.dev/environment label, so no stage would select it: label it first")
STEP_RUN = "follow the staged update run through its stages and gates"
STEP_CLEANUP = "follow the cleanup run (removes the old copy stage by stage)"
STEP_GONE = "wait until the old copy is gone"

# executor: following a run
RUN_STARTED = "update run {run}: started ({stages})"
RUN_CLUSTER = "stage {stage}: {state}"
RUN_GATE = ("gate after stage {stage}: {request} waits for approval (approval as for {next}); {clusters} ready")
RUN_GATE_NOT_READY = "stage {stage} done on KubeFleet's side; waiting for KAITO to report {name} ready on {clusters}"
RUN_SOAKING = "stage {stage}: soaking, {left} left"
RUN_SOAKING_TOTAL = "stage {stage}: soaking ({soak}) before its gate"
RUN_SOAKED = "stage {stage}: soak of {soak} done"
RUN_GATE_APPROVED = "gate after stage {stage} approved; next stage"
RUN_DONE = "update run {run}: every stage done"
RUN_FAILED = "update run {run} failed: {why}"
AT_GATE = "at the gate after stage {stage}"
IN_STAGE = "in stage {stage}"
RUN_STOPPED = ("update run {run} stopped {where}: {why}. Stages done: {done}; not rolled: {rest}. "
               "`roll {deployment} back in stages` takes the stages done back")
RUN_STOPPED_NOWHY = "the run was stopped"
RUN_CLUSTER_FAILED = "{name} failed on {cluster} in stage {stage}: {why}"
RUN_TIMEOUT = "update run {run} made no progress for {duration} (stage {stage}); it is still on the hub"
RUN_EXISTS = "update run {run} already exists: following it on"
RUN_CREATED = "update run {run} created"
RUN_WAIT_SCHEDULED = "waiting for KubeFleet to schedule {placement} on {clusters} before starting update run {run}"
RUN_NOT_SCHEDULED = ("{placement} was not scheduled on {clusters} within {duration} ({why}), so update run {run} was not "
                     "created (a run started earlier fails for good on a real hub). Check the clusters with "
                     "`list clusters`, then try again")
RUN_NO_PLACEMENT = "placement {placement} is not on the hub"
RUN_NOT_PICKED = "not picked yet: {clusters}"
RUN_NOT_SCHEDULED_YET = "not scheduled yet"
RUN_INDEX_GONE = ("resource snapshot index {index} of {placement} is no longer kept by KubeFleet (it keeps {indices}), "
                  "so update run {run} was not created. Plan the staged rollback again")
RUN_WRONG_SNAPSHOT = ("it pinned resource snapshot index {index}, which does not hold {name} as this change wrote it "
                      "(KubeFleet had not cut the snapshot of the change yet), so it was stopped before rolling it")
RUN_INIT_FAILED = "update run {run} failed to start: KubeFleet could not initialize it: {why}"
RUN_GONE = "update run {run} is gone from the hub"
NOTHING = "none"
