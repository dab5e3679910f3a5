"""autoscale: HPA plans (GPUs and cost at max_replicas), refusals, and execution on the embedded fleet: the
HPA is accepted by the hub's API server (read back with the typed AutoscalingV2Api of the kubernetes
client), the deployment's placement carries it to every member, ``enabled: false`` removes it, and a
Workspace-backed deployment becomes an InferenceSet first (blue/green)."""
from __future__ import annotations

import pytest
from kubernetes import client as k8s
from pydantic import ValidationError

from tests.snapshot_from_yaml import catalog_raw, demo_fleet_raw, nodes_per_replica, used_nodes
from tests.tools_mutating.mutating_helpers import assert_dry_run_accepts, kaito_objects
from tools import autoscale
from tools.args import AutoscaleArgs
from tools.context import ToolContext
from tools.errors import InvalidRequest, UnknownName
from tools.executor import Executor
from tools.fleet import conventions as cv


def ctx(fleet) -> ToolContext:
    return ToolContext(catalog=fleet.catalog, fleet=fleet)


def raw(name):
    d = next(d for d in demo_fleet_raw()["deployments"] if d["name"] == name)
    return {**d["revisions"][-1], "clusters": d["clusters"], "revision": d["revisions"][-1]["revision"]}


def raw_cluster(name):
    return next(c for c in demo_fleet_raw()["clusters"] if c["name"] == name)


def gpus_per_node(sku):
    return int(catalog_raw()["skus"][sku]["gpus"])


def ceiling(name, max_replicas):
    """(GPUs, $/h) more at max_replicas than now, from demo-fleet.yaml and the catalog by hand."""
    d = raw(name)
    gpus, cost = 0, 0.0
    for c in d["clusters"]:
        nodes = nodes_per_replica(d["model"], d["instanceType"]) * (max_replicas - d["replicas"])
        gpus += nodes * gpus_per_node(d["instanceType"])
        cost += nodes * raw_cluster(c)["pricePerNodeHour"][d["instanceType"]]
    return gpus, cost


def execute(fleet, plan, timeout=20.0):
    assert_dry_run_accepts(fleet, plan)
    return Executor(fleet, timeout=timeout, poll=0.05).apply(plan, requester="U024BE7LH")


def test_plan_counts_gpus_and_cost_at_max(demo):
    _, fleet = demo
    p = autoscale.TOOL.handler(ctx(fleet), {"deployment": "llama-support", "min_replicas": 2, "max_replicas": 5})
    gpus, cost = ceiling("llama-support", 5)
    assert gpus == 6  # the issue's example: "up to +6 GPUs"
    assert p.gpu_delta == gpus and p.cost_delta_per_hour == pytest.approx(cost)
    assert f"up to +{gpus} GPUs" in p.summary and f"up to +${cost:,.2f}/h" in p.summary
    assert p.strategy == "in_place" and not p.deletes
    # a revision of its own, so that a rollback to the one before knows it had no autoscaler
    assert p.revision.revision == raw("llama-support")["revision"] + 1
    assert p.revision.autoscaling == {"min_replicas": 2, "max_replicas": 5}
    assert p.environments == ["prod"] and p.clusters == sorted(raw("llama-support")["clusters"])
    hpa, ro, kaito = p.manifests
    assert [s.manifest["kind"] for s in p.steps] == ["HorizontalPodAutoscaler", "ResourceOverride", "InferenceSet"]
    # KubeFleet leaves the replica count to the member's HPA: the InferenceSet's override removes it everywhere
    assert ro["metadata"]["name"] == cv.kaito_override_name(cv.kaito_object_name("llama-support", 1))
    assert ro["spec"]["resourceSelectors"] == [{"group": "kaito.sh", "version": "v1beta1", "kind": "InferenceSet",
                                                "name": cv.kaito_object_name("llama-support", 1)}]
    assert ro["spec"]["policy"]["overrideRules"] == [{"clusterSelector": {"clusterSelectorTerms": []},
                                                      "jsonPatchOverrides": [{"op": "remove", "path": "/spec/replicas"}]}]
    assert kaito["metadata"]["labels"][cv.REVISION_LABEL] == str(p.revision.revision)
    assert kaito["spec"]["replicas"] == raw("llama-support")["replicas"]  # the hub keeps its count
    assert (hpa["apiVersion"], hpa["kind"]) == ("autoscaling/v2", "HorizontalPodAutoscaler")
    assert hpa["metadata"]["namespace"] == "llama-support"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "kaito.sh/v1beta1", "kind": "InferenceSet",
                                             "name": cv.kaito_object_name("llama-support", 1)}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    (metric,) = hpa["spec"]["metrics"]
    assert metric["pods"]["metric"]["name"] == cv.AUTOSCALE_METRIC == "vllm:num_requests_waiting"
    assert metric["pods"]["target"] == {"type": "AverageValue", "averageValue": "10"}
    assert "HorizontalPodAutoscaler/llama-support/llama-support" in p.base
    assert p.base["HorizontalPodAutoscaler/llama-support/llama-support"] is None


