"""Discovery documents (``/version``, ``/api``, ``/apis``, resource lists) and a minimal OpenAPI v3.

Legacy (unaggregated) discovery only: the response ``Content-Type`` is plain ``application/json``, so
client-go/kubectl fall back from aggregated discovery by themselves. ``preferredVersion`` is the
storage version (v1beta1 for KubeFleet), so kubectl reads what the bot writes.

OpenAPI v3 is served because kubectl needs it: ``kubectl apply`` checks there that the server supports
``fieldValidation`` (else it fails with "failed to download openapi"), and decides from the PATCH
content types whether to send a strategic merge patch (built-ins) or a JSON merge patch (CRDs).
The documents hold paths, operations, parameters and the CRD schemas; ``/openapi/v2`` is a 404.
"""
from __future__ import annotations

import hashlib
import json

from tools.embedded.store import ResourceType

VERSION = {"major": "1", "minor": "33", "gitVersion": "v1.33.0-fleetops", "gitCommit": "0" * 40,
           "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24.0",
           "compiler": "gc", "platform": "linux/amd64"}
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
SUB_VERBS = ["get", "patch", "update"]


def _by_group_version(types: dict) -> dict[tuple[str, str], list[ResourceType]]:
    out: dict[tuple[str, str], list[ResourceType]] = {}
    for rt in types.values():
        for v in rt.versions:
            out.setdefault((rt.group, v), []).append(rt)
    return out


def api_versions(server_address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group_doc(group: str, rts: list[ResourceType]) -> dict:
    versions: list[str] = []
    for rt in rts:
        for v in rt.versions:
            if v not in versions:
                versions.append(v)
    preferred = rts[0].storage_version
    ordered = [preferred] + [v for v in versions if v != preferred]
    gv = [{"groupVersion": f"{group}/{v}", "version": v} for v in ordered]
    return {"name": group, "versions": gv, "preferredVersion": gv[0]}


def api_group_list(types: dict) -> dict:
    groups: dict[str, list[ResourceType]] = {}
    for rt in types.values():
        if rt.group:
            groups.setdefault(rt.group, []).append(rt)
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group_doc(g, rts) for g, rts in sorted(groups.items())]}


def api_group(types: dict, group: str) -> dict | None:
    rts = [rt for rt in types.values() if rt.group == group]
    if not group or not rts:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_doc(group, rts)}


def _resource(rt: ResourceType) -> list[dict]:
    base = {"name": rt.plural, "singularName": rt.singular or rt.kind.lower(), "namespaced": rt.namespaced,
            "kind": rt.kind, "verbs": VERBS,
            "storageVersionHash": hashlib.sha256(f"{rt.group}/{rt.plural}".encode()).hexdigest()[:12]}
    if rt.short_names:
        base["shortNames"] = list(rt.short_names)
    if rt.categories:
        base["categories"] = list(rt.categories)
    out = [base]
    if rt.status_subresource:
        out.append({"name": f"{rt.plural}/status", "singularName": "", "namespaced": rt.namespaced,
                    "kind": rt.kind, "verbs": SUB_VERBS})
    if rt.scale_subresource:
        out.append({"name": f"{rt.plural}/scale", "singularName": "", "namespaced": rt.namespaced,
                    "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": SUB_VERBS})
    return out


def resource_list(types: dict, group: str, version: str) -> dict | None:
    rts = _by_group_version(types).get((group, version))
    if not rts:
        return None
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": [r for rt in sorted(rts, key=lambda t: t.plural) for r in _resource(rt)]}


# --- OpenAPI v3 -------------------------------------------------------------------------------------


def _gv_path(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def openapi_index(types: dict, prefix: str) -> dict:
    """``/openapi/v3``: one entry per group-version; URLs carry the cluster prefix."""
    paths = {}
    for (g, v) in sorted(_by_group_version(types)):
        p = _gv_path(g, v)
        digest = hashlib.sha256(f"{p}:{len(types)}".encode()).hexdigest()[:16].upper()
        paths[p] = {"serverRelativeURL": f"{prefix}/openapi/v3/{p}?hash={digest}"}
    return {"paths": paths}


def _schema_name(rt: ResourceType, version: str) -> str:
    if not rt.group:
        return f"io.k8s.api.core.{version}.{rt.kind}"
    if "." not in rt.group:  # a built-in group (autoscaling)
        return f"io.k8s.api.{rt.group}.{version}.{rt.kind}"
    rev = ".".join(reversed(rt.group.split(".")))
    return f"{rev}.{version}.{rt.kind}"


_PARAM = {"in": "query", "schema": {"type": "string", "uniqueItems": True}}


def _params(*names: str) -> list[dict]:
    return [{"name": n, **_PARAM} for n in names]


def _op(rt: ResourceType, version: str, action: str, ref: str, content: list[str] | None = None,
        params: tuple[str, ...] = ()) -> dict:
    op: dict = {"operationId": f"{action}{rt.kind}", "parameters": _params(*params),
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": ref}}}}},
                "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": {"group": rt.group, "version": version, "kind": rt.kind}}
    if content:
        op["requestBody"] = {"content": {c: {"schema": {"$ref": ref}} for c in content}, "required": True}
    return op


def openapi_group_version(types: dict, group: str, version: str) -> dict | None:
    rts = _by_group_version(types).get((group, version))
    if not rts:
        return None
    write = ("dryRun", "fieldManager", "fieldValidation")
    paths: dict = {}
    schemas: dict = {}
    for rt in rts:
        name = _schema_name(rt, version)
        ref = f"#/components/schemas/{name}"
        schema = json.loads(json.dumps(rt.schemas.get(version) or {"type": "object",
                                                                  "x-kubernetes-preserve-unknown-fields": True}))
        schema["x-kubernetes-group-version-kind"] = [{"group": rt.group, "version": version, "kind": rt.kind}]
        schemas[name] = schema
        base = "/" + _gv_path(group, version) + ("/namespaces/{namespace}" if rt.namespaced else "")
        patch_types = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
        paths[f"{base}/{rt.plural}"] = {
            "get": _op(rt, version, "list", ref, params=("labelSelector", "fieldSelector", "watch")),
            "post": _op(rt, version, "post", ref, ["application/json", "application/yaml"], write),
        }
        item = {"get": _op(rt, version, "get", ref),
                "put": _op(rt, version, "put", ref, ["application/json", "application/yaml"], write),
                "patch": _op(rt, version, "patch", ref, patch_types, write + ("force",)),
                "delete": _op(rt, version, "delete", ref, params=("dryRun", "propagationPolicy"))}
        paths[f"{base}/{rt.plural}/{{name}}"] = item
        if rt.status_subresource:
            paths[f"{base}/{rt.plural}/{{name}}/status"] = {k: item[k] for k in ("get", "put", "patch")}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": VERSION["gitVersion"]},
            "paths": paths, "components": {"schemas": schemas}}
