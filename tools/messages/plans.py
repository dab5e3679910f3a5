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

# --- intent: what a request means, in words (Plan.intent.text), and the per-cluster lines of a card ----------
INTENT_CREATE = "Deploy {model} as {deployment} on {clusters}"
INTENT_ADD = "Add {added} to {deployment}"
INTENT_ONLY = "Run {deployment} only on {clusters}"
INTENT_UPDATE = "Update {deployment}: {changes}"
INTENT_UPDATE_NOTHING = "Update {deployment}"
INTENT_CHANGE = "{label} {old} → {new}"
INTENT_MOVE = "Move {deployment} off {from_clusters} → {to_clusters}"
INTENT_UNDEPLOY_SOME = "Remove {deployment} from {clusters}, no replacement"
INTENT_UNDEPLOY_ALL = "Remove {deployment} from all its clusters ({clusters})"
INTENT_ROLLBACK = "Roll back {deployment}: revision {old} ({old_what}) → revision {new} ({new_what})"
INTENT_WHAT = "{model}, {gpu}"
INTENT_KEEPS = " (keeps {clusters})"
INTENT_ADDS = "adds {clusters}"
INTENT_LEAVES = "leaves {clusters}"
INTENT_PARTS = ": {parts}"
INTENT_ON = " on {clusters}"
INTENT_STAGES = ", in stages {stages}"
LINE_VERBS = {"create": "add", "update": "update", "replace": "replace", "scale": "scale", "remove": "remove",
              "keep": "keep"}
LINE_ACTION = "{verb} {cluster}: {detail}"
LINE_ACTION_BARE = "{verb} {cluster}"
LINE_LEFT_OUT = "left out {cluster}: {reason}"
ACTION_MOVE_IN = "replaces {old} ({detail})"
ACTION_MOVE_OUT = "remove once {new} serves"
ACTION_UNDEPLOY = "remove, no replacement"

# --- typed refusals of the set operations -----------------------------------------------------------------
ADD_OR_MOVE = ("A deployment named '{name}' already runs {model} on {current}. Say whether to add {requested} to it "
               "(deploy name={name} add_clusters={requested}) or to move it there (move deployment={name} "
               "to_clusters={requested}); to run a second copy, give it another name.")
ADD_NEEDS_DEPLOYMENT = ("add_clusters adds clusters to an existing deployment, and there is no deployment "
                        "'{name}'. To create one, deploy with clusters={clusters}.")
ALREADY_ON = "Deployment '{deployment}' already runs on {clusters}; {todo}"
ALREADY_ON_ADD = "add other clusters, or leave those out."
ALREADY_ON_MOVE = "move it to clusters it does not run on yet."
MOVE_NOWHERE = "Deployment '{deployment}' runs on no cluster; deploy it (name={deployment}, clusters=...) instead."
MOVE_OVERLAP = "a cluster cannot be both left and gained: {clusters}"
CANNOT_TAKE = "{model} cannot go to {clusters}. {hint}"
CANNOT_TAKE_ONE = "{cluster}: {reason}"
# the same refusals asked as questions on the chat and Slack cards (tools.plan_text.question_of)
ASK_ADD_OR_MOVE = ("A deployment named '{name}' already runs on {current}. Add {requested} to it, or move it there? "
                   "To run a second copy, give it another name.")
ASK_CLUSTERS_UNFIT = "{model} cannot go to {clusters}. Which clusters instead?"
OPTION_ADD = "add {clusters} to {name}"
OPTION_MOVE = "move {name} to {clusters}"
OPTION_DEPLOY = "deploy {model} to {cluster}"
CANNOT_TAKE_HINT = "Choose other clusters, or ask for a placement (plan_placement) to see which fit."
ROLLBACK_ALREADY = ("Deployment '{deployment}' already runs what revision {revision} ran (it is at revision "
                    "{current}); nothing to roll back. If you meant another revision, name it (to_revision=...).")
PLAN_MOVE = ("Move {deployment} off {from_clusters} onto {to_clusters}: the new copies start beside the old ones, and "
             "the old ones are removed only once the new ones serve (if they fail, the old ones keep serving).")

# executor: waiting, timeouts, namespaces (issue 11)
EXEC_HUB_VIEW = ("no member access for {clusters}: readiness there is the hub's view (placement applied and "
                 "available for the new resource snapshot); KAITO's own status is not checked")
EXEC_WAITING = "{state} {age}, {what}"
EXEC_NO_KAITO_STATUS = "no KAITO status yet"
EXEC_TIMEOUT_ON = ("{name} was not ready after {duration} on {clusters} ({states}). {hub} Nothing was removed; "
                   "roll back with `roll back {deployment}` or undeploy it if it is not wanted.")
