"""The interpreter's rules name tools through these constants: each is read from the tool's own ``TOOL``
declaration (a renamed tool renames its constant, a removed one fails the import here); the tools DESIGN §4
names that no module declares yet are found by their argument model (``toolset.name_of``)."""
from __future__ import annotations

from bot.interpreter import toolset
from bot.storetools import get_change, list_changes, search_audit
from tools import args as a
from tools import (
    autoscale,
    cordon_cluster,
    cost_report,
    deploy,
    get_cluster,
    get_deployment,
    list_clusters,
    list_deployments,
    list_models,
    move,
    plan_placement,
    rollback,
    uncordon_cluster,
    undeploy,
)

LIST_CLUSTERS = list_clusters.TOOL.name
GET_CLUSTER = get_cluster.TOOL.name
LIST_DEPLOYMENTS = list_deployments.TOOL.name
GET_DEPLOYMENT = get_deployment.TOOL.name
PLAN_PLACEMENT = plan_placement.TOOL.name
LIST_CHANGES = list_changes.TOOL.name
GET_CHANGE = get_change.TOOL.name
SEARCH_AUDIT = search_audit.TOOL.name
LIST_MODELS = list_models.TOOL.name
COST_REPORT = cost_report.TOOL.name
DEPLOY = deploy.TOOL.name
ROLLBACK = rollback.TOOL.name
UNDEPLOY = undeploy.TOOL.name
MOVE = move.TOOL.name
CORDON_CLUSTER = cordon_cluster.TOOL.name
UNCORDON_CLUSTER = uncordon_cluster.TOOL.name
DRAIN_CLUSTER = toolset.name_of(a.DrainClusterArgs)
AUTOSCALE = autoscale.TOOL.name
DECLARE_FREEZE = toolset.name_of(a.DeclareFreezeArgs)
LIFT_FREEZE = toolset.name_of(a.LiftFreezeArgs)

# mutating requests whose target a rule must check before acting (names, pronouns, "never guess")
MUTATING = tuple(n for n in toolset.names() if toolset.get(n).mutating)
