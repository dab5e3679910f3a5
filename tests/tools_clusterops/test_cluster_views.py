"""list_clusters' status filter and the cluster views' cordon (reason, who, when) on the live embedded fleet."""
from __future__ import annotations

from tests.snapshot_from_yaml import demo_fleet_raw
from tools import cordon_cluster, get_cluster, list_clusters
from tools.context import ToolContext
from tools.executor import Executor

EAST = "aks-eastus-prod-1"


def by_hand(pred):
    return sorted(c["name"] for c in demo_fleet_raw()["clusters"] if pred(c))


def names(snap, status):
    return [c.name for c in list_clusters.run(snap, {"status": status}).clusters]


def test_status_filter_on_the_demo_fleet(demo):
    _, fleet = demo
    snap = fleet.snapshot()
    assert names(snap, "cordoned") == by_hand(lambda c: any(t["key"] == "fleetops.dev/cordoned"
                                                            for t in c.get("taints") or []))
    assert names(snap, "ineligible") == by_hand(lambda c: c.get("heartbeatAgeMinutes", 0) > 5)
    assert names(snap, "placeable") == by_hand(lambda c: not c.get("taints") and c.get("heartbeatAgeMinutes", 0) <= 5)


def test_hand_made_cordon_shows_its_reason(demo):
    _, fleet = demo
    row = list_clusters.run(fleet.snapshot(), {"status": "cordoned"}).clusters[0]
    assert row.status == "cordoned"
    assert row.cordon.reason == "gpu-driver-upgrade" and row.cordon.by is None
    assert "cordoned: gpu-driver-upgrade" in list_clusters.run(fleet.snapshot(), {"status": "cordoned"}).render()


def test_views_show_who_why_when(fresh):
    _, fleet = fresh
    p = cordon_cluster.TOOL.handler(ToolContext(catalog=fleet.catalog, fleet=fleet),
                                    {"name": EAST, "reason": "GPU driver upgrade"})
    assert Executor(fleet).apply(p, requester="U024BE7LH").status == "succeeded"
    snap = fleet.snapshot()
    assert EAST in names(snap, "cordoned") and EAST not in names(snap, "placeable")
    assert EAST not in names(snap, "ineligible")
    row = next(c for c in list_clusters.run(snap, {"status": "cordoned"}).clusters if c.name == EAST)
    js = row.model_dump(mode="json")
    assert js["cordon"]["reason"] == "GPU driver upgrade" and js["cordon"]["by"] == "U024BE7LH"
    assert js["cordon"]["at"]
    detail = get_cluster.run(snap, {"name": EAST})
    assert detail.cluster.cordon.by == "U024BE7LH"
    text = detail.render()
    assert "Cordon:" in text and "GPU driver upgrade, by U024BE7LH, since " in text
