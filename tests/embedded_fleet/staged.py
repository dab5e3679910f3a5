"""Helpers for the staged-update-run tests: an External placement of a namespace (a Workspace and a ConfigMap) on
the demo fleet, strategies by the ``fleetops.dev/environment`` label, runs, and approving the way
``kubectl fleet approve`` does (GET, set the condition, replace the status). Built from FLEET_API §7 and §10.5,
independently of the code under test."""
from __future__ import annotations

from datetime import UTC, datetime

from kubernetes.client.rest import ApiException

from tests.embedded_fleet.fleet_kube import KAITO, PLACEMENT, Contexts

ENV = "fleetops.dev/environment"
DEV, STAGING, PROD = "aks-centralindia-dev-1", "aks-westus3-staging-1", "aks-eastus-prod-1"
CRPS, RUNS, STRATEGIES, APPROVALS, BINDINGS, SNAPSHOTS = (
    "clusterresourceplacements", "clusterstagedupdateruns", "clusterstagedupdatestrategies",
    "clusterapprovalrequests", "clusterresourcebindings", "clusterresourcesnapshots")
API = "placement.kubernetes-fleet.io/v1beta1"


def create_external(kube: Contexts, name: str, clusters: list[str], setting: str = "v1",
                    strategy: str = "External") -> None:
    hub = kube.hub
    hub.core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    hub.create(KAITO, "workspaces", {
        "apiVersion": "kaito.sh/v1beta1", "kind": "Workspace", "metadata": {"name": f"{name}-ws", "namespace": name},
        "resource": {"instanceType": "Standard_NV36ads_A10_v5", "labelSelector": {"matchLabels": {"apps": name}}},
        "inference": {"preset": {"name": "microsoft/Phi-4-mini-instruct"}}}, namespace=name)
    hub.core.create_namespaced_config_map(name, {"metadata": {"name": "settings"}, "data": {"setting": setting}})
    hub.create(PLACEMENT, CRPS, {
        "apiVersion": API, "kind": "ClusterResourcePlacement", "metadata": {"name": name},
        "spec": {"resourceSelectors": [{"group": "", "version": "v1", "kind": "Namespace", "name": name}],
                 "policy": {"placementType": "PickFixed", "clusterNames": clusters},
                 "strategy": {"type": strategy}, "revisionHistoryLimit": 20}})
    # A run created before the scheduler has picked the clusters fails to initialize for good, as on a real hub
    # ("policy snapshot not fully scheduled yet"); tests create their runs on a scheduled placement.
    kube.fleet.wait_idle()


def set_setting(kube: Contexts, name: str, value: str) -> None:
    kube.hub.core.patch_namespaced_config_map("settings", name, {"data": {"setting": value}})


def member_setting(kube: Contexts, cluster: str, name: str) -> str | None:
    try:
        return kube(cluster).configmap(name, "settings")["data"]["setting"]
    except ApiException as e:  # no namespace or no ConfigMap there: nothing placed
        if e.status == 404:
            return None
        raise


def stage(env: str, after: list[dict] | None = None, before: list[dict] | None = None, **extra) -> dict:
    out: dict = {"name": env, "labelSelector": {"matchLabels": {ENV: env}}, **extra}
    if after:
        out["afterStageTasks"] = after
    if before:
        out["beforeStageTasks"] = before
    return out


APPROVAL = {"type": "Approval"}


def create_strategy(kube: Contexts, name: str, stages: list[dict]) -> None:
    kube.hub.create(PLACEMENT, STRATEGIES, {"apiVersion": API, "kind": "ClusterStagedUpdateStrategy",
                                            "metadata": {"name": name}, "spec": {"stages": stages}})


def create_run(kube: Contexts, name: str, placement: str, strategy: str, index: str | None = None,
               state: str | None = "Run") -> None:
    spec: dict = {"placementName": placement, "stagedRolloutStrategyName": strategy}
    if index is not None:
        spec["resourceSnapshotIndex"] = index
    if state is not None:
        spec["state"] = state
    kube.hub.create(PLACEMENT, RUNS, {"apiVersion": API, "kind": "ClusterStagedUpdateRun",
                                      "metadata": {"name": name}, "spec": spec})


def run_status(kube: Contexts, name: str) -> dict:
    return kube.hub.get(PLACEMENT, RUNS, name).get("status") or {}


def stage_status(kube: Contexts, run: str, stage_name: str) -> dict:
    return next(s for s in run_status(kube, run)["stagesStatus"] if s["stageName"] == stage_name)


def approve(kube: Contexts, name: str, generation: int | None = None) -> None:
    """GET -> set Approved -> replace status (``kubectl fleet approve``); ``generation`` overrides the observed one."""
    co = kube.hub.co
    obj = co.get_cluster_custom_object(*PLACEMENT, APPROVALS, name)
    conds = [c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] != "Approved"]
    conds.append({"type": "Approved", "status": "True", "reason": "ApprovedViaTest", "message": "approved by a test",
                  "observedGeneration": obj["metadata"]["generation"] if generation is None else generation,
                  "lastTransitionTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
    obj.setdefault("status", {})["conditions"] = conds
    co.replace_cluster_custom_object_status(*PLACEMENT, APPROVALS, name, obj)


def set_state(kube: Contexts, run: str, state: str) -> None:
    kube.hub.patch(PLACEMENT, RUNS, run, {"spec": {"state": state}})


def bindings(kube: Contexts, placement: str) -> dict[str, dict]:
    items = kube.hub.items(PLACEMENT, BINDINGS, label_selector=f"kubernetes-fleet.io/parent-CRP={placement}")
    return {b["spec"]["targetCluster"]: b for b in items}
