"""plan_placement: reasons, suggestions, explicit clusters, exclude, credit, invariants, JSON and text."""
from __future__ import annotations

import json

import pytest

from tests.snapshot_from_yaml import demo_fleet_raw, snapshot_from_raw
from tools.args import DeployArgs, PlanPlacementArgs
from tools.errors import InvalidRequest, NothingFits, UnknownName
from tools.placement import PlacementRequest, plan_placement

A100 = "Standard_NC24ads_A100_v4"


def reasons(p):
    return {r.cluster: r.reason for r in p.rejected}


def check_invariants(p, snapshot, req):
    names = [c.name for c in snapshot.clusters]
    chosen = [c.cluster for c in p.chosen]
    assert len(chosen) == len(set(chosen)) <= p.count
    assert p.ok == (len(chosen) == p.count)
    rejected = [r.cluster for r in p.rejected if "unknown_cluster" not in r.failed_filters]
    assert sorted(chosen + rejected) == sorted(names), "every cluster exactly once"
    for c in p.chosen:
        cl = snapshot.cluster(c.cluster)
        pool = cl.pool(c.instance_type)
        assert cl.eligible and not cl.taints
        assert c.nodes == c.nodes_per_replica * p.replicas
        assert c.cost_per_hour == pytest.approx(c.nodes * pool.price_per_node_hour)
        credit = dict(req.get("credit") or {}).get((c.cluster, c.instance_type), 0)
        assert c.nodes <= pool.free_nodes + credit
        assert c.free_gpus_after == (pool.free_nodes + credit - c.nodes) * pool.gpus_per_node
        if req.get("max_cost_per_hour"):
            assert c.cost_per_hour <= req["max_cost_per_hour"] + 1e-9
    for line in [c.reason for c in p.chosen] + [r.reason for r in p.rejected]:
        assert line and "\n" not in line


REQUESTS = [
    {"model": "phi-4", "count": 2, "environment": "prod"},
    {"model": "phi-4", "count": 3, "prefer": "spread", "geo": "us"},
    {"model": "llama-3.3-70b-instruct", "replicas": 2, "count": 2, "prefer": "capacity"},
    {"model": "deepseek-r1-0528", "geo": "apac"},
    {"model": "phi-4", "count": 2, "clusters": ["aks-eastus-prod-1", "aks-eastus-prod-3"]},
    {"model": "phi-4", "exclude": ["eks-us-east-1-prod-1"], "max_cost_per_hour": 2.1},
    {"model": "llama-3.3-70b-instruct", "replicas": 3, "credit": {("aks-westus3-prod-1", A100): 3}},
]


@pytest.mark.parametrize("req", REQUESTS, ids=lambda r: str(sorted(r.items()))[:80])
def test_invariants(snapshot, catalog, req):
    check_invariants(plan_placement(snapshot, catalog, dict(req)), snapshot, req)


def test_cheapest_prod_a100_and_reasons(snapshot, catalog):
    p = plan_placement(snapshot, catalog, {"model": "microsoft/phi-4", "count": 2, "gpu": "A100",
                                           "environment": "prod"})
    assert [c.cluster for c in p.chosen] == ["aks-westus3-prod-1", "aks-eastus-prod-1"]
    first = p.chosen[0]
    assert (first.instance_type, first.nodes, first.cost_per_hour) == (A100, 1, 3.49)
    # westus3-prod-1 A100: 8 nodes, llama-support uses 1 x 2 -> 6 free; 5 after placing one
    assert first.reason == f"cheapest option: 1 × {A100} (A100) at $3.49/h; 5 A100 GPUs free after"
    # aks-eastus-prod-1 and -2 both cost $3.67: the tie goes to more free GPUs after (9-1 > 4-1)
    why = reasons(p)
    assert why["aks-eastus-prod-2"] == "fits at $3.67/h but 2 clusters as cheap or cheaper were chosen first"
    assert why["aks-westeurope-prod-1"] == "fits at $4.11/h but 2 cheaper clusters were chosen"
    assert why["aks-southcentralus-prod-1"] == "heartbeat 42 min old (ineligible)"
    assert why["aks-japaneast-prod-1"].startswith("tainted fleetops.dev/cordoned=gpu-driver-upgrade:NoSchedule")
    assert why["aks-westus3-staging-1"] == "environment staging (wanted prod)"
    assert why["aks-swedencentral-prod-1"] == "no A100 instance types"
    assert why["aks-centralindia-dev-1"] == "environment dev (wanted prod); no A100 instance types"
    failed = {r.cluster: r.failed_filters for r in p.rejected}
    assert failed["aks-centralindia-dev-1"] == ["environment", "gpu"]
    assert failed["aks-southcentralus-prod-1"] == ["eligibility"]
    assert failed["aks-japaneast-prod-1"] == ["taint"]
    assert failed["aks-westeurope-prod-1"] == []