def test_refusals(demo):
    _, fleet = demo
    with pytest.raises(UnknownName) as e:
        autoscale.TOOL.handler(ctx(fleet), {"deployment": "llama-suport", "min_replicas": 2, "max_replicas": 5})
    assert e.value.suggestions == ["llama-support"]
    with pytest.raises(ValidationError):
        AutoscaleArgs(deployment="llama-support", min_replicas=5, max_replicas=2)
    # westus3's A100 pool by hand: capacity minus what is placed there, plus llama-support's own replicas
    d = raw("llama-support")
    sku, per = d["instanceType"], nodes_per_replica(d["model"], d["instanceType"])
    fits = {c: (raw_cluster(c)["gpuCapacity"][sku] - used_nodes(demo_fleet_raw(), c, sku)) // per + d["replicas"]
            for c in d["clusters"]}
    top = min(fits.values())
    with pytest.raises(InvalidRequest) as e:
        autoscale.TOOL.handler(ctx(fleet), {"deployment": "llama-support", "min_replicas": 2, "max_replicas": top + 1})
    assert f"at most max_replicas={top}" in e.value.message
    short = min(fits, key=fits.get)
    assert f"{short} fits {top} replica(s)" in e.value.message
    ok = autoscale.TOOL.handler(ctx(fleet), {"deployment": "llama-support", "min_replicas": 2, "max_replicas": top})
    assert ok.strategy == "in_place"


def test_nothing_to_turn_off(demo):
    _, fleet = demo
    p = autoscale.TOOL.handler(ctx(fleet), {"deployment": "llama-support", "enabled": False})
    assert p.strategy == "noop" and not p.steps


def test_hpa_accepted_placed_and_removed(own):
    emb, fleet = own
    p = autoscale.TOOL.handler(ctx(fleet), {"deployment": "llama-support", "min_replicas": 2, "max_replicas": 5})
    assert execute(fleet, p).status == "succeeded"
    emb.wait_idle()
    typed = k8s.AutoscalingV2Api(fleet.hub.api).read_namespaced_horizontal_pod_autoscaler(
        "llama-support", "llama-support")
    assert (typed.spec.min_replicas, typed.spec.max_replicas) == (2, 5)
    assert typed.spec.scale_target_ref.kind == "InferenceSet"
    assert typed.spec.metrics[0].pods.metric.name == "vllm:num_requests_waiting"
    for c in raw("llama-support")["clusters"]:
        (on_member,) = fleet.members[c].list("HorizontalPodAutoscaler", "llama-support")
        assert on_member["spec"]["maxReplicas"] == 5
    assert Executor(fleet).reconcile(p)[0] == "succeeded"

    same = autoscale.TOOL.handler(ctx(fleet), {"deployment": "llama-support", "min_replicas": 2, "max_replicas": 5})
    assert same.strategy == "noop"
    wider = autoscale.TOOL.handler(ctx(fleet), {"deployment": "llama-support", "min_replicas": 1, "max_replicas": 6})
    assert wider.strategy == "in_place"
    assert wider.base["HorizontalPodAutoscaler/llama-support/llama-support"] is not None

    off = autoscale.TOOL.handler(ctx(fleet), {"deployment": "llama-support", "enabled": False})
    assert off.strategy == "in_place"
    # the HPA, then its override (nothing else was in it): KubeFleet owns the replica count again
    assert [d.kind for d in off.deletes] == ["HorizontalPodAutoscaler", "ResourceOverride"]
    assert off.revision.autoscaling == {}
    assert off.gpu_delta == -ceiling("llama-support", 5)[0]
    assert "keeps 2 replica(s)" in off.summary
    assert execute(fleet, off).status == "succeeded"
    emb.wait_idle()
    assert fleet.hub.get("HorizontalPodAutoscaler", "llama-support", "llama-support") is None
    assert fleet.hub.list("ResourceOverride", "llama-support") == []
    for c in raw("llama-support")["clusters"]:
        assert fleet.members[c].list("HorizontalPodAutoscaler", "llama-support") == []


