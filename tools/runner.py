"""Run a tool against a live fleet: read a snapshot, then call the tool's pure function.

The read-only fleet tools return a result (``.to_json()``, ``.render()``); the mutating ones return a
``Plan``. Nothing here writes: applying a plan is the executor's job, after approval.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from tools import registry
from tools.args import Args
from tools.catalog import Catalog, default_catalog
from tools.fleet import conventions as cv
from tools.fleet import inventory as inv
from tools.fleet.adapter import Fleet
from tools.fleet.kube import Ref
from tools.fleet.models import Deployment, FleetSnapshot
from tools.plan import Plan

# read-only tools that only need the fleet (list_changes, get_change, search_audit read the bot's store)
FLEET_READ_TOOLS = ("list_clusters", "get_cluster", "list_deployments", "get_deployment", "plan_placement")
PLANNERS = {"deploy": "tools.deploy", "rollback": "tools.rollback", "undeploy": "tools.undeploy"}


def run_readonly(name: str, args: Args, snap: FleetSnapshot, catalog: Catalog | None = None) -> Any:
    if name not in FLEET_READ_TOOLS:
        raise registry.UnknownTool(name)
    mod = import_module(f"tools.{name}")
    if name == "plan_placement":
        return mod.run(snap, args, catalog or default_catalog())
    return mod.run(snap, args)


def live_objects(fleet: Fleet, snap: FleetSnapshot, deployment: str | None) -> dict:
    """The hub KAITO object and its ResourceOverride of a deployment (for in-place updates)."""
    dep = snap.deployment(deployment) if deployment else None
    if dep is None or not dep.kaito_name:
        return {}
    kaito = fleet.get(Ref(dep.kaito_kind, dep.kaito_name, dep.name))
    override = fleet.get(Ref("ResourceOverride", f"{dep.kaito_name}-sku", dep.name))
    return {"kaito": kaito, "override": override}


def with_retired(fleet: Fleet, snap: FleetSnapshot, deployment: str | None) -> FleetSnapshot:
    """``snap`` plus ``deployment`` when it was removed from every cluster but its revision record remains
    (no clusters, no hub objects), so that a rollback can bring it back."""
    if not deployment or snap.deployment(deployment) is not None:
        return snap
    cm_name = cv.revisions_configmap_name(deployment)
    cm = fleet.hub.get("ConfigMap", cm_name, cv.REVISIONS_NAMESPACE)
    revisions = inv.revisions_from_configmap(cm)
    if not revisions:
        return snap
    last = revisions[-1]
    retired = Deployment(
        name=deployment, model=last.model, instance_type=last.instance_type, replicas=last.replicas,
        revision=last.revision, clusters=[], revisions=revisions, kaito_kind=cv.kaito_kind(last.replicas),
        resource_versions={f"Namespace/{deployment}": None, f"ClusterResourcePlacement/{deployment}": None,
                           f"ConfigMap/{cv.REVISIONS_NAMESPACE}/{cm_name}": inv.version_token(cm)})
    return snap.model_copy(update={"deployments": [*snap.deployments, retired]})


def plan(name: str, args: Args, fleet: Fleet, snap: FleetSnapshot | None = None,
         catalog: Catalog | None = None) -> Plan:
    """Compute a mutating tool's plan from the live fleet (no writes)."""
    if name not in PLANNERS:
        raise registry.UnknownTool(name)
    snap = snap or fleet.snapshot()
    target = getattr(args, "deployment", None) or getattr(args, "name", None)
    if name == "rollback":
        snap = with_retired(fleet, snap, target)
    live = live_objects(fleet, snap, target)
    return import_module(PLANNERS[name]).plan(args, snap, catalog or fleet.catalog, live=live)
