"""Rollback across an autoscale change, on the embedded fleet through the tools and the executor: back to a
revision recorded before autoscale was enabled removes the HPA and its replica-ownership override (the plan
lines say so), back to one that autoscaled puts them back."""
from __future__ import annotations

from tests.tools_clusterops.test_autoscale import ctx, execute, raw
from tools import autoscale, plan_text, rollback
from tools.args import RollbackArgs
from tools.fleet import conventions as cv

DEP = "llama-support"


def roll_back(fleet, to):
    return rollback.TOOL.handler(ctx(fleet), RollbackArgs(deployment=DEP, to_revision=to))


def hpas(kube, ns=DEP):
    return kube.list("HorizontalPodAutoscaler", ns)


def test_rollback_before_autoscale_removes_it_and_forward_restores_it(fresh):
    emb, fleet = fresh
    d = raw(DEP)
    before, name = d["revision"], cv.kaito_object_name(DEP, d["revision"])
    cluster = d["clusters"][0]
    on = autoscale.TOOL.handler(ctx(fleet), {"deployment": DEP, "min_replicas": 2, "max_replicas": 5})
    assert execute(fleet, on).status == "succeeded"
    emb.wait_idle()
    emb.autoscaling.want(cluster, DEP, cv.hpa_name(DEP), 4)
    emb.wait_idle()
    assert fleet.members[cluster].get("InferenceSet", name, DEP)["spec"]["replicas"] == 4

    back = roll_back(fleet, before)
    lines = plan_text.plan_lines(back)
    assert all("remove the autoscaler" in line for line in lines[1:len(d["clusters"]) + 1]), lines
    assert [(x.kind, x.name) for x in back.deletes] == [("HorizontalPodAutoscaler", DEP),
                                                         ("ResourceOverride", cv.kaito_override_name(name))]
    assert back.steps[0].kind == "delete" and back.steps[0].ref.kind == "HorizontalPodAutoscaler"
    assert back.revision.autoscaling == {}
    out = execute(fleet, back)
    assert out.status == "succeeded" and out.revision == before + 2
    emb.wait_idle()
    assert hpas(fleet.hub) == [] and fleet.hub.list("ResourceOverride", DEP) == []
    for c in d["clusters"]:
        assert hpas(fleet.members[c]) == []
    assert fleet.members[cluster].get("InferenceSet", name, DEP)["spec"]["replicas"] == d["replicas"]

    forward = roll_back(fleet, before + 1)
    assert any("autoscale 2–5 replicas again" in line for line in plan_text.plan_lines(forward))
    assert [m["kind"] for m in forward.manifests][-2:] == ["HorizontalPodAutoscaler", "ResourceOverride"]
    assert forward.revision.autoscaling == {"min_replicas": 2, "max_replicas": 5}
    assert execute(fleet, forward).status == "succeeded"
    emb.wait_idle()
    (hpa,) = hpas(fleet.hub)
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert hpa["spec"]["scaleTargetRef"]["name"] == name
    ro = fleet.hub.get("ResourceOverride", cv.kaito_override_name(name), DEP)
    assert ro["spec"]["policy"]["overrideRules"][-1]["jsonPatchOverrides"] == [
        {"op": "remove", "path": "/spec/replicas"}]
    for c in d["clusters"]:
        assert len(hpas(fleet.members[c])) == 1
    emb.autoscaling.want(cluster, DEP, cv.hpa_name(DEP), 3)
    emb.wait_idle()
    assert fleet.members[cluster].get("InferenceSet", name, DEP)["spec"]["replicas"] == 3  # the HPA's again


def test_rollback_of_a_converted_workspace_removes_the_hpa_and_keeps_serving(fresh):
    emb, fleet = fresh
    dep = "phi4-chat"
    d = raw(dep)
    on = autoscale.TOOL.handler(ctx(fleet), {"deployment": dep, "min_replicas": 1, "max_replicas": 3})
    assert execute(fleet, on, timeout=30).status == "succeeded"
    emb.wait_idle()
    back = rollback.TOOL.handler(ctx(fleet), RollbackArgs(deployment=dep, to_revision=d["revision"]))
    # the same model, instance type and count (one): change.build sees nothing to replace, so the InferenceSet
    # stays (without its autoscaler) rather than going back to a Workspace
    assert back.strategy == "in_place"
    assert any("remove the autoscaler" in line for line in plan_text.plan_lines(back))
    assert ("HorizontalPodAutoscaler", dep) in [(x.kind, x.name) for x in back.deletes]
    assert execute(fleet, back, timeout=30).status == "succeeded"
    emb.wait_idle()
    assert hpas(fleet.hub, dep) == []
    assert fleet.hub.list("ResourceOverride", dep) == []
    for c in d["clusters"]:
        assert hpas(fleet.members[c], dep) == []
        obj = fleet.members[c].get("InferenceSet", cv.kaito_object_name(dep, d["revision"] + 1), dep)
        assert obj["spec"]["replicas"] == 1  # KubeFleet's count again
    assert fleet.revisions(dep)[-1].autoscaling == {}
