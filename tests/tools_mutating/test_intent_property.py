"""Property over the demo fleet: for every deployment and every add / only-there / move / undeploy /
rollback request shape, the plan never removes a cluster the request did not name or imply, and planning
again from the recorded ``intent.args`` gives the same intent. Requests that cannot be carried out must be
refused with a typed error (never planned as something else)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.snapshot_from_yaml import demo_snapshot
from tools import deploy, move, rollback, undeploy
from tools.args import DeployArgs, MoveArgs, RollbackArgs, UndeployArgs
from tools.errors import ToolError
from tools.plan import Plan

SNAP = demo_snapshot()
TOOLS: dict[str, tuple[Any, type]] = {"deploy": (deploy, DeployArgs), "move": (move, MoveArgs),
                                      "undeploy": (undeploy, UndeployArgs), "rollback": (rollback, RollbackArgs)}


def requests() -> Iterator[tuple[str, dict, set[str]]]:
    """(tool, args, clusters the request names or implies it may leave)."""
    names = [c.name for c in SNAP.clusters]
    for d in SNAP.deployments:
        mine, others = set(d.clusters), [c for c in names if c not in d.clusters]
        for c in others:
            yield "deploy", {"name": d.name, "add_clusters": [c]}, set()
            yield "deploy", {"name": d.name, "clusters": [c]}, mine  # "only there"
            yield "move", {"deployment": d.name, "to_clusters": [c]}, mine
        yield "move", {"deployment": d.name}, mine
        for c in d.clusters:
            yield "deploy", {"name": d.name, "clusters": [c]}, mine - {c}
            yield "move", {"deployment": d.name, "from_clusters": [c]}, {c}
            for o in others:
                yield "move", {"deployment": d.name, "from_clusters": [c], "to_clusters": [o]}, {c}
            yield "undeploy", {"deployment": d.name, "clusters": [c]}, {c}
        yield "undeploy", {"deployment": d.name}, mine
        yield "rollback", {"deployment": d.name}, None  # type: ignore[misc]
        for r in d.revisions:
            yield "rollback", {"deployment": d.name, "to_revision": r.revision}, None  # type: ignore[misc]
        yield "deploy", {"name": d.name, "replicas": d.replicas + 1}, set()


CASES = list(requests())


def _plan(tool: str, args: dict) -> Plan:
    mod, model = TOOLS[tool]
    return mod.plan(model(**args), SNAP)


def _allowed(tool: str, args: dict, implied: set[str] | None, plan: Plan) -> set[str]:
    if implied is not None:
        return implied
    dep = SNAP.deployment(args["deployment"])  # a rollback implies the clusters its target revision lacks
    assert dep is not None and plan.revision is not None
    return set(dep.clusters) - set(plan.revision.clusters)


@pytest.mark.parametrize("tool, args, implied", CASES, ids=[f"{t}-{a}" for t, a, _ in CASES])
def test_never_removes_an_unnamed_cluster_and_replans_to_the_same_intent(tool, args, implied):
    try:
        plan = _plan(tool, args)
    except ToolError:
        return  # refused with a reason: nothing planned
    allowed = _allowed(tool, args, implied, plan)
    removed = {a.cluster for a in plan.actions if a.action == "remove"}
    assert removed <= allowed
    dep = SNAP.deployment(plan.deployment)
    must_stay = set(dep.clusters if dep else []) - allowed
    final = [m for m in plan.manifests if m["kind"] == "ClusterResourcePlacement"]
    if must_stay and plan.strategy != "noop":  # the placement the plan leaves behind still covers every cluster not named
        assert final and must_stay <= set(final[0]["spec"]["policy"]["clusterNames"])
    assert plan.intent is not None and plan.intent.text
    again = _plan(tool, plan.intent.args)
    assert again.intent == plan.intent


def test_most_request_shapes_are_planned():
    planned = 0
    for tool, args, _ in CASES:
        try:
            _plan(tool, args)
            planned += 1
        except ToolError:
            pass
    assert planned >= len(CASES) // 2
