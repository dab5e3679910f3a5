"""User-facing text of the embedded fleet: fleet-file errors, simulated KubeFleet/KAITO status
messages, and the ``fleetops demo-fleet`` command's output."""

# --- fleet file (demo-fleet.yaml format) -------------------------------------------------------
SPEC_INVALID = "The fleet file is not valid: {detail}"
SPEC_UNREADABLE = "Cannot read the fleet file {path}: {error}. Check the path (or omit it to use the demo fleet)."
SPEC_NOT_YAML = "The fleet file {path} is not a YAML mapping: {error}"
SPEC_DUPLICATE_CLUSTER = "Cluster '{name}' is listed twice in the fleet file; cluster names must be unique."
SPEC_DUPLICATE_DEPLOYMENT = "Deployment '{name}' is listed twice in the fleet file; deployment names must be unique."
SPEC_HUB_IS_MEMBER = "'{name}' is both the hub and a member cluster; give the hub its own name."
SPEC_BAD_NAME = ("The {what} name '{name}' is not a DNS-1123 label (lower-case letters, digits and '-', "
                 "at most 63 characters).")
SPEC_UNKNOWN_SKU = ("Cluster '{cluster}' lists instance type '{sku}', which is not in the model catalog's "
                    "SKU table; use one of the catalog's instance types.")
SPEC_UNKNOWN_CLUSTER = "Deployment '{deployment}' names cluster '{cluster}', which is not in the fleet file's clusters."
SPEC_REVISION_ORDER = "Deployment '{deployment}' must list its revisions oldest first with distinct numbers."
SPEC_UNKNOWN_MODEL = "Deployment '{deployment}' uses model '{model}', which is not in the model catalog."
SPEC_MODEL_DOES_NOT_FIT = ("Deployment '{deployment}': model '{model}' cannot run on instance type '{sku}' "
                           "according to the model catalog; pick a larger instance type.")

# --- simulated KAITO ---------------------------------------------------------------------------
KAITO_INSUFFICIENT = "need {need} {sku} node{s}, {free} free"
KAITO_UNKNOWN_MODEL = "preset '{model}' is not in the model catalog"
KAITO_DOES_NOT_FIT = "preset '{model}' does not fit on instance type '{sku}'"
KAITO_NODES_PENDING = "waiting for {need} {sku} node{s} to become ready"
KAITO_RESOURCE_READY = "workspace resource is ready ({nodes})"
KAITO_INFERENCE_PENDING = "Inference workload is not ready"
KAITO_INFERENCE_READY = "Inference has been deployed successfully"
KAITO_SUCCEEDED = "workspace succeeds"
KAITO_WAITING_INFERENCE = "workspace is waiting for inference workload readiness"
KAITO_WAITING_RESOURCES = "workspace is waiting for its GPU nodes"
KAITO_NEVER_READY = "inference server is not ready: model server keeps restarting (injected fault)"
KAITO_FAILED_DEFAULT = "inference container crashed: injected fault"
ISET_READY = "all {n} replica(s) are ready"
ISET_SCALING = "{ready} of {n} replica(s) ready"

# --- simulated KubeFleet -----------------------------------------------------------------------
KF_SCHEDULED = 'Successfully scheduled resources for placement in "{cluster}": picked by scheduling policy'
KF_NOT_MEMBER = 'Cluster "{cluster}" is not a member cluster of this fleet'
KF_NOT_JOINED = 'Cluster "{cluster}" has not joined the fleet'
KF_NO_HEARTBEAT = ('Cluster "{cluster}" is not eligible: its member agent has not sent a heartbeat for '
                   '{minutes} minutes')
KF_NOT_SELECTED = 'Cluster "{cluster}" does not match the placement policy'
KF_ROLLOUT_STARTED = "Detected the new changes on the resources and started the rollout process"
KF_NO_OVERRIDE = "No override rules are configured for the selected resources"
KF_OVERRIDDEN = "Successfully applied the override rules on the resources"
KF_WORK_SYNCED = "All of the works are synchronized to the latest"
KF_APPLIED = "All corresponding work objects are applied"
KF_NOT_TRACKABLE = "The availability of work object {work} is not trackable"
KF_APPLY_PENDING = ("Work object {work} is not applied yet: the member agent of {cluster} has not sent a "
                    "heartbeat for {minutes} minutes")
KF_ALL_SCHEDULED = "found all cluster needed as specified by the scheduling policy, found {n} cluster(s)"
KF_SOME_UNSCHEDULED = ("could not find all the clusters needed as specified by the scheduling policy: "
                       "{failed} of {wanted} cluster(s) could not be scheduled ({names})")
KF_ALL_ROLLED = "All of the resources are rolled out to all the target clusters"
KF_ALL_OVERRIDDEN = "Overrides are applied to the resources of all the clusters (or none are configured)"
KF_ALL_SYNCED = "Works are synchronized for all the target clusters"
KF_ALL_APPLIED = "Works and their manifests are applied in {n} cluster(s)"
KF_ALL_AVAILABLE = "The selected resources in {n} cluster(s) are available now"
KF_SOME_PENDING = "Works need to be {what} in {n} cluster(s)"

# --- fleetops demo-fleet -----------------------------------------------------------------------
DEMO_HELP = "Serve the embedded demo fleet (KubeFleet hub + members with KAITO) on loopback until Ctrl-C."
DEMO_EPILOG = """examples:
  fleetops demo-fleet
  fleetops demo-fleet --synthetic 50 --ready-delay 0
  fleetops demo-fleet --kubeconfig ./demo.kubeconfig --port 6443"""
DEMO_ARG_FLEET_FILE = "fleet file in demo-fleet.yaml's format (default: the shipped demo fleet)"
DEMO_ARG_SYNTHETIC = "serve a generated fleet of N member clusters instead"
DEMO_ARG_SEED = "random seed of the synthetic fleet (default 0)"
DEMO_ARG_READY_DELAY = "seconds per KAITO readiness step (default: FLEETOPS_DEMO_READY_DELAY, 2)"
DEMO_ARG_HEARTBEAT = "seconds between member heartbeats (default 60)"
DEMO_ARG_PORT = "loopback port (default: a free one)"
DEMO_ARG_KUBECONFIG = "where to write the kubeconfig (default: a temporary file, removed on exit)"
DEMO_STARTING = "Starting the embedded fleet ({what})..."
DEMO_WHAT_FILE = "{clusters} member clusters, {deployments} deployments from {path}"
DEMO_WHAT_SYNTHETIC = "synthetic fleet: {clusters} member clusters, {deployments} deployments"
DEMO_READY = """Embedded fleet serving at {url}
  hub context: {hub}; member contexts: {members}
  kubeconfig:  {kubeconfig}

Try:  kubectl --kubeconfig {kubeconfig} --context {hub} get memberclusters
      kubectl --kubeconfig {kubeconfig} --context {member} get workspaces,inferencesets -A
Press Ctrl-C to stop."""
DEMO_MEMBERS_MORE = "{shown}, ... and {more} more ({total} in all; `kubectl config get-contexts` lists them)"
DEMO_STOPPED = "Embedded fleet stopped."
DEMO_FAILED = "Could not start the embedded fleet: {error}"
FLEET_NOT_STARTED = "The embedded fleet is not running; call start() first (or use it as a context manager)."
FLEET_IDLE_TIMEOUT = ("The embedded fleet's controllers were still busy after {timeout} s "
                      "({pending} work item(s) pending).")
KF_APPLY_WAITING = "Work object {work} has a new resource snapshot that the member agent has not applied yet"
