"""Server-side apply and managedFields through the real client, plus the patch formats as pure functions."""
from __future__ import annotations

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from tests.embedded_api.api_objects import member_cluster, status_of, workspace
from tools.embedded import patch as patches
from tools.embedded import ssa

KAITO = ("kaito.sh", "v1beta1")
CLUSTER = ("cluster.kubernetes-fleet.io", "v1beta1")
APPLY = "application/apply-patch+yaml"


def _apply(co, body: dict, manager: str | None, *, force: bool | None = None, ns: str = "llm-serving") -> dict:
    kw = {"_content_type": APPLY}
    if manager:
        kw["field_manager"] = manager
    if force is not None:
        kw["force"] = force
    return co.patch_namespaced_custom_object(*KAITO, ns, "workspaces", body["metadata"]["name"], body, **kw)


def _entry(obj: dict, manager: str) -> dict:
    return next(e for e in obj["metadata"]["managedFields"] if e["manager"] == manager)


def test_apply_creates_then_updates_and_removes_omitted_fields(hub):
    co = client.CustomObjectsApi(hub)
    ws = workspace("ssa-a")
    ws["metadata"]["annotations"] = {"kaito.sh/runtime": "vllm"}
    # 201 Created, like kube-apiserver: the v37 client maps only 200 for PATCH and so returns None here
    assert _apply(co, ws, "fleetops") is None
    created = co.get_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", "ssa-a")
    entry = _entry(created, "fleetops")
    assert entry["operation"] == "Apply" and entry["fieldsType"] == "FieldsV1"
    assert entry["apiVersion"] == "kaito.sh/v1beta1" and entry["time"].endswith("Z")
    assert entry["fieldsV1"]["f:resource"]["f:instanceType"] == {}
    assert entry["fieldsV1"]["f:metadata"]["f:annotations"] == {"f:kaito.sh/runtime": {}}

    del ws["metadata"]["annotations"]
    ws["metadata"]["labels"]["fleet.example.com/release"] = "v1"
    updated = _apply(co, ws, "fleetops")
    assert "annotations" not in updated["metadata"] or "kaito.sh/runtime" not in updated["metadata"]["annotations"]
    assert updated["metadata"]["labels"]["fleet.example.com/release"] == "v1"
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    again = _apply(co, ws, "fleetops")  # idempotent: no new resourceVersion
    assert again["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]


def test_apply_conflict_between_managers_and_force(hub):
    co = client.CustomObjectsApi(hub)
    _apply(co, workspace("ssa-b"), "kubectl")
    mine = workspace("ssa-b")
    mine["metadata"]["labels"]["fleet.example.com/model"] = "phi-4"
    with pytest.raises(ApiException) as err:
        _apply(co, mine, "fleetops")
    assert err.value.status == 409
    body = status_of(err.value)
    assert body["reason"] == "Conflict"
    assert body["message"] == ('Apply failed with 1 conflict: conflict with "kubectl": '
                               '.metadata.labels.fleet.example.com/model')
    assert body["details"]["causes"] == [{"reason": "FieldManagerConflict", "message": 'conflict with "kubectl"',
                                          "field": ".metadata.labels.fleet.example.com/model"}]
    same = _apply(co, workspace("ssa-b"), "fleetops")  # same values: co-owned, no conflict
    assert {e["manager"] for e in same["metadata"]["managedFields"]} == {"kubectl", "fleetops"}
    forced = _apply(co, mine, "fleetops", force=True)
    assert forced["metadata"]["labels"]["fleet.example.com/model"] == "phi-4"
    kubectl = _entry(forced, "kubectl")["fieldsV1"]
    assert "f:fleet.example.com/model" not in kubectl.get("f:metadata", {}).get("f:labels", {})


def test_apply_conflicts_with_update_manager_and_needs_field_manager(hub):
    co = client.CustomObjectsApi(hub)
    co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", workspace("ssa-c"),
                                       field_manager="kubectl-create")
    other = workspace("ssa-c")
    other["metadata"]["labels"]["fleet.example.com/model"] = "x"
    with pytest.raises(ApiException) as err:
        _apply(co, other, "fleetops")
    message = status_of(err.value)["message"]
    assert message.startswith('Apply failed with 1 conflict: conflict with "kubectl-create" using kaito.sh/v1beta1 at ')
    with pytest.raises(ApiException) as err:
        _apply(co, other, None)
    assert err.value.status == 422
    assert "fieldManager: Required value: is required for apply patch" in status_of(err.value)["message"]


def test_apply_is_validated_like_any_write(hub):
    co = client.CustomObjectsApi(hub)
    bad = workspace("ssa-bad", resource={"instanceType": 5, "labelSelector": {}})
    with pytest.raises(ApiException) as err:
        _apply(co, bad, "fleetops")
    assert err.value.status == 422
    assert status_of(err.value)["details"]["causes"][0]["field"] == "resource.instanceType"


