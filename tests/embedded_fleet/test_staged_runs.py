"""Staged update runs on the embedded fleet (FLEET_API §4.1 External, §5, §6.1, §7), through the real client over HTTP.

A placement with ``strategy.type: External`` is only rolled out by ClusterStagedUpdateRuns: stages dev, staging,
prod by the demo fleet's ``fleetops.dev/environment`` label, approvals after each stage, approval the way
``kubectl fleet approve`` does it, Stop/resume, a failing member, rollback to an older snapshot index, the
deletion stage.
"""
from __future__ import annotations

import time

import pytest
from kubernetes.client.rest import ApiException

from tests.embedded_fleet.fleet_kube import PLACEMENT, cond
from tests.embedded_fleet.staged import (
    APPROVAL,
    APPROVALS,
    CRPS,
    DEV,
    PROD,
    SNAPSHOTS,
    STAGING,
    approve,
    bindings,
    create_external,
    create_run,
    create_strategy,
    member_setting,
    run_status,
    set_setting,
    set_state,
    stage,
    stage_status,
)

THREE = [DEV, STAGING, PROD]


def _gated(kube, name: str = "envs") -> None:
    create_strategy(kube, name, [stage("dev", [APPROVAL]), stage("staging", [APPROVAL]), stage("prod")])


def _cluster(kube, run: str, stage_name: str, cluster: str) -> dict:
    return next(c for c in stage_status(kube, run, stage_name)["clusters"] if c["clusterName"] == cluster)


def test_an_external_placement_is_scheduled_but_not_rolled_out(fresh):
    create_external(fresh, "ext", THREE)
    fresh.fleet.wait_idle()
    assert {c: b["spec"]["state"] for c, b in bindings(fresh, "ext").items()} == dict.fromkeys(THREE, "Scheduled")
    assert member_setting(fresh, DEV, "ext") is None
    snaps = fresh.hub.items(PLACEMENT, SNAPSHOTS, label_selector="kubernetes-fleet.io/parent-CRP=ext")
    assert [s["metadata"]["name"] for s in snaps] == ["ext-0-snapshot"]
    ps = fresh.hub.get(PLACEMENT, CRPS, "ext")["status"]["placementStatuses"]
    assert {cond(p, "RolloutStarted")["status"] for p in ps} == {"False"}


def test_three_stages_with_approval_gates(fresh):
    create_external(fresh, "mix", THREE)
    _gated(fresh)
    create_run(fresh, "mix-r1", "mix", "envs")
    fresh.fleet.wait_idle()
    status = run_status(fresh, "mix-r1")
    assert cond(status, "Initialized")["status"] == "True"
    assert status["resourceSnapshotIndexUsed"] == "0"
    assert [[c["clusterName"] for c in s["clusters"]] for s in status["stagesStatus"]] == [[DEV], [STAGING], [PROD]]
    assert cond(status, "Progressing")["reason"] == "UpdateRunWaiting"
    assert cond(_cluster(fresh, "mix-r1", "dev", DEV), "Succeeded")["status"] == "True"
    assert member_setting(fresh, DEV, "mix") == "v1"
    assert member_setting(fresh, STAGING, "mix") is None
    request = fresh.hub.get(PLACEMENT, APPROVALS, "mix-r1-after-dev")
    assert request["spec"] == {"parentStageRollout": "mix-r1", "targetStage": "dev"}
    assert request["metadata"]["labels"] == {
        "kubernetes-fleet.io/targetUpdateRun": "mix-r1", "kubernetes-fleet.io/targetUpdatingStage": "dev",
        "kubernetes-fleet.io/taskType": "afterStage", "kubernetes-fleet.io/isLatestUpdateRunApproval": "true"}

    approve(fresh, "mix-r1-after-dev")
    fresh.fleet.wait_idle()
    assert cond(fresh.hub.get(PLACEMENT, APPROVALS, "mix-r1-after-dev"), "ApprovalAccepted")["status"] == "True"
    dev = stage_status(fresh, "mix-r1", "dev")
    assert cond(dev["afterStageTaskStatus"][0], "ApprovalRequestApproved")["status"] == "True"
    assert cond(dev, "Succeeded")["status"] == "True"
    assert member_setting(fresh, STAGING, "mix") == "v1"
    assert member_setting(fresh, PROD, "mix") is None

    approve(fresh, "mix-r1-after-staging", generation=0)  # a stale observedGeneration is ignored
    fresh.fleet.wait_idle()
    assert member_setting(fresh, PROD, "mix") is None
    approve(fresh, "mix-r1-after-staging")
    fresh.fleet.wait_idle()
    status = run_status(fresh, "mix-r1")
    assert cond(status, "Succeeded")["status"] == "True"
    assert member_setting(fresh, PROD, "mix") == "v1"
    assert fresh.hub.get(PLACEMENT, CRPS, "mix")["status"]["observedResourceIndex"] == "0"
    assert all(s.get("startTime") and s.get("endTime") for s in status["stagesStatus"])


