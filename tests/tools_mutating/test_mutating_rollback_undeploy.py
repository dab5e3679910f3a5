"""``rollback`` (default previous revision, ``to_revision``, unknown revision) and ``undeploy`` (some / all
clusters, then a rollback that brings a fully undeployed deployment back)."""
from __future__ import annotations

import pytest

from tests.snapshot_from_yaml import catalog_raw, demo_fleet_raw, nodes_per_replica, snapshot_from_raw
from tests.tools_mutating.mutating_helpers import Expect, check_gone, check_rolled_out, plan_and_run, raw_deployment
from tools import rollback, runner
from tools.args import DeployArgs, RollbackArgs, UndeployArgs
from tools.errors import InvalidRequest, UnknownName
from tools.fleet import conventions as cv
from tools.fleet.kube import Ref


def _revision(name: str, n: int) -> dict:
    d = raw_deployment(name)
    return next(r for r in d["revisions"] if r["revision"] == n)


def test_rollback_default_previous_then_to_revision_then_unknown(own):
    emb, fleet = own
    raw = raw_deployment("coder-assist")
    clusters = raw["clusters"]
    cur = raw["revisions"][-1]
    prev = _revision("coder-assist", cur["revision"] - 1)

    plan, out, _ = plan_and_run(emb, fleet, "rollback", RollbackArgs(deployment="coder-assist"))
    assert plan.strategy == "blue_green"  # the model differs between revision 3 and 2
    assert plan.revision.note == f"rollback to revision {prev['revision']}"
    assert out.status == "succeeded" and out.revision == cur["revision"] + 1
    r4 = cv.kaito_object_name("coder-assist", 4)
    check_rolled_out(fleet, Expect("coder-assist", prev["model"], prev["replicas"],
                                   {c: prev["instanceType"] for c in clusters}, r4, 4,
                                   gone=[cv.kaito_object_name("coder-assist", 3)]), plan)
    # the member that had failed runs the rolled-back revision and is Ready now
    assert fleet.get_deployment("coder-assist").status == "ready"

    plan, out, _ = plan_and_run(emb, fleet, "rollback", RollbackArgs(deployment="coder-assist", to_revision=3))
    assert plan.strategy == "blue_green"  # back to the 32B model
    assert out.status == "succeeded"
    check_rolled_out(fleet, Expect("coder-assist", cur["model"], 1, {c: cur["instanceType"] for c in clusters},
                                   cv.kaito_object_name("coder-assist", 5), 5, gone=[r4]), plan)
    assert [r.revision for r in fleet.revisions("coder-assist")] == [1, 2, 3, 4, 5]  # history only grows

    # revision 1 ran an instance type one of its clusters no longer has: refused at plan time, naming it
    first = _revision("coder-assist", 1)
    sweden = next(c for c in demo_fleet_raw()["clusters"] if c["name"] == "aks-swedencentral-prod-1")
    assert first["instanceType"] not in sweden["gpuCapacity"]
    with pytest.raises(InvalidRequest) as err:
        runner.plan("rollback", RollbackArgs(deployment="coder-assist", to_revision=1), fleet)
    assert "aks-swedencentral-prod-1" in err.value.message and first["instanceType"] in err.value.message

    with pytest.raises(InvalidRequest) as err:
        runner.plan("rollback", RollbackArgs(deployment="coder-assist", to_revision=9), fleet)
    assert "no revision 9" in err.value.message and "Available revisions: 1, 2, 3, 4, 5" in err.value.message
    with pytest.raises(InvalidRequest, match="already runs revision 5"):
        runner.plan("rollback", RollbackArgs(deployment="coder-assist", to_revision=5), fleet)
    with pytest.raises(UnknownName) as err:
        runner.plan("rollback", RollbackArgs(deployment="coder-asist"), fleet)
    assert err.value.suggestions == ["coder-assist"]


def test_rollback_of_an_in_place_change_stays_in_place(own):
    emb, fleet = own
    raw = raw_deployment("llama-support")
    cur = raw["revisions"][-1]
    name = cv.kaito_object_name("llama-support", cur["revision"])
    plan_and_run(emb, fleet, "deploy", DeployArgs(name="llama-support", replicas=3))
    plan, out, _ = plan_and_run(emb, fleet, "rollback", RollbackArgs(deployment="llama-support"))
    assert plan.strategy == "in_place" and plan.manifests[0]["spec"]["replicas"] == cur["replicas"]
    assert out.status == "succeeded"
    check_rolled_out(fleet, Expect("llama-support", cur["model"], cur["replicas"],
                                   {c: cur["instanceType"] for c in raw["clusters"]}, name, 3), plan)


def test_a_deployment_without_an_earlier_revision_or_record_cannot_roll_back(own):
    _, fleet = own
    assert len(raw_deployment("mistral-eu")["revisions"]) == 1
    with pytest.raises(InvalidRequest, match="no earlier revision"):
        runner.plan("rollback", RollbackArgs(deployment="mistral-eu"), fleet)
    # the revision record is gone (deleted by hand): rollback refuses rather than guess from KubeFleet's
    # snapshots, which do not say where each revision ran
    fleet.delete(Ref("ConfigMap", cv.revisions_configmap_name("mistral-eu"), cv.REVISIONS_NAMESPACE))
    with pytest.raises(InvalidRequest, match="Available revisions: none"):
        runner.plan("rollback", RollbackArgs(deployment="mistral-eu", to_revision=1), fleet)


