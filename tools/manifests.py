"""Build the hub manifests of a deployment (pure). Conventions: ``tools.fleet.conventions``.

Every object is complete (server-side apply of a partial object would drop fields fleetops owns) and
valid for the real CRDs, CEL rules included: the placement is PickFixed with only ``clusterNames`` (no
affinity, numberOfClusters, spread or tolerations), the Workspace has no ``spec`` and keeps a
non-reserved ``apps`` label in its selector.
"""
from __future__ import annotations

import copy

from tools.fleet import conventions as cv
from tools.teams import TEAM_LABEL

GATED_PREFIXES = ("meta-llama/",)  # HuggingFace repos that need an access token (FLEET_API §9.3)
HF_SECRET = "hf-token"


def _labels(deployment: str, revision: int | None = None) -> dict[str, str]:
    labels = {cv.DEPLOYMENT_LABEL: deployment, cv.MANAGED_BY_LABEL: cv.MANAGED_BY_VALUE}
    if revision is not None:
        labels[cv.REVISION_LABEL] = str(revision)
    return labels


def namespace(deployment: str, team: str | None = None) -> dict:
    """The deployment's hub namespace; ``team`` (the owner) becomes its ``fleetops.dev/team`` label."""
    labels = _labels(deployment) | ({TEAM_LABEL: team} if team else {})
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": deployment, "labels": labels}}


def _preset(model: str) -> dict:
    preset: dict = {"name": model}
    if model.startswith(GATED_PREFIXES):
        preset["presetOptions"] = {"modelAccessSecret": HF_SECRET}
    return preset


def kaito_object(deployment: str, name: str, model: str, instance_type: str, replicas: int, revision: int) -> dict:
    """A Workspace (one replica) or an InferenceSet (several), per ``conventions.kaito_kind``."""
    meta = {"name": name, "namespace": deployment, "labels": _labels(deployment, revision)}
    selector = {"matchLabels": {cv.SELECTOR_LABEL: name}}
    if cv.kaito_kind(replicas) == "Workspace":
        return {"apiVersion": f"{cv.KAITO_GROUP}/{cv.KAITO_VERSION}", "kind": "Workspace", "metadata": meta,
                "resource": {"instanceType": instance_type, "labelSelector": selector},
                "inference": {"preset": _preset(model)}}
    return {"apiVersion": f"{cv.KAITO_GROUP}/{cv.KAITO_VERSION}", "kind": "InferenceSet", "metadata": meta,
            "spec": {"replicas": replicas, "labelSelector": selector,
                     "template": {"resource": {"instanceType": instance_type},
                                  "inference": {"preset": _preset(model)}}}}


def relabel(obj: dict, revision: int, replicas: int | None = None) -> dict:
    """The live KAITO object with a new revision label (and replica count, for an InferenceSet):
    the in-place update, which leaves KAITO's immutable fields exactly as they are."""
    out = {k: copy.deepcopy(v) for k, v in obj.items() if k != "status"}
    meta = obj.get("metadata") or {}
    out["metadata"] = {"name": meta["name"], "namespace": meta.get("namespace"),
                       "labels": {**(meta.get("labels") or {}), cv.REVISION_LABEL: str(revision)}}
    if replicas is not None and out.get("kind") == "InferenceSet":
        out.setdefault("spec", {})["replicas"] = replicas
    return out


def desired(obj: dict) -> dict:
    """A live object as an apply body: without status and the metadata the server sets (managedFields,
    resourceVersion, uid, ...), which an apply must not carry (managedFields must be nil; a stale
    resourceVersion would be a 409 precondition failure)."""
    out = {k: copy.deepcopy(v) for k, v in obj.items() if k != "status"}
    meta = obj.get("metadata") or {}
    out["metadata"] = {k: copy.deepcopy(meta[k]) for k in ("name", "namespace", "labels", "annotations") if k in meta}
    return out


def instance_type_path(kind: str) -> str:
    return "/resource/instanceType" if kind == "Workspace" else "/spec/template/resource/instanceType"


def sku_override(deployment: str, kaito: dict, per_cluster: dict[str, str]) -> dict | None:
    """A ResourceOverride giving some clusters another instance type than the hub object's."""
    base = (kaito.get("resource") or (kaito.get("spec") or {}).get("template", {}).get("resource") or {})
    diffs = {c: t for c, t in sorted(per_cluster.items()) if t != base.get("instanceType")}
    if not diffs:
        return None
    name = kaito["metadata"]["name"]
    rules = [{"clusterSelector": {"clusterSelectorTerms": [
                 {"labelSelector": {"matchLabels": {cv.MEMBER_NAME_LABEL: c}}}]},
              "jsonPatchOverrides": [{"op": "replace", "path": instance_type_path(kaito["kind"]), "value": t}]}
             for c, t in diffs.items()]
    return {"apiVersion": f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}", "kind": "ResourceOverride",
            "metadata": {"name": f"{name}-sku", "namespace": deployment, "labels": _labels(deployment)},
            "spec": {"placement": {"name": deployment, "scope": "Cluster"},
                     "resourceSelectors": [{"group": cv.KAITO_GROUP, "version": cv.KAITO_VERSION,
                                            "kind": kaito["kind"], "name": name}],
                     "policy": {"overrideRules": rules}}}


def placement(deployment: str, clusters: list[str]) -> dict:
    return {"apiVersion": f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}", "kind": "ClusterResourcePlacement",
            "metadata": {"name": deployment, "labels": _labels(deployment)},
            "spec": {"resourceSelectors": [{"group": "", "version": "v1", "kind": "Namespace", "name": deployment,
                                            "selectionScope": "NamespaceWithResources"}],
                     "policy": {"placementType": "PickFixed", "clusterNames": sorted(clusters)},
                     "strategy": {"type": "RollingUpdate"},
                     "revisionHistoryLimit": 10}}


def default_name(model: str) -> str:
    """Deployment name from a preset id: ``microsoft/Phi-4-mini-instruct`` → ``phi-4-mini-instruct``."""
    short = model.split("/", 1)[-1].lower()
    out = "".join(ch if ch.isalnum() else "-" for ch in short)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:50].strip("-")
