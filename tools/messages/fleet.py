"""User-facing text of the fleet adapter."""

UNREACHABLE = (
    "Cannot reach the API server of cluster '{cluster}' at {endpoint}{detail}. Check that the cluster is up, "
    "that this machine can reach that address, and that the kubeconfig points at the right endpoint."
)
FORBIDDEN = (
    "fleetops is not allowed to {verb} {resource} on cluster '{cluster}'{detail}. Grant it with the ClusterRole "
    "in tools/data/rbac/fleetops-rbac.yaml (kubectl apply -f) bound to the identity in your kubeconfig."
)
NOT_FOUND = "There is no {resource} named '{name}' on cluster '{cluster}'."
CONFLICT = (
    "{resource} '{name}' on cluster '{cluster}' kept changing while fleetops wrote it{detail}. "
    "Someone else is editing it: try again in a moment."
)
INVALID = (
    "Cluster '{cluster}' rejected {resource} '{name}': {message}. This is a fleetops bug if fleetops built the "
    "object; please report it with this message."
)
ROLLOUT_TIMEOUT = (
    "Rollout of '{deployment}' did not finish within {seconds} s (still waiting on {pending}). "
    "Check the clusters with `fleetops tool get_deployment --name {deployment}`."
)
NO_KUBECONFIG = (
    "No kubeconfig found at {path}. Set KUBECONFIG to your KubeFleet hub's kubeconfig, or unset it to use the "
    "embedded demo fleet."
)
NO_CONTEXT = "The kubeconfig {path} has no context '{context}'. Contexts there: {available}."
HEARTBEAT_STALE = "heartbeat {age} old (KubeFleet's limit is 5 min)"
NO_HEARTBEAT = "no MemberAgent heartbeat reported"
NOT_JOINED = "member agent has not joined (Joined={status})"
UNHEALTHY = "member agent unhealthy for more than 5 min"
BEING_DELETED = "being deleted"
TAINTED = "tainted {taints}"
UNEXPECTED = "Cluster '{cluster}' answered {status} to {method} {path}: {msg}"
BAD_KUBECONFIG = "The kubeconfig {path} cannot be used: {error}. Check it with `kubectl --kubeconfig {path} config view`."

# realistic-hub behaviour (issue 11)
NAMESPACE_TERMINATING = (
    "Namespace '{namespace}' on cluster '{cluster}' is being deleted (Terminating): nothing new can be created "
    "in it until it is gone. Wait until `list deployments` no longer shows it as removing, then try again."
)
WRITE_TIMEOUT = (
    "Cluster '{cluster}' timed out on {method} {path}; the write may still land. fleetops retries it (every "
    "write is idempotent); if this persists, check the API server's health."
)

# rollout progress as the hub reports it (tools.fleet.rollout)
RO_NO_PLACEMENT = "no ClusterResourcePlacement on the hub yet"
RO_NO_SNAPSHOT = "the hub has not taken a resource snapshot with {name} yet"
RO_NOT_SCHEDULED = "not in the placement's status yet"
RO_OLD_SNAPSHOT = "placement status is still for resource snapshot {seen}; waiting for snapshot {want}"
RO_NOT_APPLIED = "not applied on the member yet"
RO_NOT_AVAILABLE = "applied, not available yet"
MEMBER_READ_PENDING = ("applied and available per the hub; the member's own KAITO status is still being read "
                       "(fleetops just started): ask again in a few seconds")
RO_HUB_VIEW = "applied and available per the hub (no member access: KAITO readiness is the hub's view)"
RO_HUB_NAMESPACE = "Namespace {name}{state}"
RO_HUB_PLACEMENT = "placement on {clusters} (resource snapshot {index})"
RO_HUB_NOW = "On the hub now: {what}."
RO_HUB_NOTHING = "nothing of it"

# revision records whose change did not finish (issue 11: intent written before acting)
REVISION_IN_PROGRESS = "not carried out yet: change {change} in progress or interrupted"
REVISION_FAILED = "failed (change {change}), left on the hub as described"
WATCH_EXPIRED = (
    "The watch of {kind} on cluster '{cluster}' cannot resume from resourceVersion {rv}: the API server no "
    "longer keeps that history (410 Gone). fleetops lists them again; nothing to do."
)
CACHE_NOT_WARM = (
    "The fleet cache has not finished its first list of {kinds} from the hub within {seconds} s. "
    "fleetops reads the hub directly until it does; check the hub's load and that the identity may watch them."
)
