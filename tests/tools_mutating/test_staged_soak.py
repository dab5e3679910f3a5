"""A soak between the stages of a staged rollout (``deploy``/``rollback`` with ``soak``): the argument is a bounded
duration that needs stages, the plan says "a soak of 10m, then a gate" after every stage but the last, the
strategy puts a TimedWait before each Approval (valid against the real CRD), plans without a soak hash as before,
and on the embedded fleet the gate opens only once the soak elapsed, with the soak reported while it lasts."""
from __future__ import annotations

import re

import pytest
import yaml
from pydantic import ValidationError

from tests.tools_mutating.mutating_helpers import assert_dry_run_accepts, plan_and_run
from tests.tools_mutating.staged_helpers import Gatekeeper
from tests.tools_mutating.staged_helpers import approve as _approve
from tools import deploy, rollback, runner, staged, staged_run
from tools.args import DeployArgs, RollbackArgs
from tools.fleet import conventions as cv
from tools.fleet.models import Deployment
from tools.plan import Plan

DEV, STAGING, PROD = "aks-centralindia-dev-1", "aks-westus3-staging-1", "aks-eastus-prod-1"
THREE = [DEV, STAGING, PROD]
OLD, NEW = "mistral-7b-instruct", "ministral-3-8b-instruct"
STAGES = ["dev", "staging", "prod"]
CRD = "../shared/crds/kubefleet/placement.kubernetes-fleet.io_clusterstagedupdatestrategies.yaml"


# --- the argument -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("said", "wait"), [("10m", "10m"), ("1h", "1h"), ("90s", "1m30s"), ("10 minutes", "10m"),
                                            ("1h30m", "1h30m"), ("1.5h", "1h30m"), ("24h", "24h")])
def test_a_soak_becomes_a_kubefleet_wait_time(said, wait):
    assert DeployArgs(name="mistral-all", stages=STAGES, soak=said).soak == wait


@pytest.mark.parametrize(("said", "why"), [("0s", "not positive"), ("25h", "longer than 24h"),
                                           ("soon", "not a duration")])
def test_a_soak_that_is_no_positive_duration_of_at_most_a_day_is_refused(said, why):
    with pytest.raises(ValidationError, match=why):
        DeployArgs(name="mistral-all", stages=STAGES, soak=said)


def test_a_soak_without_stages_says_to_add_stages():
    with pytest.raises(ValidationError, match="add stages"):
        DeployArgs(name="mistral-all", model=NEW, soak="10m")


def test_a_rollback_soak_without_stages_says_to_add_stages():
    with pytest.raises(ValidationError, match="add stages"):
        RollbackArgs(deployment="mistral-all", soak="10m")


# --- the plan ---------------------------------------------------------------------------------------
def _with(snapshot, catalog):
    """The demo snapshot plus mistral-all (OLD, revision 1) on dev, staging and prod."""
    made = deploy.plan(DeployArgs(model=OLD, name="mistral-all", clusters=THREE), snapshot, catalog)
    rev = made.revision
    dep = Deployment(name="mistral-all", model=OLD, instance_type=rev.instance_type, replicas=1, revision=1,
                     clusters=sorted(THREE), kaito_name="mistral-all-r1", kaito_kind="Workspace",
                     instance_types=dict(rev.instance_types),
                     revisions=[rev.model_copy(update={"manifests": made.manifests})],
                     resource_versions={"Namespace/mistral-all": "1", "ClusterResourcePlacement/mistral-all": "2"})
    return snapshot.model_copy(update={"deployments": [*snapshot.deployments, dep]})


def _update(snapshot, catalog, soak: str | None = "10m") -> Plan:
    args = DeployArgs.model_validate({"name": "mistral-all", "model": NEW, "stages": STAGES,
                                      **({"soak": soak} if soak else {})})
    return deploy.plan(args, _with(snapshot, catalog), catalog)


def _strategy(p: Plan) -> dict:
    return next(m for m in p.manifests if m["kind"] == "ClusterStagedUpdateStrategy")


def test_every_gated_stage_soaks_before_its_approval(snapshot, catalog):
    stages = _strategy(_update(snapshot, catalog))["spec"]["stages"]
    assert [s.get("afterStageTasks") for s in stages] == [
        [{"type": "TimedWait", "waitTime": "10m"}, {"type": "Approval"}],
        [{"type": "TimedWait", "waitTime": "10m"}, {"type": "Approval"}],
        None]  # the last stage: nothing follows it, no soak


def test_each_gate_line_says_the_soak_comes_first(snapshot, catalog):
    diff = _update(snapshot, catalog).diff
    assert "dev: aks-centralindia-dev-1; then a soak of 10m, then a gate: approval as for staging" in diff


def test_the_last_stage_line_has_no_soak(snapshot, catalog):
    line = next(x for x in _update(snapshot, catalog).diff.splitlines() if x.strip().startswith("3."))
    assert "soak" not in line


def test_the_summary_and_the_intent_name_the_soak(snapshot, catalog):
    p = _update(snapshot, catalog, "1h")
    assert ("a soak of 1h and then a gate after dev, staging" in p.summary,
            p.intent is not None and "soaking 1h after each stage" in p.intent.text) == (True, True)


