"""Where an update goes (pure: plans over the demo snapshot built from the YAML). An update keeps its
clusters unless told otherwise, keeps those that pass new filters, and stays in its environment."""
from __future__ import annotations

import pytest

from tests.snapshot_from_yaml import demo_fleet_raw, demo_snapshot
from tools import deploy
from tools.args import DeployArgs
from tools.errors import NothingFits

ENV = {c["name"]: c["environment"] for c in demo_fleet_raw()["clusters"]}
GEO = {c["name"]: c["geo"] for c in demo_fleet_raw()["clusters"]}


@pytest.fixture(scope="module")
def snap():
    return demo_snapshot()


def _clusters(name: str) -> list[str]:
    return next(d["clusters"] for d in demo_fleet_raw()["deployments"] if d["name"] == name)


def test_instance_type_or_gpu_change_keeps_the_clusters(snap):
    for args in (DeployArgs(name="phi4-chat", gpu="A10"),
                 DeployArgs(name="phi4-chat", instance_type="Standard_NV36ads_A10_v5")):
        plan = deploy.plan(args, snap)
        assert plan.strategy == "blue_green" and plan.clusters == sorted(_clusters("phi4-chat"))
        assert {a.instance_type for a in plan.actions} == {"Standard_NV36ads_A10_v5"}


def test_more_clusters_keeps_the_current_ones_and_stays_in_the_environment(snap):
    plan = deploy.plan(DeployArgs(name="mistral-eu", count=2), snap)
    assert plan.strategy == "in_place"
    targets = [a.cluster for a in plan.actions if a.action != "remove"]
    assert len(targets) == 2 and set(_clusters("mistral-eu")) <= set(targets)
    assert {ENV[c] for c in targets} == {"prod"} and plan.environments == ["prod"]


def test_moving_to_a_geo_keeps_the_clusters_already_there(snap):
    plan = deploy.plan(DeployArgs(name="phi4-chat", geo="eu"), snap)
    kept = [a.cluster for a in plan.actions if a.action in ("keep", "scale")]
    added = [a.cluster for a in plan.actions if a.action == "create"]
    removed = [a.cluster for a in plan.actions if a.action == "remove"]
    assert kept == [c for c in _clusters("phi4-chat") if GEO[c] == "eu"]
    assert removed == [c for c in _clusters("phi4-chat") if GEO[c] != "eu"]
    assert len(added) == 1 and GEO[added[0]] == "eu" and ENV[added[0]] == "prod"


def test_fewer_clusters_keeps_one_it_runs_on(snap):
    plan = deploy.plan(DeployArgs(name="phi4-chat", count=1), snap)
    assert [a.action for a in plan.actions].count("remove") == 1
    assert {a.cluster for a in plan.actions if a.action == "keep"} < set(_clusters("phi4-chat"))


def test_an_explicit_environment_may_move_it(snap):
    plan = deploy.plan(DeployArgs(name="gemma-staging", environment="dev", count=1), snap)
    targets = [a.cluster for a in plan.actions if a.action != "remove"]
    assert [ENV[c] for c in targets] == ["dev"] and plan.environments == ["dev", "staging"]


def test_model_change_with_count_keeps_current_clusters_and_adds(snap):
    plan = deploy.plan(DeployArgs(name="phi4-chat", model="Phi-4-mini-instruct", count=3), snap)
    assert plan.strategy == "blue_green"
    assert set(_clusters("phi4-chat")) < set(plan.clusters) and len(plan.clusters) == 3
    assert plan.environments == ["prod"]


def test_nowhere_to_go_in_its_environment_is_nothing_fits(snap):
    with pytest.raises(NothingFits):
        deploy.plan(DeployArgs(name="granite-dev", count=3), snap)  # only two dev clusters
