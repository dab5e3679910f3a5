"""cordon_cluster / uncordon_cluster: plans, refusals, and execution on the embedded fleet through the real
kubernetes client (the adapter's ``Kube``): the taint and who/why/when land on the MemberCluster, placement
skips the cluster, and uncordon brings it back with every other taint intact."""
from __future__ import annotations

import pytest

from tests.snapshot_from_yaml import demo_fleet_raw
from tools import cordon_cluster, list_clusters, uncordon_cluster
from tools.context import ToolContext
from tools.errors import UnknownName
from tools.executor import STAMP_CHANGE, STAMP_NOW, STAMP_REQUESTER, Executor, StalePlan
from tools.fleet import conventions as cv
from tools.placement import plan_placement

EAST = "aks-eastus-prod-1"
JAPAN = "aks-japaneast-prod-1"  # cordoned by hand in demo-fleet.yaml (taint only, no annotations)


def ctx(fleet) -> ToolContext:
    return ToolContext(catalog=fleet.catalog, fleet=fleet)


def run(fleet, plan, **kw):
    return Executor(fleet, timeout=10, poll=0.05).apply(plan, **kw)


def mc(fleet, name):
    return fleet.hub.get("MemberCluster", name)


def raw_env(name):
    return next(c["environment"] for c in demo_fleet_raw()["clusters"] if c["name"] == name)


def chosen(fleet, cluster):
    p = plan_placement(fleet.snapshot(), model="microsoft/phi-4", count=1, clusters=[cluster])
    return [c.cluster for c in p.chosen], {r.cluster: r.reason for r in p.rejected}


def test_cordon_plan_is_one_patch_of_the_member_cluster(demo):
    _, fleet = demo
    p = cordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST, "reason": "GPU driver upgrade"})
    assert p.tool == "cordon_cluster" and p.mutating
    assert p.environments == [raw_env(EAST)] and p.clusters == [EAST]
    assert list(p.base) == [f"MemberCluster/{EAST}"]
    assert p.base[f"MemberCluster/{EAST}"] is not None
    (step,) = p.steps
    assert step.kind == "patch" and (step.ref.kind, step.ref.name) == ("MemberCluster", EAST)
    assert step.manifest["spec"]["taints"] == [
        {"key": cv.CORDON_TAINT_KEY, "value": "gpu-driver-upgrade", "effect": "NoSchedule"}]
    ann = step.manifest["metadata"]["annotations"]
    assert ann[cv.CORDON_REASON_ANNOTATION] == "GPU driver upgrade"
    assert (ann[cv.CORDON_BY_ANNOTATION], ann[cv.CORDON_AT_ANNOTATION], ann[cv.CORDON_CHANGE_ANNOTATION]) == \
        (STAMP_REQUESTER, STAMP_NOW, STAMP_CHANGE)
    assert "llama-support" in p.summary and "phi4-chat" in p.summary  # what keeps running there


def test_plan_hash_does_not_depend_on_time_or_heartbeats(fresh):
    emb, fleet = fresh
    first = cordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST, "reason": "maintenance"})
    emb.heartbeat_round()  # rewrites every MemberCluster's status (a new resourceVersion)
    emb.wait_idle()
    again = cordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST, "reason": "maintenance"})
    assert again.hash == first.hash
    assert Executor(fleet).stale_changes(first) == {}


def test_refusals_unknown_already_and_not_cordoned(demo):
    _, fleet = demo
    with pytest.raises(UnknownName) as e:
        cordon_cluster.TOOL.handler(ctx(fleet), {"name": "aks-eastus-prod"})
    assert EAST in e.value.suggestions
    with pytest.raises(cordon_cluster.AlreadyCordoned) as e:
        cordon_cluster.TOOL.handler(ctx(fleet), {"name": JAPAN, "reason": "again"})
    assert "gpu-driver-upgrade" in e.value.message and "set outside fleetops" in e.value.message
    with pytest.raises(cordon_cluster.NotCordoned) as e:
        uncordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST})
    assert "not cordoned" in e.value.message
    with pytest.raises(UnknownName):
        uncordon_cluster.TOOL.handler(ctx(fleet), {"name": "nowhere-1"})


