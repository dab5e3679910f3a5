"""Typed read models of the fleet: what the adapter returns and what planning reads.

Pure data (pydantic). GPU arithmetic follows demo-fleet.yaml's rules exactly: per instance type,
``used_nodes`` = sum over deployments placed on the cluster of nodes-per-replica x replicas,
``free_nodes`` = ``capacity_nodes`` - ``used_nodes``; GPUs = nodes x GPUs per node.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, Literal, overload

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    computed_field,
    model_serializer,
    model_validator,
)
from pydantic_core import CoreSchema, core_schema

from tools.fleet.conventions import KINDS


class ObjectRef(BaseModel):
    """The one reference to a hub or member object: kind, name, namespace (and its apiVersion).

    ``ObjectRef("Workspace", "phi-4-r1", "phi-4")`` (positional: kind, name, namespace) or by keywords;
    ``apiVersion`` defaults from the kind (``conventions.KINDS``). Immutable and hashable. Plans store it as
    ``{"apiVersion", "kind", "name", "namespace"?}``."""

    model_config = ConfigDict(frozen=True)

    apiVersion: str = ""
    kind: str
    name: str
    namespace: str | None = None

    def __init__(self, kind: str | None = None, name: str | None = None, namespace: str | None = None,
                 /, **data: Any) -> None:
        for key, val in (("kind", kind), ("name", name), ("namespace", namespace)):
            if val is not None:
                data[key] = val
        super().__init__(**data)

    @model_validator(mode="before")
    @classmethod
    def _default_api_version(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("apiVersion") and data.get("kind") in KINDS:
            data = {**data, "apiVersion": KINDS[data["kind"]][0]}
        return data

    @classmethod
    def of(cls, obj: dict) -> ObjectRef:
        meta = obj.get("metadata") or {}
        return cls(apiVersion=obj.get("apiVersion") or "", kind=obj["kind"], name=meta["name"],
                   namespace=meta.get("namespace"))

    def key(self) -> str:
        """``Kind/name`` or ``Kind/namespace/name`` (the keys of a plan's ``base``)."""
        return f"{self.kind}/{self.namespace + '/' if self.namespace else ''}{self.name}"

    @classmethod
    def from_key(cls, key: str) -> ObjectRef:
        parts = key.split("/")
        return cls(parts[0], parts[-1], parts[1] if len(parts) == 3 else None)

    def as_dict(self) -> dict:
        return self.model_dump(exclude_none=True)

    def __str__(self) -> str:
        return self.key()


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
    # where the change that makes this revision got to: None = carried out (older records have no status);
    # "in_progress" = the intent, written before the change's first hub write (not carried out yet);
    # "failed" = the change failed and left what it wrote on the hub (the note says what)
    status: Literal["in_progress", "failed"] | None = None
    # autoscaling as this revision left it: {"min_replicas": a, "max_replicas": b} = on, {} = off, None = as the
    # revision before (tools that do not touch autoscaling record nothing; ``tools.replica_owner.autoscale_at``)
    autoscaling: dict[str, int] | None = None

    @model_serializer(mode="wrap")
    def _without_empty_status(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        """No ``status``/``autoscaling`` key when it is None: plans embed a revision, and their hashes (and the
        records written before the fields existed) must not change."""
        data = handler(self)
        if isinstance(data, dict):
            for key in ("status", "autoscaling"):
                if data.get(key) is None:
                    data.pop(key, None)
        return data

    @property
    def carried_out(self) -> bool:
        return self.status != "in_progress"


class RevisionHistory(Sequence[Revision]):
    """A deployment's revision records, each parsed into a ``Revision`` only when first read.

    A fleet of thousands holds tens of thousands of deployments, each with records that carry the full manifests
    they applied; parsed, those were most of a snapshot's memory (60 MB of 86 at 1,000 clusters), yet an answer
    reads the records of one or two deployments. So a snapshot keeps each record as the text the hub stores
    (shared with the cached ConfigMap) plus what every snapshot needs of it (its number and whether its change
    was carried out), and ``load`` makes the ``Revision`` on first use (kept from then on).

    ``RevisionHistory(entries, load)``: ``entries`` in revision order, ``load(text)`` → the ``Revision`` as shown.
    Reads like the list it stands for (index, iterate, ``len``, ``==`` with a list)."""

    __slots__ = ("_entries", "_items", "_load")

    def __init__(self, entries: Sequence[tuple[int, bool, str]], load: Callable[[str], Revision]) -> None:
        self._entries = tuple(entries)
        self._load = load
        self._items: list[Revision] | None = None

    def revisions(self) -> list[Revision]:
        if self._items is None:
            self._items = [self._load(raw) for _n, _done, raw in self._entries]
        return self._items

    def numbers(self) -> tuple[int, ...]:
        """The revision numbers, in order (no record parsed)."""
        return tuple(n for n, _done, _raw in self._entries)

    def pending(self) -> set[int]:
        """Revisions whose change was not carried out (in progress or failed part-way)."""
        return {n for n, done, _raw in self._entries if not done}

    def last_carried_out(self) -> int:
        return next((n for n, done, _raw in reversed(self._entries) if done), 0)

    @overload
    def __getitem__(self, i: int) -> Revision: ...

    @overload
    def __getitem__(self, i: slice) -> list[Revision]: ...

    def __getitem__(self, i: int | slice) -> Revision | list[Revision]:
        return self.revisions()[i]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Revision]:
        return iter(self.revisions())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RevisionHistory):
            return self._entries == other._entries or self.revisions() == other.revisions()
        return isinstance(other, Sequence) and self.revisions() == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RevisionHistory({list(self.numbers())})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """As a field: a ``RevisionHistory`` is kept as it is (unparsed), a list is validated as ``list[Revision]``;
        either serializes as the list of records."""
        items = handler.generate_schema(list[Revision])
        return core_schema.union_schema(
            [core_schema.is_instance_schema(cls), handler(source)],
            serialization=core_schema.wrap_serializer_function_ser_schema(lambda v, h: h(list(v)), schema=items))


