"""plan_placement: the best clusters for a model, with one reason per cluster. Read-only, pure.

A thin tool over ``tools.placement.plan_placement`` (where the algorithm is documented).
"""
from __future__ import annotations

from tools.args import PlanPlacementArgs
from tools.catalog import Catalog
from tools.context import ToolContext
from tools.fleet.models import FleetSnapshot
from tools.placement import Placement, PlacementRequest, plan_placement
from tools.readonly import coerce_args
from tools.registry import Tool


def run(snapshot: FleetSnapshot, args: PlanPlacementArgs | dict, catalog: Catalog | None = None) -> Placement:
    a = coerce_args(PlanPlacementArgs, args)
    return plan_placement(snapshot, catalog, PlacementRequest.coerce(a))


def handle(ctx: ToolContext, args: PlanPlacementArgs) -> Placement:
    return run(ctx.snapshot(), args, ctx.catalog)


TOOL = Tool("plan_placement", PlanPlacementArgs, mutating=False, handler=handle)
