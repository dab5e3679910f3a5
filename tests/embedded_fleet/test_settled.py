"""The settled seed (``tools.embedded.settled``) writes what replaying every revision and letting the controllers
settle writes: compared object by object (``store_diff``), on the demo fleet and on synthetic fleets."""
from __future__ import annotations

import copy

import pytest
import yaml

from tests.embedded_fleet.store_diff import allocation_errors, differences
from tools.embedded import EmbeddedFleet


def _revision(n: int, replicas: int) -> dict:
    return {"revision": n, "model": "Qwen/Qwen2.5-Coder-7B-Instruct", "instanceType": A100, "replicas": replicas}


A100, A10 = "Standard_NC24ads_A100_v4", "Standard_NV36ads_A10_v5"
# what the demo and synthetic fleets lack: more revisions than a placement's snapshot history keeps, no-op and
# in-place revisions, workspaces short of nodes (competing or none of their type), a stale tainted member, pins
EDGES = {
    "version": 1,
    "clusters": [
        {"name": "aks-eastus-prod-1", "provider": "azure", "region": "eastus", "geo": "us", "environment": "prod",
         "gpuCapacity": {A100: 3}, "pricePerNodeHour": {A100: 3.67}},
        {"name": "aks-westus3-prod-1", "provider": "azure", "region": "westus3", "geo": "us", "environment": "prod",
         "gpuCapacity": {A10: 2}, "pricePerNodeHour": {A10: 3.2}, "heartbeatAgeMinutes": 30,
         "taints": [{"key": "fleetops.dev/cordoned", "value": "maintenance"}]},
    ],
    "deployments": [
        {"name": "long", "clusters": ["aks-eastus-prod-1"],
         "revisions": [_revision(i + 1, r) for i, r in enumerate([1, 1, 2, 3, 2, 2, 1, 3, 3, 2, 3, 2])],
         "status": {"aks-eastus-prod-1": {"state": "Failed", "reason": "InferenceNotReady", "message": "boom"}}},
        {"name": "rival", "clusters": ["aks-eastus-prod-1"], "revisions": [_revision(1, 3)]},
        {"name": "short", "clusters": ["aks-westus3-prod-1"], "revisions": [
            {"revision": 1, "model": "mistralai/Mistral-7B-Instruct-v0.3", "instanceType": A10, "replicas": 3}]},
        {"name": "nowhere", "clusters": ["aks-eastus-prod-1"], "revisions": [
            {"revision": 1, "model": "mistralai/Mistral-7B-Instruct-v0.3", "instanceType": A10, "replicas": 1}]},
    ],
}


@pytest.fixture(scope="module", params=["demo", "edges", 24, 40], ids=lambda p: f"fleet-{p}")
def both(request, tmp_path_factory):
    if request.param == "demo":
        kw: dict = {}
    elif request.param == "edges":
        path = tmp_path_factory.mktemp("edges") / "fleet.yaml"
        path.write_text(yaml.safe_dump(EDGES))
        kw = {"fleet_file": path}
    else:
        kw = {"synthetic": request.param, "seed_value": 3}
    with EmbeddedFleet(serve=False, settled=False, **kw) as replayed, EmbeddedFleet(serve=False, **kw) as settled:
        yield replayed, settled


def test_settled_seed_writes_what_the_replay_and_the_controllers_settle_in(both):
    replayed, settled = both
    assert differences(replayed.store, settled.store) == []


def test_settled_workspaces_hold_exactly_the_nodes_they_list(both):
    assert allocation_errors(both[1].store) == []


def test_the_controllers_find_nothing_to_do_in_a_settled_fleet(both):
    settled = both[1]
    before = settled.store.resource_version
    settled.resync()
    settled.wait_idle(60)
    assert settled.store.resource_version == before


def test_the_comparison_sees_a_changed_field(both):
    """A member workspace's condition says another generation: the comparison must report it."""
    replayed, settled = both
    cluster, ws_rt, ns, name = next((k[0], rt, k[3], k[4]) for k in settled.store._objs
                                    if k[2] == "workspaces" and k[0] != settled.hub
                                    for rt in [settled.types_for_cluster(k[0])[(k[1], k[2])]])
    original = settled.store.get(cluster, ws_rt, ns, name)
    changed = copy.deepcopy(original)
    changed["status"]["conditions"][0]["observedGeneration"] = 2
    settled.store.replace(cluster, ws_rt, ns, name, changed, subresource="status")
    try:
        assert differences(replayed.store, settled.store) != []
    finally:
        original["metadata"].pop("resourceVersion")
        settled.store.replace(cluster, ws_rt, ns, name, original, subresource="status")
