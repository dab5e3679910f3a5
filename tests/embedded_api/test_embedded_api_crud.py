"""CRUD through the real kubernetes client over HTTP: selectors, conflicts, patches, status, delete."""
from __future__ import annotations

import json
import urllib.request

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from tests.embedded_api.api_objects import member_cluster, status_of, workspace

KAITO = ("kaito.sh", "v1beta1")
CLUSTER = ("cluster.kubernetes-fleet.io", "v1beta1")


def test_create_get_list_with_label_and_field_selectors(hub):
    co = client.CustomObjectsApi(hub)
    co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", workspace("sel-a"))
    other = workspace("sel-b")
    other["metadata"]["labels"] = {"fleet.example.com/model": "llama"}
    co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", other)

    got = co.get_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "sel-a")
    assert got["metadata"]["uid"] and got["metadata"]["resourceVersion"]
    assert got["resource"]["count"] == 1  # CRD default applied

    by_label = co.list_namespaced_custom_object(*KAITO, "llm-serving", "workspaces",
                                                label_selector="fleet.example.com/model=llama")
    assert by_label["kind"] == "WorkspaceList" and by_label["metadata"]["resourceVersion"]
    assert [i["metadata"]["name"] for i in by_label["items"]] == ["sel-b"]
    assert all(i["apiVersion"] == "kaito.sh/v1beta1" and i["kind"] == "Workspace" for i in by_label["items"])

    by_field = co.list_cluster_custom_object(*KAITO, "workspaces", field_selector="metadata.name=sel-a")
    assert [i["metadata"]["name"] for i in by_field["items"]] == ["sel-a"]
    not_in = co.list_namespaced_custom_object(*KAITO, "llm-serving", "workspaces",
                                              label_selector="fleet.example.com/model notin (llama)", limit=1)
    assert "sel-b" not in [i["metadata"]["name"] for i in not_in["items"]]


def test_typed_core_client_and_namespace_defaults(hub):
    v1 = client.CoreV1Api(hub)
    ns = v1.create_namespace({"metadata": {"name": "crud-ns"}})
    assert ns.status.phase == "Active"
    assert ns.metadata.labels["kubernetes.io/metadata.name"] == "crud-ns"
    v1.create_namespaced_config_map("crud-ns", {"metadata": {"name": "cfg", "labels": {"app": "x"}}, "data": {"a": "1"}})
    names = [c.metadata.name for c in v1.list_namespaced_config_map("crud-ns", label_selector="app=x").items]
    assert names == ["cfg"]
    patched = v1.patch_namespaced_config_map("cfg", "crud-ns", {"data": {"b": "2"}})  # strategic merge patch
    assert patched.data == {"a": "1", "b": "2"}
    secret = v1.create_namespaced_secret("crud-ns", {"metadata": {"name": "hf"}, "stringData": {"HF_TOKEN": "abc"}})
    assert secret.data == {"HF_TOKEN": "YWJj"} and secret.type == "Opaque"


