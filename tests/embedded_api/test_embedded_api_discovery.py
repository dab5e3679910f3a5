"""Discovery, the kubeconfig, Tables, watch, and error bodies, over real HTTP."""
from __future__ import annotations

import json
import threading
import time
import urllib.request
from urllib.error import HTTPError

import yaml
from kubernetes import client, config, dynamic, watch
from kubernetes.client import ApiException

from tests.embedded_api.api_objects import HUB, MEMBERS, member_cluster, workspace

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def _get(url: str, accept: str = "application/json") -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except HTTPError as err:
        return err.code, json.loads(err.read())


def test_kubeconfig_has_one_context_per_cluster_and_loads(fleet):
    doc = yaml.safe_load(fleet.kubeconfig.read_text())
    assert doc["current-context"] == HUB
    assert [c["name"] for c in doc["contexts"]] == [HUB] + MEMBERS
    assert doc["clusters"][1]["cluster"]["server"] == fleet.server.cluster_url(MEMBERS[0])
    assert (fleet.kubeconfig.stat().st_mode & 0o777) == 0o600
    loaded = client.Configuration()
    config.load_kube_config(config_file=str(fleet.kubeconfig), context=MEMBERS[1], client_configuration=loaded)
    assert loaded.host == fleet.server.cluster_url(MEMBERS[1])


def test_version_and_group_discovery(fleet):
    code, version = _get(fleet.server.cluster_url(HUB) + "/version")
    assert code == 200 and version["gitVersion"].startswith("v1.33.") and version["gitVersion"].endswith("-fleetops")
    _, groups = _get(fleet.server.cluster_url(HUB) + "/apis")
    placement = next(g for g in groups["groups"] if g["name"] == "placement.kubernetes-fleet.io")
    assert placement["preferredVersion"]["version"] == "v1beta1"
    assert {v["version"] for v in placement["versions"]} == {"v1", "v1alpha1", "v1beta1"}
    _, member_groups = _get(fleet.server.cluster_url(MEMBERS[0]) + "/apis")
    # HPAs land on members; every cluster serves Leases (fleetops' one-writer lease, bot/lease.py)
    assert [g["name"] for g in member_groups["groups"]] == ["autoscaling", "coordination.k8s.io", "kaito.sh"]
    _, resources = _get(fleet.server.cluster_url(HUB) + "/apis/kaito.sh/v1beta1")
    by_name = {r["name"]: r for r in resources["resources"]}
    assert by_name["workspaces"]["namespaced"] is True and by_name["workspaces"]["kind"] == "Workspace"
    assert set(by_name["workspaces"]["shortNames"]) == {"wk", "wks"}
    assert "watch" in by_name["workspaces"]["verbs"] and "workspaces/status" in by_name
    assert by_name["inferencesets/scale"]["kind"] == "Scale"
    _, core = _get(fleet.server.cluster_url(HUB) + "/api/v1")
    assert {"namespaces", "nodes", "configmaps", "secrets", "namespaces/status"} <= {r["name"] for r in core["resources"]}


def test_dynamic_client_discovers_and_reads(hub):
    dyn = dynamic.DynamicClient(hub)
    mcs = dyn.resources.get(api_version="cluster.kubernetes-fleet.io/v1beta1", kind="MemberCluster")
    assert mcs.namespaced is False
    mcs.create(body=member_cluster("dyn-mc", ring="canary"))
    names = [i.metadata.name for i in mcs.get(label_selector="ring=canary").items]
    assert names == ["dyn-mc"]
    ws = dyn.resources.get(api_version="kaito.sh/v1beta1", kind="Workspace")
    ws.create(body=workspace("dyn-ws"), namespace="llm-serving")
    assert ws.get(name="dyn-ws", namespace="llm-serving").resource.instanceType == "Standard_NC24ads_A100_v4"


