"""How fleetops represents its facts on KubeFleet and KAITO objects (the one place that says so).

Shared by the fleet adapter (which reads and writes them), the embedded fleet's seed and simulated
controllers, and the tools that build manifests. See README "Fleet conventions".

MemberCluster (hub, ``cluster.kubernetes-fleet.io/v1beta1``)
  labels       region/geo/environment/provider under the keys demo-fleet.yaml names (LABELS below),
               plus ``kubernetes-fleet.io/member-name`` (set by KubeFleet).
  annotations  GPU_CAPACITY: JSON ``{instance type: nodes the cluster can run}``;
               GPU_PRICE: JSON ``{instance type: USD per node-hour}``.
  status       agentStatus[type=MemberAgent] heartbeats and Joined/Healthy, properties
               (``kubernetes-fleet.io/node-count``, ``kubernetes.azure.com/vm-sizes/<SKU>/count``).

A deployment NAME is
  * hub Namespace NAME, labelled DEPLOYMENT=NAME;
  * one KAITO object in it: a Workspace when replicas == 1, an InferenceSet (spec.replicas) when
    replicas > 1; named ``NAME-r<revision that created it>``; labelled DEPLOYMENT, REVISION (the
    deployment revision it currently represents) and MANAGED_BY;
  * a ClusterResourcePlacement NAME selecting the Namespace (NamespaceWithResources), PickFixed;
  * its revision history in ConfigMap ``rev-NAME`` in namespace REVISIONS_NAMESPACE on the hub
    (keys are revision numbers, values JSON revision records with the full manifests), so that
    rollback never depends on KubeFleet's snapshot retention.
"""
from __future__ import annotations

import re

FIELD_MANAGER = "fleetops"

# MemberCluster label keys (demo-fleet.yaml ``labels``).
LABELS = {
    "region": "topology.kubernetes.io/region",
    "geo": "fleetops.dev/geo",
    "environment": "fleetops.dev/environment",
    "provider": "fleetops.dev/provider",
}
MEMBER_NAME_LABEL = "kubernetes-fleet.io/member-name"

GPU_CAPACITY_ANNOTATION = "fleetops.dev/gpu-capacity"
GPU_PRICE_ANNOTATION = "fleetops.dev/gpu-price-per-node-hour"

NODE_COUNT_PROPERTY = "kubernetes-fleet.io/node-count"
K8S_VERSION_PROPERTY = "k8s.io/k8s-version"
AZURE_VM_SIZE_COUNT_PROPERTY = "kubernetes.azure.com/vm-sizes/{sku}/count"

DEPLOYMENT_LABEL = "fleetops.dev/deployment"
REVISION_LABEL = "fleetops.dev/revision"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "fleetops"
SELECTOR_LABEL = "apps"  # KAITO's examples use ``apps: <name>`` as the node label selector

REVISIONS_NAMESPACE = "fleetops-system"

HEARTBEAT_MAX_AGE_SECONDS = 5 * 60  # KubeFleet's scheduler eligibility window
CORDON_TAINT_KEY = "fleetops.dev/cordoned"
# who/why/when of a cordon (MemberCluster annotations, set with the taint and removed with it)
CORDON_REASON_ANNOTATION = "fleetops.dev/cordon-reason"
CORDON_BY_ANNOTATION = "fleetops.dev/cordoned-by"
CORDON_AT_ANNOTATION = "fleetops.dev/cordoned-at"
CORDON_CHANGE_ANNOTATION = "fleetops.dev/cordon-change"
CORDON_ANNOTATIONS = (CORDON_REASON_ANNOTATION, CORDON_BY_ANNOTATION, CORDON_AT_ANNOTATION, CORDON_CHANGE_ANNOTATION)

# Autoscaling (``autoscale``): one autoscaling/v2 HorizontalPodAutoscaler per deployment, named like it, in
# its namespace on the hub (so the deployment's CRP places it on every member), targeting the KAITO
# InferenceSet's scale subresource. Default metric, fitting LLM serving: the inference server's queue,
# requests waiting per replica (vLLM's ``vllm:num_requests_waiting``, served to the HPA as a Pods metric
# by a custom-metrics adapter such as prometheus-adapter), average target 10. Settings may override these.
AUTOSCALE_METRIC = "vllm:num_requests_waiting"
AUTOSCALE_TARGET_AVERAGE = "10"
HPA_API_VERSION = "autoscaling/v2"


def hpa_name(deployment: str) -> str:
    return deployment


