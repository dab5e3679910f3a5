"""Staged plans (``deploy``/``rollback`` with ``stages``), pure: stages in order with their clusters, the gates
between them, empty stages said plainly, the KubeFleet objects written, and the snapshot a staged rollback
is pinned to. The fleet is the demo fleet's YAML plus a deployment built here."""
from __future__ import annotations

import pytest

from tools import deploy, rollback, staged
from tools.args import DeployArgs, RollbackArgs
from tools.errors import InvalidRequest
from tools.fleet import conventions as cv
from tools.fleet.models import Deployment, Revision

DEV, STAGING, PROD = "aks-centralindia-dev-1", "aks-westus3-staging-1", "aks-eastus-prod-1"
THREE = [DEV, STAGING, PROD]
OLD, NEW = "mistral-7b-instruct", "ministral-3-8b-instruct"


def _with(snapshot, catalog, clusters=THREE):
    """The demo snapshot plus mistral-all (OLD, revision 1) on ``clusters``."""
    made = deploy.plan(DeployArgs(model=OLD, name="mistral-all", clusters=clusters), snapshot, catalog)
    rev = made.revision
    dep = Deployment(name="mistral-all", model=OLD, instance_type=rev.instance_type, replicas=1, revision=1,
                     clusters=sorted(clusters), kaito_name="mistral-all-r1", kaito_kind="Workspace",
                     instance_types=dict(rev.instance_types),
                     revisions=[rev.model_copy(update={"manifests": made.manifests})],
                     resource_versions={"Namespace/mistral-all": "1", "ClusterResourcePlacement/mistral-all": "2"})
    return snapshot.model_copy(update={"deployments": [*snapshot.deployments, dep]}), made


def _update(snapshot, catalog, stages, clusters=THREE):
    snap, _ = _with(snapshot, catalog, clusters)
    return deploy.plan(DeployArgs(name="mistral-all", model=NEW, stages=stages), snap, catalog)


