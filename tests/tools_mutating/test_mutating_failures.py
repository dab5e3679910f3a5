"""When things go wrong: a blue/green whose new side fails (or never gets ready) is undone and the old side
keeps serving with no new revision; a plan applied after the fleet changed is refused as stale and writes
nothing; a plan edited after it was sealed is refused."""
from __future__ import annotations

import pytest

from tests.tools_mutating.mutating_helpers import (
    Expect,
    check_rolled_out,
    execute,
    kaito_objects,
    plan_and_run,
    raw_deployment,
)
from tools import runner
from tools.args import DeployArgs, RollbackArgs
from tools.errors import ToolError
from tools.executor import StalePlan
from tools.fleet import conventions as cv


@pytest.fixture(autouse=True)
def _clear_faults(own):
    yield
    own[0].faults.clear()


def _expect_unchanged(name: str) -> Expect:
    raw = raw_deployment(name)
    cur = raw["revisions"][-1]
    return Expect(name, cur["model"], cur["replicas"], {c: cur["instanceType"] for c in raw["clusters"]},
                  cv.kaito_object_name(name, cur["revision"]), cur["revision"])


def _hub_versions(fleet, deployment: str) -> dict:
    objs = kaito_objects(fleet.hub, deployment) + [fleet.hub.get("ClusterResourcePlacement", deployment),
                                                    fleet.hub.get("Namespace", deployment)]
    out = {f"{o['kind']}/{o['metadata']['name']}": o["metadata"]["resourceVersion"] for o in objs if o}
    cm = fleet.hub.get("ConfigMap", cv.revisions_configmap_name(deployment), cv.REVISIONS_NAMESPACE)
    out["revisions"] = cm["metadata"]["resourceVersion"] if cm else None
    return out


def test_blue_green_whose_new_side_fails_is_undone_and_the_old_side_keeps_serving(own):
    emb, fleet = own
    emb.faults.fail(deployment="phi4-chat", message="CUDA out of memory (injected)")
    before = fleet.revisions("phi4-chat")
    plan = runner.plan("deploy", DeployArgs(name="phi4-chat", model="Phi-4-mini-instruct"), fleet)
    assert plan.strategy == "blue_green"
    out, events = execute(fleet, plan)
    emb.wait_idle()
    assert (out.status, out.undone, out.revision) == ("failed", True, None)
    assert "CUDA out of memory (injected)" in out.message and "phi4-chat-r3" in out.message
    kinds = [e.kind for e in events]
    assert "undo" in kinds and kinds[-1] == "failed"
    assert fleet.revisions("phi4-chat") == before  # no new revision recorded
    check_rolled_out(fleet, _expect_unchanged("phi4-chat"))  # old object Ready everywhere, new one gone
    assert fleet.get_deployment("phi4-chat").status == "ready"


def test_blue_green_that_never_gets_ready_times_out_and_is_undone(own):
    emb, fleet = own
    emb.faults.never_ready(deployment="llama-support")
    plan = runner.plan("deploy", DeployArgs(name="llama-support", replicas=1), fleet)
    assert plan.strategy == "blue_green"
    out, _ = execute(fleet, plan, timeout=1.0)
    emb.wait_idle()
    assert (out.status, out.undone) == ("failed", True)
    assert "not ready after" in out.message and "llama-support-r2" in out.message
    check_rolled_out(fleet, _expect_unchanged("llama-support"))
    assert [r.revision for r in fleet.revisions("llama-support")] == [1]


def test_failed_blue_green_that_moved_clusters_restores_placement_and_override(own):
    emb, fleet = own
    clusters = ["aks-westeurope-prod-1", "eks-eu-central-1-prod-1"]
    plan, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(model="mistral-7b-instruct", name="moving",
                                                                  clusters=clusters))
    assert out.status == "succeeded" and any(m["kind"] == "ResourceOverride" for m in plan.manifests)
    created = plan.revision
    skus = {c: created.instance_types.get(c, created.instance_type) for c in clusters}
    ro_before = fleet.hub.get("ResourceOverride", "moving-r1-sku", "moving")["spec"]
    emb.faults.fail(deployment="moving", message="image pull failed (injected)")
    plan = runner.plan("deploy", DeployArgs(name="moving", model="Phi-4-mini-instruct",
                                            clusters=["aks-westeurope-prod-1", "aks-swedencentral-prod-1"]), fleet)
    assert plan.strategy == "blue_green" and plan.undo
    out, _ = execute(fleet, plan)
    emb.wait_idle()
    assert (out.status, out.undone) == ("failed", True)
    assert fleet.hub.get("ResourceOverride", "moving-r1-sku", "moving")["spec"] == ro_before
    assert fleet.hub.get("ResourceOverride", "moving-r2-sku", "moving") is None
    check_rolled_out(fleet, Expect("moving", "mistralai/Mistral-7B-Instruct-v0.3", 1, skus, "moving-r1", 1,
                                   gone=["moving-r2"], freed=["aks-swedencentral-prod-1"]))


def test_plan_applied_after_the_placement_changed_is_stale_and_writes_nothing(own):
    _, fleet = own
    plan = runner.plan("deploy", DeployArgs(name="mistral-eu", replicas=2), fleet)
    crp = fleet.hub.get("ClusterResourcePlacement", "mistral-eu")
    fleet.hub.merge_patch("ClusterResourcePlacement", "mistral-eu", {"metadata": {"labels": {"team": "eu"}}})
    before = _hub_versions(fleet, "mistral-eu")
    with pytest.raises(StalePlan) as err:
        execute(fleet, plan)
    assert "ClusterResourcePlacement/mistral-eu" in err.value.changes
    assert "Plan again" in err.value.message
    assert _hub_versions(fleet, "mistral-eu") == before
    assert fleet.hub.get("ClusterResourcePlacement", "mistral-eu")["metadata"]["generation"] == \
        crp["metadata"]["generation"]
    # planning again on the changed fleet gives another hash, and that plan applies
    again = runner.plan("deploy", DeployArgs(name="mistral-eu", replicas=2), fleet)
    assert again.hash != plan.hash
    assert execute(fleet, again)[0].status == "succeeded"


