"""User-facing text of the command line."""
from __future__ import annotations

TOOL_HELP = "run a read-only tool (fleet inventory, deployments, placement, change requests, audit log)"
PLAN_HELP = "print what a mutating tool would change, without applying it"
TOOLS_HEADING = "tools:"
TOOL_EPILOG = """Arguments are --name value (or --name=value); '-' and '_' are the same; a list argument
(--clusters) may repeat or be comma-separated. Add --json for machine-readable output, --all for
every row of a large answer (by default it is summarised).
Without KUBECONFIG the embedded demo fleet is used.

examples:
  fleetops tool list_clusters --geo eu --gpu A100
  fleetops tool plan_placement --model phi-4 --count 2 --environment prod --json
  fleetops plan deploy --model "llama 3.1 8b" --clusters aks-eastus-prod-2,eks-us-east-1-prod-1
  fleetops plan rollback --deployment coder-assist
"""


ERROR = "error: {message}"
ARG_UNEXPECTED = "unexpected '{tok}': arguments look like --name value"
ARG_UNKNOWN = "{tool} has no argument --{arg}; it takes {known}"
ARG_NEEDS_VALUE = "--{arg} needs a value"


def render_plan(plan) -> str:
    lines = [plan.summary, "", plan.diff, "", "per cluster:"]
    for a in plan.actions:
        lines.append(f"  {a.cluster:<28} {a.action:<8} {a.detail}  ({a.gpu_delta:+d} GPUs, "
                     f"{a.cost_delta_per_hour:+.2f} $/h)")
    if plan.environments:
        lines.append(f"environments: {', '.join(plan.environments)}")
    lines.append(f"plan hash: {plan.hash}")
    return "\n".join(lines)


# --- fleetops manifests ----------------------------------------------------------------------------------
MANIFESTS_HELP = "print the Kubernetes manifests that run fleetops in its hub cluster (pipe into kubectl apply -f -)"
MANIFESTS_DESCRIPTION = """Print the objects that install fleetops next to its KubeFleet hub: Namespace,
ServiceAccount and least-privilege RBAC, a ConfigMap with the approval policy, a PersistentVolumeClaim for the
database, a Deployment (1 replica, Recreate, non-root, probes) and, in HTTP mode, a Service.

  fleetops manifests | kubectl apply -f -
  fleetops manifests --socket --namespace ops --image registry.example.com/fleetops:0.1.0 > fleetops.yaml"""
MANIFESTS_HEADER = """fleetops {version}: apply on the hub cluster with `kubectl apply -f -`.
Before the pod can start, create the Secret it reads (never part of these manifests, so applying them again
never overwrites your tokens):
  kubectl -n {namespace} create secret generic {secret} \\
    --from-literal=slack-bot-token=xoxb-... {mode_secret}
    [--from-literal=llm=openai:gpt-4.1-mini --from-literal=llm-api-key=...]
Image: {image} (build it with `docker build -t {image} .` from the repository and push it where the hub pulls)."""
MANIFESTS_BAD_POLICY = "error: cannot read the policy file {path} ({error}); pass --policy FILE with a readable policy"


# --- fleetops serve --------------------------------------------------------------------------------------
SERVE_PORT_BUSY = ("fleetops serve: cannot listen on {host}:{port} ({error}); stop what listens there or pass "
                   "--port N (FLEETOPS_PORT)")
SERVE_FLEET_DEMO = "fleetops serve: fleet: the embedded demo fleet (no KUBECONFIG set; changes are not real)"
SERVE_FLEET_HUB = "fleetops serve: fleet: hub {hub} at {endpoint}"
SERVE_WRITER_ACTIVE = "fleetops serve: this copy executes changes ({how})"
SERVE_ALERTS_TO = "fleetops serve: health watch on; incidents are posted to {channel}"
SERVE_ALERTS_NOWHERE = ("fleetops serve: health watch on; incidents are recorded, not posted "
                        "(set FLEETOPS_ALERTS_CHANNEL to a channel id to post them)")
SERVE_WRITER_STANDBY = ("fleetops serve: standby: another copy executes changes ({how}); this one answers "
                        "read-only requests, records approvals and takes over when the other stops")
SERVE_HTTP_NEXT = ("fleetops serve: listening on {url} (health /healthz, readiness /readyz, metrics /metrics; "
                   "Ctrl-C to stop)\n"
                   "Next: expose it over HTTPS and put https://<your-host>/slack/events as the request URL of "
                   "the slash command, interactivity and events in your Slack app (manifest.yaml), then "
                   "`/fleet help` in Slack.")
SERVE_SOCKET_NEXT = ("fleetops serve: connected to Slack in Socket Mode; health, readiness and metrics on "
                     "{url} (Ctrl-C to stop)\nNext: `/fleet help` in Slack.")
STANDBY_NOT_EXECUTED = ("approved; this copy of fleetops is on standby ({how}), so the active copy runs it, "
                        "or this one when it takes over")
MANIFESTS_BAD_NAMESPACE = ("error: --namespace {namespace!r} is not a valid namespace name; use lower-case letters, "
                           "digits and '-' (at most 63, e.g. fleetops)")
SERVE_NO_PROBES = "no port (set FLEETOPS_PORT or --port to serve them)"
EVAL_TRY_EXAMPLES = " (`fleetops eval` with no file scores the shipped examples, {path})"
DEMO_SYNTHETIC_BAD = "error: --synthetic needs a number of clusters of at least 1 (got {n}), e.g. --synthetic 50"
CHANGES_SHOW_MORE = "(every field, manifests included: fleetops changes show {id} --json)"
DEMO_DATABASE = ("Demo database (fresh each run; FLEETOPS_DB keeps one): {path}\n"
                 "  review it afterwards with `fleetops audit list --db {path}` and `fleetops audit verify --db {path}`")
CHAT_AUDIT_BAD_FILTER = "{problem}. /audit takes {options} (e.g. /audit --since 24h --actor U0BOB)"
