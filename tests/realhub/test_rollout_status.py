"""Rollout completion from the right status: a blue/green never removes the serving side while the
placement's per-cluster status still describes the old resource snapshot (issue 11), with and without
member contexts; progress never goes quiet; a timeout says what is on the hub."""
from __future__ import annotations

import re

import pytest

from tools import runner
from tools.args import DeployArgs, RollbackArgs
from tools.executor import Executor
from tools.fleet import conventions as cv
from tools.fleet import rollout
from tools.fleet.models import ObjectRef


def _index_holding(fleet, deployment: str, kind: str, name: str) -> int | None:
    snaps = fleet.hub.list("ClusterResourceSnapshot", None, f"{cv.PARENT_CRP_LABEL}={deployment}")
    return rollout.snapshot_index(snaps, fleet.hub.get(kind, name, deployment))


def _per_cluster(fleet, deployment: str) -> dict[str, dict]:
    crp = fleet.hub.get("ClusterResourcePlacement", deployment)
    return {ps["clusterName"]: ps for ps in crp["status"]["placementStatuses"] if ps.get("clusterName")}


@pytest.mark.parametrize("which", ["hub_only", "lagging"])
def test_blue_green_removes_old_side_only_after_status_is_for_new_snapshot(which, request):
    _emb, fleet = request.getfixturevalue(which)
    plan = runner.plan("rollback", RollbackArgs(deployment="coder-assist"), fleet)
    assert plan.strategy == "blue_green"
    new, old = cv.kaito_object_name("coder-assist", 4), cv.kaito_object_name("coder-assist", 3)
    seen: dict[str, object] = {}

    def on_event(ev) -> None:
        if ev.kind == "step" and ev.message.startswith("waiting for") and "wait" not in seen:
            seen["wait"] = _per_cluster(fleet, "coder-assist")  # right after the new side was applied
            seen["wait_index"] = _index_holding(fleet, "coder-assist", "Workspace", new)
        if ev.kind == "step" and ev.message == f"delete Workspace {old}":
            seen["delete"] = _per_cluster(fleet, "coder-assist")
            seen["delete_index"] = _index_holding(fleet, "coder-assist", "Workspace", new)
            seen["old_present"] = fleet.hub.get("Workspace", old, "coder-assist") is not None

    out = Executor(fleet, timeout=30, poll=0.05).apply(plan, on_event=on_event)
    assert out.status == "succeeded", out.message
    # the embedded hub lagged: when the wait began, the status still described the old snapshot
    want = seen["wait_index"]
    assert want is None or all(int(ps["observedResourceIndex"]) < want for ps in seen["wait"].values())
    # ... and the old side was deleted only once every cluster's status was for the new one, applied
    assert seen["old_present"] is True
    want = seen["delete_index"]
    assert want is not None
    for cluster in plan.clusters:
        ps = seen["delete"][cluster]
        assert int(ps["observedResourceIndex"]) >= want, cluster
        applied = next(c for c in ps["conditions"] if c["type"] == "Applied")
        assert applied["status"] == "True", cluster


def test_without_member_contexts_progress_says_readiness_is_the_hubs_view(hub_only):
    _emb, fleet = hub_only
    assert fleet.members == {}
    plan = runner.plan("deploy", DeployArgs(model="phi-4-mini", name="hubview", clusters=["aks-westus3-staging-1"]),
                       fleet)
    events: list = []
    out = Executor(fleet, timeout=30, poll=0.05).apply(plan, on_event=events.append)
    assert out.status == "succeeded", out.message
    assert any("readiness there is the hub's view" in e.message for e in events)
    final = out.clusters["aks-westus3-staging-1"]
    assert (final.state, final.reason) == ("Ready", rollout.HUB_VIEW)


def test_inventory_without_member_access_reports_the_hubs_view(hub_only):
    _emb, fleet = hub_only
    dep = fleet.get_deployment("mistral-eu")
    assert [(s.state, s.reason) for s in dep.states] == [("Ready", rollout.HUB_VIEW)]


def test_waiting_reports_each_cluster_at_a_steady_cadence_and_a_timed_out_create_is_undone(lagging):
    emb, fleet = lagging
    emb.faults.never_ready(deployment="stuck")
    clusters = ["aks-westus3-staging-1", "aks-northeurope-staging-1"]
    plan = runner.plan("deploy", DeployArgs(model="phi-4-mini", name="stuck", clusters=clusters), fleet)
    events: list = []
    out = Executor(fleet, timeout=2.5, poll=0.05, progress_every=0.25).apply(plan, on_event=events.append)
    assert out.status == "failed"
    line = re.compile(r"^(Pending|Progressing) \d+s, .+")
    for c in clusters:
        beats = [e for e in events if e.kind == "cluster" and e.cluster == c and line.match(e.message)]
        assert len(beats) >= 3, (c, [e.message for e in events if e.cluster == c])
    assert "stuck-r1 was not ready after 2s on aks-northeurope-staging-1, aks-westus3-staging-1" in out.message
    # a new deployment that failed is undone by default, and the message says so
    assert out.undone and "Undone: nothing of this change is left on the hub" in out.message
    assert fleet.get(ObjectRef("Namespace", "stuck")) is None
    assert fleet.get(ObjectRef("ClusterResourcePlacement", "stuck")) is None
    assert fleet.recorded_revisions("stuck") == []  # its intent record is dropped with it


def test_default_timeout_scales_with_model_size(catalog):
    from tools.executor import default_timeout

    small = next(m for m in catalog.models if m.weights_gib and m.weights_gib < 20)
    big = max((m for m in catalog.models if m.weights_gib), key=lambda m: m.weights_gib)
    assert default_timeout(small.preset, catalog) < default_timeout(big.preset, catalog)
    assert default_timeout(None, catalog) == 1800.0


def test_reconcile_sees_the_new_side_a_blue_green_created_before_a_crash(lagging):
    _emb, fleet = lagging
    plan = runner.plan("rollback", RollbackArgs(deployment="coder-assist"), fleet)
    first_apply = next(s for s in plan.steps if s.kind == "apply" and s.manifest["kind"] in ("Workspace",
                                                                                              "InferenceSet"))
    fleet.apply(first_apply.manifest)  # the executor got this far, then the process died
    status, why = Executor(fleet).reconcile(plan)
    assert status == "attention", why  # not "nothing of the plan reached the fleet"
