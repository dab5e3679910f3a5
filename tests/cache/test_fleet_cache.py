"""The watch-fed fleet cache over the real kubernetes client and the embedded fleet's HTTP API: it follows the
hub (new members, label changes, deleted placements), lists again after a 410, serves a warm snapshot with
no API call, says when it may be behind, and never lets a plan made from a cache that is behind be carried out."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from tests.cache.cache_helpers import wait_for
from tools import runner
from tools.args import CordonClusterArgs
from tools.executor import Executor, StalePlan
from tools.fleet import conventions as cv
from tools.fleet.adapter import Fleet
from tools.fleet.models import ObjectRef


def _facts(snap) -> dict:
    """A snapshot without what only the clock changes (heartbeat ages)."""
    out = snap.model_dump()
    for c in out["clusters"]:
        c.pop("heartbeat_age_seconds")
    out.pop("stale_seconds")
    return out


def test_a_warm_snapshot_is_what_the_hub_says_and_costs_no_api_call(cached, calls):
    _emb, fleet = cached
    now = datetime.now(UTC)
    wait_for(lambda: _facts(fleet.snapshot(now)) == _facts(fleet.snapshot_direct(now)), "cache = direct read")
    assert calls.count(lambda: fleet.snapshot(now)) == 0


def test_a_new_member_cluster_appears(cached):
    emb, fleet = cached
    mc = fleet.hub.get("MemberCluster", emb.members[0])
    labels = {**mc["metadata"]["labels"], cv.MEMBER_NAME_LABEL: "aks-cachetest-prod-1"}
    fleet.hub.create({"apiVersion": mc["apiVersion"], "kind": "MemberCluster",
                      "metadata": {"name": "aks-cachetest-prod-1", "labels": labels,
                                   "annotations": mc["metadata"]["annotations"]},
                      "spec": {k: v for k, v in mc["spec"].items() if k != "taints"}})
    wait_for(lambda: fleet.snapshot().cluster("aks-cachetest-prod-1") is not None, "the new member in the cache")


def test_a_label_change_is_seen(cached):
    emb, fleet = cached
    name = emb.members[1]
    fleet.hub.merge_patch("MemberCluster", name, {"metadata": {"labels": {"fleetops.dev/cache-test": "blue"}}})
    wait_for(lambda: fleet.snapshot().cluster(name).labels.get("fleetops.dev/cache-test") == "blue", "the label")


def test_a_deleted_placement_is_seen(cached):
    _emb, fleet = cached
    dep = next(d for d in fleet.snapshot().deployments if d.clusters)
    fleet.hub.delete("ClusterResourcePlacement", dep.name)
    wait_for(lambda: fleet.snapshot().deployment(dep.name).clusters == [], "the placement gone from the cache")


def test_a_watch_that_cannot_resume_lists_again(cached):
    """410 Gone (the server compacted its history past the watch's resourceVersion) → a new list."""
    emb, fleet = cached
    mcs = fleet.cache._reflectors["MemberCluster"]
    before = fleet.cache.stats()["MemberCluster"]
    for attempt in range(3):  # a heartbeat landing in between would leave nothing to miss: try again
        # the hub moves on without a MemberCluster event, its history is compacted, the watch drops
        fleet.hub.merge_patch("Namespace", "default", {"metadata": {"labels": {"fleetops.dev/cache-410": str(attempt)}}})
        emb.server.broadcaster.compact()
        mcs.stop()
        opened = before["watches"] + attempt
        wait_for(lambda opened=opened: fleet.cache.stats()["MemberCluster"]["watches"] > opened,
                 "the watch opened again")
        if fleet.cache.stats()["MemberCluster"]["expired"] > before["expired"]:
            break
    assert fleet.cache.stats()["MemberCluster"]["expired"] > before["expired"]
    wait_for(lambda: fleet.cache.stats()["MemberCluster"]["lists"] > before["lists"], "listed again")
    name = emb.members[2]
    fleet.hub.merge_patch("MemberCluster", name, {"metadata": {"labels": {"fleetops.dev/after-410": "yes"}}})
    wait_for(lambda: fleet.snapshot().cluster(name).labels.get("fleetops.dev/after-410") == "yes", "watching again")


class _Held:
    """A reflector's hub client whose next watch waits until released (the cache falls behind meanwhile)."""

    def __init__(self, kube):
        self.kube, self.release = kube, threading.Event()

    def list_versioned(self, *a, **kw):
        return self.kube.list_versioned(*a, **kw)

    def watch(self, *a, **kw):
        self.release.wait(60)
        return self.kube.watch(*a, **kw)


def test_a_plan_made_from_a_cache_that_is_behind_is_refused_as_stale(cached):
    emb, fleet = cached
    name = emb.members[3]
    mcs = fleet.cache._reflectors["MemberCluster"]
    held = _Held(mcs.kube)
    mcs.kube = held
    fleet.cache.stale_after = 0.0  # say so at once (by default after 5 s: a reconnect is not news)
    try:
        mcs.stop()
        wait_for(lambda: not mcs.connected, "the MemberCluster watch down")
        fleet.hub.merge_patch("MemberCluster", name, {"metadata": {"labels": {"fleetops.dev/behind": "yes"}}})
        snap = fleet.snapshot()
        assert "fleetops.dev/behind" not in snap.cluster(name).labels  # the cache is behind the hub
        assert snap.stale_seconds is not None  # and says it may be
        plan = runner.plan("cordon_cluster", CordonClusterArgs(name=name, reason="cache test"), fleet, snap)
        with pytest.raises(StalePlan):
            Executor(fleet, timeout=20, poll=0.05).apply(plan)
    finally:
        held.release.set()
        mcs.kube = held.kube
        fleet.cache.stale_after = 5.0
    wait_for(lambda: "fleetops.dev/behind" in fleet.snapshot().cluster(name).labels, "caught up")
    assert fleet.snapshot().stale_seconds is None


def test_the_bots_own_write_is_in_the_next_snapshot(cached):
    """Read your writes: a snapshot right after a write through the adapter waits for the watch to bring it."""
    emb, fleet = cached
    name = emb.members[4]
    for value in ("one", "two", "three"):
        fleet.merge_patch(ObjectRef("MemberCluster", name), {"metadata": {"labels": {"fleetops.dev/own": value}}})
        assert fleet.snapshot().cluster(name).labels["fleetops.dev/own"] == value


class _SlowMember:
    """A member whose reads wait until released."""

    def __init__(self, kube):
        self.kube, self.release = kube, threading.Event()

    def list(self, *a, **kw):
        self.release.wait(60)
        return self.kube.list(*a, **kw)


def test_a_member_that_does_not_answer_in_time_is_shown_as_the_hub_sees_it(cached):
    """A snapshot waits at most ``member_wait`` for members (a large fleet's first snapshot would wait for
    thousands): a member still reading is shown by the hub's placement status, then by its own status."""
    emb, shared = cached
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")
    try:
        dep = next(d for d in shared.snapshot_direct().deployments if d.clusters and d.clusters[0] in fleet.members)
        cluster = dep.clusters[0]
        slow = _SlowMember(fleet.members[cluster])
        fleet.members[cluster] = slow
        fleet.start_cache(wait=30, member_wait=0.2)
        try:
            state = fleet.snapshot().deployment(dep.name).state_on(cluster)
            assert state.reason == "HubView" or state.state == "Pending"
        finally:
            slow.release.set()
        member_view = shared.snapshot_direct().deployment(dep.name).state_on(cluster)
        wait_for(lambda: fleet.snapshot().deployment(dep.name).state_on(cluster) == member_view, "the member's view")
    finally:
        fleet.close()
