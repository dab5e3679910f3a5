"""What the fleet cache keeps of an object (``slim``): equal to it but for managedFields and kubectl's last-applied
annotation, with equal short strings shared (interned) across objects decoded separately; of a member's KAITO
object (``member_kaito_view``) and of a placement (``placement_view``) what gives the same cluster state."""
from __future__ import annotations

import json

import pytest

from tools.fleet.cache import LAST_APPLIED, member_kaito_view, placement_view, slim
from tools.fleet.inventory import state_from_placement, state_of

OBJ = {
    "apiVersion": "placement.kubernetes-fleet.io/v1beta1", "kind": "ClusterResourcePlacement",
    "metadata": {"name": "llama", "labels": {"fleetops.dev/deployment": "llama"},
                 "annotations": {LAST_APPLIED: "{}", "fleetops.dev/owner": "team-a"},
                 "managedFields": [{"manager": "fleetops", "operation": "Apply"}]},
    "spec": {"policy": {"placementType": "PickFixed", "clusterNames": ["aks-eastus-prod-1"]}},
    "status": {"placementStatuses": [{"clusterName": "aks-eastus-prod-1", "conditions": [
        {"type": "Applied", "status": "True", "reason": "ApplySucceeded", "message": "x" * 500}]}]},
}


def _decoded() -> dict:
    """A copy as a watch event gives it: its own JSON document, its own strings."""
    return json.loads(json.dumps(OBJ))


def test_slim_drops_managed_fields():
    assert "managedFields" not in slim(_decoded())["metadata"]


def test_slim_drops_the_last_applied_annotation():
    assert LAST_APPLIED not in slim(_decoded())["metadata"]["annotations"]


def test_slim_keeps_other_annotations():
    assert slim(_decoded())["metadata"]["annotations"] == {"fleetops.dev/owner": "team-a"}


def test_slim_keeps_everything_else():
    slimmed = slim(_decoded())
    expected = _decoded()
    del expected["metadata"]["managedFields"]
    del expected["metadata"]["annotations"][LAST_APPLIED]
    assert slimmed == expected


def test_slim_drops_an_annotations_map_left_empty():
    obj = _decoded()
    obj["metadata"]["annotations"] = {LAST_APPLIED: "{}"}
    assert "annotations" not in slim(obj)["metadata"]


def test_slim_leaves_its_argument_as_it_was():
    obj = _decoded()
    slim(obj)
    assert obj == OBJ


def test_equal_short_strings_of_separately_decoded_objects_are_shared():
    a, b = slim(_decoded()), slim(_decoded())
    assert a["status"]["placementStatuses"][0]["conditions"][0]["reason"] is \
        b["status"]["placementStatuses"][0]["conditions"][0]["reason"]


def test_equal_keys_of_separately_decoded_objects_are_shared():
    a, b = slim(_decoded()), slim(_decoded())
    key_a = next(k for k in a["status"]["placementStatuses"][0] if k == "clusterName")
    key_b = next(k for k in b["status"]["placementStatuses"][0] if k == "clusterName")
    assert key_a is key_b


def test_long_strings_are_kept_as_they_are():
    obj = _decoded()
    message = obj["status"]["placementStatuses"][0]["conditions"][0]["message"]
    assert slim(obj)["status"]["placementStatuses"][0]["conditions"][0]["message"] is message


def _ws(conditions: list[dict], generation: int = 2, **meta: str) -> dict:
    return {"apiVersion": "kaito.sh/v1beta1", "kind": "Workspace",
            "metadata": {"name": "llama", "namespace": "llama", "generation": generation, "uid": "u-1",
                         "labels": {"fleetops.dev/deployment": "llama"}, **meta},
            "resource": {"instanceType": "Standard_NC24ads_A100_v4", "count": 1},
            "inference": {"preset": {"name": "llama-3.1-8b-instruct"}},
            "status": {"workerNodes": ["n-1"], "conditions": conditions}}


def _cond(type_: str, status: str, reason: str, gen: int = 2, message: str = "") -> dict:
    return {"type": type_, "status": status, "reason": reason, "message": message, "observedGeneration": gen,
            "lastTransitionTime": "2026-12-04T10:00:00Z"}


MEMBER_OBJECTS = {
    "ready": _ws([_cond("ResourceReady", "True", "ok"), _cond("WorkspaceSucceeded", "True", "Succeeded")]),
    "failed": _ws([_cond("ResourceReady", "False", "InsufficientGPUCapacity", message="need 2"),
                   _cond("WorkspaceSucceeded", "False", "Failed")]),
    "stale conditions": _ws([_cond("WorkspaceSucceeded", "True", "Succeeded", gen=1)]),
    "deleting": _ws([], deletionTimestamp="2026-12-04T10:00:00Z"),
    "inference set": {"apiVersion": "kaito.sh/v1beta1", "kind": "InferenceSet",
                      "metadata": {"name": "llama", "namespace": "llama", "generation": 1},
                      "spec": {"replicas": 3},
                      "status": {"readyReplicas": 2, "conditions": [_cond("InferenceSetReady", "False", "Scaling", 1)]}},
}


