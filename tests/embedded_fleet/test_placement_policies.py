"""KubeFleet behaviours beyond PickFixed: PickAll/PickN, overrides, apply failures, heartbeats, deletion."""
from __future__ import annotations

from datetime import UTC, datetime

from tests.embedded_fleet.fleet_kube import CLUSTER, KAITO, PLACEMENT, cond, create_deployment, deployment_manifests

CRPS = "clusterresourceplacements"


def _placed_on(kube, crp: str) -> list[str]:
    status = kube.hub.get(PLACEMENT, CRPS, crp)["status"]
    return sorted(ps["clusterName"] for ps in status["placementStatuses"]
                  if cond(ps, "Applied").get("status") == "True")


def _create_with_policy(kube, name: str, policy: dict) -> None:
    ns, ws, crp = deployment_manifests(name, "microsoft/Phi-4-mini-instruct", "Standard_NV36ads_A10_v5", [])
    crp["spec"]["policy"] = policy
    kube.hub.core.create_namespace(ns)
    kube.hub.create(KAITO, "workspaces", ws, namespace=name)
    kube.hub.create(PLACEMENT, CRPS, crp)


def test_pick_all_and_pick_n_follow_labels_heartbeats_and_taints(fresh):
    env = "fleetops.dev/environment"
    _create_with_policy(fresh, "dev-all", {"placementType": "PickAll", "affinity": {"clusterAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"clusterSelectorTerms": [
            {"labelSelector": {"matchLabels": {env: "dev"}}}]}}}})
    _create_with_policy(fresh, "two-prod", {"placementType": "PickN", "numberOfClusters": 2, "affinity": {
        "clusterAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"clusterSelectorTerms": [
            {"labelSelector": {"matchLabels": {env: "prod", "fleetops.dev/geo": "apac"}}}]}}}})
    fresh.fleet.wait_idle()
    assert _placed_on(fresh, "dev-all") == ["aks-centralindia-dev-1", "eks-us-west-2-dev-1"]
    # apac prod: japaneast is tainted (no toleration), so only eks-ap-northeast-1 qualifies
    assert _placed_on(fresh, "two-prod") == ["eks-ap-northeast-1-prod-1"]
    status = fresh.hub.get(PLACEMENT, CRPS, "two-prod")["status"]
    assert cond(status, "ClusterResourcePlacementScheduled")["status"] == "False"
    all_prod = {"placementType": "PickAll", "tolerations": [{"key": "fleetops.dev/cordoned", "operator": "Exists"}],
                "affinity": {"clusterAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                    "clusterSelectorTerms": [{"labelSelector": {"matchLabels": {env: "prod"}}}]}}}}
    _create_with_policy(fresh, "prod-all", all_prod)
    fresh.fleet.wait_idle()
    placed = _placed_on(fresh, "prod-all")
    assert "aks-japaneast-prod-1" in placed  # tolerated
    assert "aks-southcentralus-prod-1" not in placed  # 42 minutes without a heartbeat
    assert placed == sorted(["aks-eastus-prod-1", "aks-eastus-prod-2", "aks-westus3-prod-1", "aks-westeurope-prod-1",
                             "aks-swedencentral-prod-1", "aks-japaneast-prod-1", "eks-us-east-1-prod-1",
                             "eks-eu-central-1-prod-1", "eks-ap-northeast-1-prod-1"])


def test_resource_override_sets_the_instance_type_per_cluster(fresh):
    ns, ws, crp = deployment_manifests("ovr", "microsoft/phi-4", "Standard_NC24ads_A100_v4",
                                       ["aks-eastus-prod-1", "aks-eastus-prod-2"])
    hub = fresh.hub
    hub.core.create_namespace(ns)
    hub.create(KAITO, "workspaces", ws, namespace="ovr")
    hub.create(PLACEMENT, "resourceoverrides", {
        "apiVersion": "placement.kubernetes-fleet.io/v1beta1", "kind": "ResourceOverride",
        "metadata": {"name": "ovr-r1-sku", "namespace": "ovr"},
        "spec": {"placement": {"name": "ovr", "scope": "Cluster"},
                 "resourceSelectors": [{"group": "kaito.sh", "version": "v1beta1", "kind": "Workspace",
                                        "name": "ovr-r1"}],
                 "policy": {"overrideRules": [{
                     "clusterSelector": {"clusterSelectorTerms": [{"labelSelector": {"matchLabels": {
                         "kubernetes-fleet.io/member-name": "aks-eastus-prod-2"}}}]},
                     "jsonPatchOverrides": [{"op": "replace", "path": "/resource/instanceType",
                                             "value": "Standard_NC40ads_H100_v5"}]}]}},
    }, namespace="ovr")
    hub.create(PLACEMENT, CRPS, crp)
    fresh.fleet.wait_idle()
    h100 = fresh("aks-eastus-prod-2").get(KAITO, "workspaces", "ovr-r1", namespace="ovr")
    a100 = fresh("aks-eastus-prod-1").get(KAITO, "workspaces", "ovr-r1", namespace="ovr")
    assert (h100["resource"]["instanceType"], a100["resource"]["instanceType"]) == \
        ("Standard_NC40ads_H100_v5", "Standard_NC24ads_A100_v4")
    assert cond(h100, "WorkspaceSucceeded")["status"] == "True"
    ps = next(p for p in hub.get(PLACEMENT, CRPS, "ovr")["status"]["placementStatuses"]
              if p["clusterName"] == "aks-eastus-prod-2")
    assert cond(ps, "Overridden")["reason"] == "OverriddenSucceeded"
    assert ps["applicableResourceOverrides"] == [{"name": "ovr-r1-sku", "namespace": "ovr"}]


def test_in_place_model_change_fails_to_apply_on_members(fresh):
    """KAITO's webhook (members only) makes the preset immutable: the hub accepts, every member refuses."""
    fresh.hub.patch(KAITO, "workspaces", "mistral-eu-r1",
                    {"inference": {"preset": {"name": "microsoft/phi-4"}}}, namespace="mistral-eu")
    fresh.fleet.wait_idle()
    ps = fresh.hub.get(PLACEMENT, CRPS, "mistral-eu")["status"]["placementStatuses"][0]
    assert cond(ps, "Applied")["status"] == "False"
    assert ps["failedPlacements"][0]["kind"] == "Workspace"
    assert "inference.preset" in ps["failedPlacements"][0]["condition"]["message"]
    member_ws = fresh("aks-westeurope-prod-1").get(KAITO, "workspaces", "mistral-eu-r1", namespace="mistral-eu")
    assert member_ws["inference"]["preset"]["name"] == "mistralai/Mistral-7B-Instruct-v0.3"


def test_heartbeat_round_refreshes_reporting_members_only(fresh):
    def age(cluster: str) -> float:
        mc = fresh.hub.get(CLUSTER, "memberclusters", cluster)
        hb = next(a for a in mc["status"]["agentStatus"] if a["type"] == "MemberAgent")["lastReceivedHeartbeat"]
        return (datetime.now(UTC) - datetime.fromisoformat(hb.replace("Z", "+00:00"))).total_seconds()

    fresh.fleet.faults.set_heartbeat_age("aks-eastus-prod-1", 3)
    assert 170 < age("aks-eastus-prod-1") < 190
    fresh.fleet.heartbeat_round()
    assert age("aks-eastus-prod-1") < 60
    assert age("aks-southcentralus-prod-1") > 41 * 60  # silent per the fleet file
    fresh.fleet.faults.stop_heartbeat("aks-eastus-prod-2")
    fresh.fleet.heartbeat_round()
    assert age("aks-eastus-prod-2") > 5 * 60
    fresh.fleet.faults.clear()
    assert age("aks-eastus-prod-2") < 60


def test_deleting_the_hub_namespace_or_the_crp_cleans_up_members(fresh):
    create_deployment(fresh, "gone", "microsoft/Phi-4-mini-instruct", "Standard_NV36ads_A10_v5",
                      ["aks-eastus-prod-1", "aks-westeurope-prod-1"])
    fresh.fleet.wait_idle()
    assert "gone" in fresh("aks-eastus-prod-1").namespaces()
    fresh.hub.core.delete_namespace("gone")
    fresh.fleet.wait_idle()
    for cluster in ("aks-eastus-prod-1", "aks-westeurope-prod-1"):
        assert "gone" not in fresh(cluster).namespaces()
        assert fresh(cluster).nodes("kaito.sh/workspacenamespace=gone") == []
    fresh.hub.co.delete_cluster_custom_object(*PLACEMENT, CRPS, "coder-assist")
    fresh.fleet.wait_idle()
    assert "coder-assist" not in fresh("aks-eastus-prod-2").namespaces()
    assert fresh.hub.items(PLACEMENT, "clusterresourcesnapshots",
                           label_selector="kubernetes-fleet.io/parent-CRP=coder-assist") == []


def test_snapshots_are_pruned_to_the_revision_history_limit(fresh):
    hub = fresh.hub
    hub.patch(PLACEMENT, CRPS, "granite-dev", {"spec": {"revisionHistoryLimit": 2}})
    for rev in ("2", "3", "4"):
        hub.patch(KAITO, "workspaces", "granite-dev-r1", {"metadata": {"labels": {"fleetops.dev/revision": rev}}},
                  namespace="granite-dev")
        fresh.fleet.wait_idle()
    snaps = hub.items(PLACEMENT, "clusterresourcesnapshots",
                      label_selector="kubernetes-fleet.io/parent-CRP=granite-dev")
    assert sorted(s["metadata"]["name"] for s in snaps) == ["granite-dev-2-snapshot", "granite-dev-3-snapshot"]
    latest = [s for s in snaps if s["metadata"]["labels"]["kubernetes-fleet.io/is-latest-snapshot"] == "true"]
    assert [s["metadata"]["name"] for s in latest] == ["granite-dev-3-snapshot"]
    assert latest[0]["spec"]["selectedResources"][1]["metadata"]["labels"]["fleetops.dev/revision"] == "4"