def test_capacity_and_cost_cap_reasons(snapshot, catalog):
    p = plan_placement(snapshot, catalog, {"model": "gpt-oss-120b", "instance_type": A100, "count": 5})
    why = reasons(p)
    # gpt-oss-120b needs 3 A100 nodes; aks-westus3-staging-1 has 2 free
    assert why["aks-westus3-staging-1"] == f"needs 3 × {A100}, only 2 free"
    assert why["eks-us-east-1-prod-1"] == f"no {A100} instance type"
    p = plan_placement(snapshot, catalog, {"model": "phi-4", "gpu": "H100", "max_cost_per_hour": 5})
    why = reasons(p)
    assert why["aks-westus3-prod-1"].startswith("$13.26/h over the $5.00/h cap")
    assert why["aks-eastus-prod-2"].startswith("$6.98/h over the $5.00/h cap")
    assert not p.ok
    assert any("raising max_cost_per_hour from $5.00/h to $6.98/h (+$1.98/h)" in s for s in p.suggestions)


def test_cost_cap_is_per_option_total(snapshot, catalog):
    # 2 replicas of phi-4 on A100: 2 nodes -> $6.98/h in westus3; a $5 cap is below the total
    p = plan_placement(snapshot, catalog, {"model": "phi-4", "replicas": 2, "gpu": "A100",
                                           "max_cost_per_hour": 5.0})
    assert not p.chosen
    assert reasons(p)["aks-westus3-prod-1"].startswith("$6.98/h over the $5.00/h cap (2 × ")
    p = plan_placement(snapshot, catalog, {"model": "phi-4", "replicas": 2, "gpu": "A100",
                                           "max_cost_per_hour": 6.98})
    assert [c.cluster for c in p.chosen] == ["aks-westus3-prod-1"]


def test_model_that_fits_nowhere_in_a_small_geo(snapshot, catalog):
    p = plan_placement(snapshot, catalog, {"model": "deepseek-ai/DeepSeek-R1-0528", "geo": "apac"})
    assert not p.ok and not p.chosen
    why = reasons(p)
    assert why["eks-ap-northeast-1-prod-1"].startswith("needs 10 × g6.12xlarge, only 2 free")
    assert why["aks-centralindia-dev-1"] == "needs 39 × Standard_NV36ads_A10_v5, only 4 free"
    # it would fit in swedencentral (9 free NC40 H100 nodes) if geo were not apac
    assert any(s.startswith("without geo=apac: aks-swedencentral-prod-1 (eu) fits with 9 × "
                            "Standard_NC40ads_H100_v5 (H100) at $65.97/h") for s in p.suggestions)
    with pytest.raises(NothingFits) as e:
        p.require()
    assert "swedencentral" in str(e.value)