@pytest.mark.parametrize("case", sorted(MEMBER_OBJECTS))
def test_a_member_kaito_view_gives_the_state_the_whole_object_gives(case):
    obj = MEMBER_OBJECTS[case]
    assert state_of(member_kaito_view(json.loads(json.dumps(obj))), "aks-eastus-prod-1") == \
        state_of(obj, "aks-eastus-prod-1")


def test_a_member_kaito_view_keeps_the_index_key():
    view = member_kaito_view(MEMBER_OBJECTS["ready"])
    assert (view["metadata"]["namespace"], view["metadata"]["name"], view["kind"]) == ("llama", "llama", "Workspace")


def test_a_member_kaito_view_drops_the_spec_and_node_list():
    view = member_kaito_view(MEMBER_OBJECTS["ready"])
    assert set(view) == {"apiVersion", "kind", "metadata", "status"} and set(view["status"]) == {"conditions"}


def test_a_member_kaito_view_keeps_only_the_conditions_state_of_reads():
    obj = _ws([_cond("ResourceReady", "True", "ok"), _cond("InferenceReady", "True", "ok"),
               _cond("WorkspaceSucceeded", "True", "Succeeded"), _cond("Extra", "True", "x")])
    kept = [c["type"] for c in member_kaito_view(obj)["status"]["conditions"]]
    assert kept == ["ResourceReady", "InferenceReady", "WorkspaceSucceeded"]


def test_a_member_kaito_view_drops_the_message_of_a_condition_that_does_not_fail():
    view = member_kaito_view(_ws([_cond("ResourceReady", "True", "ok", message="node n-1 ready")]))
    assert "message" not in view["status"]["conditions"][0]


def test_a_member_kaito_view_keeps_the_message_of_a_failing_condition():
    view = member_kaito_view(MEMBER_OBJECTS["failed"])
    assert view["status"]["conditions"][0]["message"] == "need 2"


def _placement(statuses: list[dict], generation: int = 3, index: str = "2") -> dict:
    return {"apiVersion": "placement.kubernetes-fleet.io/v1beta1", "kind": "ClusterResourcePlacement",
            "metadata": {"name": "llama", "generation": generation, "labels": {"fleetops.dev/deployment": "llama"}},
            "spec": {"policy": {"placementType": "PickFixed", "clusterNames": ["c1"]}},
            "status": {"observedResourceIndex": index, "conditions": [_cond("ClusterResourcePlacementApplied",
                                                                            "True", "ok", 3)],
                       "selectedResources": [{"group": "", "version": "v1", "kind": "Namespace", "name": "llama"}],
                       "placementStatuses": statuses}}


def _per_cluster(applied: str, available: str, seen: str = "2", gen: int = 3, failed: bool = False) -> dict:
    out: dict = {"clusterName": "c1", "observedResourceIndex": seen, "conditions": [
        _cond("Scheduled", "True", "Scheduled", gen, "picked"), _cond("RolloutStarted", "True", "ok", gen),
        _cond("Overridden", "True", "ok", gen), _cond("WorkSynchronized", "True", "ok", gen),
        _cond("Applied", applied, "ApplyFailed" if applied == "False" else "ok", gen, "apply message"),
        _cond("Available", available, "ok", gen, "available message")]}
    if failed:
        out["failedPlacements"] = [{"kind": "Workspace", "condition": {"message": "webhook denied"}},
                                   {"kind": "Namespace", "condition": {"message": "second"}}]
    return out


PLACEMENTS = {
    "ready": _placement([_per_cluster("True", "True")]),
    "apply failed": _placement([_per_cluster("False", "Unknown", failed=True)]),
    "not available": _placement([_per_cluster("True", "False")]),
    "old snapshot": _placement([_per_cluster("True", "True", seen="1")]),
    "old generation": _placement([_per_cluster("True", "True", gen=2)]),
    "not scheduled": _placement([]),
    "no status": {**_placement([]), "status": {}},
}


@pytest.mark.parametrize("case", sorted(PLACEMENTS))
def test_a_placement_view_gives_the_state_the_whole_placement_gives(case):
    crp = PLACEMENTS[case]
    assert state_from_placement(placement_view(json.loads(json.dumps(crp))), "c1") == state_from_placement(crp, "c1")


def test_a_placement_view_keeps_only_the_conditions_a_snapshot_reads():
    view = placement_view(PLACEMENTS["ready"])
    assert [c["type"] for c in view["status"]["placementStatuses"][0]["conditions"]] == ["Applied", "Available"]


def test_a_placement_view_drops_the_selected_resources():
    assert "selectedResources" not in placement_view(PLACEMENTS["ready"])["status"]


def test_a_placement_view_keeps_the_spec_and_metadata():
    view = placement_view(PLACEMENTS["ready"])
    assert (view["spec"], view["metadata"]) == (PLACEMENTS["ready"]["spec"], PLACEMENTS["ready"]["metadata"])


def test_a_placement_view_keeps_the_first_failed_placement_only():
    view = placement_view(PLACEMENTS["apply failed"])
    assert view["status"]["placementStatuses"][0]["failedPlacements"] == \
        PLACEMENTS["apply failed"]["status"]["placementStatuses"][0]["failedPlacements"][:1]
