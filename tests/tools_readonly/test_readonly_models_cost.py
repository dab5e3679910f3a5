"""list_models, cost_report and list_deployments' team filter over the demo fleet built from the YAML.
Expected numbers are computed here from the raw YAML (prices × nodes in use), not by the tools."""
from __future__ import annotations

import pytest

from tests.snapshot_from_yaml import catalog_raw, demo_fleet_raw, nodes_per_replica
from tools import cost_report, list_deployments, list_models
from tools.errors import UnknownName
from tools.teams import TEAM_LABEL


def _expected_cost(env: str | None = None) -> dict[str, float]:
    raw = demo_fleet_raw()
    clusters = {c["name"]: c for c in raw["clusters"]}
    out: dict[str, float] = {}
    for d in raw["deployments"]:
        cur = d["revisions"][-1]
        for c in d["clusters"]:
            if env and clusters[c]["environment"] != env:
                continue
            nodes = nodes_per_replica(cur["model"], cur["instanceType"]) * cur["replicas"]
            out[d["name"]] = out.get(d["name"], 0.0) + nodes * clusters[c]["pricePerNodeHour"][cur["instanceType"]]
    return out


def test_cost_per_deployment_is_price_times_nodes_in_use(snapshot, catalog):
    r = cost_report.run(snapshot, {}, catalog)
    want = _expected_cost()
    assert {row.group: row.cost_per_hour for row in r.rows} == {k: round(v, 2) for k, v in want.items()}
    assert r.total.cost_per_hour == round(sum(want.values()), 2)
    assert r.total.cost_per_month == round(sum(want.values()) * 720, 2)


def test_cost_by_environment_with_a_filter(snapshot, catalog):
    r = cost_report.run(snapshot, {"group_by": "environment", "environment": "prod"}, catalog)
    assert [row.group for row in r.rows] == ["prod"]
    assert r.total.cost_per_hour == round(sum(_expected_cost("prod").values()), 2)
    assert "per 30-day month" in r.render()


def test_cost_by_team_reads_the_team_label_else_unowned(snapshot, catalog):
    deps = [d.model_copy(update={"labels": {TEAM_LABEL: "search"}}) if d.name == "phi4-chat" else d
            for d in snapshot.deployments]
    snap = snapshot.model_copy(update={"deployments": deps})
    r = cost_report.run(snap, {"group_by": "team"}, catalog)
    assert {row.group for row in r.rows} == {"search", "unowned"}
    assert next(row for row in r.rows if row.group == "search").cost_per_hour == round(_expected_cost()["phi4-chat"], 2)
    only = list_deployments.run(snap, {"team": "search"})
    assert [d.name for d in only.deployments] == ["phi4-chat"]


def test_cost_of_an_unknown_deployment_suggests_names(snapshot, catalog):
    with pytest.raises(UnknownName):
        cost_report.run(snapshot, {"deployment": "phi4-chatt"}, catalog)


def test_list_models_by_gpu_lists_only_instance_types_with_that_gpu(snapshot, catalog):
    r = list_models.run(snapshot, {"gpu": "A10"}, catalog)
    skus = catalog_raw()["skus"]
    assert r.models
    assert all(skus[f.instance_type]["gpu"] == "A10" for m in r.models for f in m.fits)
    phi = next(m for m in r.models if m.model == "microsoft/phi-4")
    assert [f.instance_type for f in phi.fits] == ["Standard_NV36ads_A10_v5"]


def test_list_models_that_fit_a_cluster_say_whether_there_is_room(snapshot, catalog):
    r = list_models.run(snapshot, {"fits": "aks-centralindia-dev-1"}, catalog)
    fits = {m.model: m.fits for m in r.models}
    assert [f.instance_type for f in fits["microsoft/phi-4"]] == ["Standard_NV36ads_A10_v5"]
    assert fits["microsoft/phi-4"][0].room is True  # 2 nodes per replica, 4 free
    with pytest.raises(UnknownName):
        list_models.run(snapshot, {"fits": "aks-nowhere-1"}, catalog)