EXEC_GONE_TIMEOUT = "{name} was still present after {duration} ({where}). {hub}"
EXEC_WAIT_NS_GONE = "waiting for namespace {name} to be removed (Terminating until its contents are gone)"
NS_NOT_MANAGED = ("Namespace {name} already exists on the hub and fleetops did not create it (it has no "
                  "fleetops.dev/deployment label), so nothing was applied. Deploy under another name, or adopt it: "
                  "ask again and add 'adopt the existing namespace' (adopt=true); fleetops then labels it and "
                  "manages it from then on (undeploying it later removes the namespace with everything in it).")
NOTHING_TO_ADOPT = ("There is no namespace {name} on the hub that fleetops did not create, so there is nothing to "
                    "adopt; ask again without adopt.")
INTENT_ADOPT = "; adopts the existing namespace {name} (created outside fleetops: it is labelled and managed from now on)"
NS_TERMINATING = ("Namespace {name} is being removed (Terminating since {since}); nothing can be created in it until "
                  "it is gone, so nothing was applied. Wait until `list deployments` no longer shows {name} as "
                  "removing, then ask again.")

# --- plans made of parts (drain_cluster): the executor's per-part progress and outcome ------------------
EXEC_PART = "part {i}/{n}, {label}: {summary}"
EXEC_PART_EVENT = "{label}: {message}"
EXEC_PART_LINE = "{label}: {status}, {message}"
EXEC_PART_STATUS = {"succeeded": "done", "noop": "left as it is", "failed": "FAILED", "skipped": "not run"}
EXEC_PART_SKIPPED = "not run: an earlier part ({label}) failed, and the parts after it depend on it"
EXEC_PARTS_DONE = "All {n} part(s) went through: {parts}"
EXEC_PARTS_FAILED = "{failed} of {n} part(s) did not go through: {parts}"
RECONCILE_PARTS = "parts: {parts}"
LINE_PART = "{i}. {label}: {text}"
LINE_PART_ACTION = "   {line}"
LINE_PART_OUTCOME = "{label}: {status}, {message}"
# failures cleaned up or stated; crash recovery; attention resolved (issue 11)
EXEC_UNDO_CREATE = "undoing: removing what this change created for {deployment} (placement, then namespace)"
EXEC_UNDONE = "Undone: nothing of this change is left on the hub; {deployment} is as it was before"
RECOVER_STAGED = ("fleetops stopped while following this staged rollout; its update run is still on the hub (it may "
                  "be waiting at a gate). Finish resumes following it, gates included.")
EXEC_WAY_BACK_STAGED = ("To take the stages already rolled back: `roll {deployment} back in stages` (a new staged run "
                        "pinned to the previous snapshot, with its own gates).")
EXEC_WAY_BACK = "To go back to the previous revision: `roll back {deployment}` (one approval flow, like any change)."
EXEC_WAY_BACK_CREATE = "To remove what is left: `undeploy {deployment}`."
EXEC_WAY_BACK_REMOVE = "To finish removing it: `undeploy {deployment}`; to bring it back: `roll back {deployment}`."
EXEC_WAIT_NS_BEFORE = ("namespace {name} is still being removed (a recent undeploy): waiting for it to go before "
                       "creating the deployment again")
RECOVER_NOT_ON_HUB = "{name} is not on the hub"
RECOVER_PER_CLUSTER = "Per cluster: {clusters}."
RECOVER_DONE = "it had finished before the restart: revision {revision} is recorded"
RECOVER_FAILED_BEFORE = "it had failed before the restart (its record says what it left)"
RECOVER_UNTOUCHED = ("interrupted before anything of the plan reached the hub; nothing to undo. It can be planned and "
                     "approved again.")
RECOVER_RERUN = "interrupted; its remaining steps were run again after the restart (each is idempotent)."
RECOVER_FINISH = ("interrupted after its new side reached every cluster; after the restart the new side was "
                  "confirmed and the remaining steps run.")
RECOVER_UNDO = ("interrupted before its new side served (it failed, or never fully reached the hub), so recovery "
                "undoes it")
RECOVER_IN_FLIGHT = ("interrupted while its new side was still rolling out; nothing was removed, nothing was "
                     "claimed.")
RECOVER_PAST_SWITCH = ("interrupted after the old side was removed, and the new side is not confirmed on every "
                       "cluster.")
RESOLVE_HOW = ("A person decides: `fleetops changes resolve {id} finish` (wait for the new side, then complete), "
               "`undo` (take it back), or `reviewed` (leave the hub as it is).")
RESOLVE_CANNOT_UNDO = ("It cannot be undone in place: the old side of {deployment} is already gone. {way_back}")
RESOLVE_UNDONE = "undone on request of {who}"
RESOLVE_REVIEWED = "marked reviewed by {who}; the hub is left as it is: {hub}"
# a wait that timed out: what it waited for; the executor then undoes it or says what it left and the way back
EXEC_TIMEOUT_WAITED = "{name} was not ready after {duration} on {clusters} ({states})"
REMOVING_NO_UPDATE = ("Deployment {name} is being removed (its namespace is Terminating), so it cannot be changed. "
                      "To run it again, deploy it with a model (model=...): the new deployment waits until the old "
                      "namespace is gone and continues its revision history.")
