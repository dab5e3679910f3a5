"""User-facing text of the cluster operations: cordon, uncordon, autoscale, drain."""

# --- cordon / uncordon ---------------------------------------------------------------------------
PLAN_CORDON = ("Cordon {cluster} ({environment}): placement stops choosing it; the {n} deployment(s) running there "
               "stay{deployments}. Reason: {reason}.")
PLAN_UNCORDON = "Uncordon {cluster} ({environment}): placement may choose it again{was}."
UNCORDON_WAS = " (cordoned {who}{when}{why})"
NO_REASON = "none given"
ACTION_CORDON = "add taint {taint}"
ACTION_UNCORDON = "remove taint {taint}"
DIFF_CORDON = "cluster {cluster}: cordon\n  + taint {taint}\n  + annotations {annotations} (who, why, when)"
DIFF_UNCORDON = "cluster {cluster}: uncordon\n  - taint {taint}\n  - annotations {annotations}"
DIFF_KEEP_TAINTS = "  kept taints: {taints}"
ALREADY_CORDONED = ("{cluster} is already cordoned{detail}. Uncordon it first if the cordon should say something "
                    "else.")
NOT_CORDONED = "{cluster} is not cordoned{other}; there is nothing to uncordon."
NOT_CORDONED_OTHER = " (it has other taints fleetops does not manage: {taints}; remove those on the hub)"
CORDON_DETAIL = " ({parts})"
CORDON_BY = "by {who}"
CORDON_AT = "since {at}"
CORDON_REASON = "reason: {reason}"
CORDON_BY_HAND = "set outside fleetops"
UNCORDON_BY_HAND = "outside fleetops"
UNKNOWN_ENV = "unknown environment"

# --- read-only views -----------------------------------------------------------------------------
CORDONED = "cordoned"
CORDON_LINE = "{reason}{by}{at}"
CORDON_LINE_BY = ", by {who}"
CORDON_LINE_AT = ", since {at}"
CLUSTER_CORDON = "Cordon"

# --- autoscale -----------------------------------------------------------------------------------
PLAN_AUTOSCALE = ("Autoscale {deployment} between {min} and {max} replicas per cluster on {clusters} "
                  "(HorizontalPodAutoscaler on {metric}, target {target} per replica): up to {gpus:+d} GPUs, "
                  "up to {cost}/h.")
PLAN_AUTOSCALE_CONVERT = (" {old} is a Workspace (one fixed replica); it becomes InferenceSet {new} first, "
                          "blue/green: {new} starts beside it, and {old} goes once {new} is ready everywhere.")
PLAN_AUTOSCALE_OWNER = (" Each member's HPA owns the replica count there: KubeFleet stops re-applying the hub's "
                        "spec.replicas (a ResourceOverride removes it from what it applies).")
PLAN_AUTOSCALE_OFF = ("Turn autoscaling of {deployment} off: remove its HorizontalPodAutoscaler and give KubeFleet "
                      "the replica count back; it keeps {replicas} replica(s) per cluster (at most {gpus:+d} GPUs, {cost}/h against the previous "
                      "ceiling).")
PLAN_AUTOSCALE_SAME = "{deployment} already autoscales between {min} and {max} replicas: nothing to change."
PLAN_AUTOSCALE_NONE = "{deployment} does not autoscale: nothing to turn off."
ACTION_AUTOSCALE = "autoscale {min}–{max} replicas (now {now}): up to {gpus:+d} GPUs, up to {cost}/h"
ACTION_AUTOSCALE_CONVERT = "replace {old} with InferenceSet {new}, then autoscale {min}–{max} replicas"
ACTION_AUTOSCALE_OFF = "stop autoscaling, keep {replicas} replica(s)"
DIFF_AUTOSCALE = ("deployment {deployment}: autoscale {min}–{max} replicas\n  metric         {metric} "
                  "(Pods, average {target} per replica)\n  target         {kind} {name}")
DIFF_AUTOSCALE_OFF = ("deployment {deployment}: autoscaling off\n  - delete HorizontalPodAutoscaler {name}\n"
                      "  replicas       KubeFleet applies the hub's spec.replicas again")
DIFF_REPLICAS_OWNER = ("  replicas       owned by the member's HPA: ResourceOverride {name} removes spec.replicas "
                       "from what KubeFleet applies")
