"""Changes mean exactly what was asked (issue 10): add, only-there, move, undeploy, rollback, and the
placement-based targets, planned over the demo fleet built straight from the YAML. Each test asserts the
plan's per-cluster effect (``{cluster: action}``) and the intent (words and resolved arguments).

Expectations are written from demo-fleet.yaml: phi4-chat runs on aks-eastus-prod-1 and aks-westeurope-prod-1,
coder-assist on aks-eastus-prod-2 and aks-swedencentral-prod-1 (revision 3: Qwen2.5-Coder-32B on H100, revision
2: Qwen2.5-Coder-7B on H100), granite-dev on eks-us-west-2-dev-1; aks-japaneast-prod-1 is cordoned
(fleetops.dev/cordoned=gpu-driver-upgrade) and aks-southcentralus-prod-1's heartbeat is 42 minutes old.
"""
from __future__ import annotations

import pytest

from tests.snapshot_from_yaml import demo_fleet_raw, snapshot_from_raw
from tools import deploy, move, rollback, undeploy
from tools.args import DeployArgs, MoveArgs, RollbackArgs, UndeployArgs
from tools.errors import InvalidRequest, NothingFits, ToolError, UnknownName
from tools.plan import Plan
from tools.plan_text import plan_lines
from tools.targets import AddOrMove, ClustersUnfit

EAST1, WEU, WUS3 = "aks-eastus-prod-1", "aks-westeurope-prod-1", "aks-westus3-prod-1"
EAST2, SWEDEN = "aks-eastus-prod-2", "aks-swedencentral-prod-1"
JAPAN, SOUTH = "aks-japaneast-prod-1", "aks-southcentralus-prod-1"
INDIA, USW2, EUC1 = "aks-centralindia-dev-1", "eks-us-west-2-dev-1", "eks-eu-central-1-prod-1"


def effect(plan: Plan) -> dict[str, str]:
    return {a.cluster: a.action for a in plan.actions}


def prod_clusters(raw: dict) -> set[str]:
    return {c["name"] for c in raw["clusters"] if c["environment"] == "prod"}


# --- add ---------------------------------------------------------------------------------------------------
def test_add_clusters_keeps_every_cluster_and_creates_on_the_new_one(snapshot, catalog):
    plan = deploy.plan(DeployArgs(name="phi4-chat", add_clusters=[WUS3]), snapshot, catalog)
    assert effect(plan) == {EAST1: "keep", WEU: "keep", WUS3: "create"}
    assert plan.intent.text == f"Add {WUS3} to phi4-chat (keeps {EAST1}, {WEU})"
    assert plan.intent.args == {"name": "phi4-chat", "add_clusters": [WUS3]}
    assert not any(s.kind in ("delete", "wait_absent") for s in plan.steps)


def test_also_run_granite_dev_on_india_adds_and_never_moves(snapshot, catalog):
    plan = deploy.plan(DeployArgs(name="granite-dev", add_clusters=[INDIA]), snapshot, catalog)
    assert effect(plan) == {USW2: "keep", INDIA: "create"}


def test_add_a_cluster_it_already_runs_on_is_refused_naming_it(snapshot, catalog):
    with pytest.raises(InvalidRequest) as err:
        deploy.plan(DeployArgs(name="phi4-chat", add_clusters=[EAST1]), snapshot, catalog)
    assert EAST1 in err.value.message


def test_add_clusters_to_a_deployment_that_does_not_exist_says_how_to_create_it(snapshot, catalog):
    with pytest.raises(InvalidRequest, match="clusters="):
        deploy.plan(DeployArgs(model="microsoft/phi-4", name="new-phi", add_clusters=[WUS3]), snapshot, catalog)


# --- only there ----------------------------------------------------------------------------------------------
def test_clusters_on_an_existing_deployment_means_only_there_and_says_what_it_leaves(snapshot, catalog):
    plan = deploy.plan(DeployArgs(name="phi4-chat", clusters=[WUS3]), snapshot, catalog)
    assert effect(plan) == {EAST1: "remove", WEU: "remove", WUS3: "create"}
    assert plan.intent.text == f"Run phi4-chat only on {WUS3}: adds {WUS3}; leaves {EAST1}, {WEU}"


def test_only_there_makes_the_new_cluster_serve_before_the_old_ones_go(snapshot, catalog):
    plan = deploy.plan(DeployArgs(name="phi4-chat", clusters=[WUS3]), snapshot, catalog)
    kinds = [s.kind for s in plan.steps]
    ready, gone = kinds.index("wait_ready"), kinds.index("wait_absent")
    placements = [i for i, s in enumerate(plan.steps) if s.kind == "apply" and s.manifest["kind"] == "ClusterResourcePlacement"]
    first, last = (plan.steps[i].manifest["spec"]["policy"]["clusterNames"] for i in (placements[0], placements[-1]))
    assert first == sorted([EAST1, WEU, WUS3]) and placements[0] < ready
    assert last == [WUS3] and ready < placements[-1] < gone
    assert plan.steps[ready].clusters == [WUS3] and plan.steps[gone].clusters == [EAST1, WEU]


