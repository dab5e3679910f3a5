"""Typed read models of the fleet: what the adapter returns and what planning reads.

Pure data (pydantic). GPU arithmetic follows demo-fleet.yaml's rules exactly: per instance type,
``used_nodes`` = sum over deployments placed on the cluster of nodes-per-replica x replicas,
``free_nodes`` = ``capacity_nodes`` - ``used_nodes``; GPUs = nodes x GPUs per node.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, computed_field

DeploymentState = Literal["Ready", "Progressing", "Failed", "Pending", "Unknown", "Deleting"]


class Taint(BaseModel):
    key: str
    value: str = ""
    effect: str = "NoSchedule"

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


class Cordon(BaseModel):
    """A fleetops cordon: the ``fleetops.dev/cordoned`` NoSchedule taint and, when fleetops set it, who
    asked, why and when (MemberCluster annotations; absent for a cordon set by hand)."""

    reason: str | None = None
    by: str | None = None
    at: str | None = None  # ISO time
    change_id: str | None = None


class GpuPool(BaseModel):
    """One instance type on one cluster."""

    instance_type: str
    gpu: str  # GPU model (A100, H100, ...), from the catalog's SKU table
    gpus_per_node: int
    capacity_nodes: int
    used_nodes: int
    price_per_node_hour: float | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def free_nodes(self) -> int:
        return self.capacity_nodes - self.used_nodes

    @computed_field  # type: ignore[prop-decorator]
    @property
    def free_gpus(self) -> int:
        return self.free_nodes * self.gpus_per_node

    @computed_field  # type: ignore[prop-decorator]
    @property
    def capacity_gpus(self) -> int:
        return self.capacity_nodes * self.gpus_per_node

    @computed_field  # type: ignore[prop-decorator]
    @property
    def used_gpus(self) -> int:
        return self.used_nodes * self.gpus_per_node


class Cluster(BaseModel):
    name: str
    region: str | None = None
    geo: str | None = None
    environment: str | None = None
    provider: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    kubernetes_version: str | None = None
    node_count: int | None = None
    joined: bool = False
    heartbeat_age_seconds: float | None = None
    taints: list[Taint] = Field(default_factory=list)
    cordon: Cordon | None = None  # set when the fleetops cordon taint is present
    eligible: bool = False
    ineligible_reason: str | None = None
    gpus: list[GpuPool] = Field(default_factory=list)
    deployments: list[str] = Field(default_factory=list)
    resource_version: str | None = None

    def pool(self, instance_type: str) -> GpuPool | None:
        return next((p for p in self.gpus if p.instance_type == instance_type), None)


class ClusterDeploymentState(BaseModel):
    """A deployment's state on one member cluster, as KAITO reports it there."""

    cluster: str
    state: DeploymentState = "Unknown"
    reason: str | None = None
    message: str | None = None
    kaito_object: str | None = None  # name of the KAITO object on the member
    ready_replicas: int | None = None


class Revision(BaseModel):
    """One applied change of a deployment, with the full hub manifests it applied."""

    revision: int
    model: str
    instance_type: str
    replicas: int = 1
    clusters: list[str] = Field(default_factory=list)
    # per-cluster instance types where they differ from ``instance_type`` (ResourceOverride)
    instance_types: dict[str, str] = Field(default_factory=dict)
    manifests: list[dict] = Field(default_factory=list)
    applied_at: str | None = None
    change_id: str | None = None
    note: str | None = None


class Deployment(BaseModel):
    name: str
    model: str
    instance_type: str
    replicas: int = 1
    revision: int = 0
    clusters: list[str] = Field(default_factory=list)
    states: list[ClusterDeploymentState] = Field(default_factory=list)
    revisions: list[Revision] = Field(default_factory=list)
    kaito_kind: str = "Workspace"
    kaito_name: str | None = None
    # per-cluster instance types where a ResourceOverride differs from ``instance_type``
    instance_types: dict[str, str] = Field(default_factory=dict)
    # other KAITO objects in the namespace (a blue/green in flight)
    other_kaito: list[str] = Field(default_factory=list)
    # version tokens of the hub objects this view was read from (plan bases; None = absent)
    resource_versions: dict[str, str | None] = Field(default_factory=dict)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> str:
        """ready | progressing | failed: the worst per-cluster state."""
        states = {s.state for s in self.states}
        if "Failed" in states:
            return "failed"
        if states - {"Ready"}:
            return "progressing"
        return "ready"

    def instance_type_on(self, cluster: str) -> str:
        return self.instance_types.get(cluster, self.instance_type)

    def state_on(self, cluster: str) -> ClusterDeploymentState | None:
        return next((s for s in self.states if s.cluster == cluster), None)


class FleetSnapshot(BaseModel):
    """Everything planning needs, read at one moment."""

    clusters: list[Cluster]
    deployments: list[Deployment]

    def cluster(self, name: str) -> Cluster | None:
        return next((c for c in self.clusters if c.name == name), None)

    def deployment(self, name: str) -> Deployment | None:
        return next((d for d in self.deployments if d.name == name), None)
