"""The seeded members, read over HTTP with their own contexts: GPU nodes, placed objects, KAITO status."""
from __future__ import annotations

from collections import Counter

from tests.embedded_fleet.fleet_kube import KAITO, cond
from tools.catalog import default_catalog


def test_gpu_nodes_per_instance_type_equal_the_capacity(seeded, demo_file):
    cat = default_catalog()
    for c in demo_file["clusters"]:
        nodes = seeded(c["name"]).nodes()
        by_type = Counter(n["metadata"]["labels"]["node.kubernetes.io/instance-type"] for n in nodes
                          if "nvidia.com/gpu.product" in n["metadata"]["labels"])
        assert dict(by_type) == c["gpuCapacity"], c["name"]
        assert len(nodes) == sum(c["gpuCapacity"].values()) + 2
        for n in nodes:
            labels = n["metadata"]["labels"]
            assert labels["kubernetes.io/os"] == "linux"
            assert labels["topology.kubernetes.io/region"] == c["region"]
            assert any(x["type"] == "Ready" and x["status"] == "True" for x in n["status"]["conditions"])
            sku = cat.sku(labels["node.kubernetes.io/instance-type"])
            if sku is None:
                assert "nvidia.com/gpu" not in n["status"]["capacity"]
                continue
            assert labels["nvidia.com/gpu.count"] == str(sku.gpus)
            assert n["status"]["capacity"]["nvidia.com/gpu"] == str(sku.gpus)
            assert n["status"]["allocatable"]["nvidia.com/gpu"] == str(sku.gpus)
            assert labels["nvidia.com/gpu.memory"] == str(int(sku.total_gpu_mem_gib / sku.gpus * 1024))
            assert sku.gpu.replace("A10G", "A10") in labels["nvidia.com/gpu.product"].replace("A10G", "A10")
            assert labels["nvidia.com/cuda.compute.major"] in ("8", "9")
    a100 = seeded("aks-eastus-prod-1").nodes("node.kubernetes.io/instance-type=Standard_NC24ads_A100_v4")
    assert {n["metadata"]["labels"]["nvidia.com/gpu.product"] for n in a100} == {"NVIDIA-A100-PCIe-80GB"}


def test_allocated_nodes_match_catalog_nodes_times_replicas(seeded, demo_file):
    cat = default_catalog()
    placed = {}
    for d in demo_file["deployments"]:
        last = d["revisions"][-1]
        need = cat.get(last["model"]).nodes_on(last["instanceType"]) * last["replicas"]
        for c in demo_file["clusters"]:
            nodes = seeded(c["name"]).nodes(f"kaito.sh/workspacenamespace={d['name']}")
            if c["name"] in d["clusters"]:
                assert len(nodes) == need, (d["name"], c["name"])
                assert {n["metadata"]["labels"]["node.kubernetes.io/instance-type"] for n in nodes} == \
                    {last["instanceType"]}
                for n in nodes:
                    assert n["metadata"]["labels"]["apps"].startswith(f"{d['name']}-r")
                    assert n["metadata"]["labels"]["kaito.sh/workspace"].startswith(f"{d['name']}-r")
                placed[(c["name"], last["instanceType"])] = placed.get((c["name"], last["instanceType"]), 0) + need
            else:
                assert nodes == [], (d["name"], c["name"])
    # free = capacity - used, per instance type
    for (cluster, sku), used in placed.items():
        cap = next(c for c in demo_file["clusters"] if c["name"] == cluster)["gpuCapacity"][sku]
        free = seeded(cluster).nodes(f"node.kubernetes.io/instance-type={sku},!kaito.sh/workspace")
        assert len(free) == cap - used


def test_placed_objects_reach_exactly_the_chosen_members(seeded, demo_file):
    for d in demo_file["deployments"]:
        last = d["revisions"][-1]
        plural = "workspaces" if last["replicas"] == 1 else "inferencesets"
        for c in demo_file["clusters"]:
            member = seeded(c["name"])
            if c["name"] not in d["clusters"]:
                assert d["name"] not in member.namespaces()
                continue
            ns = member.core.read_namespace(d["name"])
            assert ns.metadata.labels["fleetops.dev/deployment"] == d["name"]
            objs = member.items(KAITO, plural, namespace=d["name"])
            top = [o for o in objs if "inferenceset.kaito.sh/created-by" not in o["metadata"].get("labels", {})]
            assert len(top) == 1
            assert top[0]["metadata"]["labels"]["fleetops.dev/revision"] == str(last["revision"])


