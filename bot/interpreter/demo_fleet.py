"""A FleetSnapshot read straight from ``demo-fleet.yaml`` (no API server).

For unit tests, the benchmark, and as the CLI's fallback when ``bot.fleetconn`` is unavailable.
The live path is ``bot.fleetconn.open_fleet().snapshot()`` (the fleet adapter).
"""
from __future__ import annotations

from pathlib import Path

import yaml

from tools import data_path
from tools.catalog import Catalog, default_catalog
from tools.fleet.models import Cluster, ClusterDeploymentState, Deployment, FleetSnapshot, GpuPool, Revision, Taint


def demo_snapshot(path: Path | None = None, catalog: Catalog | None = None) -> FleetSnapshot:
    cat = catalog or default_catalog()
    raw = yaml.safe_load((path or data_path("fleet", "demo-fleet.yaml")).read_text())
    deployments = []
    used: dict[tuple[str, str], int] = {}
    for d in raw.get("deployments") or []:
        revs = [
            Revision(revision=r["revision"], model=r["model"], instance_type=r["instanceType"],
                     replicas=r.get("replicas", 1), clusters=list(d["clusters"]))
            for r in d.get("revisions") or []
        ]
        last = revs[-1]
        states = [
            ClusterDeploymentState(cluster=c, **{k: v for k, v in (d.get("status") or {}).get(c, {
                "state": "Ready"}).items() if k in ("state", "reason", "message")})
            for c in d["clusters"]
        ]
        deployments.append(Deployment(
            name=d["name"], model=last.model, instance_type=last.instance_type, replicas=last.replicas,
            revision=last.revision, clusters=list(d["clusters"]), states=states, revisions=revs,
        ))
        model = cat.get(last.model)
        nodes = (model.nodes_on(last.instance_type) if model else 1) or 1
        for c in d["clusters"]:
            key = (c, last.instance_type)
            used[key] = used.get(key, 0) + nodes * last.replicas
    clusters = []
    for c in raw.get("clusters") or []:
        pools = []
        for itype, cap in (c.get("gpuCapacity") or {}).items():
            sku = cat.sku(itype)
            pools.append(GpuPool(
                instance_type=itype, gpu=sku.gpu if sku else "unknown", gpus_per_node=sku.gpus if sku else 1,
                capacity_nodes=int(cap), used_nodes=used.get((c["name"], itype), 0),
                price_per_node_hour=(c.get("pricePerNodeHour") or {}).get(itype),
            ))
        age = float(c.get("heartbeatAgeMinutes", 0)) * 60
        taints = [Taint(**t) for t in c.get("taints") or []]
        clusters.append(Cluster(
            name=c["name"], region=c.get("region"), geo=c.get("geo"), environment=c.get("environment"),
            provider=c.get("provider"), kubernetes_version=c.get("kubernetesVersion"), joined=True,
            heartbeat_age_seconds=age, taints=taints, eligible=age <= 300 and not taints, gpus=pools,
            deployments=[d.name for d in deployments if c["name"] in d.clusters],
        ))
    return FleetSnapshot(clusters=clusters, deployments=deployments)
