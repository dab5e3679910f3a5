"""``move`` executed on the embedded fleet: the new copy serves before the old one is removed, the kept
cluster is never touched, and a new copy that fails is undone while the old clusters keep serving."""
from __future__ import annotations

import pytest

from tests.tools_mutating.mutating_helpers import (
    Expect,
    assert_dry_run_accepts,
    check_rolled_out,
    execute,
    kaito_objects,
    raw_deployment,
)
from tools import move
from tools.args import MoveArgs
from tools.context import ToolContext
from tools.executor import Executor
from tools.fleet import conventions as cv

WEU, EUC1 = "aks-westeurope-prod-1", "eks-eu-central-1-prod-1"
USW2, INDIA = "eks-us-west-2-dev-1", "aks-centralindia-dev-1"


@pytest.fixture(autouse=True)
def _clear_faults(own):
    yield
    own[0].faults.clear()


def _plan(fleet, **args):
    return move.TOOL.handler(ToolContext(catalog=fleet.catalog, fleet=fleet), MoveArgs(**args))


def test_move_makes_the_new_copy_serve_before_the_old_one_goes(own):
    emb, fleet = own
    raw = raw_deployment("phi4-chat")
    cur = raw["revisions"][-1]
    kept = next(c for c in raw["clusters"] if c != WEU)
    plan = _plan(fleet, deployment="phi4-chat", from_clusters=[WEU], to_clusters=[EUC1])
    assert {a.cluster: a.action for a in plan.actions} == {kept: "keep", WEU: "remove", EUC1: "create"}
    old_still_there: list[bool] = []

    def watch(event) -> None:  # runs in the executor: look at the old cluster when the new one is ready
        if event.kind == "cluster" and event.cluster == EUC1 and event.state == "Ready":
            old_still_there.append(bool(kaito_objects(fleet.members[WEU], "phi4-chat")))

    assert_dry_run_accepts(fleet, plan)
    out = Executor(fleet, timeout=20.0, poll=0.05).apply(plan, on_event=watch)
    emb.wait_idle()
    assert out.status == "succeeded"
    assert old_still_there and all(old_still_there)
    new_sku = plan.revision.instance_types.get(EUC1, plan.revision.instance_type)
    check_rolled_out(fleet, Expect("phi4-chat", cur["model"], cur["replicas"],
                                   {kept: cur["instanceType"], EUC1: new_sku},
                                   cv.kaito_object_name("phi4-chat", cur["revision"]), cur["revision"] + 1,
                                   freed=[WEU]), plan)


def test_a_move_whose_new_copy_fails_is_undone_and_the_old_cluster_keeps_serving(own):
    emb, fleet = own
    raw = raw_deployment("granite-dev")
    cur = raw["revisions"][-1]
    emb.faults.fail(cluster=INDIA, deployment="granite-dev", message="CUDA out of memory (injected)")
    plan = _plan(fleet, deployment="granite-dev", to_clusters=[INDIA])
    assert {a.cluster: a.action for a in plan.actions} == {USW2: "remove", INDIA: "create"}
    out, _ = execute(fleet, plan)
    emb.wait_idle()
    assert (out.status, out.undone) == ("failed", True)
    check_rolled_out(fleet, Expect("granite-dev", cur["model"], cur["replicas"], {USW2: cur["instanceType"]},
                                   cv.kaito_object_name("granite-dev", cur["revision"]), cur["revision"],
                                   freed=[INDIA]))