# why fleetops stopped a staged update run (a rejected stage gate), on the ClusterStagedUpdateRun
STOP_REASON_ANNOTATION = "fleetops.dev/stop-reason"
# Who owns an autoscaled InferenceSet's replica count on the members: the member's HPA, not KubeFleet. The
# KAITO object's one ResourceOverride (KubeFleet allows one per resource, named ``kaito_override_name``) gets a
# rule for every cluster that removes REPLICAS_PATH from what KubeFleet applies there, so the field is not in
# the applied manifest and KubeFleet's work applier (PartialComparison) leaves it to the HPA. The hub copy keeps
# ``spec.replicas`` (the count it goes back to when autoscaling is turned off).
REPLICAS_PATH = "/spec/replicas"


def kaito_override_name(kaito_name: str) -> str:
    """The ResourceOverride of a KAITO object (per-cluster instance types, the HPA's replica count)."""
    return f"{kaito_name}-sku"


# KubeFleet snapshot labels/annotations (FLEET_API §5.2)
PARENT_CRP_LABEL = "kubernetes-fleet.io/parent-CRP"
RESOURCE_INDEX_LABEL = "kubernetes-fleet.io/resource-index"
IS_LATEST_LABEL = "kubernetes-fleet.io/is-latest-snapshot"
RESOURCE_HASH_ANNOTATION = "kubernetes-fleet.io/resource-hash"
NUMBER_OF_SNAPSHOTS_ANNOTATION = "kubernetes-fleet.io/number-of-resource-snapshots"
NUMBER_OF_ENVELOPED_ANNOTATION = "kubernetes-fleet.io/number-of-enveloped-object"

# GPU feature discovery labels on member Nodes (FLEET_API §3)
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"
GPU_COUNT_LABEL = "nvidia.com/gpu.count"
GPU_MEMORY_LABEL = "nvidia.com/gpu.memory"
GPU_RESOURCE = "nvidia.com/gpu"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
KAITO_WORKSPACE_LABEL = "kaito.sh/workspace"
KAITO_WORKSPACE_NAMESPACE_LABEL = "kaito.sh/workspacenamespace"

# API coordinates
KAITO_GROUP, KAITO_VERSION = "kaito.sh", "v1beta1"
PLACEMENT_GROUP, PLACEMENT_VERSION = "placement.kubernetes-fleet.io", "v1beta1"
CLUSTER_GROUP, CLUSTER_VERSION = "cluster.kubernetes-fleet.io", "v1beta1"

# kind -> (apiVersion, plural, namespaced) for everything fleetops reads or writes
KINDS: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("v1", "namespaces", False),
    "ConfigMap": ("v1", "configmaps", True),
    "Node": ("v1", "nodes", False),
    "MemberCluster": (f"{CLUSTER_GROUP}/{CLUSTER_VERSION}", "memberclusters", False),
    "ClusterResourcePlacement": (f"{PLACEMENT_GROUP}/{PLACEMENT_VERSION}", "clusterresourceplacements", False),
    "ClusterResourceSnapshot": (f"{PLACEMENT_GROUP}/{PLACEMENT_VERSION}", "clusterresourcesnapshots", False),
    "ResourceOverride": (f"{PLACEMENT_GROUP}/{PLACEMENT_VERSION}", "resourceoverrides", True),
    "Workspace": (f"{KAITO_GROUP}/{KAITO_VERSION}", "workspaces", True),
    "InferenceSet": (f"{KAITO_GROUP}/{KAITO_VERSION}", "inferencesets", True),
    "HorizontalPodAutoscaler": ("autoscaling/v2", "horizontalpodautoscalers", True),
    "Lease": ("coordination.k8s.io/v1", "leases", True),  # the one-writer lease (bot/lease.py)
    # staged rollouts (tools/staged.py, FLEET_API §7)
    "ClusterStagedUpdateStrategy": (f"{PLACEMENT_GROUP}/{PLACEMENT_VERSION}", "clusterstagedupdatestrategies", False),
    "ClusterStagedUpdateRun": (f"{PLACEMENT_GROUP}/{PLACEMENT_VERSION}", "clusterstagedupdateruns", False),
    "ClusterApprovalRequest": (f"{PLACEMENT_GROUP}/{PLACEMENT_VERSION}", "clusterapprovalrequests", False),
}

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def is_dns1123_label(name: str) -> bool:
    return len(name) <= 63 and bool(_DNS1123_LABEL.match(name))


def kaito_object_name(deployment: str, revision: int) -> str:
    """Name of the KAITO object created by ``revision`` of ``deployment``."""
    return f"{deployment}-r{revision}"


def kaito_kind(replicas: int) -> str:
    """Workspace for one replica; InferenceSet (KAITO's replicated form) for more."""
    return "Workspace" if replicas == 1 else "InferenceSet"


def revisions_configmap_name(deployment: str) -> str:
    return f"rev-{deployment}"