def test_other_instance_types_and_fewer_replicas(snapshot, catalog):
    p = plan_placement(snapshot, catalog, {"model": "llama-3.3-70b-instruct", "replicas": 3,
                                           "gpu": "A100", "count": 2})
    assert [c.cluster for c in p.chosen] == ["aks-eastus-prod-1"]
    text = "\n".join(p.suggestions)
    assert "other instance types with room:" in text and "Standard_NC80adis_H100_v5" in text
    assert "with 2 replica(s) instead of 3: aks-westus3-prod-1 fits" in text
    assert "only 1 of 2 cluster(s) fit" in text


def test_smallest_instance_types_when_nothing_is_close(snapshot, catalog):
    # dev clusters in apac/us are far too small, and no single relaxed filter helps
    p = plan_placement(snapshot, catalog, {"model": "deepseek-r1-0528", "geo": "apac", "environment": "dev"})
    assert not p.chosen
    assert len(p.suggestions) == 1
    # with one filter less it would: the relaxation is named instead
    p1 = plan_placement(snapshot, catalog, {"model": "deepseek-r1-0528", "gpu": "A10"})
    assert p1.suggestions == ["without gpu=A10: aks-swedencentral-prod-1 (H100) fits with 9 × "
                              "Standard_NC40ads_H100_v5 (H100) at $65.97/h"]
    assert any("Standard_ND96isr_H200_v5" in s and "p5e.48xlarge" in s for s in p.suggestions)


def test_explicit_clusters_and_unknown_names(snapshot, catalog):
    p = plan_placement(snapshot, catalog, {"model": "phi-4", "count": 3,
                                           "clusters": ["aks-westeurope-prod-1", "aks-eastus-prod-3",
                                                        "aks-japaneast-prod-1"]})
    assert [c.cluster for c in p.chosen] == ["aks-westeurope-prod-1"]
    assert p.unknown_clusters == ["aks-eastus-prod-3"]
    why = reasons(p)
    assert why["aks-eastus-prod-3"].startswith("unknown cluster (did you mean aks-eastus-prod-")
    assert why["eks-us-east-1-prod-1"] == "not among the requested clusters"
    assert why["aks-japaneast-prod-1"].startswith("tainted ")
    assert any("2 known cluster(s) were named but count=3" in s for s in p.suggestions)


def test_exclude(snapshot, catalog):
    base = plan_placement(snapshot, catalog, {"model": "phi-4"})
    assert base.clusters == ["eks-us-east-1-prod-1"]
    p = plan_placement(snapshot, catalog, {"model": "phi-4", "exclude": ["eks-us-east-1-prod-1"]})
    assert p.clusters == ["eks-us-west-2-dev-1"]
    assert reasons(p)["eks-us-east-1-prod-1"] == "excluded by the request"


def test_credit_counts_own_usage_as_free(snapshot, catalog):
    req = {"model": "llama-3.3-70b-instruct", "replicas": 3, "gpu": "A100", "region": "westus3",
           "environment": "prod"}
    assert not plan_placement(snapshot, catalog, req).chosen  # 9 nodes needed, 6 free
    p = plan_placement(snapshot, catalog, {**req, "credit": {("aks-westus3-prod-1", A100): 3}})
    assert p.clusters == ["aks-westus3-prod-1"]
    assert p.chosen[0].free_gpus_after == 0
    # string keys "cluster/instance type" work too (JSON-friendly)
    p2 = plan_placement(snapshot, catalog, {**req, "credit": {f"aks-westus3-prod-1/{A100}": 3}})
    assert p2.clusters == p.clusters


def test_replicas_two_doubles_nodes_and_cost(snapshot, catalog):
    one = plan_placement(snapshot, catalog, {"model": "qwen2.5-coder-32b-instruct", "gpu": "A100"})
    two = plan_placement(snapshot, catalog, {"model": "qwen2.5-coder-32b-instruct", "gpu": "A100",
                                             "replicas": 2})
    assert one.chosen[0].nodes == 2 and two.chosen[0].nodes == 4
    assert two.chosen[0].cost_per_hour == pytest.approx(4 * 3.49)
    # aks-westus3-staging-1 has 2 free A100 nodes: enough for 1 replica, not 2
    assert "needs 4 × Standard_NC24ads_A100_v4, only 2 free" in reasons(two)["aks-westus3-staging-1"]