DIFF_CEILING = "  at max_replicas: GPUs {gpus:+d}, cost {cost} $/h"
TOO_MANY_REPLICAS = ("max_replicas={max} is more than {deployment}'s clusters can give: {limits}. Ask for at most "
                     "max_replicas={fit}, or free capacity there.")
TOO_MANY_LIMIT = "{cluster} fits {fit} replica(s) of {nodes} × {sku} ({free} free node(s), {mine} in use by it)"
NO_ROOM_TO_SWITCH = ("{deployment} must become an InferenceSet first, and {cluster} has no room to start {start} "
                     "replica(s) of {nodes} × {sku} beside the running Workspace ({free} free node(s)). Free "
                     "capacity there, then ask again.")
NOT_PLACED = "{deployment} runs on no cluster; deploy it somewhere before autoscaling it."
NO_RANGE = "Say min_replicas and max_replicas (for example 2 and 5)."
AUTOSCALE_NOTE = "autoscale {min}–{max}"
AUTOSCALE_OFF_NOTE = "autoscaling off"
# rollback (tools/rollback.py) across an autoscale change
ROLLBACK_HPA_REMOVE = "remove the autoscaler (revision {revision} had none)"
ROLLBACK_HPA_WORKSPACE = (" It runs a Workspace (one fixed replica), which cannot autoscale: ask for autoscaling "
                          "again to turn it into an InferenceSet.")
ROLLBACK_HPA_ONLY = "Roll back {deployment} to revision {revision}: it runs the same, only autoscaling differs."
ROLLBACK_HPA_RESTORE = "autoscale {min}–{max} replicas again, as revision {revision} did"
ROLLBACK_HPA_SUMMARY_REMOVE = (" Revision {revision} did not autoscale: the HorizontalPodAutoscaler {name} goes and "
                               "KubeFleet applies the revision's replica count again.")
ROLLBACK_HPA_SUMMARY_RESTORE = (" Revision {revision} autoscaled {min}–{max} replicas: the HorizontalPodAutoscaler "
                                "{name} is put back, and owns the replica count on the members.")

# --- drain (pure part) ---------------------------------------------------------------------------
DRAIN_MOVE = "{deployment}: move to {target} ({why})"
DRAIN_STUCK = "{deployment}: stays on {cluster}, no replacement fits ({why})"
DRAIN_NOTHING = "{cluster} runs no deployment: draining it only cordons it."
DRAIN_ALREADY_THERE = "already runs on every other fitting cluster"


def money(x: float) -> str:
    return f"{'+' if x >= 0 else '-'}${abs(x):,.2f}"

# --- drain (the plan) ----------------------------------------------------------------------------------
PLAN_DRAIN = ("Drain {cluster} ({environment}): {cordon}; then, one deployment at a time, each moves off it "
              "blue/green (the replacement serves before the drained copy goes): {moves}.{stuck}")
DRAIN_CORDON = "cordon it (placement stops choosing it)"
DRAIN_CORDONED = "it is already cordoned{detail}, so the cordon stays as it is"
DRAIN_NO_MOVES = "nothing to move"
DRAIN_STUCK_TAIL = " Left in place, no replacement: {stuck}."
DRAIN_STUCK_ONE = "{deployment} ({why})"
DRAIN_NO_OTHER = "no other {environment} cluster can take it: it already runs on {clusters}"
DRAIN_LEFT_IN_PLACE = "{deployment} stays on {cluster}: no replacement ({why})"
ACTION_DRAIN_KEEP = "{deployment} stays here: no replacement ({why})"
ACTION_DRAIN_PART = "{deployment}: {detail}"
INTENT_DRAIN = "Drain {cluster}: cordon it and move {deployments} off it{stuck}"
INTENT_DRAIN_STUCK = " ({stuck} cannot move and stays)"
INTENT_DRAIN_NOTHING = "Drain {cluster}: cordon it (it runs no deployment)"
NOTHING_TO_DRAIN = ("{cluster} is already cordoned{detail} and runs no deployment: there is nothing to drain. "
                    "Uncordon it to let placement use it again.")
DRAIN_MOVE_SHORT = "{deployment} → {targets}"
NOTHING_TO_DRAIN_STUCK = ("{cluster} is already cordoned{detail}, and nothing running there can move: {stuck}. "
                          "Free capacity elsewhere (or widen the environment) and ask again.")
