"""The embedded fleet behaves like a real hub where it matters (issue 11): Terminating namespaces held by
finalizers and refusing new content with 403, placement status that lags a new snapshot, 500 for an
undeclared field under server-side apply, writes that time out and land later, no member contexts."""
from __future__ import annotations

import pytest

from tools.fleet.errors import FleetError, FleetWriteTimeout, NamespaceTerminating
from tools.fleet.kube import KubeConfig

HOLD = "example.com/hold"


def _cm(name: str, ns: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": {"a": "1"}}


def test_namespace_goes_terminating_refuses_new_content_and_goes_once_empty(lagging):
    emb, fleet = lagging
    hub = fleet.hub
    ws = hub.list("Workspace", "mistral-eu")[0]
    hub.merge_patch("Workspace", ws["metadata"]["name"], {"metadata": {"finalizers": [HOLD]}}, "mistral-eu")
    assert hub.delete("Namespace", "mistral-eu") is True
    emb.wait_idle()
    ns = hub.get("Namespace", "mistral-eu")
    assert ns["metadata"].get("deletionTimestamp")
    assert ns["status"]["phase"] == "Terminating"
    held = hub.get("Workspace", ws["metadata"]["name"], "mistral-eu")
    assert held["metadata"].get("deletionTimestamp")  # deleted, held by its finalizer
    with pytest.raises(NamespaceTerminating) as err:
        hub.apply(_cm("late", "mistral-eu"))
    assert "mistral-eu" in str(err.value) and "Terminating" in str(err.value)
    assert fleet.get_deployment("mistral-eu").status == "removing"
    hub.merge_patch("Workspace", ws["metadata"]["name"], {"metadata": {"finalizers": None}}, "mistral-eu")
    emb.wait_idle()
    assert hub.get("Workspace", ws["metadata"]["name"], "mistral-eu") is None
    assert hub.get("Namespace", "mistral-eu") is None


def test_placement_status_lags_a_new_snapshot_until_the_member_applies_it(lagging):
    emb, fleet = lagging
    hub = fleet.hub
    before = {ps["clusterName"]: ps["observedResourceIndex"]
              for ps in hub.get("ClusterResourcePlacement", "phi4-chat")["status"]["placementStatuses"]}
    hub.apply(_cm("extra", "phi4-chat"))  # new content selected by the placement: a new snapshot
    emb.wait_idle()
    crp = hub.get("ClusterResourcePlacement", "phi4-chat")
    after = {ps["clusterName"]: ps["observedResourceIndex"] for ps in crp["status"]["placementStatuses"]}
    assert all(int(after[c]) > int(before[c]) for c in before)  # wait_idle waited for the lag
    assert crp["status"]["observedResourceIndex"] == max(after.values(), key=int)


def test_placement_status_still_refers_to_the_old_snapshot_right_after_a_change(lagging):
    emb, fleet = lagging
    hub = fleet.hub
    hub.apply(_cm("extra2", "phi4-chat"))
    crp = hub.get("ClusterResourcePlacement", "phi4-chat")
    for _ in range(200):  # until the hub cut the new snapshot (the placement-wide index moves first)
        latest = (crp["status"] or {}).get("observedResourceIndex")
        if any(ps["observedResourceIndex"] != latest for ps in crp["status"]["placementStatuses"]):
            break
        crp = hub.get("ClusterResourcePlacement", "phi4-chat")
    per_cluster = {ps["observedResourceIndex"] for ps in crp["status"]["placementStatuses"]}
    assert crp["status"]["observedResourceIndex"] not in per_cluster
    emb.wait_idle()


def test_undeclared_field_under_server_side_apply_is_500(lagging):
    _emb, fleet = lagging
    ws = fleet.hub.list("Workspace", "mistral-eu")[0]
    body = {"apiVersion": ws["apiVersion"], "kind": "Workspace",
            "metadata": {"name": ws["metadata"]["name"], "namespace": "mistral-eu"}, "resource": {"foo": 1}}
    with pytest.raises(FleetError) as err:
        fleet.hub.apply(body)
    assert "answered 500" in str(err.value) and "resource.foo: field not declared in schema" in str(err.value)


def test_a_write_that_times_out_lands_later_and_the_adapter_retries_it(lagging):
    emb, fleet = lagging
    emb.faults.write_timeout(resource="configmaps", land_after=0.3)
    with pytest.raises(FleetWriteTimeout):
        fleet.hub.apply(_cm("slow", "mistral-eu"))
    emb.wait_idle()
    assert fleet.hub.get("ConfigMap", "slow", "mistral-eu") is not None  # it landed after all
    emb.faults.write_timeout(resource="configmaps", land_after=0.3)
    fleet.apply(_cm("slow2", "mistral-eu"))  # the adapter retries an idempotent write
    emb.wait_idle()
    assert fleet.hub.get("ConfigMap", "slow2", "mistral-eu") is not None


def test_switch_without_member_contexts(hub_only):
    emb, fleet = hub_only
    assert KubeConfig(emb.kubeconfig_path).contexts == [emb.hub]
    assert fleet.members == {}
