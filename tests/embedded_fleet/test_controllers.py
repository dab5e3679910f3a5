"""The simulated KubeFleet and KAITO controllers, driven through the kubernetes client like the bot drives them."""
from __future__ import annotations

import pytest

from tests.embedded_fleet.fleet_kube import KAITO, PLACEMENT, Contexts, cond, create_deployment
from tools.embedded import EmbeddedFleet

A100 = "Standard_NC24ads_A100_v4"
CRPS = "clusterresourceplacements"


def _snapshots(hub, crp: str) -> list[dict]:
    snaps = hub.items(PLACEMENT, "clusterresourcesnapshots", label_selector=f"kubernetes-fleet.io/parent-CRP={crp}")
    return sorted(snaps, key=lambda s: int(s["metadata"]["labels"]["kubernetes-fleet.io/resource-index"]))


def _placement(hub, crp: str, cluster: str) -> dict:
    status = hub.get(PLACEMENT, CRPS, crp)["status"]
    return next(ps for ps in status["placementStatuses"] if ps.get("clusterName") == cluster)


def _free(member, sku: str) -> int:
    return len(member.nodes(f"node.kubernetes.io/instance-type={sku},!kaito.sh/workspace"))


def test_new_deployment_is_snapshotted_placed_and_becomes_ready(fresh):
    target = "aks-westeurope-prod-1"
    free_before = _free(fresh(target), A100)
    create_deployment(fresh, "qa-phi", "microsoft/phi-4", A100, [target])
    fresh.fleet.wait_idle()
    snaps = _snapshots(fresh.hub, "qa-phi")
    assert [s["metadata"]["name"] for s in snaps] == ["qa-phi-0-snapshot"]
    assert [r["kind"] for r in snaps[0]["spec"]["selectedResources"]] == ["Namespace", "Workspace"]
    member = fresh(target)
    ws = member.get(KAITO, "workspaces", "qa-phi-r1", namespace="qa-phi")
    assert cond(ws, "WorkspaceSucceeded")["status"] == "True"
    assert ws["status"]["state"] == "Ready"
    assert ws["metadata"]["ownerReferences"][0]["kind"] == "AppliedWork"
    assert _free(member, A100) == free_before - 1
    assert cond(_placement(fresh.hub, "qa-phi", target), "Applied")["status"] == "True"
    assert "qa-phi" not in fresh("aks-eastus-prod-1").namespaces()


def test_hub_change_cuts_a_new_snapshot_and_updates_the_member(fresh):
    hub = fresh.hub
    hub.patch(KAITO, "workspaces", "mistral-eu-r1", {"metadata": {"labels": {"fleetops.dev/revision": "2"}}},
              namespace="mistral-eu")
    fresh.fleet.wait_idle()
    snaps = _snapshots(hub, "mistral-eu")
    assert [s["metadata"]["labels"]["kubernetes-fleet.io/is-latest-snapshot"] for s in snaps] == ["false", "true"]
    assert hub.get(PLACEMENT, CRPS, "mistral-eu")["status"]["observedResourceIndex"] == "1"
    ws = fresh("aks-westeurope-prod-1").get(KAITO, "workspaces", "mistral-eu-r1", namespace="mistral-eu")
    assert ws["metadata"]["labels"]["fleetops.dev/revision"] == "2"
    assert cond(ws, "WorkspaceSucceeded")["status"] == "True"


def test_capacity_shortage_fails_and_recovers_when_nodes_are_freed(fresh):
    # eks-us-west-2-dev-1 has 4 g5.xlarge, granite-dev uses 1; the 32B coder needs 4 of them
    target = "eks-us-west-2-dev-1"
    create_deployment(fresh, "big-coder", "Qwen/Qwen2.5-Coder-32B-Instruct", "g5.xlarge", [target])
    fresh.fleet.wait_idle()
    member = fresh(target)
    ws = member.get(KAITO, "workspaces", "big-coder-r1", namespace="big-coder")
    for ctype in ("ResourceReady", "WorkspaceSucceeded"):
        assert cond(ws, ctype)["status"] == "False"
        assert cond(ws, ctype)["reason"] == "InsufficientGPUCapacity"
        assert cond(ws, ctype)["message"] == "need 4 g5.xlarge nodes, 3 free"
    assert ws["status"]["state"] == "Failed"
    assert member.nodes("kaito.sh/workspacenamespace=big-coder") == []
    fresh.hub.co.delete_cluster_custom_object(*PLACEMENT, CRPS, "granite-dev")
    fresh.fleet.wait_idle()
    assert "granite-dev" not in member.namespaces()
    ws = member.get(KAITO, "workspaces", "big-coder-r1", namespace="big-coder")
    assert cond(ws, "WorkspaceSucceeded")["status"] == "True"
    assert len(member.nodes("kaito.sh/workspacenamespace=big-coder")) == 4
    assert _snapshots(fresh.hub, "granite-dev") == []


