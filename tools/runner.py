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
from tools.fleet.adapter import Fleet
from tools.fleet.kube import Ref
from tools.fleet.models import FleetSnapshot
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


def plan(name: str, args: Args, fleet: Fleet, snap: FleetSnapshot | None = None,
         catalog: Catalog | None = None) -> Plan:
    """Compute a mutating tool's plan from the live fleet (no writes)."""
    if name not in PLANNERS:
        raise registry.UnknownTool(name)
    snap = snap or fleet.snapshot()
    target = getattr(args, "deployment", None) or getattr(args, "name", None)
    live = live_objects(fleet, snap, target)
    return import_module(PLANNERS[name]).plan(args, snap, catalog or fleet.catalog, live=live)
