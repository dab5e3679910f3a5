"""plan_placement against an independent reference written plainly here, over the raw demo YAML.

The reference reads demo-fleet.yaml and the catalog YAML directly (through tests/snapshot_from_yaml's
small helpers for "nodes per replica" and "used nodes"), applies the rules of the issue, and ranks with
its own code. Brute force over all combinations checks that the ranking is optimal for its goal.
"""
from __future__ import annotations

import itertools

import pytest

from tests.snapshot_from_yaml import catalog_raw, demo_fleet_raw, nodes_per_replica, used_nodes
from tools.placement import plan_placement

FLEET = demo_fleet_raw()
SKUS = catalog_raw()["skus"]


def ref_candidates(fleet, model, *, replicas=1, prefer="cost", geo=None, region=None, environment=None,
                   provider=None, gpu=None, instance_type=None, max_cost_per_hour=None, clusters=None,
                   exclude=(), credit=None, count=1):
    """name -> the cluster's best option, for every cluster where the model can go."""
    credit = credit or {}
    best = {}
    for c in fleet["clusters"]:
        name = c["name"]
        if clusters is not None and name not in clusters:
            continue
        if name in exclude:
            continue
        if c.get("heartbeatAgeMinutes", 0) > 5 or c.get("taints"):
            continue
        wanted = {"geo": geo, "region": region, "environment": environment, "provider": provider}
        if any(v is not None and c[k] != v for k, v in wanted.items()):
            continue
        options = []
        for sku, cap in c["gpuCapacity"].items():
            if gpu is not None and SKUS[sku]["gpu"] != gpu:
                continue
            if instance_type is not None and sku != instance_type:
                continue
            per = nodes_per_replica(model, sku)
            if per is None:
                continue
            need = per * replicas
            free = cap - used_nodes(fleet, name, sku) + credit.get((name, sku), 0)
            if need > free:
                continue
            cost = need * c["pricePerNodeHour"][sku]
            if max_cost_per_hour is not None and cost > max_cost_per_hour + 1e-9:
                continue
            options.append({"cluster": name, "region": c["region"], "instance_type": sku, "nodes": need,
                            "cost": cost, "free_after": (free - need) * SKUS[sku]["gpus"]})
        if not options:
            continue
        if prefer == "capacity":
            options.sort(key=lambda o: (-o["free_after"], o["cost"], o["instance_type"]))
        else:
            options.sort(key=lambda o: (o["cost"], -o["free_after"], o["instance_type"]))
        best[name] = options[0]
    return best


def ref_order(best, prefer):
    cands = list(best.values())
    by_cost = lambda o: (o["cost"], -o["free_after"], o["cluster"])  # noqa: E731
    if prefer == "cost":
        return sorted(cands, key=by_cost)
    if prefer == "capacity":
        return sorted(cands, key=lambda o: (-o["free_after"], o["cluster"]))
    order, used, remaining = [], set(), list(cands)
    while remaining:
        fresh = [o for o in remaining if o["region"] not in used]
        pick = min(fresh or remaining, key=by_cost)
        order.append(pick)
        used.add(pick["region"])
        remaining.remove(pick)
    return order


MODELS = ["microsoft/phi-4", "meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-Coder-32B-Instruct",
          "openai/gpt-oss-120b", "meta-llama/Llama-3.3-70B-Instruct", "deepseek-ai/DeepSeek-R1-0528",
          "microsoft/Phi-4-mini-instruct"]
FILTERS = [
    {}, {"environment": "prod"}, {"geo": "eu"}, {"geo": "us", "environment": "prod"}, {"gpu": "A100"},
    {"gpu": "H100"}, {"provider": "aws"}, {"region": "eastus"}, {"environment": "staging"},
    {"instance_type": "Standard_NC24ads_A100_v4"}, {"max_cost_per_hour": 5.0},
    {"gpu": "A100", "max_cost_per_hour": 4.0}, {"geo": "apac"}, {"provider": "azure", "gpu": "H100"},
]
CASES = [
    dict(model=m, prefer=p, count=n, replicas=r, **f)
    for m in MODELS for f in FILTERS for p in ("cost", "capacity", "spread") for n in (1, 2, 4)
    for r in ((1, 2) if n != 4 else (1,))
]