def test_an_approval_request_spec_is_immutable(fresh):
    create_external(fresh, "imm", [DEV])
    create_strategy(fresh, "dev-only", [stage("dev", [APPROVAL])])
    create_run(fresh, "imm-r1", "imm", "dev-only")
    fresh.fleet.wait_idle()
    with pytest.raises(ApiException) as e:
        fresh.hub.patch(PLACEMENT, APPROVALS, "imm-r1-after-dev", {"spec": {"targetStage": "prod"}})
    assert e.value.status == 422


def test_initialize_only_stop_and_resume(fresh):
    create_external(fresh, "pause", THREE)
    _gated(fresh)
    create_run(fresh, "pause-r1", "pause", "envs", state=None)
    fresh.fleet.wait_idle()
    assert cond(run_status(fresh, "pause-r1"), "Initialized")["status"] == "True"
    assert member_setting(fresh, DEV, "pause") is None  # Initialize does nothing else
    set_state(fresh, "pause-r1", "Run")
    fresh.fleet.wait_idle()
    assert member_setting(fresh, DEV, "pause") == "v1"
    set_state(fresh, "pause-r1", "Stop")
    fresh.fleet.wait_idle()
    approve(fresh, "pause-r1-after-dev")
    fresh.fleet.wait_idle()
    assert cond(run_status(fresh, "pause-r1"), "Progressing")["reason"] == "UpdateRunStopped"
    assert member_setting(fresh, STAGING, "pause") is None
    set_state(fresh, "pause-r1", "Run")
    fresh.fleet.wait_idle()
    assert member_setting(fresh, STAGING, "pause") == "v1"


def test_a_failing_member_fails_the_cluster_the_stage_and_the_run(fresh):
    create_external(fresh, "bad", THREE)
    create_strategy(fresh, "straight", [stage("dev"), stage("staging"), stage("prod")])
    fresh.fleet.faults.fail_apply(cluster=STAGING, message="admission webhook denied the request")
    create_run(fresh, "bad-r1", "bad", "straight")
    fresh.fleet.wait_idle()
    status = run_status(fresh, "bad-r1")
    assert cond(status, "Succeeded")["status"] == "False"
    assert "admission webhook denied the request" in cond(status, "Succeeded")["message"]
    assert cond(stage_status(fresh, "bad-r1", "staging"), "Succeeded")["status"] == "False"
    assert cond(_cluster(fresh, "bad-r1", "staging", STAGING), "Succeeded")["status"] == "False"
    assert member_setting(fresh, PROD, "bad") is None


def test_the_kaito_webhook_refusing_an_immutable_field_fails_the_run(fresh):
    create_external(fresh, "swap", [DEV])
    create_strategy(fresh, "dev-only", [stage("dev")])
    create_run(fresh, "swap-r1", "swap", "dev-only")
    fresh.fleet.wait_idle()
    fresh.hub.patch(("kaito.sh", "v1beta1"), "workspaces", "swap-ws",
                    {"inference": {"preset": {"name": "microsoft/phi-4"}}}, namespace="swap")
    fresh.fleet.wait_idle()
    create_run(fresh, "swap-r2", "swap", "dev-only")
    fresh.fleet.wait_idle()
    status = run_status(fresh, "swap-r2")
    assert status["resourceSnapshotIndexUsed"] == "1"
    assert "inference.preset" in cond(status, "Succeeded")["message"]


def test_missing_index_and_a_rolling_placement_fail_initialization(fresh):
    create_external(fresh, "miss", [DEV])
    create_strategy(fresh, "dev-only", [stage("dev")])
    create_run(fresh, "miss-r1", "miss", "dev-only", index="7")
    fresh.fleet.wait_idle()
    init = cond(run_status(fresh, "miss-r1"), "Initialized")
    assert (init["status"], init["reason"]) == ("False", "UpdateRunInitializedFailed")
    assert "no resourceSnapshots with index `7`" in init["message"]
    create_run(fresh, "miss-r2", "does-not-exist", "dev-only")
    create_external(fresh, "roll", [DEV], strategy="RollingUpdate")
    create_run(fresh, "roll-r1", "roll", "dev-only")
    fresh.fleet.wait_idle()
    assert "parent placement not found" in cond(run_status(fresh, "miss-r2"), "Initialized")["message"]
    assert "does not have an external rollout strategy" in cond(run_status(fresh, "roll-r1"), "Initialized")["message"]