def test_cordon_placement_skips_uncordon_brings_back(fresh):
    _, fleet = fresh
    assert chosen(fleet, EAST)[0] == [EAST]

    p = cordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST, "reason": "GPU driver upgrade"})
    out = run(fleet, p, change_id="42", requester="U024BE7LH")
    assert out.status == "succeeded"
    live = mc(fleet, EAST)
    assert live["spec"]["taints"] == [{"key": cv.CORDON_TAINT_KEY, "value": "gpu-driver-upgrade",
                                       "effect": "NoSchedule"}]
    ann = live["metadata"]["annotations"]
    assert ann[cv.CORDON_BY_ANNOTATION] == "U024BE7LH"
    assert ann[cv.CORDON_REASON_ANNOTATION] == "GPU driver upgrade"
    assert ann[cv.CORDON_CHANGE_ANNOTATION] == "42"
    assert ann[cv.CORDON_AT_ANNOTATION].startswith("20")
    assert cv.GPU_CAPACITY_ANNOTATION in ann  # the inventory annotations stay
    assert Executor(fleet).reconcile(p)[0] == "succeeded"

    picked, why = chosen(fleet, EAST)
    assert picked == []
    assert why[EAST].startswith(f"tainted {cv.CORDON_TAINT_KEY}")
    view = fleet.snapshot().cluster(EAST)
    assert (view.cordon.reason, view.cordon.by, view.cordon.change_id) == ("GPU driver upgrade", "U024BE7LH", "42")

    with pytest.raises(cordon_cluster.AlreadyCordoned) as e:
        cordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST})
    assert "U024BE7LH" in e.value.message and "GPU driver upgrade" in e.value.message

    back = uncordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST})
    assert "U024BE7LH" in back.summary
    assert run(fleet, back, requester="U0OTHER").status == "succeeded"
    live = mc(fleet, EAST)
    assert live["spec"].get("taints") in (None, [])
    assert not set(cv.CORDON_ANNOTATIONS) & set(live["metadata"].get("annotations") or {})
    assert chosen(fleet, EAST)[0] == [EAST]


def test_other_taints_are_kept(fresh):
    _, fleet = fresh
    foreign = {"key": "example.com/maintenance-window", "value": "sunday", "effect": "NoSchedule"}
    fleet.hub.merge_patch("MemberCluster", EAST, {"spec": {"taints": [foreign]}})
    with pytest.raises(cordon_cluster.NotCordoned) as e:
        uncordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST})
    assert "example.com/maintenance-window" in e.value.message
    p = cordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST})
    assert run(fleet, p).status == "succeeded"
    assert [t["key"] for t in mc(fleet, EAST)["spec"]["taints"]] == [foreign["key"], cv.CORDON_TAINT_KEY]
    assert mc(fleet, EAST)["metadata"]["annotations"][cv.CORDON_BY_ANNOTATION] == "unknown"  # no requester passed
    assert run(fleet, uncordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST})).status == "succeeded"
    assert mc(fleet, EAST)["spec"]["taints"] == [foreign]


def test_a_spec_change_after_planning_makes_the_plan_stale(fresh):
    _, fleet = fresh
    p = cordon_cluster.TOOL.handler(ctx(fleet), {"name": EAST})
    fleet.hub.merge_patch("MemberCluster", EAST, {"spec": {"heartbeatPeriodSeconds": 30}})
    with pytest.raises(StalePlan):
        run(fleet, p)
    assert mc(fleet, EAST)["spec"].get("taints") in (None, [])


def test_uncordon_a_hand_made_cordon(fresh):
    _, fleet = fresh
    p = uncordon_cluster.TOOL.handler(ctx(fleet), {"name": JAPAN})
    assert "outside fleetops" in p.summary and "gpu-driver-upgrade" in p.summary
    assert run(fleet, p).status == "succeeded"
    assert mc(fleet, JAPAN)["spec"].get("taints") in (None, [])
    assert JAPAN in [c.name for c in list_clusters.run(fleet.snapshot(), {"status": "placeable"}).clusters]
