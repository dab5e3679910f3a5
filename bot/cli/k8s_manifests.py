"""The Kubernetes manifests that install fleetops in its hub cluster, built by one pure function.

``hub_manifests(...)`` returns plain dicts in apply order: Namespace, the shipped RBAC
(``tools/data/rbac/fleetops-rbac.yaml``, hub part, its ServiceAccount in the chosen namespace), a ConfigMap
holding the approval policy, a PersistentVolumeClaim for the database, a Deployment (one replica, ``Recreate``
so two pods never run side by side on one volume, non-root, read-only root filesystem, probes on ``/healthz``
and ``/readyz``, resources) and, in HTTP mode, a Service. Secrets are only *referenced* (``fleetops-secrets``):
a manifest that carried an empty Secret would overwrite the real tokens on every apply.

The revision records and the writer Lease live in ``fleetops-system`` whatever namespace fleetops runs in (one
history and one active writer per hub), so that namespace and its Role are part of the output too.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

import tools
from tools.fleet.conventions import REVISIONS_NAMESPACE

RBAC_FILE = Path(tools.__file__).resolve().parent / "data" / "rbac" / "fleetops-rbac.yaml"
DEFAULT_NAMESPACE = REVISIONS_NAMESPACE
NAME = "fleetops"
SECRET = "fleetops-secrets"
PORT = 3000
HOME = "/var/lib/fleetops"
POLICY_DIR = "/etc/fleetops"
UID = 10001  # the Dockerfile's user
LABELS = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "bot"}
_MEMBER_ROLES = {"fleetops-member-reader"}  # applied on each member, not on the hub


def hub_manifests(*, namespace: str = DEFAULT_NAMESPACE, socket: bool = False, image: str,
                  policy_text: str, storage: str = "1Gi", storage_class: str | None = None,
                  rbac_text: str | None = None) -> list[dict[str, Any]]:
    """Every object to apply on the hub, in order."""
    objs: list[dict[str, Any]] = [_namespace(namespace)]
    if namespace != REVISIONS_NAMESPACE:
        objs.append(_namespace(REVISIONS_NAMESPACE))
    objs += rbac_objects(rbac_text if rbac_text is not None else RBAC_FILE.read_text(), namespace)
    objs += [_policy(namespace, policy_text), _claim(namespace, storage, storage_class),
             _deployment(namespace, image, socket)]
    if not socket:
        objs.append(_service(namespace))
    return objs


def rbac_objects(text: str, namespace: str) -> list[dict[str, Any]]:
    """The shipped RBAC's hub objects with its ServiceAccount moved to ``namespace`` (Roles stay where the
    objects they grant live)."""
    out = []
    for doc in yaml.safe_load_all(text):
        if not doc or doc["kind"] == "Namespace":
            continue
        doc = copy.deepcopy(doc)
        name = doc["metadata"]["name"]
        if name in _MEMBER_ROLES:
            continue
        if doc["kind"] == "ServiceAccount":
            doc["metadata"]["namespace"] = namespace
        for subject in doc.get("subjects") or []:
            if subject.get("kind") == "ServiceAccount" and subject.get("name") == NAME:
                subject["namespace"] = namespace
        out.append(doc)
    return out


def impersonation_rbac(namespace: str, users: list[str], groups: list[str]) -> list[dict[str, Any]]:
    """With the policy's ``impersonation`` on: a ClusterRole letting the bot impersonate exactly the mapped
    Kubernetes users and groups (``resourceNames``: never anyone else), bound to its ServiceAccount."""
    rules = [{"apiGroups": [""], "resources": [kind], "verbs": ["impersonate"], "resourceNames": sorted(set(names))}
             for kind, names in (("users", users), ("groups", groups)) if names]
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": _meta(f"{NAME}-impersonate"), "rules": rules}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": _meta(f"{NAME}-impersonate"),
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": f"{NAME}-impersonate"},
               "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": namespace}]}
    return [role, binding]


def _meta(name: str, namespace: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(LABELS)}
    if namespace:
        meta["namespace"] = namespace
    return meta


def _namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(name)}


def _policy(namespace: str, text: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(f"{NAME}-policy", namespace),
            "data": {"policy.yaml": text}}


def _claim(namespace: str, storage: str, storage_class: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}}
    if storage_class:
        spec["storageClassName"] = storage_class
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": _meta(f"{NAME}-data", namespace),
            "spec": spec}


def _secret_env(name: str, key: str, optional: bool) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": SECRET, "key": key, "optional": optional}}}


def _env(socket: bool) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        {"name": "FLEETOPS_IN_CLUSTER", "value": "true"},
        {"name": "FLEETOPS_HOME", "value": HOME},
        {"name": "FLEETOPS_POLICY", "value": f"{POLICY_DIR}/policy.yaml"},
        {"name": "FLEETOPS_PORT", "value": str(PORT)},
        _secret_env("SLACK_BOT_TOKEN", "slack-bot-token", False),
    ]
    env.append(_secret_env("SLACK_APP_TOKEN", "slack-app-token", False) if socket
               else _secret_env("SLACK_SIGNING_SECRET", "slack-signing-secret", False))
    env += [_secret_env("FLEETOPS_LLM", "llm", True), _secret_env("FLEETOPS_LLM_API_KEY", "llm-api-key", True)]
    return env


def _probe(path: str, period: int, failures: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": period, "timeoutSeconds": 3,
            "failureThreshold": failures}


def _deployment(namespace: str, image: str, socket: bool) -> dict[str, Any]:
    container = {
        "name": NAME, "image": image, "imagePullPolicy": "IfNotPresent",
        "args": ["serve", "--socket"] if socket else ["serve"],
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
        "env": _env(socket),
        "startupProbe": _probe("/healthz", 2, 30),
        "livenessProbe": _probe("/healthz", 10, 3),
        "readinessProbe": _probe("/readyz", 10, 3),
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "data", "mountPath": HOME}, {"name": "policy", "mountPath": POLICY_DIR,
                                                                 "readOnly": True},
                         {"name": "tmp", "mountPath": "/tmp"}],
    }
    pod = {
        "metadata": {"labels": dict(LABELS),
                     "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": str(PORT),
                                     "prometheus.io/path": "/metrics"}},
        "spec": {
            "serviceAccountName": NAME,
            "securityContext": {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID, "fsGroup": UID,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "terminationGracePeriodSeconds": 30,
            "containers": [container],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": f"{NAME}-data"}},
                        {"name": "policy", "configMap": {"name": f"{NAME}-policy"}},
                        {"name": "tmp", "emptyDir": {}}],
        },
    }
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(NAME, namespace),
            "spec": {"replicas": 1, "strategy": {"type": "Recreate"},
                     "selector": {"matchLabels": dict(LABELS)}, "template": pod}}


def _service(namespace: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(NAME, namespace),
            "spec": {"type": "ClusterIP", "selector": dict(LABELS),
                     "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}


def to_yaml(objs: list[dict[str, Any]], header: str = "") -> str:
    """One YAML stream (``---`` between documents), ``header`` as comment lines first."""
    lines = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return lines + "".join("---\n" + yaml.safe_dump(o, sort_keys=False, width=1000) for o in objs)