def test_rollback_to_an_older_index_walks_the_stages(fresh):
    create_external(fresh, "rb", THREE)
    create_strategy(fresh, "straight", [stage("dev"), stage("staging"), stage("prod")])
    create_run(fresh, "rb-r1", "rb", "straight")
    fresh.fleet.wait_idle()
    set_setting(fresh, "rb", "v2")
    fresh.fleet.wait_idle()
    assert member_setting(fresh, DEV, "rb") == "v1"  # a new snapshot is cut but not rolled out
    create_run(fresh, "rb-r2", "rb", "straight")
    fresh.fleet.wait_idle()
    assert run_status(fresh, "rb-r2")["resourceSnapshotIndexUsed"] == "1"
    assert [member_setting(fresh, c, "rb") for c in THREE] == ["v2", "v2", "v2"]
    _gated(fresh)
    create_run(fresh, "rb-back", "rb", "envs", index="0")
    fresh.fleet.wait_idle()
    assert [member_setting(fresh, c, "rb") for c in THREE] == ["v1", "v2", "v2"]
    approve(fresh, "rb-back-after-dev")
    fresh.fleet.wait_idle()
    approve(fresh, "rb-back-after-staging")
    fresh.fleet.wait_idle()
    assert cond(run_status(fresh, "rb-back"), "Succeeded")["status"] == "True"
    assert [member_setting(fresh, c, "rb") for c in THREE] == ["v1", "v1", "v1"]
    assert {b["spec"]["resourceSnapshotName"] for b in bindings(fresh, "rb").values()} == {"rb-0-snapshot"}


def test_a_newer_run_takes_latest_off_older_approval_requests(fresh):
    create_external(fresh, "two", [DEV, STAGING])
    create_strategy(fresh, "gated", [stage("dev", [APPROVAL]), stage("staging")])
    create_run(fresh, "two-r1", "two", "gated")
    fresh.fleet.wait_idle()
    create_run(fresh, "two-r2", "two", "gated")
    fresh.fleet.wait_idle()
    old = fresh.hub.get(PLACEMENT, APPROVALS, "two-r1-after-dev")["metadata"]["labels"]
    new = fresh.hub.get(PLACEMENT, APPROVALS, "two-r2-after-dev")["metadata"]["labels"]
    assert old["kubernetes-fleet.io/isLatestUpdateRunApproval"] == "false"
    assert new["kubernetes-fleet.io/isLatestUpdateRunApproval"] == "true"


def test_timed_wait_follows_the_fleet_time_scale(fresh):
    fresh.fleet.time_scale = 0.0005  # 10m -> 0.3 s
    create_external(fresh, "soak", [DEV, STAGING])
    create_strategy(fresh, "soaked", [stage("dev", [{"type": "TimedWait", "waitTime": "10m"}]), stage("staging")])
    create_run(fresh, "soak-r1", "soak", "soaked")
    fresh.fleet.wait_idle()
    task = stage_status(fresh, "soak-r1", "dev")["afterStageTaskStatus"][0]
    assert cond(task, "WaitTimeElapsed")["status"] == "True"
    deadline = time.monotonic() + 30  # the staging stage starts when the wait ends, maybe after wait_idle returned
    while member_setting(fresh, STAGING, "soak") != "v1" and time.monotonic() < deadline:
        fresh.fleet.wait_idle()
        time.sleep(0.05)
    assert member_setting(fresh, STAGING, "soak") == "v1"


def test_a_cluster_no_longer_picked_is_removed_in_the_deletion_stage(fresh):
    create_external(fresh, "shrink", [DEV, PROD])
    create_strategy(fresh, "two-envs", [stage("dev"), stage("prod")])
    create_run(fresh, "shrink-r1", "shrink", "two-envs")
    fresh.fleet.wait_idle()
    fresh.hub.patch(PLACEMENT, CRPS, "shrink", {"spec": {"policy": {"clusterNames": [DEV]}}})
    fresh.fleet.wait_idle()
    assert bindings(fresh, "shrink")[PROD]["spec"]["state"] == "Unscheduled"
    assert member_setting(fresh, PROD, "shrink") == "v1"  # kept until a run's deletion stage
    create_run(fresh, "shrink-r2", "shrink", "two-envs")
    fresh.fleet.wait_idle()
    status = run_status(fresh, "shrink-r2")
    assert [c["clusterName"] for c in status["deletionStageStatus"]["clusters"]] == [PROD]
    assert cond(status, "Succeeded")["status"] == "True"
    assert PROD not in bindings(fresh, "shrink")
    assert "shrink" not in fresh(PROD).namespaces()


