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