def test_rollback_does_not_depend_on_kubefleets_snapshot_retention(own):
    emb, fleet = own
    raw = raw_deployment("granite-dev")
    home, extra = raw["clusters"][0], "aks-centralindia-dev-1"
    limit = fleet.hub.get("ClusterResourcePlacement", "granite-dev")["spec"]["revisionHistoryLimit"]
    for i in range(limit + 1):  # more changes than KubeFleet keeps snapshots of
        clusters = [home, extra] if i % 2 == 0 else [home]
        _, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(name="granite-dev", clusters=clusters))
        assert out.status == "succeeded"
    snaps = fleet.hub.list("ClusterResourceSnapshot", None, f"{cv.PARENT_CRP_LABEL}=granite-dev")
    assert len(snaps) <= limit
    revs = fleet.revisions("granite-dev")
    assert [r.revision for r in revs] == list(range(1, limit + 3))
    assert sorted(fleet.get_deployment("granite-dev").clusters) == sorted([home, extra])
    plan, out, _ = plan_and_run(emb, fleet, "rollback", RollbackArgs(deployment="granite-dev", to_revision=1))
    assert plan.strategy == "in_place" and out.status == "succeeded"
    first = raw["revisions"][0]
    check_rolled_out(fleet, Expect("granite-dev", first["model"], 1, {home: first["instanceType"]},
                                   cv.kaito_object_name("granite-dev", 1), limit + 3, freed=[extra]), plan)


def test_undeploy_some_clusters_shrinks_the_placement(own):
    emb, fleet = own
    raw = raw_deployment("gemma-staging")
    cur = raw["revisions"][-1]
    drop, keep = "aks-northeurope-staging-1", "aks-westus3-staging-1"
    assert sorted(raw["clusters"]) == sorted([drop, keep])
    plan, out, _ = plan_and_run(emb, fleet, "undeploy", UndeployArgs(deployment="gemma-staging", clusters=[drop]))
    assert plan.strategy == "in_place" and plan.clusters == sorted([drop, keep])
    assert {a.cluster: a.action for a in plan.actions} == {drop: "remove", keep: "keep"}
    assert plan.gpu_delta < 0
    assert out.status == "succeeded"
    check_rolled_out(fleet, Expect("gemma-staging", cur["model"], cur["replicas"], {keep: cur["instanceType"]},
                                   cv.kaito_object_name("gemma-staging", cur["revision"]), cur["revision"] + 1,
                                   freed=[drop]), plan)
    with pytest.raises(InvalidRequest, match="does not run on"):
        runner.plan("undeploy", UndeployArgs(deployment="gemma-staging", clusters=[drop]), fleet)
    with pytest.raises(UnknownName, match="aks-nowhere-1"):
        runner.plan("undeploy", UndeployArgs(deployment="gemma-staging", clusters=["aks-nowhere-1"]), fleet)


def test_undeploy_all_then_rollback_brings_it_back(own):
    emb, fleet = own
    raw = raw_deployment("phi4-chat")
    cur = raw["revisions"][-1]
    clusters = raw["clusters"]
    plan, out, _ = plan_and_run(emb, fleet, "undeploy", UndeployArgs(deployment="phi4-chat"))
    assert plan.strategy == "remove"
    assert [(d.kind, d.name) for d in plan.deletes] == [("ClusterResourcePlacement", "phi4-chat"),
                                                        ("Namespace", "phi4-chat")]
    gpus = nodes_per_replica(cur["model"], cur["instanceType"]) * cur["replicas"] * \
        catalog_raw()["skus"][cur["instanceType"]]["gpus"]
    assert plan.gpu_delta == -gpus * len(clusters)
    assert {a.cluster: (a.action, a.gpu_delta) for a in plan.actions} == {c: ("remove", -gpus) for c in clusters}
    assert out.status == "succeeded"
    check_gone(fleet, "phi4-chat", clusters)
    assert fleet.get_deployment("phi4-chat") is None
    revs = fleet.revisions("phi4-chat")
    assert revs[-1].revision == cur["revision"] + 1 and revs[-1].clusters == []  # the history stays
    for c in clusters:  # nodes freed in the inventory too
        assert "phi4-chat" not in fleet.get_cluster(c).deployments

    plan, out, _ = plan_and_run(emb, fleet, "rollback", RollbackArgs(deployment="phi4-chat"))
    assert plan.strategy == "create" and plan.revision.revision == cur["revision"] + 2
    assert out.status == "succeeded"
    name = cv.kaito_object_name("phi4-chat", cur["revision"] + 2)
    check_rolled_out(fleet, Expect("phi4-chat", cur["model"], cur["replicas"], {c: cur["instanceType"] for c in clusters},
                                   name, cur["revision"] + 2), plan)


def test_rollback_needing_more_free_nodes_than_there_are_is_refused_at_plan_time():
    raw = demo_fleet_raw()
    sweden = next(c for c in raw["clusters"] if c["name"] == "aks-swedencentral-prod-1")
    sweden["gpuCapacity"]["Standard_NC40ads_H100_v5"] = 1  # only the node coder-assist uses now: none free
    snap = snapshot_from_raw(raw)
    assert snap.cluster("aks-swedencentral-prod-1").pool("Standard_NC40ads_H100_v5").free_nodes == 0
    with pytest.raises(InvalidRequest) as err:  # a blue/green needs the new side's node beside the old one
        rollback.plan(RollbackArgs(deployment="coder-assist"), snap)
    assert "aks-swedencentral-prod-1 has only 0 free" in err.value.message
    sweden["gpuCapacity"]["Standard_NC40ads_H100_v5"] = 2
    assert rollback.plan(RollbackArgs(deployment="coder-assist"), snapshot_from_raw(raw)).strategy == "blue_green"