def test_switching_a_rolled_out_placement_to_external_keeps_what_runs(fresh):
    create_external(fresh, "switch", [DEV, PROD], strategy="RollingUpdate")
    fresh.fleet.wait_idle()
    assert member_setting(fresh, PROD, "switch") == "v1"
    fresh.hub.patch(PLACEMENT, CRPS, "switch", {"spec": {"strategy": {"type": "External"}}})
    fresh.fleet.wait_idle()
    assert {b["spec"]["resourceSnapshotName"] for b in bindings(fresh, "switch").values()} == {"switch-0-snapshot"}
    set_setting(fresh, "switch", "v2")
    fresh.fleet.wait_idle()
    assert member_setting(fresh, PROD, "switch") == "v1"
    create_strategy(fresh, "two-envs", [stage("dev", [APPROVAL]), stage("prod")])
    create_run(fresh, "switch-r1", "switch", "two-envs")
    fresh.fleet.wait_idle()
    assert [member_setting(fresh, c, "switch") for c in (DEV, PROD)] == ["v2", "v1"]


def test_deleting_a_run_deletes_its_approval_requests(fresh):
    create_external(fresh, "del", [DEV])
    create_strategy(fresh, "dev-only", [stage("dev", [APPROVAL])])
    create_run(fresh, "del-r1", "del", "dev-only")
    fresh.fleet.wait_idle()
    assert [a["metadata"]["name"] for a in fresh.hub.items(PLACEMENT, APPROVALS)] == ["del-r1-after-dev"]
    fresh.hub.co.delete_cluster_custom_object(*PLACEMENT, "clusterstagedupdateruns", "del-r1")
    fresh.fleet.wait_idle()
    assert fresh.hub.items(PLACEMENT, APPROVALS) == []


def test_the_run_state_only_moves_forward(fresh):
    create_external(fresh, "cel", [DEV])
    create_strategy(fresh, "dev-only", [stage("dev", [APPROVAL])])
    create_run(fresh, "cel-r1", "cel", "dev-only")
    fresh.fleet.wait_idle()
    with pytest.raises(ApiException) as e:
        set_state(fresh, "cel-r1", "Initialize")
    assert e.value.status == 422


def test_max_concurrency_bounds_how_many_clusters_update_at_once(fresh):
    prods = ["aks-eastus-prod-1", "aks-eastus-prod-2", "aks-westus3-prod-1"]
    create_external(fresh, "conc", prods)
    create_strategy(fresh, "one-by-one", [stage("prod", maxConcurrency=1)])
    fresh.fleet.faults.fail_apply(cluster="aks-eastus-prod-1")
    create_run(fresh, "conc-r1", "conc", "one-by-one")
    fresh.fleet.wait_idle()
    assert cond(run_status(fresh, "conc-r1"), "Succeeded")["status"] == "False"
    states = {c: b["spec"]["state"] for c, b in bindings(fresh, "conc").items()}
    assert states == {"aks-eastus-prod-1": "Bound", "aks-eastus-prod-2": "Scheduled", "aks-westus3-prod-1": "Scheduled"}


def test_a_stage_without_clusters_is_skipped_and_a_before_stage_gate_blocks_the_start(fresh):
    create_external(fresh, "gate", [DEV, PROD])
    create_strategy(fresh, "gated-prod", [stage("dev"), stage("staging"), stage("prod", before=[APPROVAL])])
    create_run(fresh, "gate-r1", "gate", "gated-prod")
    fresh.fleet.wait_idle()
    assert cond(stage_status(fresh, "gate-r1", "staging"), "Succeeded")["reason"] == "StageUpdatingSkippedNoClusters"
    assert member_setting(fresh, PROD, "gate") is None
    assert fresh.hub.get(PLACEMENT, APPROVALS, "gate-r1-before-prod")["metadata"]["labels"][
        "kubernetes-fleet.io/taskType"] == "beforeStage"
    approve(fresh, "gate-r1-before-prod")
    fresh.fleet.wait_idle()
    assert member_setting(fresh, PROD, "gate") == "v1"


def test_a_policy_change_abandons_a_run_in_flight(fresh):
    create_external(fresh, "moved", [DEV, STAGING])
    create_strategy(fresh, "gated", [stage("dev", [APPROVAL]), stage("staging")])
    create_run(fresh, "moved-r1", "moved", "gated")
    fresh.fleet.wait_idle()
    fresh.hub.patch(PLACEMENT, CRPS, "moved", {"spec": {"policy": {"clusterNames": [DEV]}}})
    fresh.fleet.wait_idle()
    assert cond(run_status(fresh, "moved-r1"), "Succeeded")["status"] == "False"