def test_apply_merges_map_lists_by_key_and_keeps_other_managers_items(hub):
    co = client.CustomObjectsApi(hub)
    co.create_cluster_custom_object(*CLUSTER, "memberclusters", member_cluster("ssa-list"))

    def cond(t: str, status: str) -> dict:
        return {"type": t, "status": status, "reason": "R", "message": "", "lastTransitionTime": "2025-01-01T00:00:00Z"}

    def apply_status(manager: str, *conds: dict) -> dict:
        body = {"apiVersion": "cluster.kubernetes-fleet.io/v1beta1", "kind": "MemberCluster",
                "metadata": {"name": "ssa-list"}, "status": {"conditions": list(conds)}}
        return co.patch_cluster_custom_object_status(*CLUSTER, "memberclusters", "ssa-list", body,
                                                     field_manager=manager, _content_type=APPLY)

    apply_status("member-agent", cond("Joined", "True"))
    out = apply_status("property-provider", cond("ClusterPropertyProviderStarted", "True"))
    assert [c["type"] for c in out["status"]["conditions"]] == ["Joined", "ClusterPropertyProviderStarted"]
    entry = _entry(out, "property-provider")
    assert entry["subresource"] == "status"
    assert 'k:{"type":"ClusterPropertyProviderStarted"}' in entry["fieldsV1"]["f:status"]["f:conditions"]
    out = apply_status("member-agent")  # the agent drops its condition; the provider's stays
    assert [c["type"] for c in out["status"]["conditions"]] == ["ClusterPropertyProviderStarted"]


def test_atomic_lists_are_owned_whole(hub):
    co = client.CustomObjectsApi(hub)
    co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", workspace("ssa-atomic"))

    def apply_status(manager: str, conds: list) -> dict:
        body = {"apiVersion": "kaito.sh/v1beta1", "kind": "Workspace", "metadata": {"name": "ssa-atomic"},
                "status": {"conditions": conds}}
        return co.patch_namespaced_custom_object_status(*KAITO, "llm-serving", "workspaces", "ssa-atomic", body,
                                                        field_manager=manager, _content_type=APPLY)

    ready = {"type": "ResourceReady", "status": "True", "reason": "R", "message": "",
             "lastTransitionTime": "2025-01-01T00:00:00Z"}
    apply_status("kaito", [ready])
    with pytest.raises(ApiException) as err:  # KAITO's conditions have no list-type: one owner for the list
        apply_status("other", [dict(ready, type="InferenceReady")])
    assert status_of(err.value)["details"]["causes"][0]["field"] == ".status.conditions"


# --- pure functions ------------------------------------------------------------------------------


@pytest.mark.parametrize("target, patch_, expected", [  # RFC 7386 appendix A
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
])
def test_merge_patch_rfc7386(target, patch_, expected):
    assert patches.merge_patch(target, patch_) == expected


def test_json_patch_operations():
    doc = {"a": {"b": [1, 2]}, "c": "x"}
    out = patches.json_patch(doc, [
        {"op": "add", "path": "/a/b/-", "value": 3},
        {"op": "add", "path": "/a/b/0", "value": 0},
        {"op": "replace", "path": "/c", "value": "y"},
        {"op": "copy", "from": "/c", "path": "/d"},
        {"op": "move", "from": "/d", "path": "/e~1f"},
        {"op": "remove", "path": "/a/b/1"},
        {"op": "test", "path": "/e~1f", "value": "y"},
    ])
    assert out == {"a": {"b": [0, 2, 3]}, "c": "y", "e/f": "y"}
    assert doc == {"a": {"b": [1, 2]}, "c": "x"}
    for bad in ([{"op": "remove", "path": "/nope"}], [{"op": "test", "path": "/c", "value": "z"}],
                [{"op": "replace", "path": "/a/x", "value": 1}]):
        with pytest.raises(patches.PatchError):
            patches.json_patch(doc, bad)


def test_strategic_merge_patch_drops_directives():
    out = patches.strategic_merge_patch({"data": {"a": "1"}, "x": [1]},
                                        {"$setElementOrder/x": [2], "data": {"b": "2"}, "x": [2]})
    assert out == {"data": {"a": "1", "b": "2"}, "x": [2]}


def test_fieldsv1_round_trip_and_paths():
    paths = {("f:spec", "f:a"), ("f:status", "f:conditions", 'k:{"type":"Ready"}', "."),
             ("f:status", "f:conditions", 'k:{"type":"Ready"}', "f:status")}
    tree = ssa.to_fields_v1(paths)
    assert tree["f:status"]["f:conditions"]['k:{"type":"Ready"}'] == {".": {}, "f:status": {}}
    assert ssa.from_fields_v1(tree) == paths
    assert ssa.path_string(("f:status", "f:conditions", 'k:{"type":"Ready"}', "f:status")) == \
        '.status.conditions[type="Ready"].status'


def test_apply_without_managed_fields_assigns_before_first_apply():
    live = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}}
    applied = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "9"}}
    with pytest.raises(Exception) as err:
        ssa.apply(live, applied, manager="m", api_version="v1", schema=None, scope="all", force=False, now="t")
    assert "before-first-apply" in str(err.value)
    out = ssa.apply(live, applied, manager="m", api_version="v1", schema=None, scope="all", force=True, now="t")
    assert out["data"] == {"a": "9", "b": "2"}
    managers = {e["manager"]: e["fieldsV1"] for e in out["metadata"]["managedFields"]}
    assert managers["m"] == {"f:data": {"f:a": {}}}
    assert managers["before-first-apply"] == {"f:data": {"f:b": {}}}
