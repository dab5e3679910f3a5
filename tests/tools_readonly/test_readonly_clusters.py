"""list_clusters and get_cluster over the demo fleet: JSON shapes, filters, GPU numbers, unknown names."""
from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from bot import toolbox
from tests.snapshot_from_yaml import catalog_raw, demo_fleet_raw, nodes_per_replica
from tools import get_cluster, list_clusters
from tools.context import ToolContext
from tools.errors import ToolError, UnknownName
from tools.registry import UnknownTool

FLEET = demo_fleet_raw()
SKUS = catalog_raw()["skus"]
CLUSTER_KEYS = {"name", "region", "geo", "environment", "provider", "eligible", "ineligible_reason", "gpus"}
GPU_KEYS = {"instance_type", "gpu", "gpus_per_node", "capacity_nodes", "used_nodes", "free_nodes",
            "free_gpus", "price_per_node_hour"}


def expected_pools(name):
    """Per instance type: (capacity, used, free GPUs), by hand from the YAML (last revision counts)."""
    c = next(c for c in FLEET["clusters"] if c["name"] == name)
    out = {}
    for sku, cap in c["gpuCapacity"].items():
        used = 0
        for d in FLEET["deployments"]:
            last = d["revisions"][-1]
            if name in d["clusters"] and last["instanceType"] == sku:
                used += nodes_per_replica(last["model"], sku) * last["replicas"]
        out[sku] = (cap, used, (cap - used) * SKUS[sku]["gpus"], c["pricePerNodeHour"][sku])
    return out


def as_json(result):
    return json.loads(json.dumps(result.to_json()))


def test_json_shape(snapshot):
    j = as_json(list_clusters.run(snapshot))
    assert set(j) == {"clusters"}
    assert len(j["clusters"]) == len(FLEET["clusters"])
    for c in j["clusters"]:
        assert set(c) >= CLUSTER_KEYS
        for p in c["gpus"]:
            assert set(p) == GPU_KEYS
    assert [c["name"] for c in j["clusters"]] == sorted(c["name"] for c in FLEET["clusters"])


def test_gpu_numbers_follow_the_demo_rules(snapshot):
    j = as_json(list_clusters.run(snapshot))
    by = {c["name"]: {p["instance_type"]: p for p in c["gpus"]} for c in j["clusters"]}
    # the brief's worked example: phi4-chat (phi-4 on A100: 1 x 1) + llama-support (1 x 2) = 3 used
    a100 = by["aks-eastus-prod-1"]["Standard_NC24ads_A100_v4"]
    assert (a100["capacity_nodes"], a100["used_nodes"], a100["free_nodes"], a100["free_gpus"]) == (12, 3, 9, 9)
    assert a100["gpu"] == "A100" and a100["price_per_node_hour"] == 3.67
    # only the last revision counts: phi4-chat rev 1 (A10) uses nothing now
    assert by["aks-eastus-prod-1"]["Standard_NV36ads_A10_v5"]["used_nodes"] == 0
    # gemma-staging rev 2 runs 2 replicas on A10
    assert by["aks-northeurope-staging-1"]["Standard_NV36ads_A10_v5"]["free_nodes"] == 2
    # multi-GPU nodes: 2 ND96isr nodes x 8 H100
    assert by["aks-swedencentral-prod-1"]["Standard_ND96isr_H100_v5"]["free_gpus"] == 16
    for name, pools in by.items():
        for sku, (cap, used, free_gpus, price) in expected_pools(name).items():
            p = pools[sku]
            assert (p["capacity_nodes"], p["used_nodes"], p["free_gpus"], p["price_per_node_hour"]) == \
                (cap, used, free_gpus, price), (name, sku)
            assert p["free_nodes"] == cap - used


def test_eligibility_in_the_listing(snapshot):
    j = {c["name"]: c for c in as_json(list_clusters.run(snapshot))["clusters"]}
    assert j["aks-southcentralus-prod-1"]["eligible"] is False
    assert j["aks-southcentralus-prod-1"]["ineligible_reason"] == "heartbeat 42 min old (limit 5 min)"
    assert j["aks-japaneast-prod-1"]["eligible"] is False
    assert j["aks-japaneast-prod-1"]["ineligible_reason"] == \
        "tainted fleetops.dev/cordoned=gpu-driver-upgrade:NoSchedule"
    assert j["aks-japaneast-prod-1"]["taints"][0]["key"] == "fleetops.dev/cordoned"
    assert j["aks-eastus-prod-1"]["eligible"] is True and j["aks-eastus-prod-1"]["ineligible_reason"] is None
    assert sorted(n for n, c in j.items() if not c["eligible"]) == \
        ["aks-japaneast-prod-1", "aks-southcentralus-prod-1"]


def names(result):
    return [c.name for c in result.clusters]


def by_hand(pred):
    return sorted(c["name"] for c in FLEET["clusters"] if pred(c))


def free_gpus(c, gpu=None):
    return sum(v[2] for sku, v in expected_pools(c["name"]).items() if gpu is None or SKUS[sku]["gpu"] == gpu)


