"""The detector alone (a pure function): demo-fleet snapshots built from the YAML, changed per test."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.incidents.detect import Memory, detect, resolved
from tests.snapshot_from_yaml import demo_snapshot
from tools.fleet.models import ClusterDeploymentState, DeploymentState, FleetSnapshot, Taint

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
SEEDED = NOW - timedelta(days=3)  # the demo seed records revisions applied days ago
SWEDEN = "aks-swedencentral-prod-1"
FAILED_KEY = ("deployment_not_ready", "coder-assist", SWEDEN)


def seeded() -> FleetSnapshot:
    """The demo fleet as the embedded fleet reports it: every revision has its applied time."""
    snap = demo_snapshot()
    for d in snap.deployments:
        d.revisions = [r.model_copy(update={"applied_at": SEEDED.strftime("%Y-%m-%dT%H:%M:%SZ")})
                       for r in d.revisions]
    return snap


def set_state(snap: FleetSnapshot, deployment: str, cluster: str, state: DeploymentState,
              message: str | None = None) -> None:
    d = snap.deployment(deployment)
    assert d is not None
    d.states = [s for s in d.states if s.cluster != cluster] + [
        ClusterDeploymentState(cluster=cluster, state=state, reason="InferenceNotReady" if state != "Ready" else None,
                               message=message)]


def test_first_look_raises_only_the_seeded_failure():
    det = detect(None, seeded(), NOW)
    assert [p.key for p in det.problems] == [FAILED_KEY]


def test_the_incident_says_what_kaito_says():
    (p,) = detect(None, seeded(), NOW).problems
    assert "CUDA out of memory loading model weights" in p.what


def test_the_seeded_failure_counts_from_its_revision_not_from_the_first_look():
    (p,) = detect(None, seeded(), NOW).problems
    assert p.since == SEEDED


def test_without_an_applied_time_a_failure_waits_the_threshold():
    assert detect(None, demo_snapshot(), NOW).problems == ()


def test_a_rollout_still_progressing_is_raised_only_after_the_threshold():
    first = detect(None, seeded(), NOW)
    early = detect(seeded(), seeded(), NOW + timedelta(minutes=4), memory=first.memory)
    late = detect(seeded(), seeded(), NOW + timedelta(minutes=5), memory=early.memory)
    assert ("deployment_not_ready", "gemma-staging", "aks-northeurope-staging-1") not in {p.key for p in early.problems}
    assert [o.key for o in late.openings] == [("deployment_not_ready", "gemma-staging", "aks-northeurope-staging-1")]


def test_threshold_is_a_parameter():
    det = detect(None, seeded(), NOW)
    later = detect(seeded(), seeded(), NOW + timedelta(seconds=31), memory=det.memory, after=timedelta(seconds=30))
    assert len(later.openings) == 1


def test_an_open_problem_is_not_an_opening_twice():
    first = detect(None, seeded(), NOW)
    again = detect(seeded(), seeded(), NOW + timedelta(seconds=30), memory=first.memory)
    assert FAILED_KEY in {p.key for p in again.problems}
    assert FAILED_KEY not in {o.key for o in again.openings}


def test_recovery_when_ready_again():
    first = detect(None, seeded(), NOW)
    fixed = seeded()
    set_state(fixed, "coder-assist", SWEDEN, "Ready")
    det = detect(seeded(), fixed, NOW + timedelta(minutes=1), memory=first.memory)
    assert FAILED_KEY in det.recoveries
    assert resolved(*FAILED_KEY, fixed)


def test_still_failing_is_not_resolved():
    assert not resolved(*FAILED_KEY, seeded())


def test_many_deployments_going_at_once_on_one_cluster_make_one_summary():
    before = seeded()
    set_state(before, "coder-assist", SWEDEN, "Ready")
    after = seeded()
    for name in ("phi4-chat", "llama-support"):
        set_state(after, name, "aks-eastus-prod-1", "Failed", "node lost")
    set_state(after, "coder-assist", SWEDEN, "Ready")
    d = after.deployment("mistral-eu")
    assert d is not None
    d.clusters = d.clusters + ["aks-eastus-prod-1"]
    set_state(after, "mistral-eu", "aks-eastus-prod-1", "Failed", "node lost")
    memory = detect(None, before, NOW).memory
    det = detect(before, after, NOW + timedelta(minutes=10), memory=memory, after=timedelta(0))
    east = [p for p in det.problems if p.cluster == "aks-eastus-prod-1"]
    assert [(p.kind, sorted(p.deployments)) for p in east] == [
        ("cluster_degraded", ["llama-support", "mistral-eu", "phi4-chat"])]


def test_two_at_once_stay_separate():
    after = seeded()
    for name in ("phi4-chat", "llama-support"):
        set_state(after, name, "aks-eastus-prod-1", "Failed", "node lost")
    det = detect(seeded(), after, NOW, memory=Memory(), after=timedelta(0))
    kinds = sorted(p.kind for p in det.problems if p.cluster == "aks-eastus-prod-1")
    assert kinds == ["deployment_not_ready", "deployment_not_ready"]


def test_a_cluster_with_deployments_and_a_stale_heartbeat_is_one_incident_with_its_age():
    snap = seeded()
    c = snap.cluster(SWEDEN)
    assert c is not None
    c.heartbeat_age_seconds, c.eligible = 600.0, False
    c.ineligible_reason = "heartbeat 10 min old (KubeFleet's limit is 5 min)"
    det = detect(None, snap, NOW)
    on_sweden = [p for p in det.problems if p.cluster == SWEDEN]
    assert [(p.kind, p.deployments) for p in on_sweden] == [("cluster_ineligible", ("coder-assist",))]
    assert "heartbeat 10 min old" in on_sweden[0].what


def test_a_stale_cluster_without_deployments_is_no_incident():
    # aks-southcentralus-prod-1's heartbeat is 42 min old in the demo fleet, but it holds nothing
    assert all(p.cluster != "aks-southcentralus-prod-1" for p in detect(None, seeded(), NOW).problems)


def test_a_cordon_is_not_an_incident():
    snap = seeded()
    c = snap.cluster("aks-eastus-prod-2")
    assert c is not None
    c.taints, c.eligible, c.ineligible_reason = [Taint(key="fleetops.dev/cordoned", value="maintenance")], False, "tainted"
    assert all(p.cluster != "aks-eastus-prod-2" for p in detect(None, snap, NOW).problems)


def test_a_cluster_that_left_the_fleet_while_holding_deployments():
    snap = seeded()
    snap.clusters = [c for c in snap.clusters if c.name != SWEDEN]
    det = detect(seeded(), snap, NOW, memory=detect(None, seeded(), NOW).memory)
    left = [p for p in det.problems if p.cluster == SWEDEN]
    assert [(p.kind, p.deployments) for p in left] == [("cluster_left", ("coder-assist",))]
    assert FAILED_KEY in det.recoveries  # the cluster-wide incident covers the deployment's
