"""Builders for what a member cluster looks like: its MemberCluster on the hub and its Nodes.

Pure functions of a ``ClusterSpec`` (and a clock). The MemberCluster follows
``tools.fleet.conventions`` (labels, GPU capacity/price annotations) and carries the status KubeFleet's
hub and member agents write (conditions, MemberAgent heartbeat, properties, resource usage).
Nodes are a fixed pool: ``gpuCapacity[sku]`` GPU nodes per instance type plus two system nodes,
labelled the way AKS/EKS, NVIDIA GPU feature discovery and KAITO expect.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

from tools.embedded.conditions import make, rfc3339
from tools.embedded.fleetspec import ClusterSpec
from tools.embedded.hardware import SYSTEM_NODE, SYSTEM_NODES_PER_CLUSTER, NodeShape, gpu_shape
from tools.fleet import conventions as cv

MEMBER_AGENT = "MemberAgent"


def _digits(*parts: str, n: int = 8) -> str:
    return str(int(hashlib.sha256("/".join(parts).encode()).hexdigest(), 16))[:n]


def _hex(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]


def _uuid(*parts: str) -> str:
    h = _hex(*parts)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def member_cluster(c: ClusterSpec, label_keys: dict[str, str] | None = None) -> dict:
    keys = label_keys or cv.LABELS
    facts = {"region": c.region, "geo": c.geo, "environment": c.environment, "provider": c.provider}
    labels = {keys[k]: v for k, v in facts.items() if k in keys}
    labels[cv.MEMBER_NAME_LABEL] = c.name
    spec: dict = {
        "identity": {"kind": "ServiceAccount", "name": f"fleet-member-agent-{c.name}",
                     "namespace": "fleet-system", "apiGroup": ""},
        "heartbeatPeriodSeconds": 60,
    }
    if c.taints:
        spec["taints"] = [t.model_dump(exclude_defaults=False) for t in c.taints]
    return {
        "apiVersion": f"{cv.CLUSTER_GROUP}/{cv.CLUSTER_VERSION}",
        "kind": "MemberCluster",
        "metadata": {
            "name": c.name,
            "labels": labels,
            "annotations": {
                cv.GPU_CAPACITY_ANNOTATION: json.dumps(c.gpu_capacity, separators=(",", ":")),
                cv.GPU_PRICE_ANNOTATION: json.dumps(c.price_per_node_hour, separators=(",", ":")),
            },
        },
        "spec": spec,
    }


def _shapes(c: ClusterSpec) -> list[tuple[NodeShape, int]]:
    out = [(SYSTEM_NODE[c.provider], SYSTEM_NODES_PER_CLUSTER)]
    out += [(gpu_shape(sku), n) for sku, n in c.gpu_capacity.items()]
    return out


def _quantities(c: ClusterSpec) -> dict[str, int]:
    cpu = sum(s.cpu * n for s, n in _shapes(c))
    mem = sum(s.memory_gib * n for s, n in _shapes(c))
    return {"cpu": cpu, "memory": mem}


def _cost_properties(c: ClusterSpec, now: str) -> dict[str, dict]:
    """Azure property provider: cost per CPU core and per GB of memory (3-decimal strings)."""
    q = _quantities(c)
    system_price = 0.192  # Standard_D4s_v5 on-demand, USD per hour
    total = system_price * SYSTEM_NODES_PER_CLUSTER + sum(
        c.price_per_node_hour.get(sku, 0.0) * n for sku, n in c.gpu_capacity.items())
    return {
        "kubernetes.azure.com/per-cpu-core-cost": {"value": f"{total / q['cpu']:.3f}", "observationTime": now},
        "kubernetes.azure.com/per-gb-memory-cost": {"value": f"{total / q['memory']:.3f}", "observationTime": now},
    }


def member_cluster_status(c: ClusterSpec, *, now: datetime | None = None,
                          heartbeat: datetime | None = None, generation: int = 1) -> dict:
    """Status as KubeFleet writes it for a joined member whose agent last reported at ``heartbeat``."""
    now = now or datetime.now(UTC)
    ts = rfc3339(now)
    hb = heartbeat or now
    joined_at = rfc3339(min(hb, now) - timedelta(days=30))
    g = generation

    def cond(t: str, reason: str, message: str) -> dict:
        return make(t, "True", reason, message, g, joined_at)

    conditions = [
        cond("ReadyToJoin", "MemberClusterReadyToJoin", "the member cluster is ready to join the hub"),
        cond("Joined", "MemberClusterJoined", "all the agents in the member cluster have joined"),
        cond("ClusterPropertyProviderStarted", "ClusterPropertyProviderStarted",
             f"the {'azure' if c.provider == 'azure' else 'default'} property provider has started"),
        cond("ClusterPropertyCollectionSucceeded", "ClusterPropertyCollectionSucceeded",
             "all cluster properties have been collected"),
    ]
    if c.provider == "azure":
        conditions.append(cond("AKSClusterCostPropertiesCollectionSucceeded", "AKSClusterCostsCollected",
                               "the AKS cluster cost properties have been collected"))
    props = {
        cv.NODE_COUNT_PROPERTY: {"value": str(SYSTEM_NODES_PER_CLUSTER + c.gpu_node_count), "observationTime": ts},
        cv.K8S_VERSION_PROPERTY: {"value": c.kubernetes_version, "observationTime": ts},
    }
    if c.provider == "azure":
        for sku, n in c.gpu_capacity.items():
            props[cv.AZURE_VM_SIZE_COUNT_PROPERTY.format(sku=sku)] = {"value": str(n), "observationTime": ts}
        props.update(_cost_properties(c, ts))
    q = _quantities(c)
    capacity = {"cpu": str(q["cpu"]), "memory": f"{q['memory']}Gi"}
    allocatable = {"cpu": f"{q['cpu'] * 1000 - 140 * _node_total(c)}m",
                   "memory": f"{int(q['memory'] * 1024 * 0.92)}Mi"}
    available = {"cpu": f"{q['cpu'] * 1000 - 940 * _node_total(c)}m",
                 "memory": f"{int(q['memory'] * 1024 * 0.85)}Mi"}
    return {
        "conditions": conditions,
        "agentStatus": [{
            "type": MEMBER_AGENT,
            "conditions": [
                make("Joined", "True", "JoinSucceeded", "the member agent has joined the hub", g, joined_at),
                make("Healthy", "True", "HealthCheckSucceeded", "the member agent is healthy", g, joined_at),
            ],
            "lastReceivedHeartbeat": rfc3339(hb),
        }],
        "properties": props,
        "resourceUsage": {"capacity": capacity, "allocatable": allocatable, "available": available,
                          "observationTime": ts},
    }


def _node_total(c: ClusterSpec) -> int:
    return SYSTEM_NODES_PER_CLUSTER + c.gpu_node_count


def _pool_name(sku: str) -> str:
    """AKS node pool name (``nc24a100``) or EKS node group (``g5-xlarge``) for an instance type."""
    if not sku.startswith("Standard_"):
        return sku.replace(".", "-").lower()
    parts = sku[len("Standard_"):].lower().split("_")
    m = re.match(r"[a-z]+\d+", parts[0])
    return ((m.group(0) if m else parts[0]) + (parts[1] if len(parts) > 2 else ""))[:12]


def node_names(c: ClusterSpec, count: int, pool: str, pool_index: int) -> list[str]:
    if c.provider == "azure":
        digits = _digits(c.name, pool)
        return [f"aks-{pool}-{digits}-vmss{i:06d}" for i in range(count)]
    net = (int(_digits(c.name, n=3)) + pool_index * 8) % 240 + 10  # one /21 per node group
    return [f"ip-10-{net}-{i // 250}-{i % 250 + 4}.{c.region}.compute.internal" for i in range(count)]


def _node(c: ClusterSpec, shape: NodeShape, name: str, pool: str, now: str) -> dict:
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        cv.INSTANCE_TYPE_LABEL: shape.instance_type,
        "topology.kubernetes.io/region": c.region,
        "topology.kubernetes.io/zone": f"{c.region}-1" if c.provider == "azure" else f"{c.region}a",
    }
    if c.provider == "azure":
        labels["kubernetes.azure.com/agentpool"] = pool
        labels["kubernetes.azure.com/mode"] = "system" if shape.gpus == 0 else "user"
    else:
        labels["eks.amazonaws.com/nodegroup"] = pool
    capacity = {"cpu": str(shape.cpu), "memory": f"{shape.memory_gib * 1024 * 1024}Ki", "pods": "110",
                "ephemeral-storage": "263174212Ki"}
    if shape.gpus:
        labels.update({
            "nvidia.com/gpu.present": "true",
            cv.GPU_PRODUCT_LABEL: shape.gpu_product or "",
            cv.GPU_COUNT_LABEL: str(shape.gpus),
            cv.GPU_MEMORY_LABEL: str(shape.gpu_memory_mib),
            "nvidia.com/cuda.compute.major": str(shape.cuda_major),
            "nvidia.com/cuda.compute.minor": str(shape.cuda_minor),
        })
        capacity[cv.GPU_RESOURCE] = str(shape.gpus)
    allocatable = dict(capacity, cpu=f"{shape.cpu * 1000 - 140}m",
                       memory=f"{int(shape.memory_gib * 1024 * 1024 * 0.92)}Ki")
    provider_id = (f"azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                   f"mc_{c.name}/providers/Microsoft.Compute/virtualMachineScaleSets/{name.rsplit('-', 1)[0]}/"
                   f"virtualMachines/{int(name[-6:], 36)}" if c.provider == "azure"
                   else f"aws:///{c.region}a/i-0{_digits(c.name, name, n=16)}")
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "spec": {"providerID": provider_id},
        "status": {
            "capacity": capacity,
            "allocatable": allocatable,
            "conditions": [
                {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status", "lastHeartbeatTime": now,
                 "lastTransitionTime": now},
            ],
            "nodeInfo": {"kubeletVersion": f"v{c.kubernetes_version}", "kubeProxyVersion": f"v{c.kubernetes_version}",
                         "architecture": "amd64", "operatingSystem": "linux",
                         "containerRuntimeVersion": "containerd://1.7.27",
                         "osImage": "Ubuntu 22.04.5 LTS" if c.provider == "azure" else "Amazon Linux 2023",
                         "kernelVersion": ("5.15.0-1089-azure" if c.provider == "azure"
                                           else "6.1.134-150.224.amzn2023.x86_64"),
                         "machineID": _hex(c.name, name, "machine"), "systemUUID": _uuid(c.name, name),
                         "bootID": _uuid(c.name, name, "boot")},
            "addresses": [{"type": "Hostname", "address": name}],
        },
    }


def nodes(c: ClusterSpec, now: datetime | None = None) -> list[dict]:
    """Every Node of the member: the system pool and one pool per GPU instance type."""
    ts = rfc3339(now)
    out = []
    for i, (shape, count) in enumerate(_shapes(c)):
        pool = "system" if shape.gpus == 0 else _pool_name(shape.instance_type)
        for name in node_names(c, count, pool, i):
            out.append(_node(c, shape, name, pool, ts))
    return out