def _id(case):
    return "-".join(f"{k}={v}" for k, v in case.items())


def check_against_reference(snapshot, catalog, case):
    p = plan_placement(snapshot, catalog, dict(case))
    best = ref_candidates(FLEET, **case)
    order = ref_order(best, case["prefer"])
    want = order[: case["count"]]
    assert [c.cluster for c in p.chosen] == [o["cluster"] for o in want]
    for c, o in zip(p.chosen, want, strict=True):
        assert c.instance_type == o["instance_type"]
        assert c.nodes == o["nodes"]
        assert c.cost_per_hour == pytest.approx(o["cost"])
        assert c.free_gpus_after == o["free_after"]
    assert p.ok == (len(want) == case["count"])
    # fitting but not chosen: rejected without a failed filter; everything else names its filters
    outranked = {r.cluster for r in p.rejected if not r.failed_filters}
    assert outranked == set(best) - {o["cluster"] for o in want}
    # brute force: no other set of clusters does better on the goal of `prefer`
    k = min(case["count"], len(best))
    combos = list(itertools.combinations(best.values(), k))
    if case["prefer"] == "cost":
        assert sum(o["cost"] for o in want) == pytest.approx(min(sum(o["cost"] for o in s) for s in combos))
    elif case["prefer"] == "capacity":
        assert sum(o["free_after"] for o in want) == max(sum(o["free_after"] for o in s) for s in combos)
    else:
        assert len({o["region"] for o in want}) == max(len({o["region"] for o in s}) for s in combos)
    return p


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_matches_reference(snapshot, catalog, case):
    p = check_against_reference(snapshot, catalog, case)
    if not p.ok:
        assert p.suggestions, "fewer than count fit: the placement must say what would"


EXTRA = [
    dict(model="microsoft/phi-4", prefer="cost", count=2, replicas=1, clusters=["aks-eastus-prod-1",
         "aks-westeurope-prod-1", "aks-japaneast-prod-1", "eks-us-east-1-prod-1"]),
    dict(model="microsoft/phi-4", prefer="spread", count=3, replicas=1, exclude=["eks-us-east-1-prod-1",
         "aks-westus3-prod-1"]),
    dict(model="meta-llama/Llama-3.3-70B-Instruct", prefer="cost", count=2, replicas=3, gpu="A100",
         credit={("aks-westus3-prod-1", "Standard_NC24ads_A100_v4"): 3}),
    dict(model="meta-llama/Llama-3.3-70B-Instruct", prefer="capacity", count=3, replicas=2,
         credit={("aks-eastus-prod-2", "Standard_NC40ads_H100_v5"): 1}),
    dict(model="google/gemma-3-4b-it", prefer="capacity", count=3, replicas=2, environment="staging",
         credit={("aks-northeurope-staging-1", "Standard_NV36ads_A10_v5"): 2}),
    dict(model="openai/gpt-oss-120b", prefer="spread", count=4, replicas=1, max_cost_per_hour=12.0),
    dict(model="microsoft/phi-4", prefer="cost", count=3, replicas=1, max_cost_per_hour=3.67),
    dict(model="deepseek-ai/DeepSeek-R1-0528", prefer="cost", count=1, replicas=1, geo="eu"),
]


@pytest.mark.parametrize("case", EXTRA, ids=_id)
def test_matches_reference_with_clusters_exclude_credit(snapshot, catalog, case):
    check_against_reference(snapshot, catalog, case)


def test_the_grid_is_not_trivial(snapshot, catalog):
    """The cases above cover full, partial and empty placements and every preference."""
    results = [plan_placement(snapshot, catalog, dict(c)) for c in CASES[::7]]
    assert any(p.ok and len(p.chosen) >= 2 for p in results)
    assert any(not p.ok and p.chosen for p in results)
    assert any(not p.chosen for p in results)