def test_update_with_stale_resource_version_is_conflict(hub):
    co = client.CustomObjectsApi(hub)
    created = co.create_cluster_custom_object(*CLUSTER, "memberclusters", member_cluster("mc-stale"))
    fresh = dict(created, metadata={**created["metadata"], "labels": {"ring": "canary"}})
    updated = co.replace_cluster_custom_object(*CLUSTER, "memberclusters", "mc-stale", fresh)
    assert updated["metadata"]["labels"] == {"ring": "canary"}
    assert updated["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]

    stale = dict(created, metadata={**created["metadata"], "labels": {"ring": "prod"}})
    with pytest.raises(ApiException) as err:
        co.replace_cluster_custom_object(*CLUSTER, "memberclusters", "mc-stale", stale)
    assert err.value.status == 409
    body = status_of(err.value)
    assert body["kind"] == "Status" and body["reason"] == "Conflict"
    assert "the object has been modified" in body["message"]


def test_merge_and_json_patch(hub):
    co = client.CustomObjectsApi(hub)
    co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", workspace("patchy"))
    out = co.patch_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "patchy",
                                            {"metadata": {"labels": {"fleet.example.com/release": "v2"}}})
    assert out["metadata"]["labels"] == {"fleet.example.com/model": "phi-4-mini", "fleet.example.com/release": "v2"}
    out = co.patch_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "patchy",
                                            {"metadata": {"labels": {"fleet.example.com/release": None}}})
    assert "fleet.example.com/release" not in out["metadata"]["labels"]
    ops = [{"op": "test", "path": "/metadata/name", "value": "patchy"},
           {"op": "add", "path": "/metadata/annotations", "value": {"note": "hi"}}]
    out = co.patch_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "patchy", ops,
                                            _content_type="application/json-patch+json")
    assert out["metadata"]["annotations"] == {"note": "hi"}
    with pytest.raises(ApiException) as err:
        co.patch_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "patchy",
                                          [{"op": "test", "path": "/metadata/name", "value": "nope"}],
                                          _content_type="application/json-patch+json")
    assert err.value.status == 422
    with pytest.raises(ApiException) as err:
        co.patch_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "patchy", {"metadata": {}},
                                          _content_type="application/strategic-merge-patch+json")
    assert err.value.status == 415 and status_of(err.value)["reason"] == "UnsupportedMediaType"


def test_status_subresource_is_separate_from_the_main_resource(hub):
    co = client.CustomObjectsApi(hub)
    created = co.create_namespaced_custom_object(
        *KAITO, "llm-serving", "workspaces", workspace("stat", status={"state": "Ready"}))
    assert "status" not in created  # create cannot set status
    cond = {"type": "ResourceReady", "status": "True", "reason": "Provisioned", "message": "",
            "lastTransitionTime": "2025-01-01T00:00:00Z"}
    out = co.patch_namespaced_custom_object_status(*KAITO, "llm-serving", "workspaces", "stat",
                                                   {"status": {"state": "Pending", "conditions": [cond]}})
    assert out["status"]["state"] == "Pending" and out["metadata"]["generation"] == 1
    out = co.patch_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "stat",
                                            {"status": {"state": "Ready"}, "metadata": {"labels": {"a": "b"}}})
    assert out["status"]["state"] == "Pending"  # main-resource writes keep status
    assert out["metadata"]["labels"]["a"] == "b"
    with pytest.raises(ApiException) as err:  # status is validated against the schema
        bad = dict(cond, status="Maybe", lastTransitionTime="yesterday")
        co.patch_namespaced_custom_object_status(*KAITO, "llm-serving", "workspaces", "stat",
                                                 {"status": {"conditions": [bad]}})
    assert err.value.status == 422
    fields = {c["field"] for c in status_of(err.value)["details"]["causes"]}
    assert {"status.conditions[0].status", "status.conditions[0].lastTransitionTime"} <= fields


def test_delete_then_404_and_delete_options(hub):
    co = client.CustomObjectsApi(hub)
    co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", workspace("gone"))
    out = co.delete_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "gone",
                                             body=client.V1DeleteOptions(propagation_policy="Foreground"))
    assert out["metadata"]["name"] == "gone"
    for call in (lambda: co.get_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "gone"),
                 lambda: co.delete_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "gone")):
        with pytest.raises(ApiException) as err:
            call()
        assert err.value.status == 404
        assert status_of(err.value)["reason"] == "NotFound"
        assert status_of(err.value)["message"] == 'workspaces.kaito.sh "gone" not found'


def test_dry_run_create_validates_but_does_not_store(hub):
    co = client.CustomObjectsApi(hub)
    out = co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", workspace("dry"), dry_run="All")
    assert out["resource"]["count"] == 1
    with pytest.raises(ApiException) as err:
        co.get_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "dry")
    assert err.value.status == 404
    bad = workspace("dry-bad")
    del bad["resource"]
    with pytest.raises(ApiException) as err:
        co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", bad, dry_run="All")
    assert err.value.status == 422