def test_unknown_paths_and_methods_are_status_errors(fleet):
    code, body = _get(fleet.server.url + "/nope")
    assert code == 404 and body["kind"] == "Status" and body["reason"] == "NotFound"
    code, body = _get(fleet.server.cluster_url("no-such-cluster") + "/api/v1/namespaces")
    assert code == 404 and "no-such-cluster" in body["message"]
    code, body = _get(fleet.server.cluster_url(HUB) + "/apis/kaito.sh/v9/workspaces")
    assert code == 404
    req = urllib.request.Request(fleet.server.cluster_url(HUB) + "/apis/kaito.sh/v1beta1/workspaces",
                                 data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=5)
        raise AssertionError("expected 405")
    except HTTPError as err:
        assert err.code == 405 and json.loads(err.read())["reason"] == "MethodNotAllowed"


def test_table_output_uses_printer_columns(fleet, member):
    co = client.CustomObjectsApi(member)
    co.create_namespaced_custom_object("kaito.sh", "v1beta1", "llm-serving", "workspaces", workspace("tbl"))
    cond = {"type": "ResourceReady", "status": "True", "reason": "R", "message": "",
            "lastTransitionTime": "2025-01-01T00:00:00Z"}
    co.patch_namespaced_custom_object_status("kaito.sh", "v1beta1", "llm-serving", "workspaces", "tbl",
                                             {"status": {"conditions": [cond], "state": "Ready"}})
    code, tbl = _get(fleet.server.cluster_url(MEMBERS[0]) + "/apis/kaito.sh/v1beta1/workspaces", TABLE)
    assert code == 200 and tbl["kind"] == "Table" and tbl["apiVersion"] == "meta.k8s.io/v1"
    cols = [c["name"] for c in tbl["columnDefinitions"]]
    assert cols[0] == "Name" and cols[-1] == "Age" and "ResourceReady" in cols and "Instance" in cols
    row = next(r for r in tbl["rows"] if r["cells"][0] == "tbl")
    cells = dict(zip(cols, row["cells"], strict=True))
    assert cells["ResourceReady"] == "True" and cells["State"] == "Ready" and cells["InferenceReady"] is None
    assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["metadata"]["namespace"] == "llm-serving"
    _, ns_table = _get(fleet.server.cluster_url(HUB) + "/api/v1/namespaces", TABLE)
    assert [c["name"] for c in ns_table["columnDefinitions"]] == ["Name", "Status", "Age"]
    assert ns_table["rows"][0]["cells"][:2] == ["default", "Active"]


def test_watch_streams_added_modified_deleted(hub):
    v1 = client.CoreV1Api(hub)
    v1.create_namespace({"metadata": {"name": "watched"}})
    start_rv = v1.list_namespaced_config_map("watched").metadata.resource_version
    seen: list[tuple[str, str]] = []

    def writer() -> None:
        time.sleep(0.3)
        v1.create_namespaced_config_map("watched", {"metadata": {"name": "w1", "labels": {"app": "w"}}})
        v1.create_namespaced_config_map("watched", {"metadata": {"name": "other"}})
        v1.patch_namespaced_config_map("w1", "watched", {"data": {"k": "v"}})
        v1.delete_namespaced_config_map("w1", "watched")

    t = threading.Thread(target=writer)
    t.start()
    w = watch.Watch()
    for ev in w.stream(v1.list_namespaced_config_map, "watched", label_selector="app=w",
                       resource_version=start_rv, timeout_seconds=5):
        seen.append((ev["type"], ev["object"].metadata.name))
        if ev["type"] == "DELETED":
            w.stop()
    t.join()
    assert seen == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]
    # without a resourceVersion the stream starts with the current objects
    initial = [ev["type"] for ev in watch.Watch().stream(v1.list_namespaced_config_map, "watched", timeout_seconds=1)]
    assert initial == ["ADDED"]


def test_watch_with_expired_resource_version_gets_410(hub):
    v1 = client.CoreV1Api(hub)
    w = watch.Watch()
    try:
        events = list(w.stream(v1.list_namespace, resource_version="1", timeout_seconds=1))
    except ApiException as err:  # the client turns the ERROR event into an exception
        assert err.status == 410
    else:
        assert events and events[0]["type"] == "ERROR" and events[0]["raw_object"]["code"] == 410