def test_ready_deployments_report_ready(seeded, demo_file):
    for d in demo_file["deployments"]:
        last = d["revisions"][-1]
        for cluster in d["clusters"]:
            if cluster in (d.get("status") or {}):
                continue
            member = seeded(cluster)
            if last["replicas"] == 1:
                ws = member.items(KAITO, "workspaces", namespace=d["name"])[0]
                assert [(c["type"], c["status"]) for c in ws["status"]["conditions"]] == [
                    ("ResourceReady", "True"), ("InferenceReady", "True"), ("WorkspaceSucceeded", "True")]
                assert ws["status"]["state"] == "Ready"
                assert ws["status"]["targetNodeCount"] == len(ws["status"]["workerNodes"])
            else:
                iset = member.items(KAITO, "inferencesets", namespace=d["name"])[0]
                assert cond(iset, "InferenceSetReady")["status"] == "True"
                assert iset["status"]["readyReplicas"] == last["replicas"]
                children = member.items(KAITO, "workspaces", namespace=d["name"],
                                        label_selector=f"inferenceset.kaito.sh/created-by={iset['metadata']['name']}")
                assert sorted(c["metadata"]["name"] for c in children) == \
                    [f"{iset['metadata']['name']}-{i}" for i in range(last["replicas"])]
                for child in children:
                    assert child["metadata"]["ownerReferences"][0]["kind"] == "InferenceSet"
                    assert child["metadata"]["ownerReferences"][0]["uid"] == iset["metadata"]["uid"]


def test_coder_assist_is_failed_on_swedencentral_with_the_files_message(seeded, demo_file):
    expected = next(d for d in demo_file["deployments"] if d["name"] == "coder-assist")["status"]
    message = expected["aks-swedencentral-prod-1"]["message"]
    ws = seeded("aks-swedencentral-prod-1").get(KAITO, "workspaces", "coder-assist-r3", namespace="coder-assist")
    assert cond(ws, "ResourceReady")["status"] == "True"
    assert (cond(ws, "InferenceReady")["status"], cond(ws, "InferenceReady")["reason"],
            cond(ws, "InferenceReady")["message"]) == ("False", "InferenceNotReady", message)
    assert (cond(ws, "WorkspaceSucceeded")["status"], cond(ws, "WorkspaceSucceeded")["message"]) == ("False", message)
    assert ws["status"]["state"] == "Failed"
    other = seeded("aks-eastus-prod-2").get(KAITO, "workspaces", "coder-assist-r3", namespace="coder-assist")
    assert cond(other, "WorkspaceSucceeded")["status"] == "True"


def test_gemma_staging_is_progressing_on_northeurope_with_the_files_message(seeded, demo_file):
    expected = next(d for d in demo_file["deployments"] if d["name"] == "gemma-staging")["status"]
    message = expected["aks-northeurope-staging-1"]["message"]
    member = seeded("aks-northeurope-staging-1")
    iset = member.get(KAITO, "inferencesets", "gemma-staging-r2", namespace="gemma-staging")
    ready = cond(iset, "InferenceSetReady")
    assert ready["status"] != "True" and ready["status"] != "False"  # in progress, not failed
    assert (ready["reason"], ready["message"]) == ("ResourceNotReady", message)
    assert iset["status"]["readyReplicas"] == 1
    children = {c["metadata"]["name"]: c for c in member.items(KAITO, "workspaces", namespace="gemma-staging")}
    states = sorted((cond(c, "ResourceReady")["status"], cond(c, "ResourceReady")["message"])
                    for c in children.values())
    assert states[0] == ("False", message) and states[1][0] == "True"
    healthy = seeded("aks-westus3-staging-1").get(KAITO, "inferencesets", "gemma-staging-r2", namespace="gemma-staging")
    assert cond(healthy, "InferenceSetReady")["status"] == "True"
