"""Argument models for every tool (DESIGN §4), validated so that a user can act on the error.

Names are DNS-1123 labels, ``model`` resolves against the KAITO catalog (preset id, legacy alias, or
the part after the org, case-insensitively) to the preset id, counts are >= 1, costs > 0, and the
enumerations are closed. Unknown fields are rejected (a typo is an error, not a silent default).
"""
from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from tools.catalog import GPU_MODELS, Catalog, UnknownModel, default_catalog
from tools.fleet.conventions import is_dns1123_label
from tools.messages import args as M


class Geo(str, Enum):
    us = "us"
    eu = "eu"
    apac = "apac"


class Environment(str, Enum):
    prod = "prod"
    staging = "staging"
    dev = "dev"


class Provider(str, Enum):
    azure = "azure"
    aws = "aws"


class Gpu(str, Enum):
    A10 = "A10"
    A10G = "A10G"
    A100 = "A100"
    H100 = "H100"
    H200 = "H200"
    L4 = "L4"


class Prefer(str, Enum):
    cost = "cost"
    capacity = "capacity"
    spread = "spread"


class DeploymentStatus(str, Enum):
    ready = "ready"
    progressing = "progressing"
    failed = "failed"


class ClusterStatus(str, Enum):
    placeable = "placeable"
    cordoned = "cordoned"
    ineligible = "ineligible"


class GroupBy(str, Enum):
    deployment = "deployment"
    cluster = "cluster"
    environment = "environment"
    team = "team"
    model = "model"


class ChangeStatus(str, Enum):
    pending = "pending"
    approved = "approved"
    executing = "executing"
    succeeded = "succeeded"
    failed = "failed"
    rejected = "rejected"
    expired = "expired"
    cancelled = "cancelled"
    stale = "stale"
    attention = "attention"


assert tuple(g.value for g in Gpu) == GPU_MODELS


def _lower(v: Any) -> Any:
    return v.strip().lower() if isinstance(v, str) else v


def _gpu(v: Any) -> Any:
    if isinstance(v, str):
        for g in Gpu:
            if g.value.lower() == v.strip().lower():
                return g.value
    return v


def _name(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    v = v.strip()
    if not is_dns1123_label(v):
        raise ValueError(M.BAD_NAME.format(value=v))
    return v


def _names(v: Any) -> Any:
    if isinstance(v, str):
        v = [x for x in re.split(r"[,\s]+", v) if x]
    if isinstance(v, (list, tuple)):
        out: list[str] = []
        for x in v:
            x = _name(x)
            if x not in out:
                out.append(x)
        if not out:
            raise ValueError(M.NO_CLUSTER_NAMES)
        return out
    return v


def _catalog(info: ValidationInfo) -> Catalog:
    """The catalog model names resolve against: the one passed in the validation context
    (``Model.model_validate(raw, context={"catalog": catalog})``, as ``Tool.validate`` does), else, for
    arguments built directly (``DeployArgs(model=...)`` in tests and scripts), the packaged default."""
    given = (info.context or {}).get("catalog") if isinstance(info.context, dict) else None
    return given if given is not None else default_catalog()


def _model(v: Any, info: ValidationInfo) -> Any:
    if not isinstance(v, str):
        return v
    try:
        return _catalog(info).resolve(v).preset
    except UnknownModel as e:
        raise ValueError(str(e)) from None


def _envs(v: Any) -> Any:
    """An ordered list of distinct environments ("dev, staging, prod" or a list)."""
    if isinstance(v, str):
        v = [x for x in re.split(r"[,\s]+", v) if x]
    if isinstance(v, (list, tuple)):
        out: list[Any] = []
        for x in v:
            x = _lower(x)
            if x in out:
                raise ValueError(M.REPEATED_STAGE.format(value=x))
            out.append(x)
        if not out:
            raise ValueError(M.NO_STAGES)
        return out
    return v


SOAK_MAX = 24 * 3600  # seconds: a soak between stages lasts at most a day
_SOAK_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])")


def soak_seconds(text: str) -> int:
    """Seconds in a soak duration as written ("10m", "1h30m", "90s", "10 minutes"); ValueError when not one."""
    rest, total = text.strip().lower(), 0.0
    if not rest:
        raise ValueError(M.BAD_SOAK.format(value=text))
    while rest:
        m = _SOAK_PART.match(rest)
        if not m:
            raise ValueError(M.BAD_SOAK.format(value=text))
        total += float(m.group(1)) * {"h": 3600, "m": 60, "s": 1}[m.group(2)[0]]
        rest = rest[m.end():].lstrip(" ,").removeprefix("and ").lstrip()
    return round(total)