def test_stages_are_in_the_order_asked_with_the_clusters_of_their_environment(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    assert [(s.environment, s.clusters) for s in p.stages] == [("dev", [DEV]), ("staging", [STAGING]),
                                                                ("prod", [PROD])]


def test_a_gate_follows_every_stage_but_the_last_and_names_the_next_environment(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    assert [(s.gate, s.gate_env) for s in p.stages] == [(True, "staging"), (True, "prod"), (False, None)]


def test_the_change_covers_every_environment_so_policy_takes_the_strictest(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    assert p.environments == ["dev", "prod", "staging"]


def test_the_strategy_has_one_labelled_stage_per_environment_with_approvals_between(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    strat = next(m for m in p.manifests if m["kind"] == "ClusterStagedUpdateStrategy")
    assert strat["spec"]["stages"] == [
        {"name": "dev", "labelSelector": {"matchLabels": {cv.LABELS["environment"]: "dev"}},
         "afterStageTasks": [{"type": "Approval"}]},
        {"name": "staging", "labelSelector": {"matchLabels": {cv.LABELS["environment"]: "staging"}},
         "afterStageTasks": [{"type": "Approval"}]},
        {"name": "prod", "labelSelector": {"matchLabels": {cv.LABELS["environment"]: "prod"}}}]


def test_the_placement_becomes_external(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    crp = next(m for m in p.manifests if m["kind"] == "ClusterResourcePlacement")
    assert crp["spec"]["strategy"] == {"type": "External"}


def test_the_run_is_created_running_on_the_placement_with_the_gated_strategy(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    first = next(s.manifest for s in p.steps if s.manifest and s.manifest["kind"] == "ClusterStagedUpdateRun")
    assert first["spec"] == {"placementName": "mistral-all", "stagedRolloutStrategyName": "mistral-all-stages",
                             "state": "Run"}


def test_a_model_update_adds_the_new_object_before_the_run_and_removes_the_old_only_after_it(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    kinds = [(s.kind, (s.manifest or {}).get("kind") or (s.ref.kind if s.ref else None),
              (s.manifest or {}).get("metadata", {}).get("name") or (s.ref.name if s.ref else None)) for s in p.steps]
    new_at = kinds.index(("apply", "Workspace", "mistral-all-r2"))
    first_run = kinds.index(("run_stages", "Workspace", "mistral-all-r2"))
    old_gone = kinds.index(("delete", "Workspace", "mistral-all-r1"))
    assert new_at < first_run < old_gone


def test_the_old_copy_goes_through_a_second_run_without_gates(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    runs = [s.manifest for s in p.steps if s.manifest and s.manifest["kind"] == "ClusterStagedUpdateRun"]
    assert [r["spec"]["stagedRolloutStrategyName"] for r in runs] == ["mistral-all-stages",
                                                                     "mistral-all-stages-cleanup"]


def test_the_plan_says_each_stage_and_its_gate(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    assert f"1. dev: {DEV}; then a gate: approval as for staging" in p.diff


def test_each_cluster_line_names_its_stage(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    assert {a.cluster: a.detail.split(":")[0] for a in p.actions} == {
        DEV: "stage dev", STAGING: "stage staging", PROD: "stage prod"}


def test_an_empty_stage_is_shown_and_said_plainly(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"], clusters=[DEV, PROD])
    assert "stage staging: no cluster of mistral-all is in staging" in p.diff


def test_an_empty_stage_has_no_gate_and_no_strategy_stage(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"], clusters=[DEV, PROD])
    strat = next(m for m in p.manifests if m["kind"] == "ClusterStagedUpdateStrategy")
    assert [s["name"] for s in strat["spec"]["stages"]] == ["dev", "prod"]


def test_the_gate_after_an_empty_stage_goes_to_the_next_stage_with_clusters(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"], clusters=[DEV, PROD])
    assert p.stages[0].gate_env == "prod"


def test_a_cluster_in_no_stage_is_refused_with_its_environment(snapshot, catalog):
    with pytest.raises(InvalidRequest, match=r"aks-eastus-prod-1 \(prod\), which no stage covers"):
        _update(snapshot, catalog, ["dev", "staging"])


def test_the_intent_names_the_stages(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    assert p.intent is not None and p.intent.text.endswith("in stages dev → staging → prod")


def _snap(index: int, names: list[str]) -> dict:
    return {"metadata": {"name": f"mistral-all-{index}-snapshot",
                         "labels": {cv.RESOURCE_INDEX_LABEL: str(index), cv.PARENT_CRP_LABEL: "mistral-all"}},
            "spec": {"selectedResources": [
                {"apiVersion": "kaito.sh/v1beta1", "kind": "Workspace",
                 "metadata": {"name": n, "namespace": "mistral-all"}, "resource": {"instanceType": "x"}}
                for n in names]}}


def _after_update(snapshot, catalog):
    """mistral-all at revision 2 (mistral-all-r2), revision 1 recorded."""
    snap, _made = _with(snapshot, catalog)
    dep = snap.deployment("mistral-all")
    r2 = dep.revisions[0].model_copy(update={"revision": 2, "model": NEW, "manifests": []})
    dep2 = dep.model_copy(update={"model": NEW, "revision": 2, "kaito_name": "mistral-all-r2",
                                  "revisions": [dep.revisions[0], r2]})
    return snap.model_copy(update={"deployments": [d for d in snap.deployments if d.name != "mistral-all"] + [dep2]})


def _back(snapshot, catalog, snaps):
    snap = _after_update(snapshot, catalog)
    return rollback.plan(RollbackArgs(deployment="mistral-all", stages=["dev", "staging", "prod"]), snap, catalog,
                         live={"snapshots": snaps, "runs": ["mistral-all-run-1", "mistral-all-run-2"]})


def _pinned(p) -> list[str | None]:
    return [s.manifest["spec"].get("resourceSnapshotIndex") for s in p.steps
            if s.manifest and s.manifest["kind"] == "ClusterStagedUpdateRun"]


def test_a_staged_rollback_after_a_finished_update_pins_the_snapshot_holding_both_copies(snapshot, catalog):
    p = _back(snapshot, catalog, [_snap(0, ["mistral-all-r1"]), _snap(1, ["mistral-all-r1", "mistral-all-r2"]),
                                  _snap(2, ["mistral-all-r2"])])
    assert _pinned(p) == ["1", None]  # back beside the current copy, then a cleanup run removes it


def test_a_staged_rollback_after_a_stopped_update_pins_the_snapshot_before_it(snapshot, catalog):
    p = _back(snapshot, catalog, [_snap(0, ["mistral-all-r1"]), _snap(1, ["mistral-all-r1", "mistral-all-r2"])])
    assert _pinned(p) == ["0"]


def test_a_staged_rollback_names_the_snapshot_index_in_the_plan(snapshot, catalog):
    p = _back(snapshot, catalog, [_snap(0, ["mistral-all-r1"]), _snap(1, ["mistral-all-r1", "mistral-all-r2"])])
    assert "pinned to resource snapshot index 0 (holds mistral-all-r1, revision 1" in p.diff


def test_a_staged_rollback_uses_new_run_names(snapshot, catalog):
    p = _back(snapshot, catalog, [_snap(0, ["mistral-all-r1"]), _snap(1, ["mistral-all-r1", "mistral-all-r2"])])
    assert [s.ref.name for s in p.steps if s.kind == "run_stages" and s.ref] == ["mistral-all-run-3"]


def test_a_staged_rollback_to_a_snapshot_no_longer_kept_is_refused_with_the_kept_ones(snapshot, catalog):
    with pytest.raises(InvalidRequest, match=r"No earlier resource snapshot of mistral-all holds mistral-all-r1 "
                                             r"any more \(KubeFleet keeps indices 5, 6\)"):
        _back(snapshot, catalog, [_snap(5, ["mistral-all-r2"]), _snap(6, ["mistral-all-r2"])])


def test_stage_names_are_what_kubefleet_accepts():
    assert staged.stage_name("Pre-Prod") == "preprod"


def test_staged_plans_hash_their_stages(snapshot, catalog):
    p = _update(snapshot, catalog, ["dev", "staging", "prod"])
    q = p.model_copy(deep=True)
    q.stages[0].gate = False
    assert q.compute_hash() != p.hash


def test_plans_without_stages_hash_as_before():
    from tools.plan import Plan
    p = Plan(tool="deploy", args={}, deployment="x", strategy="noop", summary="")
    assert "stages" not in p.content()


def test_revision_kaito_name_comes_from_its_manifests():
    rev = Revision(revision=3, model=OLD, instance_type="x", manifests=[
        {"kind": "Workspace", "metadata": {"name": "mistral-all-r1"}}])
    assert staged.kaito_name_of(rev, "mistral-all") == "mistral-all-r1"


def _external_plain(snapshot, catalog):
    snap, _made = _with(snapshot, catalog)
    crp = {"spec": {"strategy": {"type": "External"}, "policy": {"placementType": "PickFixed",
                                                                 "clusterNames": sorted(THREE)}}}
    return deploy.plan(DeployArgs(name="mistral-all", model=NEW), snap, catalog, live={"crp": crp, "runs": ["mistral-all-run-1"]})


def test_a_change_without_stages_of_a_deployment_rolled_in_stages_says_it_rolls_through_a_gate_less_run(
        snapshot, catalog):
    p = _external_plain(snapshot, catalog)
    assert "rolls out through update runs mistral-all-run-2, mistral-all-run-3 (strategy mistral-all-stages-cleanup: " \
        "stages dev → staging → prod, no gates)" in p.diff


def test_a_change_without_stages_of_an_external_placement_keeps_it_external_and_runs_before_each_wait(
        snapshot, catalog):
    p = _external_plain(snapshot, catalog)
    placements = [m for m in p.manifests if m["kind"] == "ClusterResourcePlacement"]
    assert placements and {m["spec"]["strategy"]["type"] for m in placements} == {"External"}
    kinds = [s.kind for s in p.steps]
    assert all(kinds[i - 1] == "run_stages" for i, k in enumerate(kinds) if k in ("wait_ready", "wait_absent"))


def test_a_new_deployment_in_stages_gets_its_external_placement_first_and_rolls_through_one_run(snapshot, catalog):
    p = deploy.plan(DeployArgs(model=OLD, name="fresh-one", clusters=THREE, stages=["dev", "staging", "prod"]),
                    snapshot, catalog)
    assert (p.steps[0].manifest or {})["kind"] == "ClusterResourcePlacement"
    assert [s.kind for s in p.steps].count("run_stages") == 1