def test_deploy_model_to_a_cluster_while_its_default_deployment_runs_elsewhere_asks_add_or_move(catalog):
    raw = demo_fleet_raw()
    raw["deployments"].append({"name": "phi-4", "clusters": [WUS3, "eks-us-east-1-prod-1"], "revisions": [
        {"revision": 1, "model": "microsoft/phi-4", "instanceType": "Standard_NC24ads_A100_v4", "replicas": 1}]})
    snap = snapshot_from_raw(raw)
    with pytest.raises(AddOrMove) as err:
        deploy.plan(DeployArgs(model="phi-4", clusters=[INDIA]), snap, catalog)
    assert "add_clusters" in err.value.message and "move" in err.value.message
    assert err.value.to_json()["current"] == [WUS3, "eks-us-east-1-prod-1"]


# --- where a change may go ----------------------------------------------------------------------------------
def test_a_tainted_named_cluster_is_refused_with_its_taint(snapshot, catalog):
    with pytest.raises(ClustersUnfit) as err:
        deploy.plan(DeployArgs(model="microsoft/phi-4", clusters=[JAPAN]), snapshot, catalog)
    assert "fleetops.dev/cordoned=gpu-driver-upgrade" in err.value.message
    assert "0 of 1" not in err.value.message
    assert list(err.value.unfit) == [JAPAN]


def test_all_prod_clusters_takes_those_that_can_and_lists_the_others(snapshot, catalog):
    raw = demo_fleet_raw()
    plan = deploy.plan(DeployArgs(model="microsoft/phi-4", environment="prod", count=len(prod_clusters(raw))),
                       snapshot, catalog)
    assert set(effect(plan)) == prod_clusters(raw) - {JAPAN, SOUTH}
    assert set(effect(plan).values()) == {"create"}
    assert set(plan.left_out) == {JAPAN, SOUTH}
    assert "gpu-driver-upgrade" in plan.left_out[JAPAN] and "heartbeat" in plan.left_out[SOUTH]
    assert plan.intent.args["clusters"] == sorted(prod_clusters(raw) - {JAPAN, SOUTH})
    assert any(line.startswith(f"left out {JAPAN}") for line in plan_lines(plan))


def test_a_count_below_the_selection_must_still_fit(snapshot, catalog):
    plan = deploy.plan(DeployArgs(model="microsoft/phi-4", environment="dev", count=1), snapshot, catalog)
    assert len(effect(plan)) == 1
    with pytest.raises(NothingFits):
        deploy.plan(DeployArgs(model="microsoft/phi-4", environment="prod", gpu="H100", instance_type="no-such",
                               count=1), snapshot, catalog)


# --- move ----------------------------------------------------------------------------------------------------
def test_move_off_a_cluster_replaces_only_that_cluster(snapshot, catalog):
    plan = move.plan(MoveArgs(deployment="coder-assist", from_clusters=[SWEDEN]), snapshot, catalog)
    e = effect(plan)
    new = [c for c, a in e.items() if a == "create"]
    assert e[EAST2] == "keep" and e[SWEDEN] == "remove" and len(new) == 1
    assert new[0] not in (EAST2, SWEDEN, JAPAN, SOUTH)
    raw = demo_fleet_raw()
    assert new[0] in prod_clusters(raw)  # its own environment by default
    assert plan.intent.text == f"Move coder-assist off {SWEDEN} → {new[0]} (keeps {EAST2})"
    assert plan.intent.args == {"deployment": "coder-assist", "from_clusters": [SWEDEN], "to_clusters": new}
    line = next(a.detail for a in plan.actions if a.cluster == new[0])
    assert SWEDEN in line and "$" in line  # the replacement says why it was chosen


def test_move_from_sweden_to_westus3_keeps_the_healthy_cluster(snapshot, catalog):
    plan = move.plan(MoveArgs(deployment="coder-assist", from_clusters=[SWEDEN], to_clusters=[WUS3]),
                     snapshot, catalog)
    assert effect(plan) == {EAST2: "keep", SWEDEN: "remove", WUS3: "create"}
    assert plan.intent.text == f"Move coder-assist off {SWEDEN} → {WUS3} (keeps {EAST2})"
    assert plan_lines(plan)[0] == plan.intent.text


def test_move_is_blue_green_per_cluster_with_an_undo(snapshot, catalog):
    plan = move.plan(MoveArgs(deployment="phi4-chat", from_clusters=[WEU], to_clusters=[EUC1]), snapshot, catalog)
    kinds = [s.kind for s in plan.steps]
    assert kinds.index("wait_ready") < kinds.index("wait_absent")
    assert plan.steps[kinds.index("wait_ready")].clusters == [EUC1]
    assert plan.steps[kinds.index("wait_absent")].clusters == [WEU]
    assert [u.kind for u in plan.undo][:2] == ["apply", "wait_absent"]
    assert plan.undo[0].manifest["spec"]["policy"]["clusterNames"] == [EAST1, WEU]