@pytest.mark.parametrize("args, pred", [
    ({"region": "eastus"}, lambda c: c["region"] == "eastus"),
    ({"region": "WestUS3"}, lambda c: c["region"] == "westus3"),
    ({"geo": "eu"}, lambda c: c["geo"] == "eu"),
    ({"environment": "staging"}, lambda c: c["environment"] == "staging"),
    ({"provider": "aws"}, lambda c: c["provider"] == "aws"),
    ({"gpu": "h100"}, lambda c: any(SKUS[s]["gpu"] == "H100" for s in c["gpuCapacity"])),
    ({"gpu": "A100", "geo": "us"}, lambda c: c["geo"] == "us" and any(SKUS[s]["gpu"] == "A100" for s in c["gpuCapacity"])),
    ({"min_free_gpus": 16}, lambda c: free_gpus(c) >= 16),
    ({"gpu": "A100", "min_free_gpus": 7}, lambda c: free_gpus(c, "A100") >= 7),
    ({"gpu": "L4", "min_free_gpus": 9}, lambda c: free_gpus(c, "L4") >= 9),
    ({"environment": "prod", "provider": "azure", "min_free_gpus": 10},
     lambda c: c["environment"] == "prod" and c["provider"] == "azure" and free_gpus(c) >= 10),
])
def test_filters(snapshot, args, pred):
    got = names(list_clusters.run(snapshot, args))
    assert got == by_hand(pred)
    assert got, "each case should match something"


def test_filter_that_matches_nothing_renders_a_sentence(snapshot):
    r = list_clusters.run(snapshot, {"geo": "apac", "gpu": "H200"})
    assert r.clusters == []
    assert r.render() == "No clusters match (geo=apac, gpu=H200)."


def test_invalid_filter_values_are_rejected(snapshot):
    with pytest.raises(ValidationError):
        list_clusters.run(snapshot, {"geo": "mars"})
    with pytest.raises(ValidationError):
        list_clusters.run(snapshot, {"colour": "blue"})


def test_list_render(snapshot):
    text = list_clusters.run(snapshot, {"geo": "eu"}).render()
    lines = text.splitlines()
    assert lines[0] == "4 cluster(s) (geo=eu)."
    assert lines[1].split()[:3] == ["CLUSTER", "REGION", "ENV"]
    assert "\x1b" not in text and all(line == line.rstrip() for line in lines)
    row = next(line for line in lines if line.startswith("aks-westeurope-prod-1"))
    assert "Standard_NC24ads_A100_v4" in row and "7/8" in row
    text = list_clusters.run(snapshot).render()
    assert "Not placeable:" in text
    assert "  aks-southcentralus-prod-1: heartbeat 42 min old (limit 5 min)" in text


def test_get_cluster(snapshot):
    r = get_cluster.run(snapshot, {"name": "aks-eastus-prod-1"})
    j = as_json(r)
    c = j["cluster"]
    assert CLUSTER_KEYS | {"labels", "taints", "heartbeat_age_seconds", "joined", "deployments"} <= set(c)
    assert c["labels"]["topology.kubernetes.io/region"] == "eastus"
    assert c["labels"]["fleetops.dev/environment"] == "prod"
    deps = {d["name"]: d for d in c["deployments"]}
    assert set(deps) == {"phi4-chat", "llama-support"}
    assert deps["llama-support"]["replicas"] == 2 and deps["llama-support"]["state"] == "Ready"
    assert {p["instance_type"]: p["free_nodes"] for p in c["gpus"]} == \
        {"Standard_NC24ads_A100_v4": 9, "Standard_NV36ads_A10_v5": 8}
    text = r.render()
    assert text.startswith("Cluster aks-eastus-prod-1")
    assert "Placeable:   yes" in text and "llama-support" in text


def test_get_cluster_shows_per_cluster_state_and_taints(snapshot):
    c = as_json(get_cluster.run(snapshot, {"name": "aks-swedencentral-prod-1"}))["cluster"]
    coder = next(d for d in c["deployments"] if d["name"] == "coder-assist")
    assert (coder["state"], coder["reason"], coder["status"]) == ("Failed", "InferenceNotReady", "failed")
    assert "CUDA out of memory" in coder["message"]
    jp = get_cluster.run(snapshot, {"name": "aks-japaneast-prod-1"})
    assert jp.cluster.taints[0].value == "gpu-driver-upgrade"
    assert "Placeable:   no (tainted fleetops.dev/cordoned=gpu-driver-upgrade:NoSchedule)" in jp.render()
    sc = get_cluster.run(snapshot, {"name": "aks-southcentralus-prod-1"})
    assert sc.cluster.heartbeat_age_seconds == 42 * 60
    assert "Heartbeat:   42 min ago" in sc.render()


def test_get_cluster_unknown_name(snapshot):
    with pytest.raises(UnknownName) as e:
        get_cluster.run(snapshot, {"name": "aks-westeurop-prod-1"})
    err = e.value
    assert isinstance(err, ToolError)
    assert err.suggestions[0] == "aks-westeurope-prod-1"
    assert "Did you mean aks-westeurope-prod-1" in str(err) and "list_clusters" in str(err)
    assert err.to_json()["error"] == "unknown_name" and err.to_json()["kind"] == "cluster"
    with pytest.raises(UnknownName) as e:
        get_cluster.run(snapshot, {"name": "nothing-like-it"})
    assert e.value.suggestions == []


def test_dispatch(snapshot, catalog):
    ctx = ToolContext.of_snapshot(snapshot, catalog)
    assert names(toolbox.run("list_clusters", {"provider": "aws"}, ctx)) == \
        by_hand(lambda c: c["provider"] == "aws")
    with pytest.raises(UnknownTool):
        toolbox.run("list_cluster", {}, ctx)
