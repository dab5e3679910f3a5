"""``deploy`` of a new deployment: explicit clusters (mixed Azure/AWS → ResourceOverride), placement-driven
(count/environment/geo), one or many replicas; executed on the embedded fleet it reaches the planned state."""
from __future__ import annotations

from tests.snapshot_from_yaml import catalog_raw, demo_fleet_raw, nodes_per_replica
from tests.tools_mutating.mutating_helpers import Expect, check_rolled_out, plan_and_run
from tools import manifests as mf
from tools.args import DeployArgs
from tools.fleet import conventions as cv
from tools.placement import plan_placement


def _raw_cluster(name: str) -> dict:
    return next(c for c in demo_fleet_raw()["clusters"] if c["name"] == name)


def _usage(model: str, cluster: str, sku: str, replicas: int = 1) -> tuple[int, float]:
    nodes = nodes_per_replica(model, sku) * replicas
    return nodes * catalog_raw()["skus"][sku]["gpus"], nodes * _raw_cluster(cluster)["pricePerNodeHour"][sku]


def _override_rules(ro: dict) -> dict[str, str]:
    out = {}
    for rule in ro["spec"]["policy"]["overrideRules"]:
        (term,) = rule["clusterSelector"]["clusterSelectorTerms"]
        (patch,) = rule["jsonPatchOverrides"]
        out[term["labelSelector"]["matchLabels"][cv.MEMBER_NAME_LABEL]] = patch["value"]
    return out


def test_create_on_named_azure_and_aws_clusters_uses_a_resource_override(own):
    emb, fleet = own
    clusters = ["aks-eastus-prod-1", "eks-us-east-1-prod-1"]
    want = plan_placement(fleet.snapshot(), model="microsoft/phi-4", count=2, clusters=clusters)
    skus = {c.cluster: c.instance_type for c in want.chosen}
    assert skus["eks-us-east-1-prod-1"] in _raw_cluster("eks-us-east-1-prod-1")["gpuCapacity"]
    assert skus["aks-eastus-prod-1"] in _raw_cluster("aks-eastus-prod-1")["gpuCapacity"]

    plan, out, events = plan_and_run(emb, fleet, "deploy", DeployArgs(model="phi 4", name="mixed-phi", clusters=clusters))
    assert plan.strategy == "create" and plan.deployment == "mixed-phi"
    assert [m["kind"] for m in plan.manifests] == ["Namespace", "Workspace", "ResourceOverride", "ClusterResourcePlacement"]
    _, ws, ro, crp = plan.manifests
    assert ws["metadata"]["name"] == "mixed-phi-r1" and ws["inference"]["preset"]["name"] == "microsoft/phi-4"
    default = ws["resource"]["instanceType"]
    assert _override_rules(ro) == {c: s for c, s in skus.items() if s != default} != {}
    assert ro["spec"]["resourceSelectors"] == [{"group": "kaito.sh", "version": "v1beta1", "kind": "Workspace",
                                                "name": "mixed-phi-r1"}]
    assert crp["spec"]["policy"] == {"placementType": "PickFixed", "clusterNames": sorted(clusters)}
    assert plan.base == {"Namespace/mixed-phi": None, "ClusterResourcePlacement/mixed-phi": None}
    usage = {c: _usage("microsoft/phi-4", c, s) for c, s in skus.items()}
    assert plan.gpu_delta == sum(g for g, _ in usage.values())
    assert abs(plan.cost_delta_per_hour - sum(u for _, u in usage.values())) < 0.01
    assert {a.cluster: (a.action, a.instance_type, a.gpu_delta) for a in plan.actions} == \
        {c: ("create", s, usage[c][0]) for c, s in skus.items()}
    assert plan.environments == ["prod"] and plan.clusters == sorted(clusters)

    assert (out.status, out.revision, out.undone) == ("succeeded", 1, False)
    assert {c: s.state for c, s in out.clusters.items()} == {c: "Ready" for c in clusters}
    assert [e.kind for e in events][-1] == "done"
    check_rolled_out(fleet, Expect("mixed-phi", "microsoft/phi-4", 1, skus, "mixed-phi-r1", 1), plan)
    d = fleet.get_deployment("mixed-phi")
    assert d.instance_types == {c: s for c, s in skus.items() if s != default} and d.status == "ready"


def test_create_placed_by_count_environment_and_geo(own):
    emb, fleet = own
    snap = fleet.snapshot()
    want = plan_placement(snap, model="microsoft/Phi-4-mini-instruct", count=2, environment="prod", geo="us")
    skus = {c.cluster: c.instance_type for c in want.chosen}
    for name in skus:
        raw = _raw_cluster(name)
        assert (raw["environment"], raw["geo"]) == ("prod", "us") and snap.cluster(name).eligible
    args = DeployArgs(model="Phi-4-mini-instruct", count=2, environment="prod", geo="us")
    plan, out, _ = plan_and_run(emb, fleet, "deploy", args)
    assert plan.deployment == mf.default_name("microsoft/Phi-4-mini-instruct") == "phi-4-mini-instruct"
    assert sorted(plan.clusters) == sorted(skus)
    assert out.status == "succeeded"
    check_rolled_out(fleet, Expect("phi-4-mini-instruct", "microsoft/Phi-4-mini-instruct", 1, skus,
                                   "phi-4-mini-instruct-r1", 1), plan)
    # GPU inventory now counts the new deployment's nodes
    after = fleet.snapshot()
    for c, sku in skus.items():
        before_used = snap.cluster(c).pool(sku).used_nodes
        assert after.cluster(c).pool(sku).used_nodes == before_used + nodes_per_replica("microsoft/Phi-4-mini-instruct", sku)
        assert "phi-4-mini-instruct" in after.cluster(c).deployments


def test_create_with_replicas_is_an_inferenceset_and_gated_models_name_the_token_secret(own):
    emb, fleet = own
    cluster = "aks-northeurope-staging-1"
    want = plan_placement(fleet.snapshot(), model="meta-llama/Llama-3.1-8B-Instruct", count=1, replicas=2,
                          clusters=[cluster])
    sku = want.chosen[0].instance_type
    args = DeployArgs(model="llama 3.1 8b", name="llama-eu", clusters=[cluster], replicas=2)
    plan, out, _ = plan_and_run(emb, fleet, "deploy", args)
    assert [m["kind"] for m in plan.manifests] == ["Namespace", "InferenceSet", "ClusterResourcePlacement"]
    iset = plan.manifests[1]
    assert iset["spec"]["replicas"] == 2
    assert iset["spec"]["template"]["inference"]["preset"] == {
        "name": "meta-llama/Llama-3.1-8B-Instruct", "presetOptions": {"modelAccessSecret": "hf-token"}}
    assert plan.environments == ["staging"]
    assert out.status == "succeeded"
    check_rolled_out(fleet, Expect("llama-eu", "meta-llama/Llama-3.1-8B-Instruct", 2, {cluster: sku}, "llama-eu-r1", 1),
                     plan)
