"""User-facing text of the read-only tools and of placement: errors, reasons, renderings.

Templates only (``str.format`` fields); the code in ``tools/`` fills them in. Plain text, no ANSI, so
that the same string works in a terminal and inside a Slack code block.
"""
from __future__ import annotations

# --- errors (tools/errors.py) ------------------------------------------------------------------
DID_YOU_MEAN = " Did you mean {names}?"
UNKNOWN_NAME = "There is no {kind} named '{name}'.{hint} {todo}"
UNKNOWN_TODO = {
    "cluster": "Run list_clusters to see the member clusters.",
    "deployment": "Run list_deployments to see the deployments.",
    "model": "Use a KAITO preset id such as microsoft/phi-4 or a legacy alias such as phi-4.",
    "instance type": "Use an instance type from the model catalog, e.g. Standard_NC24ads_A100_v4.",
}
UNKNOWN_TODO_DEFAULT = "Check the spelling."
NOTHING_FITS = "No placement for {model}: {found}. {hint}"
NOTHING_FITS_FOUND = "{chosen} of {count} cluster(s) fit"
NOTHING_FITS_HINT = "Run plan_placement with the same arguments to see why each cluster was rejected."
INVALID_REQUEST = "Invalid request: {detail}"

# --- placement: rejections (one line per cluster) ------------------------------------------------
R_UNKNOWN_CLUSTER = "unknown cluster{hint}"
R_UNKNOWN_HINT = " (did you mean {names}?)"
R_NOT_LISTED = "not among the requested clusters"
R_EXCLUDED = "excluded by the request"
R_HEARTBEAT = "heartbeat {age} old (ineligible)"
R_NOT_JOINED = "not joined to the fleet (ineligible)"
R_INELIGIBLE = "{reason} (ineligible)"
R_INELIGIBLE_DEFAULT = "not eligible for placement"
R_TAINTED = "tainted {taints} (not placeable)"
R_LABEL = "{filter} {value} (wanted {wanted})"
R_UNSET = "unset"
R_NO_GPUS = "no GPU instance types"
R_NO_GPU = "no {gpu} instance types"
R_NO_INSTANCE_TYPE = "no {instance_type} instance type"
R_HW_MISMATCH = "{instance_type} is not a {gpu} instance type"
R_MODEL_DOES_NOT_FIT = "{model} does not fit on {types} (catalog)"
R_NO_CAPACITY = "needs {nodes} × {instance_type}, only {free} free"
R_NO_CAPACITY_OTHERS = " (its {n} other instance type(s) are short too)"
R_OVER_CAP = "{cost} over the {cap} cap ({nodes} × {instance_type})"
R_NO_PRICE = "no price for {instance_type}"
# fitting clusters that were outranked
R_OUTRANKED_COST = "fits at {cost} but {n} cheaper {clusters} {were} chosen"
R_OUTRANKED_COST_TIE = "fits at {cost} but {n} {clusters} as cheap or cheaper {were} chosen first"
R_OUTRANKED_CAPACITY = "fits with {free} {gpu} GPUs free after but {n} {clusters} with more free GPUs {were} chosen"
R_OUTRANKED_CAPACITY_TIE = "fits with {free} {gpu} GPUs free after but {n} {clusters} with as many or more {were} chosen first"
R_OUTRANKED_SPREAD_REGION = "fits at {cost} but region {region} is already covered by {other}"
R_OUTRANKED_SPREAD = "fits at {cost} but {n} {clusters} in other regions or cheaper {were} chosen first"

# --- placement: choices --------------------------------------------------------------------------
OPTION = "{nodes} × {instance_type} ({gpu}) at {cost}"
FREE_AFTER = "{free} {gpu} {gpus} free after"
C_COST = "cheapest option: {option}; {free_after}"
C_CAPACITY = "most free capacity: {option}; {free_after}"
C_SPREAD_NEW_REGION = "cheapest in region {region}: {option}; {free_after}"
C_SPREAD_REUSED = "cheapest remaining (every fitting region already used): {option}; {free_after}"

# --- placement: suggestions when fewer than `count` clusters fit ---------------------------------
S_UNKNOWN_INSTANCE_TYPE = "'{instance_type}' is not in the model catalog's instance types{hint}"
S_UNKNOWN_INSTANCE_TYPE_HINT = "; did you mean {names}?"
S_RELAX_FILTER = "without {filter}={wanted}: {cluster} ({value}) fits with {option}"
S_NOT_NAMED = "{cluster} was not named but fits with {option}"
S_OTHER_TYPES = "other instance types with room: {options}"
S_OTHER_TYPE = "{option} on {cluster}"
S_RAISE_CAP = "raising max_cost_per_hour from {cap} to {needed} (+{delta}) would add {clusters}"
S_RAISE_CAP_SHORT = "raising max_cost_per_hour to {needed} (+{delta}) would add only {clusters}"
S_FEWER_REPLICAS = "with {fit} replica(s) instead of {replicas}: {cluster} fits ({nodes} × {instance_type} at {cost})"
S_FEWER_CLUSTERS = "only {n} of {count} cluster(s) fit: ask for count={n}, or relax a filter"
S_SMALLEST = ("nothing in the fleet can take it now; it needs the fewest nodes on {options}: free such "
              "nodes (undeploy something) or add capacity")
S_EXPLICIT = "{n} known cluster(s) were named but count={count}: name more clusters or lower count"