def test_workspace_becomes_inference_set_then_autoscales(own):
    emb, fleet = own
    d = raw("phi4-chat")
    assert cv.kaito_kind(d["replicas"]) == "Workspace"
    old = cv.kaito_object_name("phi4-chat", d["revision"])
    new = cv.kaito_object_name("phi4-chat", d["revision"] + 1)
    p = autoscale.TOOL.handler(ctx(fleet), {"deployment": "phi4-chat", "min_replicas": 1, "max_replicas": 3})
    assert p.strategy == "blue_green" and p.revision.revision == d["revision"] + 1
    assert [(m["kind"], m["metadata"]["name"]) for m in p.manifests] == [
        ("InferenceSet", new), ("HorizontalPodAutoscaler", "phi4-chat"), ("ResourceOverride", f"{new}-sku")]
    assert [s.kind for s in p.steps] == ["apply", "wait_ready", "delete", "apply", "apply", "wait_absent"]
    assert p.steps[2].ref.name == old  # the Workspace goes only after the InferenceSet is ready
    assert p.steps[4].manifest["kind"] == "ResourceOverride"  # the HPA owns the replicas once it is there
    assert [s.kind for s in p.undo] == ["delete", "delete", "wait_absent"] and p.undo[0].ref.name == new
    assert p.gpu_delta == ceiling("phi4-chat", 3)[0]
    assert old in p.summary and new in p.summary

    out = execute(fleet, p, timeout=30)
    assert out.status == "succeeded" and out.revision == d["revision"] + 1
    emb.wait_idle()
    # an InferenceSet of one replica (check_rolled_out expects a Workspace for one replica, by convention)
    (hub_obj,) = kaito_objects(fleet.hub, "phi4-chat")
    assert (hub_obj["kind"], hub_obj["metadata"]["name"], hub_obj["spec"]["replicas"]) == ("InferenceSet", new, 1)
    assert hub_obj["spec"]["template"]["inference"]["preset"]["name"] == d["model"]
    rec = fleet.revisions("phi4-chat")[-1]
    assert (rec.revision, rec.replicas, rec.note) == (d["revision"] + 1, 1, "autoscale 1–3")
    hpa = fleet.hub.get("HorizontalPodAutoscaler", "phi4-chat", "phi4-chat")
    assert hpa["spec"]["scaleTargetRef"]["name"] == new
    for c in d["clusters"]:
        (member_obj,) = kaito_objects(fleet.members[c], "phi4-chat")
        assert (member_obj["kind"], member_obj["metadata"]["name"]) == ("InferenceSet", new)
        assert member_obj["spec"]["template"]["resource"]["instanceType"] == d["instanceType"]
        assert fleet.members[c].list("HorizontalPodAutoscaler", "phi4-chat")[0]["spec"]["maxReplicas"] == 3
    view = fleet.get_deployment("phi4-chat")
    assert (view.kaito_kind, view.replicas) == ("InferenceSet", 1)
