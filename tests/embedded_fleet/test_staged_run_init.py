"""How a ClusterStagedUpdateRun initializes (KubeFleet pkg/controllers/updaterun/initialization.go), on the embedded
fleet through the real client: a run without ``resourceSnapshotIndex`` rolls what the placement selects on the hub
when it starts (the run cuts that snapshot itself when the hub agent has not yet), never an older snapshot; a run
whose placement is not fully scheduled fails to initialize, for good."""
from __future__ import annotations

from tests.embedded_fleet.fleet_kube import PLACEMENT, cond
from tests.embedded_fleet.staged import (
    APPROVAL,
    DEV,
    PROD,
    SNAPSHOTS,
    STAGING,
    create_external,
    create_run,
    create_strategy,
    run_status,
    set_setting,
    stage,
)

THREE = [DEV, STAGING, PROD]


def _setting_in(kube, placement: str, index: str) -> str:
    snap = kube.hub.get(PLACEMENT, SNAPSHOTS, f"{placement}-{index}-snapshot")
    cm = next(r for r in snap["spec"]["selectedResources"] if r["kind"] == "ConfigMap")
    return cm["data"]["setting"]


def test_a_run_without_an_index_rolls_what_is_on_the_hub_even_before_the_hub_agent_cut_its_snapshot(fresh):
    create_external(fresh, "now", THREE)
    create_strategy(fresh, "envs", [stage("dev", [APPROVAL]), stage("staging", [APPROVAL]), stage("prod")])
    fresh.fleet._kubefleet.stop()  # the hub agent is busy elsewhere: it cuts no snapshot of the change below
    set_setting(fresh, "now", "v2")
    create_run(fresh, "now-run", "now", "envs")
    fresh.fleet.wait_idle()
    index = run_status(fresh, "now-run")["resourceSnapshotIndexUsed"]
    assert _setting_in(fresh, "now", index) == "v2"


def test_a_run_on_a_placement_nothing_scheduled_yet_fails_to_initialize_for_good(fresh):
    fresh.fleet._kubefleet.stop()  # nothing schedules the placement below
    create_external(fresh, "unsched", THREE)
    create_strategy(fresh, "envs", [stage("dev"), stage("staging"), stage("prod")])
    create_run(fresh, "unsched-run", "unsched", "envs")
    fresh.fleet.wait_idle()
    init = cond(run_status(fresh, "unsched-run"), "Initialized")
    assert (init["status"], init["reason"]) == ("False", "UpdateRunInitializedFailed")