def soak_text(seconds: int) -> str:
    """A KubeFleet TimedWait ``waitTime`` (h/m/s only): 90 -> "1m30s", 3600 -> "1h"."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s else "")


def _soak(v: Any) -> Any:
    """A soak duration, positive and at most 24h, in KubeFleet's waitTime form ("10m", "1h30m")."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = f"{v}s"
    if not isinstance(v, str):
        return v
    n = soak_seconds(v)
    if n <= 0:
        raise ValueError(M.SOAK_NOT_POSITIVE.format(value=v))
    if n > SOAK_MAX:
        raise ValueError(M.SOAK_TOO_LONG.format(value=v))
    return soak_text(n)


LowerGeo = Annotated[Geo, BeforeValidator(_lower)]
LowerEnv = Annotated[Environment, BeforeValidator(_lower)]
LowerProvider = Annotated[Provider, BeforeValidator(_lower)]
GpuArg = Annotated[Gpu, BeforeValidator(_gpu)]
LowerPrefer = Annotated[Prefer, BeforeValidator(_lower)]
Name = Annotated[str, BeforeValidator(_name)]
Names = Annotated[list[str], BeforeValidator(_names)]
ModelId = Annotated[str, BeforeValidator(_model)]
Region = Annotated[str, BeforeValidator(_lower), Field(min_length=1, max_length=64)]
InstanceType = Annotated[str, Field(min_length=1, max_length=64)]
Count = Annotated[int, Field(ge=1, le=100)]
Stages = Annotated[list[Environment], BeforeValidator(_envs)]
Soak = Annotated[str, BeforeValidator(_soak)]
Environments = Annotated[list[Environment], BeforeValidator(_envs)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
Cost = Annotated[float, Field(gt=0)]

_SINCE = re.compile(r"^(\d+)\s*([mhdw])$")


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, str_strip_whitespace=True)

    def given(self) -> dict[str, Any]:
        """Arguments the caller actually set (what ``parse --json`` prints)."""
        return self.model_dump(exclude_unset=True, mode="json")


class ListClustersArgs(Args):
    """List member clusters with their GPU inventory, optionally filtered."""

    region: Region | None = None
    geo: LowerGeo | None = None
    environment: LowerEnv | None = None
    provider: LowerProvider | None = None
    gpu: GpuArg | None = None
    min_free_gpus: Annotated[int, Field(ge=0)] | None = None
    status: Annotated[ClusterStatus, BeforeValidator(_lower)] | None = None


class GetClusterArgs(Args):
    """Show one member cluster: labels, eligibility, GPUs per instance type, deployments."""

    name: Name


class ListDeploymentsArgs(Args):
    """List model deployments, optionally filtered by model, cluster, environment or status."""

    model: ModelId | None = None
    cluster: Name | None = None
    environment: LowerEnv | None = None
    status: Annotated[DeploymentStatus, BeforeValidator(_lower)] | None = None
    team: Name | None = None


class GetDeploymentArgs(Args):
    """Show one deployment: revision history and, per cluster, the KAITO state and reason."""

    name: Name


class _PlacementFilters(Args):
    count: Count | None = None
    geo: LowerGeo | None = None
    region: Region | None = None
    environment: LowerEnv | None = None
    provider: LowerProvider | None = None
    gpu: GpuArg | None = None
    instance_type: InstanceType | None = None
    max_cost_per_hour: Cost | None = None
    prefer: LowerPrefer | None = None


class PlanPlacementArgs(_PlacementFilters):
    """Find the best clusters for a model (read-only): filters, ranking, one reason per cluster."""

    model: ModelId
    replicas: Count | None = None


def _soak_needs_stages(soak: str | None, stages: list | None) -> None:
    if soak is not None and not stages:
        raise ValueError(M.SOAK_WITHOUT_STAGES.format(soak=soak))


class DeployArgs(_PlacementFilters):
    """Create a deployment or update one (model, instance type, replicas, clusters)."""

    model: ModelId | None = None
    name: Name | None = None
    clusters: Names | None = None
    add_clusters: Names | None = None
    replicas: Count | None = None
    stages: Stages | None = None
    # a TimedWait after every stage but the last, before its gate (KubeFleet waitTime: "10m", "1h"); only with stages
    soak: Soak | None = None
    team: Name | None = None
    # a new deployment takes over an existing hub namespace of its name that fleetops did not create (explicit,
    # recorded in the plan and the audit log); without it such a namespace is refused
    adopt: bool | None = None

    @model_validator(mode="after")
    def _one_target_set(self) -> DeployArgs:
        if self.clusters is not None and self.add_clusters is not None:
            raise ValueError(M.CLUSTERS_AND_ADD)
        _soak_needs_stages(self.soak, self.stages)
        return self


