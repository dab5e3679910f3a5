"""Snapshots assembled with a memo (the fleet cache's) reuse a cluster's GPU pools, labels and taints while its
MemberCluster, Nodes, usage and deployments stay the same, and work out again only what time changes."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tools.catalog import default_catalog
from tools.embedded import members as mb
from tools.embedded.fleetspec import load_fleet
from tools.fleet import assemble as asm
from tools.fleet.conventions import HEARTBEAT_MAX_AGE_SECONDS

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def spec():
    return load_fleet()  # the shipped demo fleet


def _mc(spec, i: int = 0, **meta) -> dict:
    c = spec.clusters[i]
    obj = mb.member_cluster(c, spec.labels)
    obj["metadata"] = {**obj["metadata"], "generation": 1, "resourceVersion": "1", **meta}
    obj["status"] = mb.member_cluster_status(c, now=T0, generation=1)
    return obj


def _snap(mcs: list[dict], memo: asm.Memo, now: datetime):
    return asm.assemble(asm.HubObjects({"MemberCluster": mcs}), {}, {}, default_catalog(), now, memo)


def test_a_cluster_is_made_again_only_for_what_time_changes(spec):
    memo, mc = asm.Memo(), _mc(spec)
    first = _snap([mc], memo, T0 + timedelta(seconds=10)).clusters[0]
    later = _snap([mc], memo, T0 + timedelta(seconds=40)).clusters[0]
    assert later.gpus is first.gpus


def test_a_reused_cluster_has_its_heartbeat_age_at_the_new_time(spec):
    memo, mc = asm.Memo(), _mc(spec)
    _snap([mc], memo, T0 + timedelta(seconds=10))
    assert _snap([mc], memo, T0 + timedelta(seconds=40)).clusters[0].heartbeat_age_seconds == 40.0


def test_a_reused_cluster_whose_heartbeat_lapsed_is_ineligible(spec):
    memo, mc = asm.Memo(), _mc(spec)
    _snap([mc], memo, T0 + timedelta(seconds=10))
    later = _snap([mc], memo, T0 + timedelta(seconds=HEARTBEAT_MAX_AGE_SECONDS + 60)).clusters[0]
    assert not later.eligible


def test_a_reused_cluster_equals_one_made_from_scratch(spec):
    memo, mc = asm.Memo(), _mc(spec)
    _snap([mc], memo, T0 + timedelta(seconds=10))
    now = T0 + timedelta(seconds=HEARTBEAT_MAX_AGE_SECONDS + 60)
    assert _snap([mc], memo, now).clusters[0] == _snap([mc], asm.Memo(), now).clusters[0]


def test_a_changed_member_cluster_is_made_again(spec):
    memo = asm.Memo()
    first = _snap([_mc(spec)], memo, T0).clusters[0]
    changed = _snap([_mc(spec, labels={"fleetops.dev/environment": "dev"})], memo, T0).clusters[0]
    assert (changed.gpus is not first.gpus, changed.environment) == (True, "dev")
