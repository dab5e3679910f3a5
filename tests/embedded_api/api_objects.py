"""Objects and helpers for the embedded API server tests (importable: ``tests.embedded_api.api_objects``)."""
from __future__ import annotations

import json

from kubernetes import client

HUB, MEMBERS = "hub", ["member-1", "member-2"]


def status_of(exc: client.ApiException) -> dict:
    """The metav1.Status body of a failed call."""
    return json.loads(exc.body)


def workspace(name: str, namespace: str = "llm-serving", **extra) -> dict:
    """The minimal valid Workspace of FLEET_API.md §10.2."""
    obj = {
        "apiVersion": "kaito.sh/v1beta1", "kind": "Workspace",
        "metadata": {"name": name, "namespace": namespace, "labels": {"fleet.example.com/model": "phi-4-mini"}},
        "resource": {"instanceType": "Standard_NC24ads_A100_v4",
                     "labelSelector": {"matchLabels": {"apps": name}}},
        "inference": {"preset": {"name": "microsoft/Phi-4-mini-instruct"}},
    }
    obj.update(extra)
    return obj


def member_cluster(name: str, **labels: str) -> dict:
    return {
        "apiVersion": "cluster.kubernetes-fleet.io/v1beta1", "kind": "MemberCluster",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {"identity": {"kind": "ServiceAccount", "name": f"fleet-member-agent-{name}",
                              "namespace": "fleet-system", "apiGroup": ""}},
    }


def crp(name: str, policy: dict) -> dict:
    return {
        "apiVersion": "placement.kubernetes-fleet.io/v1beta1", "kind": "ClusterResourcePlacement",
        "metadata": {"name": name},
        "spec": {"resourceSelectors": [{"group": "", "version": "v1", "kind": "Namespace", "name": "llm-serving"}],
                 "policy": policy},
    }
