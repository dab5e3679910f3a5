"""Hub manifests of a deployment, per ``tools.fleet.conventions``: Namespace, KAITO object, CRP, history.

Pure functions. ``object_history`` walks a deployment's revisions and says which KAITO object each
revision runs: a change of model, instance type or kind (1 ↔ N replicas) creates a new object named
after that revision; a replicas-only change N → M (both > 1) keeps the InferenceSet.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from tools.embedded.fleetspec import DeploymentSpec, RevisionSpec
from tools.fleet import conventions as cv
from tools.fleet.models import Revision

HF_TOKEN_SECRET = "hf-token"
GATED_PREFIXES = ("meta-llama/",)


@dataclass(frozen=True)
class RevisionObject:
    """What one revision runs: the spec, the KAITO object's name and the revision that created it."""

    spec: RevisionSpec
    object_name: str
    created_by: int

    @property
    def kind(self) -> str:
        return cv.kaito_kind(self.spec.replicas)


def object_history(dep: DeploymentSpec) -> list[RevisionObject]:
    out: list[RevisionObject] = []
    prev: RevisionSpec | None = None
    created = 0
    for r in dep.revisions:
        if (prev is None or r.model != prev.model or r.instance_type != prev.instance_type
                or cv.kaito_kind(r.replicas) != cv.kaito_kind(prev.replicas)):
            created = r.revision
        out.append(RevisionObject(r, cv.kaito_object_name(dep.name, created), created))
        prev = r
    return out


def deployment_labels(deployment: str, revision: int | None = None) -> dict[str, str]:
    labels = {cv.DEPLOYMENT_LABEL: deployment, cv.MANAGED_BY_LABEL: cv.MANAGED_BY_VALUE}
    if revision is not None:
        labels[cv.REVISION_LABEL] = str(revision)
    return labels


def namespace(name: str, labels: dict[str, str] | None = None) -> dict:
    meta: dict = {"name": name}
    if labels:
        meta["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def deployment_namespace(deployment: str) -> dict:
    return namespace(deployment, deployment_labels(deployment))


def _inference(model: str) -> dict:
    preset: dict = {"name": model}
    if model.startswith(GATED_PREFIXES):
        preset["presetOptions"] = {"modelAccessSecret": HF_TOKEN_SECRET}
    return {"preset": preset}


def kaito_object(deployment: str, ro: RevisionObject) -> dict:
    """The Workspace (1 replica) or InferenceSet (N replicas) a revision runs, as the hub holds it."""
    r = ro.spec
    meta = {"name": ro.object_name, "namespace": deployment, "labels": deployment_labels(deployment, r.revision)}
    selector = {"matchLabels": {cv.SELECTOR_LABEL: ro.object_name}}
    api_version = f"{cv.KAITO_GROUP}/{cv.KAITO_VERSION}"
    if ro.kind == "Workspace":
        return {"apiVersion": api_version, "kind": "Workspace", "metadata": meta,
                "resource": {"instanceType": r.instance_type, "labelSelector": selector},
                "inference": _inference(r.model)}
    return {"apiVersion": api_version, "kind": "InferenceSet", "metadata": meta,
            "spec": {"replicas": r.replicas, "labelSelector": selector,
                     "template": {"resource": {"instanceType": r.instance_type},
                                  "inference": _inference(r.model)}}}


def placement(deployment: str, clusters: list[str], revision: int | None = None) -> dict:
    """The ClusterResourcePlacement that puts the deployment's namespace on exactly ``clusters``."""
    return {
        "apiVersion": f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}",
        "kind": "ClusterResourcePlacement",
        "metadata": {"name": deployment, "labels": deployment_labels(deployment, revision)},
        "spec": {
            "resourceSelectors": [{"group": "", "version": "v1", "kind": "Namespace", "name": deployment,
                                   "selectionScope": "NamespaceWithResources"}],
            "policy": {"placementType": "PickFixed", "clusterNames": list(clusters)},
            "strategy": {"type": "RollingUpdate"},
            "revisionHistoryLimit": 10,
        },
    }


def revision_record(dep: DeploymentSpec, ro: RevisionObject, applied_at: str | None = None) -> Revision:
    r = ro.spec
    manifests = [deployment_namespace(dep.name), kaito_object(dep.name, ro),
                 placement(dep.name, dep.clusters, r.revision)]
    return Revision(revision=r.revision, model=r.model, instance_type=r.instance_type, replicas=r.replicas,
                    clusters=list(dep.clusters), manifests=manifests, applied_at=applied_at)


def revisions_configmap(deployment: str, records: list[Revision]) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": cv.revisions_configmap_name(deployment), "namespace": cv.REVISIONS_NAMESPACE,
                     "labels": deployment_labels(deployment)},
        "data": {str(rec.revision): json.dumps(rec.model_dump(mode="json"), separators=(",", ":"))
                 for rec in records},
    }