def test_served_version_and_storage_version(hub, fleet):
    co = client.CustomObjectsApi(hub)
    obj = member_cluster("mc-v1")
    obj["apiVersion"] = "cluster.kubernetes-fleet.io/v1"
    obj["spec"]["deleteOptions"] = {"validationMode": "Skip"}  # v1beta1-only: pruned when written through v1
    co.create_cluster_custom_object("cluster.kubernetes-fleet.io", "v1", "memberclusters", obj)
    stored = fleet.store.get("hub", fleet.rt("cluster.kubernetes-fleet.io", "memberclusters"), None, "mc-v1")
    assert stored["apiVersion"] == "cluster.kubernetes-fleet.io/v1beta1"
    assert "deleteOptions" not in stored["spec"]
    as_v1 = co.get_cluster_custom_object("cluster.kubernetes-fleet.io", "v1", "memberclusters", "mc-v1")
    assert as_v1["apiVersion"] == "cluster.kubernetes-fleet.io/v1"


def test_member_serves_kaito_but_not_fleet_kinds(member):
    co = client.CustomObjectsApi(member)
    assert co.list_namespaced_custom_object(*KAITO, "llm-serving", "workspaces")["items"] == []
    with pytest.raises(ApiException) as err:
        co.list_cluster_custom_object(*CLUSTER, "memberclusters")
    assert err.value.status == 404 and status_of(err.value)["kind"] == "Status"


def _pb_field(number: int, payload: bytes) -> bytes:
    def varint(n: int) -> bytes:
        out = b""
        while True:
            b, n = n & 0x7F, n >> 7
            out += bytes([b | (0x80 if n else 0)])
            if not n:
                return out
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def test_protobuf_bodies_for_built_ins(fleet):
    """kubectl's typed clients POST protobuf: k8s\\0 + runtime.Unknown{typeMeta, raw=v1.ConfigMap}."""
    meta = _pb_field(1, b"pb-cfg") + _pb_field(11, _pb_field(1, b"app") + _pb_field(2, b"pb"))
    cm = _pb_field(1, meta) + _pb_field(2, _pb_field(1, b"k") + _pb_field(2, b"v"))
    body = b"k8s\x00" + _pb_field(1, _pb_field(1, b"v1") + _pb_field(2, b"ConfigMap")) + _pb_field(2, cm)
    req = urllib.request.Request(fleet.server.cluster_url("hub") + "/api/v1/namespaces/default/configmaps",
                                 data=body, method="POST",
                                 headers={"Content-Type": "application/vnd.kubernetes.protobuf",
                                          "Accept": "application/vnd.kubernetes.protobuf,application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        created = json.loads(resp.read())
        assert resp.status == 201 and resp.headers["Content-Type"] == "application/json"
    assert created["data"] == {"k": "v"} and created["metadata"]["labels"] == {"app": "pb"}


def test_scale_subresource_maps_to_spec_replicas(member):
    co = client.CustomObjectsApi(member)
    iset = {"apiVersion": "kaito.sh/v1beta1", "kind": "InferenceSet",
            "metadata": {"name": "scaled", "namespace": "llm-serving"},
            "spec": {"labelSelector": {"matchLabels": {"apps": "scaled"}},
                     "template": {"resource": {"instanceType": "Standard_NC24ads_A100_v4"},
                                  "inference": {"preset": {"name": "microsoft/Phi-4-mini-instruct"}}}}}
    created = co.create_namespaced_custom_object(*KAITO, "llm-serving", "inferencesets", iset)
    assert created["spec"]["replicas"] == 1  # CRD default
    scale = co.get_namespaced_custom_object_scale(*KAITO, "llm-serving", "inferencesets", "scaled")
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 1
    out = co.patch_namespaced_custom_object_scale(*KAITO, "llm-serving", "inferencesets", "scaled",
                                                  {"spec": {"replicas": 3}})
    assert out["spec"]["replicas"] == 3
    got = co.get_namespaced_custom_object(*KAITO, "llm-serving", "inferencesets", "scaled")
    assert got["spec"]["replicas"] == 3 and got["metadata"]["generation"] == 2
    with pytest.raises(ApiException) as err:
        co.patch_namespaced_custom_object_scale(*KAITO, "llm-serving", "inferencesets", "scaled",
                                                {"spec": {"replicas": -1}})
    assert err.value.status == 422
