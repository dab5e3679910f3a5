"""Updates of the demo deployments: in place (InferenceSet replicas N→M, add/remove a cluster) and
blue/green (model, instance type, 1↔N replicas); each executed until the fleet holds the planned state."""
from __future__ import annotations

from tests.snapshot_from_yaml import nodes_per_replica
from tests.tools_mutating.mutating_helpers import Expect, check_rolled_out, plan_and_run, raw_deployment
from tools.args import DeployArgs
from tools.fleet import conventions as cv
from tools.placement import plan_placement


def _current(name: str) -> dict:
    d = raw_deployment(name)
    return {**d["revisions"][-1], "clusters": list(d["clusters"])}


def test_inferenceset_replicas_scale_in_place_both_ways(own):
    emb, fleet = own
    cur = _current("llama-support")
    assert cur["replicas"] == 2
    skus = {c: cur["instanceType"] for c in cur["clusters"]}
    name = cv.kaito_object_name("llama-support", cur["revision"])
    per = nodes_per_replica(cur["model"], cur["instanceType"])

    plan, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(name="llama-support", replicas=3))
    assert plan.strategy == "in_place" and not plan.deletes and not plan.undo
    assert [(m["kind"], m["metadata"]["name"]) for m in plan.manifests] == [
        ("InferenceSet", name), ("ClusterResourcePlacement", "llama-support")]
    iset = plan.manifests[0]
    assert iset["spec"]["replicas"] == 3
    assert iset["spec"]["template"]["resource"]["instanceType"] == cur["instanceType"]  # immutable fields kept
    assert iset["spec"]["template"]["inference"]["preset"]["name"] == cur["model"]
    assert {a.cluster: a.action for a in plan.actions} == {c: "scale" for c in cur["clusters"]}
    assert plan.gpu_delta == per * len(cur["clusters"])  # one more replica per cluster, 1 GPU per A100 node
    assert out.status == "succeeded" and out.revision == 2
    check_rolled_out(fleet, Expect("llama-support", cur["model"], 3, skus, name, 2), plan)

    plan, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(name="llama-support", replicas=2))
    assert plan.strategy == "in_place" and plan.gpu_delta == -per * len(cur["clusters"])
    assert out.status == "succeeded"
    check_rolled_out(fleet, Expect("llama-support", cur["model"], 2, skus, name, 3), plan)

    # N → 1 changes the KAITO kind (InferenceSet → Workspace): blue/green
    plan, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(name="llama-support", replicas=1))
    assert plan.strategy == "blue_green"
    assert [(d.kind, d.name) for d in plan.deletes] == [("InferenceSet", name)]
    assert [m["kind"] for m in plan.manifests] == ["Workspace", "ClusterResourcePlacement"]
    assert out.status == "succeeded" and out.revision == 4
    check_rolled_out(fleet, Expect("llama-support", cur["model"], 1, skus, "llama-support-r4", 4, gone=[name]), plan)


def test_add_an_aws_cluster_then_remove_the_original_in_place(own):
    emb, fleet = own
    cur = _current("mistral-eu")
    old_cluster, new_cluster = cur["clusters"][0], "eks-eu-central-1-prod-1"
    want = plan_placement(fleet.snapshot(), model=cur["model"], count=1, clusters=[new_cluster])
    new_sku = want.chosen[0].instance_type
    assert new_sku != cur["instanceType"]
    name = cv.kaito_object_name("mistral-eu", cur["revision"])

    plan, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(name="mistral-eu", clusters=[old_cluster, new_cluster]))
    assert plan.strategy == "in_place"
    assert [m["kind"] for m in plan.manifests] == ["Workspace", "ResourceOverride", "ClusterResourcePlacement"]
    assert {a.cluster: a.action for a in plan.actions} == {old_cluster: "keep", new_cluster: "create"}
    assert plan.environments == ["prod"]
    assert out.status == "succeeded"
    skus = {old_cluster: cur["instanceType"], new_cluster: new_sku}
    check_rolled_out(fleet, Expect("mistral-eu", cur["model"], 1, skus, name, 2), plan)

    plan, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(name="mistral-eu", clusters=[new_cluster]))
    assert plan.strategy == "in_place"
    assert {a.cluster: a.action for a in plan.actions} == {old_cluster: "remove", new_cluster: "keep"}
    assert [s.kind for s in plan.steps][-1] == "wait_absent" and plan.steps[-1].clusters == [old_cluster]
    assert out.status == "succeeded"
    check_rolled_out(fleet, Expect("mistral-eu", cur["model"], 1, {new_cluster: new_sku}, name, 3,
                                   freed=[old_cluster]), plan)


