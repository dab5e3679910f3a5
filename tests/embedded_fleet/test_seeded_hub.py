"""The seeded hub, read over HTTP: MemberClusters, deployments' hub objects, snapshots, revision history."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.embedded_fleet.fleet_kube import CLUSTER, KAITO, PLACEMENT, cond
from tools.fleet.models import Revision


def _age_minutes(stamp: str) -> float:
    t = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (datetime.now(UTC) - t).total_seconds() / 60


def _agent(mc: dict) -> dict:
    return next(a for a in mc["status"]["agentStatus"] if a["type"] == "MemberAgent")


def test_hub_lists_every_member_cluster_with_the_demo_labels(seeded, demo_file):
    mcs = {m["metadata"]["name"]: m for m in seeded.hub.items(CLUSTER, "memberclusters")}
    assert len(mcs) == 14
    assert sorted(mcs) == sorted(c["name"] for c in demo_file["clusters"])
    for c in demo_file["clusters"]:
        labels = mcs[c["name"]]["metadata"]["labels"]
        for fact, key in demo_file["labels"].items():
            assert labels[key] == c[fact], (c["name"], key)
        assert labels["kubernetes-fleet.io/member-name"] == c["name"]
        ann = mcs[c["name"]]["metadata"]["annotations"]
        assert json.loads(ann["fleetops.dev/gpu-capacity"]) == c["gpuCapacity"]
        assert json.loads(ann["fleetops.dev/gpu-price-per-node-hour"]) == c["pricePerNodeHour"]
        spec = mcs[c["name"]]["spec"]
        assert spec["identity"]["name"] == f"fleet-member-agent-{c['name']}"
        assert spec["heartbeatPeriodSeconds"] == 60


def test_member_cluster_status_is_what_kubefleet_writes(seeded, demo_file):
    mcs = {m["metadata"]["name"]: m for m in seeded.hub.items(CLUSTER, "memberclusters")}
    for c in demo_file["clusters"]:
        status = mcs[c["name"]]["status"]
        types = {x["type"]: x for x in status["conditions"]}
        assert {"ReadyToJoin", "Joined", "ClusterPropertyProviderStarted",
                "ClusterPropertyCollectionSucceeded"} <= set(types)
        assert types["Joined"]["status"] == "True"
        assert ("AKSClusterCostPropertiesCollectionSucceeded" in types) == (c["provider"] == "azure")
        assert all("observedGeneration" in x and x["reason"] and x["lastTransitionTime"] for x in types.values())
        agent = _agent(mcs[c["name"]])
        assert {x["type"]: x["status"] for x in agent["conditions"]} == {"Joined": "True", "Healthy": "True"}
        props = status["properties"]
        assert props["kubernetes-fleet.io/node-count"]["value"] == str(2 + sum(c["gpuCapacity"].values()))
        assert props["k8s.io/k8s-version"]["value"].lstrip("v") == c["kubernetesVersion"]
        vm_sizes = {k.split("/")[2]: int(v["value"]) for k, v in props.items()
                    if k.startswith("kubernetes.azure.com/vm-sizes/")}
        assert vm_sizes == (c["gpuCapacity"] if c["provider"] == "azure" else {})
        if c["provider"] == "azure":
            assert float(props["kubernetes.azure.com/per-cpu-core-cost"]["value"]) > 0
        assert set(status["resourceUsage"]) >= {"capacity", "allocatable", "available", "observationTime"}


def test_heartbeat_ages_follow_the_fleet_file(seeded, demo_file):
    mcs = {m["metadata"]["name"]: m for m in seeded.hub.items(CLUSTER, "memberclusters")}
    for c in demo_file["clusters"]:
        age = _age_minutes(_agent(mcs[c["name"]])["lastReceivedHeartbeat"])
        if c.get("heartbeatAgeMinutes"):
            assert c["heartbeatAgeMinutes"] - 1 <= age <= c["heartbeatAgeMinutes"] + 1, c["name"]
        else:
            assert age < 5, c["name"]
    assert _age_minutes(_agent(mcs["aks-southcentralus-prod-1"])["lastReceivedHeartbeat"]) > 41


def test_japaneast_carries_its_taint(seeded):
    mc = seeded.hub.get(CLUSTER, "memberclusters", "aks-japaneast-prod-1")
    assert mc["spec"]["taints"] == [{"key": "fleetops.dev/cordoned", "value": "gpu-driver-upgrade",
                                     "effect": "NoSchedule"}]
    other = seeded.hub.get(CLUSTER, "memberclusters", "aks-eastus-prod-1")
    assert not other["spec"].get("taints")


def test_each_deployment_is_a_labelled_namespace_one_kaito_object_and_a_pickfixed_crp(seeded, demo_file):
    hub = seeded.hub
    for d in demo_file["deployments"]:
        name, last = d["name"], d["revisions"][-1]
        ns = hub.core.read_namespace(name)
        assert ns.metadata.labels["fleetops.dev/deployment"] == name
        kind_plural = "workspaces" if last["replicas"] == 1 else "inferencesets"
        objs = hub.items(KAITO, kind_plural, namespace=name)
        other = hub.items(KAITO, "inferencesets" if kind_plural == "workspaces" else "workspaces", namespace=name)
        assert len(objs) == 1 and other == []
        obj = objs[0]
        labels = obj["metadata"]["labels"]
        assert labels["fleetops.dev/deployment"] == name
        assert labels["fleetops.dev/revision"] == str(last["revision"])
        assert labels["app.kubernetes.io/managed-by"] == "fleetops"
        if kind_plural == "workspaces":
            assert obj["resource"]["instanceType"] == last["instanceType"]
            assert obj["resource"]["labelSelector"] == {"matchLabels": {"apps": obj["metadata"]["name"]}}
            preset = obj["inference"]["preset"]
        else:
            assert obj["spec"]["replicas"] == last["replicas"]
            assert obj["spec"]["template"]["resource"]["instanceType"] == last["instanceType"]
            preset = obj["spec"]["template"]["inference"]["preset"]
        assert preset["name"] == last["model"]
        gated = last["model"].startswith("meta-llama/")
        assert (preset.get("presetOptions", {}).get("modelAccessSecret") == "hf-token") == gated
        crp = hub.get(PLACEMENT, "clusterresourceplacements", name)
        assert crp["spec"]["policy"] == {"placementType": "PickFixed", "clusterNames": d["clusters"]}
        assert crp["spec"]["resourceSelectors"][0]["selectionScope"] == "NamespaceWithResources"
        assert crp["spec"]["revisionHistoryLimit"] == 10
        assert crp["metadata"]["labels"]["fleetops.dev/deployment"] == name


def test_kaito_object_names_follow_the_revision_that_created_them(seeded):
    hub = seeded.hub
    # coder-assist: r3 changed the model -> new object; gemma-staging: r2 went 1 -> 2 replicas -> InferenceSet
    assert [o["metadata"]["name"] for o in hub.items(KAITO, "workspaces", namespace="coder-assist")] == \
        ["coder-assist-r3"]
    assert [o["metadata"]["name"] for o in hub.items(KAITO, "inferencesets", namespace="gemma-staging")] == \
        ["gemma-staging-r2"]
    assert [o["metadata"]["name"] for o in hub.items(KAITO, "inferencesets", namespace="llama-support")] == \
        ["llama-support-r1"]


def test_one_snapshot_per_revision_holding_that_revisions_objects(seeded, demo_file):
    hub = seeded.hub
    for d in demo_file["deployments"]:
        snaps = hub.items(PLACEMENT, "clusterresourcesnapshots",
                          label_selector=f"kubernetes-fleet.io/parent-CRP={d['name']}")
        snaps.sort(key=lambda s: int(s["metadata"]["labels"]["kubernetes-fleet.io/resource-index"]))
        assert len(snaps) == len(d["revisions"]), d["name"]
        hashes = set()
        for i, (s, rev) in enumerate(zip(snaps, d["revisions"], strict=True)):
            meta = s["metadata"]
            assert meta["name"] == f"{d['name']}-{i}-snapshot"
            assert meta["labels"]["kubernetes-fleet.io/is-latest-snapshot"] == ("true" if i == len(snaps) - 1
                                                                                 else "false")
            assert meta["annotations"]["kubernetes-fleet.io/number-of-resource-snapshots"] == "1"
            assert meta["annotations"]["kubernetes-fleet.io/number-of-enveloped-object"] == "0"
            hashes.add(meta["annotations"]["kubernetes-fleet.io/resource-hash"])
            kinds = [r["kind"] for r in s["spec"]["selectedResources"]]
            assert kinds[0] == "Namespace" and len(kinds) == 2
            kaito = s["spec"]["selectedResources"][1]
            assert kaito["kind"] == ("Workspace" if rev["replicas"] == 1 else "InferenceSet")
            assert kaito["metadata"]["labels"]["fleetops.dev/revision"] == str(rev["revision"])
            assert "status" not in kaito and "resourceVersion" not in kaito["metadata"]
        assert len(hashes) == len(snaps)
    coder = hub.items(PLACEMENT, "clusterresourcesnapshots",
                      label_selector="kubernetes-fleet.io/parent-CRP=coder-assist")
    names = sorted(s["spec"]["selectedResources"][1]["metadata"]["name"] for s in coder)
    assert names == ["coder-assist-r1", "coder-assist-r2", "coder-assist-r3"]


def test_revision_history_configmaps(seeded, demo_file):
    for d in demo_file["deployments"]:
        cm = seeded.hub.configmap("fleetops-system", f"rev-{d['name']}")
        assert sorted(cm["data"], key=int) == [str(r["revision"]) for r in d["revisions"]]
        for r in d["revisions"]:
            rec = Revision.model_validate(json.loads(cm["data"][str(r["revision"])]))
            assert (rec.revision, rec.model, rec.instance_type, rec.replicas) == \
                (r["revision"], r["model"], r["instanceType"], r["replicas"])
            assert rec.clusters == d["clusters"] and rec.applied_at
            kinds = [m["kind"] for m in rec.manifests]
            assert kinds == ["Namespace", "Workspace" if r["replicas"] == 1 else "InferenceSet",
                             "ClusterResourcePlacement"]
            assert all("status" not in m and "resourceVersion" not in m["metadata"] for m in rec.manifests)
    coder = seeded.hub.configmap("fleetops-system", "rev-coder-assist")["data"]
    assert [json.loads(coder[k])["manifests"][1]["metadata"]["name"] for k in ("1", "2", "3")] == \
        ["coder-assist-r1", "coder-assist-r2", "coder-assist-r3"]


def test_placement_status_reports_every_cluster_applied(seeded, demo_file):
    for d in demo_file["deployments"]:
        crp = seeded.hub.get(PLACEMENT, "clusterresourceplacements", d["name"])
        status, gen = crp["status"], crp["metadata"]["generation"]
        assert status["observedResourceIndex"] == str(len(d["revisions"]) - 1)
        assert sorted(ps["clusterName"] for ps in status["placementStatuses"]) == sorted(d["clusters"])
        for ps in status["placementStatuses"]:
            got = [(c["type"], c["status"]) for c in ps["conditions"]]
            assert got == [(t, "True") for t in ("Scheduled", "RolloutStarted", "Overridden", "WorkSynchronized",
                                                   "Applied", "Available")]
            assert cond(ps, "Available")["reason"] == "NotAllWorkAreAvailabilityTrackable"
            assert all(c["observedGeneration"] == gen for c in ps["conditions"])
        wide = {c["type"]: c["status"] for c in status["conditions"]}
        assert wide == {f"ClusterResourcePlacement{t}": "True" for t in (
            "Scheduled", "RolloutStarted", "Overridden", "WorkSynchronized", "Applied", "Available")}
        assert status["selectedResources"][0]["kind"] == "Namespace"
