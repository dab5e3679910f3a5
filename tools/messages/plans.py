"""User-facing text of plans, mutating tools and the executor."""

PLAN_CREATE = "Create deployment {deployment} ({model}) on {n} cluster(s): {clusters}."
PLAN_IN_PLACE = "Update deployment {deployment} in place."
PLAN_BLUE_GREEN = ("Blue/green update of {deployment}: start {new} beside {old}, wait until it is ready on every "
                   "cluster, then remove {old} (if {new} fails, {old} keeps serving).")
PLAN_NOOP = "Deployment {deployment} already looks like that: nothing to change."
PLAN_UNDEPLOY_ALL = "Remove deployment {deployment} from all its clusters ({clusters})."
PLAN_UNDEPLOY_SOME = "Remove deployment {deployment} from {clusters}; it keeps running on {remaining}."
PLAN_ROLLBACK_NOTE = "rollback to revision {revision}"

ACTION_CREATE = "start on {sku} × {replicas} replica(s)"
ACTION_REMOVE = "remove"
ACTION_SCALE = "scale replicas {old} → {new}"
ACTION_REPLACE = "replace {old} with {new} on {sku}"
ACTION_KEEP = "no change"

STEP_WAIT_READY = "wait until KAITO reports it ready"
STEP_WAIT_GONE = "wait until it is gone"

DIFF_HEADER = "deployment {deployment}: {strategy} (revision {old} → {new})"
DIFF_ROW = "  {label:<14} {value}"
DIFF_CHANGE = "  {label:<14} {old} → {new}"
DIFF_APPLY = "  + apply  {kind} {name}"
DIFF_DELETE = "  - delete {kind} {name}"
DIFF_GPU = "  GPUs {gpu}, cost {cost} $/h"
DIFF_PEAK = "  during the switch both sides run: up to {peak} GPUs for the new side on top of the old"

NAME_TAKEN = ("a deployment named '{name}' already exists (it runs {model} on {clusters}). To change it, name it "
              "(name={name}); to run another copy, give a new name.")
NEED_MODEL = "Say which model to deploy (for example model=microsoft/phi-4), or which deployment to change (name=...)."
NAME_TOO_LONG = "deployment names can have at most {max} characters ('{name}' has {n}); choose a shorter name"
NO_REVISIONS = "Deployment '{deployment}' has no earlier revision to go back to."
UNKNOWN_REVISION = "Deployment '{deployment}' has no revision {revision}. Available revisions: {available}."
ROLLBACK_UNFIT = ("Revision {revision} of '{deployment}' ran {model} on {sku} on {cluster}, which {cluster} cannot run "
                  "now ({why}). Roll back to another revision, or deploy it again with name={deployment} and the "
                  "clusters or instance type you want.")
ROLLBACK_NO_SKU = "it has no {sku} nodes"
ROLLBACK_NO_FIT = "the model does not run on {sku}"
SAME_REVISION = "Deployment '{deployment}' already runs revision {revision}; nothing to roll back."
NOT_ON_CLUSTERS = "Deployment '{deployment}' does not run on {clusters}; it runs on {current}."
NO_CAPACITY = ("{cluster} has only {free} free {sku} node(s); {deployment} needs {need} more. Free capacity there or "
               "choose other clusters.")
STALE = ("The fleet changed since this plan was made ({changes}); it was not applied. Plan again and approve the "
         "new plan.")
EXEC_STEP_APPLY = "apply {kind} {name}"
EXEC_STEP_DELETE = "delete {kind} {name}"
EXEC_WAIT_READY = "waiting for {name} to be ready on {clusters}"
EXEC_WAIT_GONE = "waiting for {name} to leave {clusters}"
EXEC_FAILED_ON = "{name} failed on {cluster}: {reason}"
EXEC_TIMEOUT = "{name} was not ready after {seconds} s on {clusters}"
EXEC_UNDO = "undoing: the new side is removed, the previous version keeps serving"
EXEC_DONE = "{deployment} is now at revision {revision}"
EXEC_DONE_NO_REVISION = "done: {summary}"
EXEC_STEP_PATCH = "update {kind} {name}"
EXEC_UNKNOWN_REQUESTER = "unknown"
STRATEGY_NAMES = {"create": "create", "in_place": "in place", "blue_green": "blue/green", "remove": "remove",
                  "noop": "no change"}
EXEC_UNDO_FAILED = "undo did not finish ({problems}): check the deployment by hand"
PLAN_ALTERED = "The plan was altered after it was sealed (its hash no longer matches); plan again."
