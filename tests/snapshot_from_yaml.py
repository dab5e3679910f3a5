"""A FleetSnapshot built straight from demo-fleet.yaml and the catalog yaml: the reference numbers.

Deliberately independent of tools/placement*.py and of tools.catalog: it reads the raw YAML and applies
the rules in demo-fleet.yaml's header by hand. Tests mutate ``demo_fleet_raw()`` and call
``snapshot_from_raw`` to build variants.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import yaml

from tools.fleet.models import Cluster, ClusterDeploymentState, Deployment, FleetSnapshot, GpuPool, Revision, Taint

DATA = Path(__file__).resolve().parents[1] / "tools" / "data"
FLEET_YAML = DATA / "fleet" / "demo-fleet.yaml"
CATALOG_YAML = DATA / "crds" / "kaito" / "model-catalog.yaml"
FRESH_HEARTBEAT_SECONDS = 30.0


@lru_cache(maxsize=1)
def _fleet() -> dict:
    return yaml.safe_load(FLEET_YAML.read_text())


@lru_cache(maxsize=1)
def _catalog() -> dict:
    return yaml.safe_load(CATALOG_YAML.read_text())


def demo_fleet_raw() -> dict:
    """A fresh, mutable copy of demo-fleet.yaml."""
    return copy.deepcopy(_fleet())


def catalog_raw() -> dict:
    """The catalog yaml as loaded (do not mutate)."""
    return _catalog()


def nodes_per_replica(model: str, sku: str) -> int | None:
    """nodesBySku[model][sku] from the raw catalog (preset ids match case-insensitively)."""
    for m in _catalog()["models"]:
        if m["preset"].lower() == model.lower():
            return (m.get("nodesBySku") or {}).get(sku) or None
    raise KeyError(model)


def used_nodes(fleet: dict, cluster: str, sku: str) -> int:
    """Σ over deployments on ``cluster`` whose last revision uses ``sku``: nodes per replica × replicas."""
    total = 0
    for d in fleet.get("deployments", []):
        last = d["revisions"][-1]
        if cluster in d["clusters"] and last["instanceType"] == sku:
            total += nodes_per_replica(last["model"], sku) * last["replicas"]
    return total


def _cluster(fleet: dict, c: dict) -> Cluster:
    skus = _catalog()["skus"]
    label_keys = fleet["labels"]
    hb = c.get("heartbeatAgeMinutes")
    hb_s = FRESH_HEARTBEAT_SECONDS if hb is None else float(hb) * 60
    taints = [Taint(**t) for t in c.get("taints") or []]
    reasons = []
    if hb_s > 5 * 60:
        reasons.append(f"heartbeat {int(hb_s // 60)} min old (limit 5 min)")
    reasons += [f"tainted {t}" for t in taints if t.effect == "NoSchedule"]
    gpus = [
        GpuPool(instance_type=sku, gpu=skus[sku]["gpu"], gpus_per_node=skus[sku]["gpus"],
                capacity_nodes=cap, used_nodes=used_nodes(fleet, c["name"], sku),
                price_per_node_hour=(c.get("pricePerNodeHour") or {}).get(sku))
        for sku, cap in (c.get("gpuCapacity") or {}).items()
    ]
    labels = {label_keys[k]: c[k] for k in ("region", "geo", "environment", "provider") if c.get(k)}
    labels["kubernetes-fleet.io/member-name"] = c["name"]
    return Cluster(
        name=c["name"], region=c.get("region"), geo=c.get("geo"), environment=c.get("environment"),
        provider=c.get("provider"), labels=labels, kubernetes_version=c.get("kubernetesVersion"),
        joined=True, heartbeat_age_seconds=hb_s, taints=taints, eligible=not reasons,
        ineligible_reason="; ".join(reasons) or None, gpus=gpus,
        deployments=[d["name"] for d in fleet.get("deployments", []) if c["name"] in d["clusters"]],
    )


def _deployment(d: dict) -> Deployment:
    last = d["revisions"][-1]
    status = d.get("status") or {}
    states = [
        ClusterDeploymentState(cluster=c, state=(status.get(c) or {}).get("state", "Ready"),
                               reason=(status.get(c) or {}).get("reason"),
                               message=(status.get(c) or {}).get("message"))
        for c in d["clusters"]
    ]
    revisions = [
        Revision(revision=r["revision"], model=r["model"], instance_type=r["instanceType"],
                 replicas=r["replicas"], clusters=list(d["clusters"]))
        for r in d["revisions"]
    ]
    return Deployment(name=d["name"], model=last["model"], instance_type=last["instanceType"],
                      replicas=last["replicas"], revision=last["revision"], clusters=list(d["clusters"]),
                      states=states, revisions=revisions,
                      kaito_kind="Workspace" if last["replicas"] == 1 else "InferenceSet")


def snapshot_from_raw(fleet: dict) -> FleetSnapshot:
    return FleetSnapshot(clusters=[_cluster(fleet, c) for c in fleet["clusters"]],
                         deployments=[_deployment(d) for d in fleet.get("deployments", [])])


def demo_snapshot() -> FleetSnapshot:
    """The demo fleet as the adapter should report it right after ``fleetops demo`` starts."""
    return snapshot_from_raw(demo_fleet_raw())