def test_spread_prefers_new_regions(snapshot, catalog):
    p = plan_placement(snapshot, catalog, {"model": "phi-4", "count": 3, "prefer": "spread",
                                           "gpu": "A100"})
    # by cost alone: westus3-prod-1, westus3-staging-1 ($3.49), then eastus-prod-1 ($3.67)
    assert p.clusters == ["aks-westus3-prod-1", "aks-eastus-prod-1", "aks-northeurope-staging-1"]
    assert p.chosen[0].reason.startswith("cheapest in region westus3:")
    why = reasons(p)
    assert why["aks-westus3-staging-1"] == "fits at $3.49/h but region westus3 is already covered by aks-westus3-prod-1"


def test_capacity_prefers_most_free_gpus(snapshot, catalog):
    p = plan_placement(snapshot, catalog, {"model": "phi-4", "prefer": "capacity", "environment": "prod"})
    # eks-eu-central-1-prod-1 g6.12xlarge: 6 nodes x 4 L4 -> 5 nodes x 4 = 20 GPUs after
    assert p.chosen[0].cluster == "eks-eu-central-1-prod-1"
    assert (p.chosen[0].instance_type, p.chosen[0].free_gpus_after) == ("g6.12xlarge", 20)
    assert p.chosen[0].reason.startswith("most free capacity:")


def _variant(mutate):
    raw = demo_fleet_raw()
    mutate(raw)
    return snapshot_from_raw(raw)


def test_heartbeat_limit_and_ties_on_a_variant_fleet(catalog):
    def mutate(raw):
        by = {c["name"]: c for c in raw["clusters"]}
        by["aks-southcentralus-prod-1"]["heartbeatAgeMinutes"] = 5  # at the limit: still eligible
        by["aks-japaneast-prod-1"]["taints"] = []
        by["aks-japaneast-prod-1"]["pricePerNodeHour"] = {A100: 3.67}  # same as eastus/southcentral
    snap = _variant(mutate)
    p = plan_placement(snap, catalog, {"model": "phi-4", "gpu": "A100", "count": 4, "region": None})
    # $3.49 westus3-prod-1 (5 after) and westus3-staging-1 (1 after); then $3.67 ties:
    # southcentral 7 after, eastus-prod-1 8 after, japaneast 5 after, eastus-prod-2 3 after
    assert p.clusters == ["aks-westus3-prod-1", "aks-westus3-staging-1", "aks-eastus-prod-1",
                          "aks-southcentralus-prod-1"]
    stale = _variant(lambda raw: raw["clusters"][4].update(heartbeatAgeMinutes=6))
    assert "aks-southcentralus-prod-1" not in plan_placement(stale, catalog, {"model": "phi-4", "count": 14}).clusters


def test_name_breaks_full_ties(catalog):
    def mutate(raw):
        twin = dict(next(c for c in raw["clusters"] if c["name"] == "eks-us-east-1-prod-1"))
        twin["name"] = "eks-us-east-1-prod-0"
        raw["clusters"].append(twin)
    snap = _variant(mutate)
    for prefer in ("cost", "capacity", "spread"):
        p = plan_placement(snap, catalog, {"model": "phi-4", "gpu": "A10G", "prefer": prefer})
        assert p.clusters == ["eks-us-east-1-prod-0"], prefer


def test_not_joined_cluster_is_rejected(snapshot, catalog):
    snap = snapshot.model_copy(deep=True)
    c = snap.cluster("eks-us-east-1-prod-1")
    c.joined, c.eligible, c.ineligible_reason = False, False, None
    p = plan_placement(snap, catalog, {"model": "phi-4"})
    assert reasons(p)["eks-us-east-1-prod-1"] == "not joined to the fleet (ineligible)"
    assert p.clusters == ["eks-us-west-2-dev-1"]


