"""Every example of issue 10's "Why" list, with what it must do on the fresh demo fleet (demo-fleet.yaml):
the interpretation (tool call, or clarify / refuse) and, for a change, the plan's per-cluster effect.

The fleet: phi4-chat runs on aks-eastus-prod-1 and aks-westeurope-prod-1; coder-assist (revision 3:
Qwen2.5-Coder-32B on H100, failing on aks-swedencentral-prod-1; revision 2: Qwen2.5-Coder-7B on H100) on
aks-eastus-prod-2 and aks-swedencentral-prod-1; granite-dev on eks-us-west-2-dev-1; aks-japaneast-prod-1 is
cordoned (fleetops.dev/cordoned=gpu-driver-upgrade) and aks-southcentralus-prod-1's heartbeat is 42 minutes old.
The cheapest cluster that can take coder-assist besides its own is eks-us-east-1-prod-1.

Examples that change the fleet (the dev deploy that runs at once; ``deploy phi-4`` while a deployment phi-4
runs on two prod clusters; a re-planned rollback) are in their own modules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EAST1, WEU, WUS3 = "aks-eastus-prod-1", "aks-westeurope-prod-1", "aks-westus3-prod-1"
EAST2, SWEDEN, EKS_EAST = "aks-eastus-prod-2", "aks-swedencentral-prod-1", "eks-us-east-1-prod-1"
JAPAN, SOUTH = "aks-japaneast-prod-1", "aks-southcentralus-prod-1"
INDIA, USW2 = "aks-centralindia-dev-1", "eks-us-west-2-dev-1"
PROD_OK = (EAST1, EAST2, SWEDEN, WEU, WUS3, "eks-ap-northeast-1-prod-1", "eks-eu-central-1-prod-1", EKS_EAST)
PHI4, CODER32, CODER7 = "microsoft/phi-4", "Qwen/Qwen2.5-Coder-32B-Instruct", "Qwen/Qwen2.5-Coder-7B-Instruct"


@dataclass(frozen=True)
class Example:
    """``kind``: the pipeline's reply kind ("change", "clarify", "refuse", "result", or "question": a typed
    planner refusal asked as a question). ``tool``/``args``: the interpretation (exact given arguments);
    ``effect``: {cluster: action} of the plan; ``says``: words the answer must contain; ``never``: words it
    must not contain."""

    text: str
    kind: str
    tool: str | None = None
    args: dict[str, Any] | None = None
    effect: dict[str, str] | None = None
    says: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    left_out: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return self.text


PHI4_CHAT_ADD = dict(kind="change", tool="deploy", args={"name": "phi4-chat", "add_clusters": [WUS3]},
                     effect={EAST1: "keep", WEU: "keep", WUS3: "create"},
                     says=(f"Add {WUS3} to phi4-chat (keeps {EAST1}, {WEU})",))

EXAMPLES = [
    # no phrasing added a cluster; "also run" dropped both current clusters
    Example("also run phi4-chat on aks-westus3-prod-1", **PHI4_CHAT_ADD),  # type: ignore[arg-type]
    Example("add aks-westus3-prod-1 to phi4-chat", **PHI4_CHAT_ADD),  # type: ignore[arg-type]
    # "move off" kept only the failing cluster; "from sweden to westus3" dropped the healthy one
    Example("move coder-assist off aks-swedencentral-prod-1", "change", "move",
            {"deployment": "coder-assist", "from_clusters": [SWEDEN]},
            {EAST2: "keep", SWEDEN: "remove", EKS_EAST: "create"},
            says=(f"Move coder-assist off {SWEDEN} → {EKS_EAST} (keeps {EAST2})",), left_out=(JAPAN, SOUTH)),
    Example("move coder-assist from sweden to westus3", "change", "move",
            {"deployment": "coder-assist", "from_clusters": [SWEDEN], "region": "westus3"},
            {EAST2: "keep", SWEDEN: "remove", WUS3: "create"},
            says=(f"Move coder-assist off {SWEDEN} → {WUS3} (keeps {EAST2})",)),
    # the target revision is recorded with the request (the re-plan test is in test_rollback_replan.py)
    Example("roll back coder-assist", "change", "rollback", {"deployment": "coder-assist"},
            {EAST2: "replace", SWEDEN: "replace"},
            says=("Roll back coder-assist: revision 3 (Qwen2.5-Coder-32B, H100) → revision 2 (Qwen2.5-Coder-7B, H100)",)),
    # a near miss is asked about, never substituted; a bad name or a path is refused with the reason
    Example("deploy qwen2.5-7b-instruct to aks-westus3-staging-1", "clarify",
            says=("qwen2.5-7b-instruct", "Did you mean", CODER7)),
    Example("deploy phi-4 named foo/bar to aks-centralindia-dev-1", "clarify",
            says=("foo/bar", "can't be a deployment name")),
    Example("deploy phi-4 to ../aks-centralindia-dev-1", "clarify", says=("looks like a path", f"`{INDIA}`")),
    # no target at all: ask where
    Example("deploy phi-4", "clarify", says=("Where should I deploy", PHI4)),
    # "all prod clusters" proposes only the clusters that can take it, and says which it leaves out and why
    Example("deploy phi-4 to all prod clusters", "clarify",
            says=(*PROD_OK, "Left out", JAPAN, "tainted", SOUTH, "heartbeat 42 min old")),
    # a named cluster that cannot take it: which one and why, and what can
    Example("deploy phi-4 to aks-japaneast-prod-1", "question", "deploy", {"model": PHI4, "clusters": [JAPAN]},
            says=(f"{PHI4} cannot go to {JAPAN}", "tainted fleetops.dev/cordoned=gpu-driver-upgrade:NoSchedule",
                  f"deploy {PHI4} to {WUS3}"),
            never=("0 of 1 cluster(s) fit",)),
    # questions get the answer they asked for
    Example("is qwen coder 32b healthy?", "result", "list_deployments", {"model": CODER32},
            says=("coder-assist", "failed", f"{SWEDEN}=Failed")),
    Example("which cluster is down?", "result", "list_clusters", {"status": "ineligible"},
            says=(SOUTH, "heartbeat 42 min old"), never=(EAST1,)),
    Example("how much does the fleet cost per hour?", "result", "cost_report", {},
            says=("per hour", "per 30-day month", "coder-assist")),
    Example("what models can we deploy?", "result", "list_models", {}, says=("model(s) in the catalog", PHI4)),
    # unsupported asks are refused as such, saying what is supported
    Example("how many tokens per second does llama-support serve", "refuse",
            says=("Not supported yet", "serving metrics", "What I can do"), never=("secret",)),
    Example("fine-tune llama-support on our support tickets", "refuse", says=("Not supported yet", "fine-tuning")),
    Example("deploy a RAG engine over our docs", "refuse", says=("Not supported yet", "RAG")),
    Example("notify me when coder-assist is ready", "refuse", says=("Not supported yet", "notif")),
    # an absurd number says which and why
    Example("scale mistral-eu to -1 replicas", "clarify", says=("'-1'", "replicas", "from 1 to 100"),
            never=("I don't know where",)),
]