def revision_numbers(revisions: Sequence[Revision]) -> tuple[int, ...]:
    """The numbers of ``revisions`` (of a ``RevisionHistory``: without parsing a record)."""
    if isinstance(revisions, RevisionHistory):
        return revisions.numbers()
    return tuple(r.revision for r in revisions)


class Deployment(BaseModel):
    name: str
    model: str
    instance_type: str
    replicas: int = 1
    revision: int = 0
    clusters: list[str] = Field(default_factory=list)
    states: list[ClusterDeploymentState] = Field(default_factory=list)
    # a list, or (as snapshots assemble it) a ``RevisionHistory`` that parses its records on first use
    revisions: Annotated[Sequence[Revision], RevisionHistory] = Field(default_factory=list)
    kaito_kind: str = "Workspace"
    kaito_name: str | None = None
    # per-cluster instance types where a ResourceOverride differs from ``instance_type``
    instance_types: dict[str, str] = Field(default_factory=dict)
    # other KAITO objects in the namespace (a blue/green in flight)
    other_kaito: list[str] = Field(default_factory=list)
    # version tokens of the hub objects this view was read from (plan bases; None = absent)
    resource_versions: dict[str, str | None] = Field(default_factory=dict)
    # labels of the deployment's hub namespace (e.g. fleetops.dev/team, the owning team)
    labels: dict[str, str] = Field(default_factory=dict)
    # its hub Namespace is Terminating (deleted, contents still going)
    removing: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> str:
        """removing (namespace Terminating) | ready | progressing | failed: the worst per-cluster state."""
        if self.removing:
            return "removing"
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
    # served from the fleet cache while a hub watch was disconnected: how many seconds it may lag (else None)
    stale_seconds: float | None = None

    def cluster(self, name: str) -> Cluster | None:
        return next((c for c in self.clusters if c.name == name), None)

    def deployment(self, name: str) -> Deployment | None:
        return next((d for d in self.deployments if d.name == name), None)