def test_model_change_is_blue_green_and_frees_the_old_side(own):
    emb, fleet = own
    cur = _current("phi4-chat")
    model = "microsoft/Phi-4-mini-instruct"
    want = plan_placement(fleet.snapshot(), model=model, count=len(cur["clusters"]), clusters=cur["clusters"])
    skus = {c.cluster: c.instance_type for c in want.chosen}
    old = cv.kaito_object_name("phi4-chat", cur["revision"])
    plan, out, events = plan_and_run(emb, fleet, "deploy", DeployArgs(name="phi4-chat", model="Phi-4-mini-instruct"))
    assert plan.strategy == "blue_green"
    assert [d.name for d in plan.deletes] == [old]
    kinds = [s.kind for s in plan.steps]
    # the new side is ready everywhere before the old side goes
    assert kinds.index("wait_ready") < kinds.index("delete") < kinds.index("wait_absent")
    assert plan.steps[kinds.index("wait_ready")].clusters == sorted(cur["clusters"])
    assert [u.kind for u in plan.undo] == ["delete", "wait_absent"] and plan.undo[0].ref.name == "phi4-chat-r3"
    assert {a.action for a in plan.actions} == {"replace"}
    assert plan.peak_gpu_delta > 0
    assert out.status == "succeeded" and out.revision == 3
    check_rolled_out(fleet, Expect("phi4-chat", model, 1, skus, "phi4-chat-r3", 3, gone=[old]), plan)
    progress = [e.message for e in events if e.kind == "cluster"]
    assert progress and all(isinstance(m, str) and m for m in progress)


def test_instance_type_change_keeps_the_clusters_and_is_blue_green(own):
    emb, fleet = own
    cur = _current("gemma-staging")
    new_sku = "Standard_NC24ads_A100_v4"
    assert cur["instanceType"] != new_sku and cur["replicas"] == 2
    old = cv.kaito_object_name("gemma-staging", cur["revision"])
    plan, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(name="gemma-staging", instance_type=new_sku))
    assert plan.strategy == "blue_green" and sorted(plan.clusters) == sorted(cur["clusters"])
    assert plan.environments == ["staging"]
    assert out.status == "succeeded"
    check_rolled_out(fleet, Expect("gemma-staging", cur["model"], 2, {c: new_sku for c in cur["clusters"]},
                                   "gemma-staging-r3", 3, gone=[old]), plan)


def test_one_to_many_replicas_is_blue_green_keeping_the_instance_type(own):
    emb, fleet = own
    cur = _current("granite-dev")
    old = cv.kaito_object_name("granite-dev", cur["revision"])
    plan, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(name="granite-dev", replicas=2))
    assert plan.strategy == "blue_green"
    assert [m["kind"] for m in plan.manifests] == ["InferenceSet", "ClusterResourcePlacement"]
    assert plan.environments == ["dev"]
    assert out.status == "succeeded"
    check_rolled_out(fleet, Expect("granite-dev", cur["model"], 2, {c: cur["instanceType"] for c in cur["clusters"]},
                                   "granite-dev-r2", 2, gone=[old]), plan)


def test_same_state_is_a_noop_that_writes_nothing(own):
    emb, fleet = own
    cur = _current("coder-assist")
    before = fleet.revisions("coder-assist")
    plan, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(name="coder-assist", instance_type=cur["instanceType"]))
    assert plan.strategy == "noop" and not plan.manifests and not plan.steps and plan.revision is None
    assert out.status == "noop"
    assert fleet.revisions("coder-assist") == before


def test_blue_green_that_also_moves_clusters_cleans_up_the_switch_overrides(own):
    emb, fleet = own
    cur = _current("coder-assist")
    model = "Qwen/Qwen2.5-Coder-7B-Instruct"
    kept, gone_from = "aks-eastus-prod-2", "aks-swedencentral-prod-1"
    target = [kept, "aks-westus3-prod-1"]
    want = plan_placement(fleet.snapshot(), model=model, count=2, clusters=target)
    skus = {c.cluster: c.instance_type for c in want.chosen}
    old = cv.kaito_object_name("coder-assist", cur["revision"])
    plan, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(name="coder-assist", model="qwen2.5 coder 7b instruct",
                                                                  clusters=target))
    assert plan.strategy == "blue_green"
    assert {a.cluster: a.action for a in plan.actions} == {kept: "replace", "aks-westus3-prod-1": "create",
                                                          gone_from: "remove"}
    # during the switch both objects are placed on the union, each kept off where it does not belong
    switch = [s.manifest for s in plan.steps if s.kind == "apply" and s.manifest["kind"] == "ClusterResourcePlacement"]
    assert switch[0]["spec"]["policy"]["clusterNames"] == sorted(set(target) | {gone_from})
    assert switch[-1]["spec"]["policy"]["clusterNames"] == sorted(target)
    assert out.status == "succeeded"
    check_rolled_out(fleet, Expect("coder-assist", model, 1, skus, "coder-assist-r4", 4, gone=[old],
                                   freed=[gone_from]), plan)