class MoveArgs(Args):
    """Move a deployment off some clusters onto others (replacements chosen by placement when not named)."""

    deployment: Name
    from_clusters: Names | None = None
    to_clusters: Names | None = None
    geo: LowerGeo | None = None
    region: Region | None = None
    environment: LowerEnv | None = None
    provider: LowerProvider | None = None
    gpu: GpuArg | None = None
    prefer: LowerPrefer | None = None


class RollbackArgs(Args):
    """Return a deployment to an earlier revision (default: the previous one)."""

    deployment: Name
    to_revision: Annotated[int, Field(ge=1)] | None = None
    stages: Stages | None = None
    soak: Soak | None = None  # as in DeployArgs: a TimedWait before each gate; only with stages

    @model_validator(mode="after")
    def _soak_with_stages(self) -> RollbackArgs:
        _soak_needs_stages(self.soak, self.stages)
        return self


class CordonClusterArgs(Args):
    """Cordon a member cluster: placement stops choosing it (a NoSchedule taint); what runs there stays."""

    name: Name
    reason: Reason | None = None


class UncordonClusterArgs(Args):
    """Uncordon a member cluster: placement may choose it again."""

    name: Name


class DrainClusterArgs(Args):
    """Drain a member cluster: cordon it and move every deployment off it, as one change."""

    name: Name
    reason: Reason | None = None


class AutoscaleArgs(Args):
    """Scale a deployment's replicas automatically between min and max (enabled=false turns it off)."""

    deployment: Name
    min_replicas: Count | None = None
    max_replicas: Count | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _range(self) -> AutoscaleArgs:
        if self.enabled and (self.min_replicas is None or self.max_replicas is None):
            raise ValueError(M.AUTOSCALE_RANGE_MISSING)
        if self.min_replicas is not None and self.max_replicas is not None \
                and self.min_replicas > self.max_replicas:
            raise ValueError(M.AUTOSCALE_MIN_ABOVE_MAX.format(min=self.min_replicas, max=self.max_replicas))
        return self


class DeclareFreezeArgs(Args):
    """Declare a change freeze on some environments until a time (ISO or relative: 2h, 3d)."""

    environments: Environments
    until: Annotated[str, Field(min_length=1, max_length=64)]
    reason: Reason | None = None


class LiftFreezeArgs(Args):
    """Lift a declared change freeze (by its name)."""

    name: Annotated[str, Field(min_length=1, max_length=64)]


class ListModelsArgs(Args):
    """List the models in the catalog with the instance types they fit, optionally by GPU or cluster."""

    gpu: GpuArg | None = None
    fits: Name | None = None


class CostReportArgs(Args):
    """What the fleet's GPUs cost per hour and per 30-day month, grouped as asked."""

    group_by: Annotated[GroupBy, BeforeValidator(_lower)] | None = None
    deployment: Name | None = None
    environment: LowerEnv | None = None
    team: Name | None = None


class UndeployArgs(Args):
    """Remove a deployment from some or all of its clusters."""

    deployment: Name
    clusters: Names | None = None


class ListChangesArgs(Args):
    """List change requests, optionally by status."""

    status: Annotated[ChangeStatus, BeforeValidator(_lower)] | None = None


class GetChangeArgs(Args):
    """Show one change request: plan, approvals, progress, outcome."""

    id: Annotated[str, BeforeValidator(lambda v: str(v).strip().lstrip("#") if v is not None else v),
                  Field(min_length=1, max_length=64)]


class SearchAuditArgs(Args):
    """Search the audit log."""

    actor: str | None = None
    deployment: Name | None = None
    cluster: Name | None = None
    action: str | None = None
    since: str | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] | None = None

    @field_validator("actor")
    @classmethod
    def _actor(cls, v: str | None) -> str | None:
        """Slack member ids are upper case (U024BE7LH); the log stores them so."""
        if v is None:
            return v
        v = v.strip().lstrip("@")
        return v.upper() if re.fullmatch(r"[UuWwBb][A-Za-z0-9]{2,}", v) else v

    @field_validator("since")
    @classmethod
    def _since(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.strip().lower()
        if _SINCE.match(v) or re.match(r"^\d{4}-\d{2}-\d{2}([t ][0-9:.]+z?)?$", v):
            return v
        raise ValueError(M.BAD_SINCE.format(value=v))