def test_request_forms_and_errors(snapshot, catalog):
    a = plan_placement(snapshot, catalog, PlanPlacementArgs(model="phi 4", count=2, geo="EU"))
    b = plan_placement(snapshot, catalog, model="microsoft/phi-4", count=2, geo="eu")
    c = plan_placement(snapshot, catalog, PlacementRequest(model="microsoft/phi-4", count=2, geo="eu"))
    d = plan_placement(snapshot, catalog, DeployArgs(model="phi-4", name="x", count=2, geo="eu"))
    assert a.to_json() == b.to_json() == c.to_json() == d.to_json()
    with pytest.raises(UnknownName) as e:
        plan_placement(snapshot, catalog, {"model": "phi-5"})
    assert e.value.name_kind == "model" and e.value.suggestions
    with pytest.raises(InvalidRequest):
        plan_placement(snapshot, catalog, {"model": "phi-4", "prefer": "fastest"})
    with pytest.raises(InvalidRequest):
        plan_placement(snapshot, catalog, {"model": "phi-4", "count": 0})


def test_unknown_instance_type_gets_a_did_you_mean(snapshot, catalog):
    p = plan_placement(snapshot, catalog, {"model": "phi-4", "instance_type": "Standard_NC24ads_A100"})
    assert not p.chosen
    assert any("did you mean Standard_NC24ads_A100_v4" in s for s in p.suggestions)


def test_json_shape_and_render(snapshot, catalog):
    p = plan_placement(snapshot, catalog, {"model": "phi-4", "count": 2, "environment": "prod",
                                           "gpu": "A100"})
    j = json.loads(json.dumps(p.to_json()))
    assert {"model", "chosen", "rejected", "ok", "suggestions", "count", "replicas", "prefer"} <= set(j)
    assert j["model"] == "microsoft/phi-4" and j["ok"] is True
    for c in j["chosen"]:
        assert {"cluster", "instance_type", "nodes", "cost_per_hour", "reason"} <= set(c)
    for r in j["rejected"]:
        assert {"cluster", "reason", "failed_filters"} <= set(r)
    assert j["total_cost_per_hour"] == pytest.approx(3.49 + 3.67)
    text = p.render()
    assert "\x1b" not in text
    assert text.splitlines()[0].startswith("Placement of microsoft/phi-4: 2 cluster(s)")
    for name in [c.name for c in snapshot.clusters]:
        assert name in text
    assert all(line == line.rstrip() for line in text.splitlines())
    none = plan_placement(snapshot, catalog, {"model": "deepseek-r1-0528", "geo": "apac"}).render()
    assert "Chosen: none of 1" in none and "What would fit:" in none


def test_unknown_keyword_is_an_error_and_unnamed_fits_are_suggested(snapshot, catalog):
    with pytest.raises(InvalidRequest) as e:
        plan_placement(snapshot, catalog, model="phi-4", enviroment="prod")
    assert "enviroment" in str(e.value)
    p = plan_placement(snapshot, catalog, {"model": "phi-4", "count": 2,
                                           "clusters": ["aks-westeurope-prod-1", "aks-japaneast-prod-1"]})
    assert p.clusters == ["aks-westeurope-prod-1"]
    assert "eks-us-east-1-prod-1 was not named but fits with 2 × g5.xlarge (A10G) at $2.02/h" in p.suggestions


def test_pure_no_third_party_clients():
    import subprocess
    import sys

    code = ("import sys, tools.placement, tools.readonly, tools.list_clusters, tools.get_cluster, "
            "tools.list_deployments, tools.get_deployment, tools.plan_placement; "
            "print(sorted(m for m in ('kubernetes', 'slack_bolt', 'sqlite_utils', 'langchain_core') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert out.stdout.strip() == "[]"
