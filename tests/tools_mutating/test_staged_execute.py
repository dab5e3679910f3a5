"""A staged model update executed on the embedded fleet: the run walks dev → staging → prod, a gate opens after
each stage only once the new Workspace serves there, approving it (status subresource, as `kubectl fleet
approve`) lets the next stage go, and the old copy leaves every cluster only at the end; a stopped run ends
the step with the stages done named; a staged rollback goes back stage by stage."""
from __future__ import annotations

import pytest

from tests.tools_mutating.mutating_helpers import assert_dry_run_accepts, plan_and_run, plan_manifests
from tests.tools_mutating.staged_helpers import Gatekeeper, members_with
from tests.tools_mutating.staged_helpers import approve as _approve
from tools import runner
from tools.args import DeployArgs, RollbackArgs
from tools.executor import Executor

DEV, STAGING, PROD = "aks-centralindia-dev-1", "aks-westus3-staging-1", "aks-eastus-prod-1"
THREE = [DEV, STAGING, PROD]
NS = "mistral-all"


@pytest.fixture
def deployed(fresh):
    emb, fleet = fresh
    _, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(model="mistral-7b-instruct", name="mistral-all",
                                                                clusters=THREE))
    assert out.status == "succeeded", out.message
    return emb, fleet


def _staged_update(fleet):
    return runner.plan("deploy", DeployArgs(name="mistral-all", model="ministral-3-8b-instruct",
                                            stages=["dev", "staging", "prod"]), fleet)


def test_a_staged_update_walks_the_stages_with_a_gate_after_dev_and_staging(deployed):
    _emb, fleet = deployed
    keeper = Gatekeeper(fleet, _staged_update(fleet), _approve)
    out = keeper.run()
    assert out.status == "succeeded", out.message
    assert [g[0] for g in keeper.at_gates] == ["dev", "staging"]


def test_the_new_copy_serves_beside_the_old_one_stage_by_stage(deployed):
    _emb, fleet = deployed
    keeper = Gatekeeper(fleet, _staged_update(fleet), _approve)
    keeper.run()
    assert keeper.at_gates == [("dev", [DEV], sorted(THREE)), ("staging", sorted([DEV, STAGING]), sorted(THREE))]


def test_after_a_staged_update_only_the_new_copy_runs_everywhere(deployed):
    emb, fleet = deployed
    Gatekeeper(fleet, _staged_update(fleet), _approve).run()
    emb.wait_idle()
    assert (members_with(fleet, "mistral-all-r2"), members_with(fleet, "mistral-all-r1")) == (sorted(THREE), [])


def _stop(fleet, gate) -> None:
    fleet.stop_run(gate["run"], "rejected by U0BOB: latency regressed")


def test_a_stopped_run_fails_the_step_and_says_which_stages_were_rolled(deployed):
    _emb, fleet = deployed
    out = Gatekeeper(fleet, _staged_update(fleet), _stop).run()
    assert out.status == "failed"
    assert "stopped at the gate after stage dev: rejected by U0BOB: latency regressed. Stages done: dev;" in out.message


def test_a_staged_rollback_after_a_stopped_run_takes_dev_back(deployed):
    emb, fleet = deployed
    Gatekeeper(fleet, _staged_update(fleet), _stop).run()
    back = runner.plan("rollback", RollbackArgs(deployment="mistral-all", stages=["dev", "staging", "prod"]), fleet)
    out = Gatekeeper(fleet, back, _approve).run()
    emb.wait_idle()
    assert out.status == "succeeded", out.message
    assert (members_with(fleet, "mistral-all-r2"), members_with(fleet, "mistral-all-r1")) == ([], sorted(THREE))


def test_a_staged_rollback_after_a_finished_update_brings_the_old_copy_back_beside_the_new_one_first(deployed):
    emb, fleet = deployed
    Gatekeeper(fleet, _staged_update(fleet), _approve).run()
    back = runner.plan("rollback", RollbackArgs(deployment="mistral-all", stages=["dev", "staging", "prod"]), fleet)
    seen: list = []

    def check(fleet, gate):
        seen.append((gate["stage"], members_with(fleet, "mistral-all-r1"), members_with(fleet, "mistral-all-r2")))
        _approve(fleet, gate)

    out = Gatekeeper(fleet, back, check).run()
    emb.wait_idle()
    assert out.status == "succeeded", out.message
    assert seen[0] == ("dev", [DEV], sorted(THREE))  # old copy back on dev; the new one still serves everywhere
    assert (members_with(fleet, "mistral-all-r2"), members_with(fleet, "mistral-all-r1")) == ([], sorted(THREE))


def test_after_a_crash_a_staged_rollout_waits_for_a_person_and_finish_follows_the_same_run_on(deployed):
    _emb, fleet = deployed
    plan = _staged_update(fleet)
    ex = Executor(fleet, timeout=300, poll=0.05)
    upto = next(i for i, s in enumerate(plan.steps) if s.kind == "run_stages")
    ex.prepare(plan)
    ex.write_intent(plan, "7")
    for i, step in enumerate(plan.steps[:upto]):  # crashed right after creating the run
        assert ex._run(step, i, lambda e: None, {}, {})[0]
    status, why = ex.reconcile(plan)
    assert status == "attention" and "Finish resumes following it" in why
    events: list = []

    def on_event(ev):
        events.append(ev)
        if ev.kind == "gate":
            _approve(fleet, ev.gate)
    out = ex.resolve(plan, "7", "finish", on_event=on_event)
    assert out.status == "succeeded", out.message
    assert fleet.update_runs("mistral-all") == ["mistral-all-run-1", "mistral-all-run-2"]  # the same run, followed on


def test_a_new_deployment_rolled_out_in_stages_serves_everywhere_after_its_gates(fresh):
    emb, fleet = fresh
    plan = runner.plan("deploy", DeployArgs(model="mistral-7b-instruct", name="staged-new", clusters=THREE,
                                            stages=["dev", "staging", "prod"]), fleet)
    keeper = Gatekeeper(fleet, plan, _approve)
    out = keeper.run()
    emb.wait_idle()
    assert out.status == "succeeded", out.message
    assert members_with(fleet, "staged-new-r1", ns="staged-new") == sorted(THREE)


def test_every_object_a_staged_plan_writes_is_valid_against_the_crds(deployed):
    _emb, fleet = deployed
    plan = _staged_update(fleet)
    kinds = {m["kind"] for m in plan_manifests(plan)}
    assert {"ClusterResourcePlacement", "ClusterStagedUpdateStrategy", "ClusterStagedUpdateRun", "Workspace"} <= kinds
    assert assert_dry_run_accepts(fleet, plan) == len(plan_manifests(plan))
