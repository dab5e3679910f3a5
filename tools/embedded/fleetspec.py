"""The demo-fleet.yaml format as typed models: clusters, deployments, revisions, per-cluster states.

``load_fleet(path)`` reads a file (default: the shipped ``demo-fleet.yaml``, loaded unchanged);
``FleetSpec.model_validate(dict)`` takes the same structure (``synthetic.synthetic_fleet`` returns it).
Cross-checks (unknown clusters, models, instance types, duplicate names) raise ``FleetSpecError``
with a message that says what to fix.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tools import data_path
from tools.catalog import default_catalog
from tools.fleet.conventions import LABELS, is_dns1123_label
from tools.messages import embedded as msg


class FleetSpecError(ValueError):
    """The fleet file is malformed or inconsistent; the message names the entry to fix."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TaintSpec(_Model):
    key: str
    value: str = ""
    effect: Literal["NoSchedule"] = "NoSchedule"


class ClusterSpec(_Model):
    name: str
    provider: Literal["azure", "aws"]
    region: str
    geo: str
    environment: str
    kubernetes_version: str = Field(default="1.33.5", alias="kubernetesVersion")
    gpu_capacity: dict[str, int] = Field(default_factory=dict, alias="gpuCapacity")
    price_per_node_hour: dict[str, float] = Field(default_factory=dict, alias="pricePerNodeHour")
    heartbeat_age_minutes: float = Field(default=0.0, alias="heartbeatAgeMinutes", ge=0)
    taints: list[TaintSpec] = Field(default_factory=list)

    @property
    def gpu_node_count(self) -> int:
        return sum(self.gpu_capacity.values())


class RevisionSpec(_Model):
    revision: int = Field(ge=1)
    model: str
    instance_type: str = Field(alias="instanceType")
    replicas: int = Field(default=1, ge=1)


class StatusSpec(_Model):
    """A deployment's KAITO state on one member when it is not Ready."""

    state: Literal["Ready", "Progressing", "Failed"] = "Ready"
    reason: str | None = None
    message: str | None = None


class DeploymentSpec(_Model):
    name: str
    clusters: list[str]
    revisions: list[RevisionSpec] = Field(min_length=1)
    status: dict[str, StatusSpec] = Field(default_factory=dict)

    @property
    def current(self) -> RevisionSpec:
        return self.revisions[-1]


class HubSpec(_Model):
    name: str = "fleet-hub"


class FleetSpec(_Model):
    version: int = 1
    hub: HubSpec = Field(default_factory=HubSpec)
    labels: dict[str, str] = Field(default_factory=lambda: dict(LABELS))
    clusters: list[ClusterSpec]
    deployments: list[DeploymentSpec] = Field(default_factory=list)

    def cluster(self, name: str) -> ClusterSpec | None:
        return next((c for c in self.clusters if c.name == name), None)

    def check(self) -> FleetSpec:
        """Cross-field consistency; raises FleetSpecError."""
        cat = default_catalog()
        names: set[str] = set()
        for c in self.clusters:  # (a set: count() per name and `in` a list were quadratic at thousands of members)
            if c.name in names:
                raise FleetSpecError(msg.SPEC_DUPLICATE_CLUSTER.format(name=c.name))
            names.add(c.name)
        if self.hub.name in names:
            raise FleetSpecError(msg.SPEC_HUB_IS_MEMBER.format(name=self.hub.name))
        for c in self.clusters:
            if not is_dns1123_label(c.name):
                raise FleetSpecError(msg.SPEC_BAD_NAME.format(what="cluster", name=c.name))
            for sku in c.gpu_capacity:
                if cat.sku(sku) is None:
                    raise FleetSpecError(msg.SPEC_UNKNOWN_SKU.format(cluster=c.name, sku=sku))
        seen: set[str] = set()
        for d in self.deployments:
            if d.name in seen:
                raise FleetSpecError(msg.SPEC_DUPLICATE_DEPLOYMENT.format(name=d.name))
            seen.add(d.name)
            if not is_dns1123_label(d.name):
                raise FleetSpecError(msg.SPEC_BAD_NAME.format(what="deployment", name=d.name))
            for cname in [*d.clusters, *d.status]:
                if cname not in names:
                    raise FleetSpecError(msg.SPEC_UNKNOWN_CLUSTER.format(deployment=d.name, cluster=cname))
            numbers = [r.revision for r in d.revisions]
            if numbers != sorted(set(numbers)):
                raise FleetSpecError(msg.SPEC_REVISION_ORDER.format(deployment=d.name))
            for r in d.revisions:
                model = cat.get(r.model)
                if model is None:
                    raise FleetSpecError(msg.SPEC_UNKNOWN_MODEL.format(deployment=d.name, model=r.model))
                if model.nodes_on(r.instance_type) is None:
                    raise FleetSpecError(msg.SPEC_MODEL_DOES_NOT_FIT.format(
                        deployment=d.name, model=r.model, sku=r.instance_type))
        return self


def parse_fleet(data: dict) -> FleetSpec:
    try:
        return FleetSpec.model_validate(data).check()
    except ValidationError as e:
        raise FleetSpecError(msg.SPEC_INVALID.format(detail=e)) from e


def default_fleet_file() -> Path:
    return data_path("fleet", "demo-fleet.yaml")


def load_fleet(path: Path | None = None) -> FleetSpec:
    """Read a fleet file (default: the shipped demo fleet)."""
    p = Path(path) if path else default_fleet_file()
    try:
        data = yaml.safe_load(p.read_text())
    except OSError as e:
        raise FleetSpecError(msg.SPEC_UNREADABLE.format(path=p, error=e)) from e
    except yaml.YAMLError as e:
        raise FleetSpecError(msg.SPEC_NOT_YAML.format(path=p, error=e)) from e
    if not isinstance(data, dict):
        raise FleetSpecError(msg.SPEC_NOT_YAML.format(path=p, error="top level is not a mapping"))
    return parse_fleet(data)