def test_inferenceset_scales_in_place(fresh):
    hub = fresh.hub
    members = [fresh("aks-eastus-prod-1"), fresh("aks-westus3-prod-1")]
    hub.patch(KAITO, "inferencesets", "llama-support-r1", {"spec": {"replicas": 3}}, namespace="llama-support")
    fresh.fleet.wait_idle()
    for m in members:
        iset = m.get(KAITO, "inferencesets", "llama-support-r1", namespace="llama-support")
        assert iset["spec"]["replicas"] == 3 and iset["status"]["readyReplicas"] == 3
        assert cond(iset, "InferenceSetReady")["status"] == "True"
        names = sorted(w["metadata"]["name"] for w in m.items(KAITO, "workspaces", namespace="llama-support"))
        assert names == ["llama-support-r1-0", "llama-support-r1-1", "llama-support-r1-2"]
        assert len(m.nodes("kaito.sh/workspacenamespace=llama-support")) == 3
    hub.patch(KAITO, "inferencesets", "llama-support-r1", {"spec": {"replicas": 2}}, namespace="llama-support")
    fresh.fleet.wait_idle()
    for m in members:
        names = sorted(w["metadata"]["name"] for w in m.items(KAITO, "workspaces", namespace="llama-support"))
        assert names == ["llama-support-r1-0", "llama-support-r1-1"]
        assert len(m.nodes("kaito.sh/workspacenamespace=llama-support")) == 2
        iset = m.get(KAITO, "inferencesets", "llama-support-r1", namespace="llama-support")
        assert iset["status"]["readyReplicas"] == 2
    assert len(_snapshots(hub, "llama-support")) == 3


def test_cluster_removed_from_cluster_names_loses_the_deployment_and_its_nodes(fresh):
    dropped = fresh("aks-westeurope-prod-1")
    free_before = _free(dropped, A100)
    fresh.hub.patch(PLACEMENT, CRPS, "phi4-chat", {"spec": {"policy": {"clusterNames": ["aks-eastus-prod-1"]}}})
    fresh.fleet.wait_idle()
    assert "phi4-chat" not in dropped.namespaces()
    assert dropped.nodes("kaito.sh/workspacenamespace=phi4-chat") == []
    assert _free(dropped, A100) == free_before + 1
    status = fresh.hub.get(PLACEMENT, CRPS, "phi4-chat")["status"]
    assert [ps["clusterName"] for ps in status["placementStatuses"]] == ["aks-eastus-prod-1"]
    assert "phi4-chat" in fresh("aks-eastus-prod-1").namespaces()


def test_unknown_cluster_is_not_scheduled(fresh):
    create_deployment(fresh, "typo", "microsoft/Phi-4-mini-instruct", "Standard_NV36ads_A10_v5",
                      ["aks-eastus-prod-1", "aks-nowhere-1"])
    fresh.fleet.wait_idle()
    missing = _placement(fresh.hub, "typo", "aks-nowhere-1")
    assert cond(missing, "Scheduled")["status"] == "False"
    assert "aks-nowhere-1" in cond(missing, "Scheduled")["message"]
    assert cond(_placement(fresh.hub, "typo", "aks-eastus-prod-1"), "Applied")["status"] == "True"
    wide = cond(fresh.hub.get(PLACEMENT, CRPS, "typo"), "ClusterResourcePlacementScheduled")
    assert wide["status"] == "False"


