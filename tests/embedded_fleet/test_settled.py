"""The settled seed (``tools.embedded.settled``) writes what replaying every revision and letting the controllers
settle writes: compared object by object (``store_diff``), on the demo fleet and on synthetic fleets."""
from __future__ import annotations

import copy

import pytest

from tests.embedded_fleet.store_diff import allocation_errors, differences
from tools.embedded import EmbeddedFleet


@pytest.fixture(scope="module", params=["demo", 24, 40], ids=lambda p: f"fleet-{p}")
def both(request):
    kw = {} if request.param == "demo" else {"synthetic": request.param, "seed_value": 3}
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
