"""The adapter reads the demo fleet exactly as demo-fleet.yaml describes it (independent reference:
tests/snapshot_from_yaml.py), and agrees with the raw kubernetes client on the members."""
from __future__ import annotations

import re

import pytest
from kubernetes import client, config

from tests.snapshot_from_yaml import demo_fleet_raw, demo_snapshot
from tools.fleet import conventions as cv

SWEDEN = "aks-swedencentral-prod-1"


@pytest.fixture(scope="module")
def snap(demo):
    return demo[1].snapshot()


@pytest.fixture(scope="module")
def reference():
    return demo_snapshot()


def test_lists_14_member_clusters_with_the_demo_labels(demo, snap):
    raw = demo_fleet_raw()
    assert [c.name for c in snap.clusters] == sorted(c["name"] for c in raw["clusters"])
    assert len(snap.clusters) == 14
    for c in raw["clusters"]:
        got = snap.cluster(c["name"])
        assert (got.region, got.geo, got.environment, got.provider) == \
            (c["region"], c["geo"], c["environment"], c["provider"])
        for fact, key in raw["labels"].items():
            assert got.labels[key] == c[fact]
        assert got.kubernetes_version == c["kubernetesVersion"]
        assert got.joined
    # the same through the official client's typed-free API on the hub context
    api = config.new_client_from_config(config_file=str(demo[0].kubeconfig_path), context=demo[0].hub)
    try:
        mcs = client.CustomObjectsApi(api).list_cluster_custom_object(
            cv.CLUSTER_GROUP, cv.CLUSTER_VERSION, "memberclusters")["items"]
    finally:
        api.close()
    assert sorted(m["metadata"]["name"] for m in mcs) == [c.name for c in snap.clusters]


def test_gpu_numbers_equal_the_independent_calculation(snap, reference):
    assert [c.name for c in snap.clusters] == sorted(c.name for c in reference.clusters)
    for ref in reference.clusters:
        got = snap.cluster(ref.name)
        ref_pools = {p.instance_type: p.model_dump() for p in ref.gpus}
        got_pools = {p.instance_type: p.model_dump() for p in got.gpus}
        assert got_pools == ref_pools, ref.name  # capacity, used, free, GPUs, GPU model, price
        assert got.eligible == ref.eligible, ref.name
        assert sorted(got.deployments) == sorted(ref.deployments), ref.name
        assert [str(t) for t in got.taints] == [str(t) for t in ref.taints]


def test_eligibility_reasons_name_the_fact(snap, reference):
    ineligible = {c.name: c.ineligible_reason for c in snap.clusters if not c.eligible}
    assert set(ineligible) == {c.name for c in reference.clusters if not c.eligible}
    # demo-fleet.yaml: the heartbeat was 42 min old when the fleet started; the shared fleet has been up since the
    # session began, so the age named is 42 min plus however long the suite has run so far
    age = re.search(r"(\d+) min", ineligible["aks-southcentralus-prod-1"])
    assert age is not None
    assert 42 <= int(age.group(1)) < 42 + 90
    assert "fleetops.dev/cordoned=gpu-driver-upgrade:NoSchedule" in ineligible["aks-japaneast-prod-1"]


def test_deployments_equal_the_fleet_file(snap, reference):
    assert sorted(d.name for d in snap.deployments) == sorted(d.name for d in reference.deployments)
    for ref in reference.deployments:
        got = snap.deployment(ref.name)
        assert (got.model, got.instance_type, got.replicas, got.revision, got.kaito_kind) == \
            (ref.model, ref.instance_type, ref.replicas, ref.revision, ref.kaito_kind), ref.name
        assert sorted(got.clusters) == sorted(ref.clusters)
        assert got.kaito_name == cv.kaito_object_name(ref.name, ref.revision)
        assert [(r.revision, r.model, r.instance_type, r.replicas) for r in got.revisions] == \
            [(r.revision, r.model, r.instance_type, r.replicas) for r in ref.revisions]
        for s in ref.states:
            g = got.state_on(s.cluster)
            assert g.state == s.state, (ref.name, s.cluster)
            if s.message:
                assert (g.reason, g.message) == (s.reason, s.message)
        assert not got.other_kaito


def test_coder_assist_not_ready_on_sweden_through_adapter_and_raw_client(demo, snap):
    message = next(d for d in demo_fleet_raw()["deployments"] if d["name"] == "coder-assist")["status"][SWEDEN]["message"]
    dep = snap.deployment("coder-assist")
    s = dep.state_on(SWEDEN)
    assert (s.state, s.reason, s.message, s.kaito_object) == ("Failed", "InferenceNotReady", message, "coder-assist-r3")
    assert dep.status == "failed"
    assert dep.state_on("aks-eastus-prod-2").state == "Ready"
    # the adapter's per-member read used by the executor
    one = demo[1].member_state(SWEDEN, "coder-assist", "Workspace", "coder-assist-r3")
    assert (one.state, one.message) == ("Failed", message)
    # the raw client on the member's own context
    api = config.new_client_from_config(config_file=str(demo[0].kubeconfig_path), context=SWEDEN)
    try:
        ws = client.CustomObjectsApi(api).get_namespaced_custom_object(
            cv.KAITO_GROUP, cv.KAITO_VERSION, "coder-assist", "workspaces", "coder-assist-r3")
    finally:
        api.close()
    conds = {c["type"]: c for c in ws["status"]["conditions"]}
    assert conds["WorkspaceSucceeded"]["status"] == "False"
    assert conds["InferenceReady"]["message"] == message


def test_member_contexts_auto_maps_every_member(demo):
    emb, fleet = demo
    assert sorted(fleet.members) == sorted(emb.members)
    assert fleet.hub.cluster == emb.hub


def test_revisions_read_from_the_hub_record(demo):
    raw = next(d for d in demo_fleet_raw()["deployments"] if d["name"] == "coder-assist")
    revs = demo[1].revisions("coder-assist")
    assert [(r.revision, r.model, r.instance_type, r.replicas) for r in revs] == [
        (r["revision"], r["model"], r["instanceType"], r["replicas"]) for r in raw["revisions"]]
    assert all(r.manifests for r in revs)  # full manifests kept with every revision