def test_stopped_heartbeat_blocks_new_work_until_resumed(fresh):
    target = "aks-westeurope-prod-1"
    fresh.fleet.faults.stop_heartbeat(target)
    fresh.fleet.wait_idle()
    create_deployment(fresh, "late", "microsoft/Phi-4-mini-instruct", "Standard_NV36ads_A10_v5", [target])
    fresh.hub.patch(KAITO, "workspaces", "mistral-eu-r1", {"metadata": {"labels": {"fleetops.dev/revision": "2"}}},
                    namespace="mistral-eu")
    fresh.fleet.wait_idle()
    member = fresh(target)
    assert "late" not in member.namespaces()
    assert cond(_placement(fresh.hub, "late", target), "Scheduled")["status"] == "False"
    already = _placement(fresh.hub, "mistral-eu", target)
    assert cond(already, "Scheduled")["status"] == "True"
    assert cond(already, "Applied")["status"] == "Unknown"
    assert member.get(KAITO, "workspaces", "mistral-eu-r1", namespace="mistral-eu")["metadata"]["labels"][
        "fleetops.dev/revision"] == "1"
    fresh.fleet.faults.resume_heartbeat(target)
    fresh.fleet.wait_idle()
    assert member.get(KAITO, "workspaces", "mistral-eu-r1", namespace="mistral-eu")["metadata"]["labels"][
        "fleetops.dev/revision"] == "2"
    assert cond(_placement(fresh.hub, "mistral-eu", target), "Applied")["status"] == "True"
    assert cond(_placement(fresh.hub, "late", target), "Applied")["status"] == "True"
    assert "late" in member.namespaces()


def test_never_ready_and_fail_faults(fresh):
    faults = fresh.fleet.faults
    faults.never_ready(cluster="aks-eastus-prod-1")
    faults.fail(deployment="doomed", message="weights checksum mismatch")
    create_deployment(fresh, "stuck", "microsoft/Phi-4-mini-instruct", "Standard_NV36ads_A10_v5",
                      ["aks-eastus-prod-1", "aks-westeurope-prod-1"])
    create_deployment(fresh, "doomed", "microsoft/Phi-4-mini-instruct", "Standard_NV36ads_A10_v5",
                      ["aks-westeurope-prod-1"])
    fresh.fleet.wait_idle()
    stuck = fresh("aks-eastus-prod-1").get(KAITO, "workspaces", "stuck-r1", namespace="stuck")
    assert cond(stuck, "ResourceReady")["status"] == "True"
    assert (cond(stuck, "InferenceReady")["status"], cond(stuck, "InferenceReady")["reason"]) == \
        ("False", "InferenceNotReady")
    assert cond(stuck, "WorkspaceSucceeded")["status"] == "Unknown"
    fine = fresh("aks-westeurope-prod-1").get(KAITO, "workspaces", "stuck-r1", namespace="stuck")
    assert cond(fine, "WorkspaceSucceeded")["status"] == "True"
    doomed = fresh("aks-westeurope-prod-1").get(KAITO, "workspaces", "doomed-r1", namespace="doomed")
    assert (cond(doomed, "WorkspaceSucceeded")["status"], cond(doomed, "WorkspaceSucceeded")["message"]) == \
        ("False", "weights checksum mismatch")
    assert doomed["status"]["state"] == "Failed"
    faults.clear()
    create_deployment(fresh, "after", "microsoft/Phi-4-mini-instruct", "Standard_NV36ads_A10_v5", ["aks-eastus-prod-1"])
    fresh.fleet.wait_idle()
    after = fresh("aks-eastus-prod-1").get(KAITO, "workspaces", "after-r1", namespace="after")
    assert cond(after, "WorkspaceSucceeded")["status"] == "True"
    # the fault applied when the object was created: clearing it does not heal the stuck one
    stuck = fresh("aks-eastus-prod-1").get(KAITO, "workspaces", "stuck-r1", namespace="stuck")
    assert cond(stuck, "InferenceReady")["status"] == "False"


def test_wait_idle_covers_the_readiness_delay():
    with EmbeddedFleet(ready_delay=0.05) as fleet:
        kube = Contexts(fleet)
        try:
            create_deployment(kube, "slow", "microsoft/Phi-4-mini-instruct", "Standard_NV36ads_A10_v5",
                              ["aks-eastus-prod-1"])
            fleet.wait_idle()
            ws = kube("aks-eastus-prod-1").get(KAITO, "workspaces", "slow-r1", namespace="slow")
            assert [(c["type"], c["status"]) for c in ws["status"]["conditions"]] == [
                ("ResourceReady", "True"), ("InferenceReady", "True"), ("WorkspaceSucceeded", "True")]
        finally:
            kube.close()


def test_wait_idle_needs_a_started_fleet():
    with pytest.raises(RuntimeError):
        EmbeddedFleet().wait_idle()