# --- renderings ----------------------------------------------------------------------------------
NONE = "-"
YES, NO = "yes", "no"
OK = "ok"
STATUS_INELIGIBLE = "ineligible"
STATUS_TAINTED = "tainted"

PLACEMENT_TITLE = ("Placement of {model}: {count} cluster(s) × {replicas} replica(s), prefer {prefer}"
                   "{filters}")
PLACEMENT_FILTERS = " ({filters})"
PLACEMENT_CHOSEN = "Chosen: {n} of {count}"
PLACEMENT_NONE_CHOSEN = "Chosen: none of {count}"
PLACEMENT_WHY = "Why:"
PLACEMENT_REJECTED = "Rejected:"
PLACEMENT_SUGGESTIONS = "What would fit:"
PLACEMENT_HEAD = ("CLUSTER", "REGION", "INSTANCE TYPE", "GPU", "NODES", "$/H", "GPUS FREE AFTER")
PLACEMENT_TOTAL = "Total: {cost} for {nodes} node(s)"

CLUSTERS_HEAD = ("CLUSTER", "REGION", "ENV", "PROVIDER", "STATUS", "INSTANCE TYPE", "GPU",
                 "FREE/CAP NODES", "FREE GPUS", "$/NODE-H")
CLUSTERS_NONE = "No clusters match{filters}."
CLUSTERS_COUNT = "{n} cluster(s){filters}."
CLUSTERS_NOTES = "Not placeable:"
CLUSTER_NOTE = "  {name}: {reason}"

CLUSTER_TITLE = "Cluster {name}"
CLUSTER_FIELDS = (
    ("region", "Region"), ("geo", "Geo"), ("environment", "Environment"), ("provider", "Provider"),
    ("kubernetes_version", "Kubernetes"), ("node_count", "Nodes"),
)
CLUSTER_JOINED = "Joined"
CLUSTER_HEARTBEAT = "Heartbeat"
CLUSTER_HEARTBEAT_AGE = "{age} ago"
CLUSTER_ELIGIBLE = "Placeable"
CLUSTER_TAINTS = "Taints"
CLUSTER_LABELS = "Labels"
CLUSTER_GPUS = "GPU pools:"
CLUSTER_GPUS_HEAD = ("INSTANCE TYPE", "GPU", "GPUS/NODE", "CAP NODES", "USED", "FREE NODES",
                     "FREE GPUS", "$/NODE-H")
CLUSTER_NO_GPUS = "  (no GPU instance types)"
CLUSTER_DEPLOYMENTS = "Deployments:"
CLUSTER_DEPLOYMENTS_HEAD = ("DEPLOYMENT", "MODEL", "INSTANCE TYPE", "REPLICAS", "REV", "STATE", "REASON")
CLUSTER_NO_DEPLOYMENTS = "  (none)"

DEPLOYMENTS_HEAD = ("DEPLOYMENT", "MODEL", "INSTANCE TYPE", "REPLICAS", "REV", "STATUS", "CLUSTERS")
DEPLOYMENTS_NONE = "No deployments match{filters}."
DEPLOYMENTS_COUNT = "{n} deployment(s){filters}."
CLUSTER_STATE = "{cluster}={state}"

DEPLOYMENT_TITLE = "Deployment {name}: {model} on {instance_type}, {replicas} replica(s), revision {revision} ({status})"
DEPLOYMENT_KAITO = "KAITO object: {kind} {name}"
DEPLOYMENT_CLUSTERS = "Per cluster:"
DEPLOYMENT_CLUSTERS_HEAD = ("CLUSTER", "STATE", "REASON", "MESSAGE")
DEPLOYMENT_REVISIONS = "Revisions (oldest first):"
DEPLOYMENT_REVISIONS_HEAD = ("REV", "MODEL", "INSTANCE TYPE", "REPLICAS", "CLUSTERS", "APPLIED AT", "NOTE")
DEPLOYMENT_CURRENT = "{revision} *"
DEPLOYMENT_NO_CLUSTERS = "  (not placed on any cluster)"
DEPLOYMENT_NO_REVISIONS = "  (no revisions recorded)"

UNOWNED = "unowned"

MODELS_HEAD = ("MODEL", "PARAMS", "INSTANCE TYPES (NODES PER REPLICA)")
MODELS_COUNT = "{n} model(s) in the catalog{filters}."
MODELS_NONE = "No model in the catalog fits{filters}."
MODELS_FIT = "{instance_type} ({gpu}) ×{nodes}"
MODELS_FIT_ROOM = "{instance_type} ({gpu}) ×{nodes}{room}"
MODELS_ROOM = ", room now"
MODELS_NO_ROOM = ", full now"
MODELS_NOWHERE = "(no instance type of the fleet)"

COST_HEAD = ("{group}", "NODES", "GPUS", "$/HOUR", "$/MONTH")
COST_TITLE = "GPU cost{filters}: {hour} per hour, {month} per 30-day month ({nodes} node(s), {gpus} GPU(s))."
COST_NONE = "Nothing runs{filters}: no GPU cost."
COST_UNPRICED = "No price known for: {what} (not counted)."
COST_GROUP_NAMES = {"deployment": "DEPLOYMENT", "cluster": "CLUSTER", "environment": "ENVIRONMENT", "team": "TEAM",
                    "model": "MODEL"}


def plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many
