"""Helpers for the embedded-fleet tests: kubeconfig contexts as ``kubernetes`` clients, and the manifests
the bot writes (built here, independently of the code under test)."""
from __future__ import annotations

from pathlib import Path

from kubernetes import client, config

from tools.embedded import EmbeddedFleet

KAITO = ("kaito.sh", "v1beta1")
PLACEMENT = ("placement.kubernetes-fleet.io", "v1beta1")
CLUSTER = ("cluster.kubernetes-fleet.io", "v1beta1")


class Kube:
    """One kubeconfig context: dict-returning helpers over CustomObjectsApi and CoreV1Api."""

    def __init__(self, kubeconfig: Path, context: str):
        self.api = config.new_client_from_config(config_file=str(kubeconfig), context=context)
        self.co = client.CustomObjectsApi(self.api)
        self.core = client.CoreV1Api(self.api)

    def _raw(self, obj) -> dict:
        return self.api.sanitize_for_serialization(obj)

    # custom objects
    def items(self, group_version: tuple[str, str], plural: str, namespace: str | None = None, **kw) -> list[dict]:
        if namespace:
            return self.co.list_namespaced_custom_object(*group_version, namespace, plural, **kw)["items"]
        return self.co.list_cluster_custom_object(*group_version, plural, **kw)["items"]

    def get(self, group_version: tuple[str, str], plural: str, name: str, namespace: str | None = None) -> dict:
        if namespace:
            return self.co.get_namespaced_custom_object(*group_version, namespace, plural, name)
        return self.co.get_cluster_custom_object(*group_version, plural, name)

    def create(self, group_version: tuple[str, str], plural: str, body: dict, namespace: str | None = None) -> dict:
        if namespace:
            return self.co.create_namespaced_custom_object(*group_version, namespace, plural, body)
        return self.co.create_cluster_custom_object(*group_version, plural, body)

    def patch(self, group_version: tuple[str, str], plural: str, name: str, body: dict,
              namespace: str | None = None) -> dict:
        if namespace:
            return self.co.patch_namespaced_custom_object(*group_version, namespace, plural, name, body)
        return self.co.patch_cluster_custom_object(*group_version, plural, name, body)

    # core
    def nodes(self, label_selector: str | None = None) -> list[dict]:
        return [self._raw(n) for n in self.core.list_node(label_selector=label_selector).items]

    def namespaces(self) -> list[str]:
        return [n.metadata.name for n in self.core.list_namespace().items]

    def configmap(self, namespace: str, name: str) -> dict:
        return self._raw(self.core.read_namespaced_config_map(name, namespace))

    def close(self) -> None:
        self.api.close()


class Contexts:
    def __init__(self, fleet: EmbeddedFleet):
        self.fleet = fleet
        self._open: dict[str, Kube] = {}

    def __call__(self, context: str) -> Kube:
        if context not in self._open:
            self._open[context] = Kube(self.fleet.kubeconfig_path, context)
        return self._open[context]

    @property
    def hub(self) -> Kube:
        return self(self.fleet.hub)

    def close(self) -> None:
        for k in self._open.values():
            k.close()


def cond(obj: dict, ctype: str) -> dict:
    """Condition ``ctype`` of an object (``status.conditions``) or of a placement status entry (``conditions``)."""
    conds = obj["conditions"] if "conditions" in obj else (obj.get("status") or {}).get("conditions")
    return next((c for c in conds or [] if c["type"] == ctype), {})


def deployment_manifests(name: str, model: str, sku: str, clusters: list[str], replicas: int = 1,
                         revision: int = 1) -> tuple[dict, dict, dict]:
    """Namespace, KAITO object and CRP as the bot writes them (built here, not by the code under test)."""
    labels = {"fleetops.dev/deployment": name, "app.kubernetes.io/managed-by": "fleetops"}
    obj_name = f"{name}-r{revision}"
    kaito_labels = {**labels, "fleetops.dev/revision": str(revision)}
    selector = {"matchLabels": {"apps": obj_name}}
    if replicas == 1:
        kaito = {"apiVersion": "kaito.sh/v1beta1", "kind": "Workspace",
                 "metadata": {"name": obj_name, "namespace": name, "labels": kaito_labels},
                 "resource": {"instanceType": sku, "labelSelector": selector},
                 "inference": {"preset": {"name": model}}}
    else:
        kaito = {"apiVersion": "kaito.sh/v1beta1", "kind": "InferenceSet",
                 "metadata": {"name": obj_name, "namespace": name, "labels": kaito_labels},
                 "spec": {"replicas": replicas, "labelSelector": selector,
                          "template": {"resource": {"instanceType": sku}, "inference": {"preset": {"name": model}}}}}
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
    crp = {"apiVersion": "placement.kubernetes-fleet.io/v1beta1", "kind": "ClusterResourcePlacement",
           "metadata": {"name": name, "labels": labels},
           "spec": {"resourceSelectors": [{"group": "", "version": "v1", "kind": "Namespace", "name": name,
                                           "selectionScope": "NamespaceWithResources"}],
                    "policy": {"placementType": "PickFixed", "clusterNames": clusters},
                    "strategy": {"type": "RollingUpdate"}}}
    return ns, kaito, crp


def create_deployment(kube: Contexts, name: str, model: str, sku: str, clusters: list[str], replicas: int = 1) -> None:
    ns, kaito, crp = deployment_manifests(name, model, sku, clusters, replicas)
    hub = kube.hub
    hub.core.create_namespace(ns)
    plural = "workspaces" if kaito["kind"] == "Workspace" else "inferencesets"
    hub.create(KAITO, plural, kaito, namespace=name)
    hub.create(PLACEMENT, "clusterresourceplacements", crp)