def test_the_cleanup_run_of_a_soaked_update_neither_soaks_nor_gates(snapshot, catalog):
    p = _update(snapshot, catalog)
    cleanup = next(s.manifest for s in p.steps if s.manifest and s.manifest["kind"] == "ClusterStagedUpdateStrategy"
                   and s.manifest["metadata"]["name"].endswith("-cleanup"))
    assert [s.get("afterStageTasks") for s in cleanup["spec"]["stages"]] == [None, None, None]


def test_a_soak_changes_the_plan_hash(snapshot, catalog):
    assert _update(snapshot, catalog).hash != _update(snapshot, catalog, None).hash


def test_a_plan_without_soak_is_the_plan_it_was(snapshot, catalog):
    p = _update(snapshot, catalog, None)
    assert ("soak" not in p.diff, "soak" not in p.summary, "TimedWait" not in str(p.manifests)) == (True, True, True)


def test_a_staged_rollback_soaks_too(snapshot, catalog):
    snap = _with(snapshot, catalog)
    dep = snap.deployment("mistral-all")
    assert dep is not None
    r2 = dep.revisions[0].model_copy(update={"revision": 2, "model": NEW, "manifests": []})
    dep2 = dep.model_copy(update={"model": NEW, "revision": 2, "kaito_name": "mistral-all-r2",
                                  "revisions": [dep.revisions[0], r2]})
    snap = snap.model_copy(update={"deployments": [d for d in snap.deployments if d.name != "mistral-all"] + [dep2]})
    held = [{"metadata": {"name": f"s{i}", "labels": {cv.RESOURCE_INDEX_LABEL: str(i)}},
             "spec": {"selectedResources": [{"apiVersion": "kaito.sh/v1beta1", "kind": "Workspace",
                                             "metadata": {"name": n, "namespace": "mistral-all"}}]}}
            for i, n in ((0, "mistral-all-r1"), (1, "mistral-all-r2"))]
    p = rollback.plan(RollbackArgs(deployment="mistral-all", stages=STAGES, soak="30m"), snap, catalog,
                      live={"snapshots": held, "runs": []})
    assert _strategy(p)["spec"]["stages"][0]["afterStageTasks"] == [
        {"type": "TimedWait", "waitTime": "30m"}, {"type": "Approval"}]


def test_the_wait_time_matches_the_crd_pattern(snapshot, catalog):
    with open(CRD) as f:
        crd = yaml.safe_load(f)
    props = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    pattern = props["stages"]["items"]["properties"]["afterStageTasks"]["items"]["properties"]["waitTime"]["pattern"]
    for soak in ("10m", "90s", "1.5h", "24h"):
        p = _update(snapshot, catalog, soak)
        assert re.fullmatch(pattern, _strategy(p)["spec"]["stages"][0]["afterStageTasks"][0]["waitTime"])


# --- the follow loop, pure ----------------------------------------------------------------------------
def test_the_time_left_is_read_from_the_task_status_and_rounded_for_people():
    task = {"type": "TimedWait", "conditions": [{"type": "WaitTimeElapsed", "status": "False",
                                                 "message": "Waiting 7m12s more before the stage completes"}]}
    assert staged_run.soak_left(task) == "8m"


def test_a_task_status_without_time_left_says_none():
    assert staged_run.soak_left({"type": "TimedWait"}) is None


# --- on the embedded fleet ------------------------------------------------------------------------------
def test_a_soak_holds_each_gate_until_it_elapsed_then_lets_it_open(fresh):
    emb, fleet = fresh
    _, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(model=OLD, name="mistral-all", clusters=THREE))
    assert out.status == "succeeded", out.message
    emb.time_scale = 0.004  # 10m lasts 2.4 s
    plan = runner.plan("deploy", DeployArgs(name="mistral-all", model=NEW, stages=STAGES, soak="10m"), fleet)
    assert assert_dry_run_accepts(fleet, plan) > 0  # every object, the strategy with its TimedWait included
    seen: list[tuple[str, str, bool | None]] = []  # (event kind, stage, at a gate: its soak elapsed per the run)

    def decide(fleet, gate) -> None:
        _approve(fleet, gate)

    keeper = Gatekeeper(fleet, plan, decide)
    on_event = keeper.on_event

    def record(ev) -> None:
        if ev.kind == "gate":
            run = fleet.get(staged.run_ref(ev.gate["run"]))
            st = next(s for s in run["status"]["stagesStatus"] if s["stageName"] == ev.stage)
            asked = [g[1] for g in staged_run.open_gates(run) if g[0]["stageName"] == ev.stage]
            seen.append(("gate", ev.stage, bool(asked) and not staged_run.soaking(st)))
        elif ev.kind == "step" and re.search(r"soaking, \d+[hms]", ev.message or ""):
            seen.append(("soaking", ev.stage, None))
        on_event(ev)

    keeper.on_event = record  # type: ignore[method-assign]
    out = keeper.run()
    assert out.status == "succeeded", out.message
    assert seen == [("soaking", "dev", None), ("gate", "dev", True), ("soaking", "staging", None),
                    ("gate", "staging", True)]

