"""Shared pieces of the read-only fleet tools (result base class, rows, argument coercion).

Each read-only fleet tool is a module with a pure ``run(snapshot, args) -> result`` and its ``TOOL``
declaration (dispatch goes through the registry, ``bot.toolbox``); results have ``.to_json()`` (a
JSON-ready dict) and ``.render()`` (plain text). All pure: they read a ``FleetSnapshot``, never do I/O.
"""
from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from tools.args import Args
from tools.fleet.conventions import CORDON_TAINT_KEY
from tools.fleet.models import Cluster, Cordon, Deployment, FleetSnapshot, GpuPool, Taint
from tools.messages import clusterops as CM
from tools.messages import tools as M

A = TypeVar("A", bound=Args)


class ToolResult(BaseModel):
    """A read-only tool's answer."""

    def to_json(self) -> dict:
        return self.model_dump(mode="json")

    def render(self) -> str:  # pragma: no cover - every result overrides it
        raise NotImplementedError


class GpuRow(BaseModel):
    instance_type: str
    gpu: str
    gpus_per_node: int
    capacity_nodes: int
    used_nodes: int
    free_nodes: int
    free_gpus: int
    price_per_node_hour: float | None


TaintRow = Taint  # the read model's taint is already the row shape (key, value, effect)


class ClusterState(BaseModel):
    """A deployment's KAITO state on one cluster."""

    cluster: str
    state: str
    reason: str | None = None
    message: str | None = None


def gpu_row(p: GpuPool) -> GpuRow:
    return GpuRow(instance_type=p.instance_type, gpu=p.gpu, gpus_per_node=p.gpus_per_node,
                  capacity_nodes=p.capacity_nodes, used_nodes=p.used_nodes, free_nodes=p.free_nodes,
                  free_gpus=p.free_gpus, price_per_node_hour=p.price_per_node_hour)


def taint_rows(c: Cluster) -> list[TaintRow]:
    return [t.model_copy() for t in c.taints]


def status_word(c: Cluster) -> str:
    """ok | cordoned | tainted | ineligible: whether placement may use the cluster."""
    if not c.eligible and not (c.taints and (c.ineligible_reason or "tainted").startswith("tainted")):
        return M.STATUS_INELIGIBLE
    if c.cordon is not None:
        return CM.CORDONED
    return M.STATUS_TAINTED if c.taints else M.OK


def placeable(c: Cluster) -> bool:
    return c.eligible and not c.taints


def has_status(c: Cluster, status: str | None) -> bool:
    """The ``list_clusters`` status filter: placeable (placement may choose it), cordoned (the fleetops
    cordon taint), ineligible (not placeable for any other reason: heartbeat, not joined, other taints)."""
    if status is None:
        return True
    if status == "placeable":
        return placeable(c)
    if status == "cordoned":
        return c.cordon is not None
    other_taints = [t for t in c.taints if c.cordon is None or t.key != CORDON_TAINT_KEY]
    return not placeable(c) and (status_word(c) == M.STATUS_INELIGIBLE or bool(other_taints))


def cordon_text(cordon: Cordon | None) -> str | None:
    """"reason, by U123, since 2026-…" (None when not cordoned)."""
    if cordon is None:
        return None
    return CM.CORDON_LINE.format(reason=cordon.reason or CM.NO_REASON,
                                 by=CM.CORDON_LINE_BY.format(who=cordon.by) if cordon.by else "",
                                 at=CM.CORDON_LINE_AT.format(at=cordon.at) if cordon.at else "")


def not_placeable_reason(c: Cluster) -> str | None:
    if c.eligible and not c.taints:
        return None
    if c.ineligible_reason:
        return c.ineligible_reason
    if c.taints:
        return "tainted " + ", ".join(str(t) for t in c.taints)
    return M.R_INELIGIBLE_DEFAULT


def cluster_states(d: Deployment) -> list[ClusterState]:
    """One state per cluster the deployment is placed on (Unknown when nothing was reported)."""
    out = []
    for name in d.clusters:
        s = d.state_on(name)
        out.append(ClusterState(cluster=name, state=s.state if s else "Unknown",
                                reason=s.reason if s else None, message=s.message if s else None))
    return out


def deployments_on(snapshot: FleetSnapshot, cluster: str) -> list[Deployment]:
    names = set((snapshot.cluster(cluster) or Cluster(name=cluster)).deployments)
    return sorted((d for d in snapshot.deployments if cluster in d.clusters or d.name in names),
                  key=lambda d: d.name)


def coerce_args(model: type[A], args: Any) -> A:
    """Accept a validated argument model, a dict (validated here), or None (no arguments)."""
    if isinstance(args, model):
        return args
    if isinstance(args, BaseModel):
        args = args.model_dump(exclude_unset=True)
    return model.model_validate(args or {})

