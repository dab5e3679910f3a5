"""User-facing text of the command line."""
from __future__ import annotations

TOOL_HELP = "run a read-only tool (fleet inventory, deployments, placement, change requests, audit log)"
PLAN_HELP = "print what a mutating tool would change, without applying it"
TOOLS_HEADING = "tools:"
TOOL_EPILOG = """Arguments are --name value (or --name=value); '-' and '_' are the same; a list argument
(--clusters) may repeat or be comma-separated. Add --json for machine-readable output.
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
