"""The one place the interpreter's rules name tools: one constant per tool, each checked against
the registry (``toolset``) when the package loads, so a renamed or removed tool fails loudly here."""
from __future__ import annotations

from bot.interpreter import toolset


def _tool(name: str) -> str:
    toolset.get(name)  # raises UnknownTool when the registry does not have it
    return name


LIST_CLUSTERS = _tool("list_clusters")
GET_CLUSTER = _tool("get_cluster")
LIST_DEPLOYMENTS = _tool("list_deployments")
GET_DEPLOYMENT = _tool("get_deployment")
PLAN_PLACEMENT = _tool("plan_placement")
LIST_CHANGES = _tool("list_changes")
GET_CHANGE = _tool("get_change")
SEARCH_AUDIT = _tool("search_audit")
LIST_MODELS = _tool("list_models")
COST_REPORT = _tool("cost_report")
DEPLOY = _tool("deploy")
ROLLBACK = _tool("rollback")
UNDEPLOY = _tool("undeploy")
MOVE = _tool("move")
CORDON_CLUSTER = _tool("cordon_cluster")
UNCORDON_CLUSTER = _tool("uncordon_cluster")
DRAIN_CLUSTER = _tool("drain_cluster")
AUTOSCALE = _tool("autoscale")
DECLARE_FREEZE = _tool("declare_freeze")
LIFT_FREEZE = _tool("lift_freeze")

# mutating requests whose target a rule must check before acting (names, pronouns, "never guess")
MUTATING = tuple(n for n in toolset.names() if toolset.get(n).mutating)