def test_move_without_from_moves_every_cluster_one_for_one(snapshot, catalog):
    plan = move.plan(MoveArgs(deployment="phi4-chat"), snapshot, catalog)
    e = effect(plan)
    assert e[EAST1] == e[WEU] == "remove"
    assert sorted(a for a in e.values()) == ["create", "create", "remove", "remove"]


def test_move_honours_geo(snapshot, catalog):
    plan = move.plan(MoveArgs(deployment="coder-assist", from_clusters=[SWEDEN], geo="eu"), snapshot, catalog)
    raw = demo_fleet_raw()
    eu = {c["name"] for c in raw["clusters"] if c["geo"] == "eu"}
    new = [c for c, a in effect(plan).items() if a == "create"]
    assert len(new) == 1 and new[0] in eu


@pytest.mark.parametrize("args, words", [
    (dict(deployment="coder-assist", to_clusters=[EAST2]), EAST2),  # already runs there
    (dict(deployment="coder-assist", from_clusters=[WUS3]), WUS3),  # does not run there
    (dict(deployment="coder-assist", from_clusters=[SWEDEN], to_clusters=[JAPAN]), "gpu-driver-upgrade"),
])
def test_move_refusals_name_the_cluster(snapshot, catalog, args, words):
    with pytest.raises(ToolError) as err:
        move.plan(MoveArgs(**args), snapshot, catalog)
    assert words in err.value.message


def test_move_of_an_unknown_deployment_suggests_names(snapshot, catalog):
    with pytest.raises(UnknownName):
        move.plan(MoveArgs(deployment="coder-asist"), snapshot, catalog)


# --- undeploy --------------------------------------------------------------------------------------------------
def test_undeploy_some_clusters_removes_there_only_with_no_replacement(snapshot, catalog):
    plan = undeploy.plan(UndeployArgs(deployment="phi4-chat", clusters=[WEU]), snapshot, catalog)
    assert effect(plan) == {EAST1: "keep", WEU: "remove"}
    assert plan.intent.text == f"Remove phi4-chat from {WEU}, no replacement (keeps {EAST1})"
    assert plan.intent.args == {"deployment": "phi4-chat", "clusters": [WEU]}
    assert "no replacement" in next(a.detail for a in plan.actions if a.cluster == WEU)


def test_undeploy_all_records_the_clusters_it_removes(snapshot, catalog):
    plan = undeploy.plan(UndeployArgs(deployment="phi4-chat"), snapshot, catalog)
    assert effect(plan) == {EAST1: "remove", WEU: "remove"}
    assert plan.intent.args["clusters"] == [EAST1, WEU]
    assert plan.intent.text.startswith("Remove phi4-chat from all its clusters")


# --- rollback -------------------------------------------------------------------------------------------------
def test_rollback_records_its_target_revision_in_words_and_args(snapshot, catalog):
    plan = rollback.plan(RollbackArgs(deployment="coder-assist"), snapshot, catalog)
    assert plan.intent.args == {"deployment": "coder-assist", "to_revision": 2}
    assert plan.intent.text == ("Roll back coder-assist: revision 3 (Qwen2.5-Coder-32B, H100) → "
                                "revision 2 (Qwen2.5-Coder-7B, H100)")
    assert effect(plan) == {EAST2: "replace", SWEDEN: "replace"}


def test_a_replan_after_another_rollback_ran_keeps_the_target_or_refuses(catalog):
    """The pending rollback went 3 → 2. Another rollback to 2 ran first (revision 4 = revision 2's state):
    re-planning from the recorded args must not flip to 32B (what a default "previous" would now pick)."""
    snap = snapshot_from_raw(demo_fleet_raw())
    pending = rollback.plan(RollbackArgs(deployment="coder-assist"), snap, catalog)
    raw = demo_fleet_raw()
    dep = next(d for d in raw["deployments"] if d["name"] == "coder-assist")
    dep["revisions"].append({**dep["revisions"][1], "revision": 4})
    dep.pop("status", None)
    after = snapshot_from_raw(raw)
    flipped = rollback.plan(RollbackArgs(deployment="coder-assist"), after, catalog)
    assert flipped.revision.model.endswith("32B-Instruct")  # what re-planning from the words would do
    with pytest.raises(InvalidRequest) as err:
        rollback.plan(RollbackArgs(**pending.intent.args), after, catalog)
    assert "revision 2" in err.value.message


def test_plan_lines_put_the_intent_first_then_one_line_per_cluster(snapshot, catalog):
    plan = deploy.plan(DeployArgs(name="phi4-chat", add_clusters=[WUS3]), snapshot, catalog)
    lines = plan_lines(plan)
    assert lines[0] == plan.intent.text
    assert lines[1:] == [f"keep {EAST1}: no change", f"keep {WEU}: no change",
                         f"add {WUS3}: start on Standard_NC24ads_A100_v4 × 1 replica(s)"]
    assert plan.to_json()["intent"]["text"] == plan.intent.text
