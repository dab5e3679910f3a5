"""Member KAITO status past its ttl is read again in the background, a bounded number per snapshot, the oldest
first; a read that gives the same answer changes nothing a snapshot was assembled from; a heartbeat (a change of
MemberClusters only) assembles the clusters part of the next snapshot only."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cache.cache_helpers import running, wait_for
from tools.embedded import EmbeddedFleet
from tools.fleet.adapter import Fleet

_EMB: list[EmbeddedFleet] = []


@pytest.fixture(scope="module")
def fleet_of_demo() -> Iterator[Fleet]:
    for emb, fleet in running(EmbeddedFleet()):
        _EMB[:] = [emb]
        yield fleet


def _counting(fleet: Fleet) -> list[str]:
    read: list[str] = []
    original = fleet._member_kaito

    def member_kaito(cluster: str, namespace: str | None = None):
        read.append(cluster)
        return original(cluster, namespace)

    fleet._member_kaito = member_kaito  # type: ignore[method-assign]
    return read


def _started(fleet: Fleet, **options) -> None:
    if fleet.cache is not None:
        fleet.cache.stop()
        fleet.cache = None
    fleet.start_cache(wait=30, memo_seconds=0, **options)
    wait_for(fleet.cache.watching, "every hub watch open")
    for _ in range(2):  # the first one reads every member, the second one assembles what they said
        fleet.snapshot()
        assert fleet.cache.wait_reads(30)


def test_a_member_read_with_the_same_answer_keeps_what_was_assembled(fleet_of_demo):
    _started(fleet_of_demo, member_ttl=0)
    before = fleet_of_demo.snapshot()  # (every member past its ttl: all read again in the background)
    assert fleet_of_demo.cache.wait_reads(30)
    after = fleet_of_demo.snapshot()
    placed = next(d for d in before.deployments if d.clusters)
    assert after.deployment(placed.name) is placed


def test_a_member_read_with_the_same_answer_keeps_the_cache_version(fleet_of_demo):
    _started(fleet_of_demo, member_ttl=0)
    version = fleet_of_demo.cache.version
    fleet_of_demo.snapshot()
    assert fleet_of_demo.cache.wait_reads(30)
    assert fleet_of_demo.cache.version == version


def test_at_most_refresh_limit_members_are_read_again_per_snapshot(fleet_of_demo):
    _started(fleet_of_demo, member_ttl=0, refresh_limit=2)
    read = _counting(fleet_of_demo)
    try:
        fleet_of_demo.snapshot()
        assert fleet_of_demo.cache.wait_reads(30)
        assert len(read) == 2
    finally:
        del fleet_of_demo._member_kaito


def test_the_members_read_longest_ago_are_read_again_first(fleet_of_demo):
    _started(fleet_of_demo, member_ttl=0, refresh_limit=2)
    cache = fleet_of_demo.cache
    oldest = sorted(cache._members, key=lambda c: cache._members[c].at)[:2]
    read = _counting(fleet_of_demo)
    try:
        fleet_of_demo.snapshot()
        assert cache.wait_reads(30)
        assert sorted(read) == sorted(oldest)
    finally:
        del fleet_of_demo._member_kaito


def test_a_heartbeat_changes_only_the_clusters_part(fleet_of_demo, monkeypatch):
    from tools.fleet import assemble as asm

    _started(fleet_of_demo)
    made: list[int] = []
    original = asm.assemble_deployments

    def counting(*a, **kw):
        made.append(1)
        return original(*a, **kw)

    monkeypatch.setattr(asm, "assemble_deployments", counting)
    before = fleet_of_demo.cache.hub_version
    _EMB[0].heartbeat_round()
    wait_for(lambda: fleet_of_demo.cache.hub_version > before, "the heartbeats in the cache")
    fleet_of_demo.snapshot()
    assert made == []


def test_a_placement_change_assembles_the_deployments_again(fleet_of_demo, monkeypatch):
    from tools.fleet import assemble as asm

    _started(fleet_of_demo)
    made: list[int] = []
    original = asm.assemble_deployments

    def counting(*a, **kw):
        made.append(1)
        return original(*a, **kw)

    monkeypatch.setattr(asm, "assemble_deployments", counting)
    crp = fleet_of_demo.hub.get("ClusterResourcePlacement", fleet_of_demo.snapshot().deployments[0].name)
    before = fleet_of_demo.cache.deps_version
    fleet_of_demo.hub.merge_patch("ClusterResourcePlacement", crp["metadata"]["name"],
                                  {"metadata": {"annotations": {"test": "touched"}}})
    wait_for(lambda: fleet_of_demo.cache.deps_version > before, "the placement change in the cache")
    fleet_of_demo.snapshot()
    assert made == [1]


def test_a_snapshot_after_changes_is_what_assembling_everything_gives(fleet_of_demo):
    from tools.fleet import assemble as asm

    _started(fleet_of_demo)
    cache = fleet_of_demo.cache
    first, second = fleet_of_demo.snapshot().deployments[:2]
    before = cache.deps_version
    fleet_of_demo.hub.merge_patch("Namespace", first.name, {"metadata": {"labels": {"fleetops.dev/team": "blue"}}})
    fleet_of_demo.hub.merge_patch("ClusterResourcePlacement", second.name,
                                  {"metadata": {"labels": {"fleetops.dev/touched": "yes"}}})
    wait_for(lambda: cache.deps_version >= before + 2, "both changes in the cache")
    snap = fleet_of_demo.snapshot()
    with cache.lock:
        said = {c: e.objs for c, e in cache._members.items()}
        unread = set(cache._placed.unread)
    full = asm.assemble_deployments(cache.hub_objects(), said, fleet_of_demo.catalog, asm.Memo(), pending=unread)
    assert snap.deployment(first.name).labels.get("fleetops.dev/team") == "blue"
    assert snap.deployments == full.deployments
