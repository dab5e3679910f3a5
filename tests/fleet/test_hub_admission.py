"""The demo hub (what `fleetops demo-fleet`'s kubeconfig points at by default) refuses broken Workspaces with
a 422 naming the field, through the official client."""
from __future__ import annotations

import json

import pytest
from kubernetes import client, config

KAITO = ("kaito.sh", "v1beta1")


def _workspace(name: str, **over) -> dict:
    ws = {"apiVersion": "kaito.sh/v1beta1", "kind": "Workspace", "metadata": {"name": name},
          "resource": {"instanceType": "Standard_NC24ads_A100_v4",
                       "labelSelector": {"matchLabels": {"apps": name}}},
          "inference": {"preset": {"name": "microsoft/phi-4"}}}
    ws.update(over)
    return ws


@pytest.fixture(scope="module")
def hub_api(demo):
    emb, _ = demo
    api = config.new_client_from_config(config_file=str(emb.kubeconfig_path))  # current context: the hub
    yield client.CustomObjectsApi(api)
    api.close()


def _reject(call) -> dict:
    with pytest.raises(client.ApiException) as e:
        call()
    assert e.value.status == 422
    return json.loads(e.value.body)


def test_workspace_without_resource_is_refused_on_the_hub(hub_api):
    bad = _workspace("no-resource")
    del bad["resource"]
    body = _reject(lambda: hub_api.create_namespaced_custom_object(*KAITO, "coder-assist", "workspaces", bad))
    assert body["reason"] == "Invalid"
    assert [c["field"] for c in body["details"]["causes"]] == ["resource"]
    assert "resource: Required value" in body["message"]


def test_workspace_with_resource_of_the_wrong_type_is_refused_on_the_hub(hub_api):
    body = _reject(lambda: hub_api.create_namespaced_custom_object(
        *KAITO, "coder-assist", "workspaces", _workspace("wrong-type", resource="x")))
    cause = body["details"]["causes"][0]
    assert cause["field"] == "resource" and cause["reason"] == "FieldValueTypeInvalid"


def test_a_valid_workspace_is_accepted_on_the_hub_with_dry_run(hub_api):
    ok = hub_api.create_namespaced_custom_object(*KAITO, "coder-assist", "workspaces", _workspace("fine"),
                                                 dry_run="All")
    assert ok["metadata"]["name"] == "fine"
    with pytest.raises(client.ApiException) as e:  # dry run: nothing was stored
        hub_api.get_namespaced_custom_object(*KAITO, "coder-assist", "workspaces", "fine")
    assert e.value.status == 404
