"""list_models: the models of the KAITO catalog with the instance types they fit. Read-only, pure.

For each model: the instance types of the fleet it runs on (KAITO's node estimate per replica), each with
its GPU. ``gpu`` keeps the instance types with that GPU; ``fits`` (a cluster) keeps the instance types that
cluster has and says whether it has room for one replica now. Without a fleet (no snapshot) the catalog's
instance types are listed. A model that fits nowhere under the filters is left out when a filter is given.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools.args import ListModelsArgs
from tools.catalog import Catalog, Model, default_catalog
from tools.context import ToolContext
from tools.errors import UnknownName
from tools.fleet.models import Cluster, FleetSnapshot
from tools.messages import tools as M
from tools.readonly import ToolResult, coerce_args
from tools.registry import Tool
from tools.render import filters_text, table


class Fit(BaseModel):
    instance_type: str
    gpu: str
    nodes_per_replica: int
    clusters: list[str] = Field(default_factory=list)  # clusters of the fleet with this instance type
    room: bool | None = None  # with ``fits``: the cluster has the nodes for one replica now


class ModelRow(BaseModel):
    model: str
    aliases: list[str]
    params: str | None
    fits: list[Fit]


class ListModelsResult(ToolResult):
    models: list[ModelRow]
    filters: dict[str, Any] = Field(default_factory=dict, exclude=True)

    def render(self) -> str:
        filt = filters_text(self.filters)
        suffix = f" ({filt})" if filt else ""
        if not self.models:
            return M.MODELS_NONE.format(filters=suffix)
        rows = [(m.model, m.params, ", ".join(_fit_text(f) for f in m.fits) or M.MODELS_NOWHERE)
                for m in self.models]
        return "\n".join([M.MODELS_COUNT.format(n=len(self.models), filters=suffix), table(M.MODELS_HEAD, rows)])


def _fit_text(f: Fit) -> str:
    if f.room is None:
        return M.MODELS_FIT.format(instance_type=f.instance_type, gpu=f.gpu, nodes=f.nodes_per_replica)
    return M.MODELS_FIT_ROOM.format(instance_type=f.instance_type, gpu=f.gpu, nodes=f.nodes_per_replica,
                                    room=M.MODELS_ROOM if f.room else M.MODELS_NO_ROOM)


def _fits(m: Model, catalog: Catalog, snapshot: FleetSnapshot | None, gpu: str | None,
          cluster: Cluster | None) -> list[Fit]:
    offered: dict[str, list[str]] = {}
    for c in snapshot.clusters if snapshot else []:
        for p in c.gpus:
            offered.setdefault(p.instance_type, []).append(c.name)
    out = []
    for sku, nodes in sorted(m.nodes_by_sku.items()):
        s = catalog.sku(sku)
        if s is None or not nodes or (gpu and s.gpu != gpu):
            continue
        if snapshot is not None and sku not in offered:
            continue
        pool = cluster.pool(sku) if cluster else None
        if cluster is not None and pool is None:
            continue
        out.append(Fit(instance_type=sku, gpu=s.gpu, nodes_per_replica=int(nodes), clusters=offered.get(sku, []),
                       room=None if pool is None else pool.free_nodes >= int(nodes)))
    return out


def run(snapshot: FleetSnapshot | None, args: ListModelsArgs | dict | None = None,
        catalog: Catalog | None = None) -> ListModelsResult:
    a = coerce_args(ListModelsArgs, args)
    catalog = catalog or default_catalog()
    cluster = None
    if a.fits is not None:
        names = [c.name for c in snapshot.clusters] if snapshot else []
        cluster = snapshot.cluster(a.fits) if snapshot else None
        if cluster is None:
            raise UnknownName.among("cluster", a.fits, names)
    rows = []
    for m in sorted(catalog.models, key=lambda m: m.preset.lower()):
        fits = _fits(m, catalog, snapshot, a.gpu, cluster)
        if fits or (a.gpu is None and a.fits is None):
            rows.append(ModelRow(model=m.preset, aliases=list(m.aliases), params=m.params, fits=fits))
    return ListModelsResult(models=rows, filters=a.given())


def handle(ctx: ToolContext, args: ListModelsArgs) -> ListModelsResult:
    return run(ctx.snapshot(), args, ctx.catalog)


TOOL = Tool("list_models", ListModelsArgs, mutating=False, handler=handle)