def test_plan_applied_after_another_change_to_the_same_deployment_is_stale(own):
    emb, fleet = own
    first = runner.plan("deploy", DeployArgs(name="granite-dev", replicas=2), fleet)
    second = runner.plan("rollback", RollbackArgs(deployment="coder-assist"), fleet)  # unrelated: stays fresh
    competing = runner.plan("deploy", DeployArgs(name="granite-dev", model="Phi-4-mini-instruct"), fleet)
    assert execute(fleet, competing)[0].status == "succeeded"
    emb.wait_idle()
    before = _hub_versions(fleet, "granite-dev")
    with pytest.raises(StalePlan) as err:
        execute(fleet, first)
    assert any(k.startswith("Workspace/granite-dev/") or k.startswith("ConfigMap/") for k in err.value.changes)
    assert _hub_versions(fleet, "granite-dev") == before
    assert not any(o["metadata"]["name"] == "granite-dev-r2" and o["kind"] == "InferenceSet"
                   for o in kaito_objects(fleet.hub, "granite-dev"))
    assert execute(fleet, second)[0].status == "succeeded"


def test_create_plan_is_stale_once_someone_else_created_the_name(own):
    _, fleet = own
    mine = runner.plan("deploy", DeployArgs(model="phi-4", name="race", clusters=["aks-eastus-prod-2"]), fleet)
    theirs = runner.plan("deploy", DeployArgs(model="Phi-4-mini-instruct", name="race",
                                              clusters=["aks-eastus-prod-2"]), fleet)
    assert execute(fleet, theirs)[0].status == "succeeded"
    with pytest.raises(StalePlan) as err:
        execute(fleet, mine)
    assert err.value.changes["Namespace/race"][0] is None  # it planned on the name being free
    assert [o["metadata"]["name"] for o in kaito_objects(fleet.hub, "race")] == ["race-r1"]
    assert kaito_objects(fleet.hub, "race")[0]["inference"]["preset"]["name"] == "microsoft/Phi-4-mini-instruct"


def test_plan_hash_is_deterministic_and_follows_the_fleet(own):
    emb, fleet = own
    args = DeployArgs(model="phi-4", count=2, environment="prod")
    a, b = runner.plan("deploy", args, fleet), runner.plan("deploy", args, fleet)
    assert a.hash == b.hash == a.compute_hash() and len(a.hash) == 64
    assert a.model_dump() == b.model_dump()
    other = runner.plan("deploy", DeployArgs(model="phi-4", count=2, environment="staging"), fleet)
    assert other.hash != a.hash
    # a change of the fleet that moves the placement changes the plan and its hash
    chosen = a.clusters
    sku = next(x.instance_type for x in a.actions if x.cluster == chosen[0])
    hog = DeployArgs(model="phi-4", name="hog", clusters=[chosen[0]], instance_type=sku,
                     replicas=_fill(fleet, chosen[0], sku))
    assert execute(fleet, runner.plan("deploy", hog, fleet))[0].status == "succeeded"
    emb.wait_idle()
    c = runner.plan("deploy", args, fleet)
    assert c.hash != a.hash and chosen[0] not in c.clusters


def _fill(fleet, cluster: str, sku: str) -> int:
    """Replicas of phi-4 that leave no room for another one of ``sku`` on ``cluster``."""
    pool = fleet.get_cluster(cluster).pool(sku)
    per = fleet.catalog.get("microsoft/phi-4").nodes_on(sku)
    return pool.free_nodes // per


def test_a_plan_edited_after_sealing_is_refused(own):
    _, fleet = own
    plan = runner.plan("deploy", DeployArgs(name="gemma-staging", replicas=3), fleet)
    plan.manifests[0]["spec"]["replicas"] = 30
    with pytest.raises(ToolError, match="altered"):
        execute(fleet, plan)
    assert fleet.get_deployment("gemma-staging").replicas == raw_deployment("gemma-staging")["revisions"][-1]["replicas"]


def test_reconcile_tells_untouched_partial_and_complete_apart_without_writing(own):
    emb, fleet = own
    from tools.executor import Executor

    ex = Executor(fleet, timeout=10, poll=0.05)
    plan = runner.plan("deploy", DeployArgs(model="phi-4", name="recon", clusters=["aks-westus3-prod-1"]), fleet)
    assert ex.reconcile(plan)[0] == "failed"  # nothing reached the fleet
    fleet.apply(plan.steps[0].manifest)  # the namespace only: a crash right after the first step
    status, why = ex.reconcile(plan)  # what recovery would do: undo the part that reached the hub
    assert status == "failed" and "undoes it" in why
    assert fleet.get_deployment("recon") is not None and fleet.hub.list("Workspace", "recon") == []
    assert execute(fleet, plan, check=False)[0].status == "succeeded"
    emb.wait_idle()
    before = fleet.hub.get("Workspace", "recon-r1", "recon")["metadata"]["resourceVersion"]
    assert ex.reconcile(plan)[0] == "succeeded"
    assert fleet.hub.get("Workspace", "recon-r1", "recon")["metadata"]["resourceVersion"] == before
