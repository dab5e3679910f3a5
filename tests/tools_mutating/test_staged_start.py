"""Starting a staged update run (``tools.staged_run.start``) on the embedded fleet: KubeFleet validates a run once,
when it initializes it, and a failed validation is final. So fleetops creates the run only once the placement is
scheduled on the plan's clusters, and a run that failed to initialize ends the step at once with KubeFleet's
reason (never a wait of the executor's whole limit for a run that will never move)."""
from __future__ import annotations

from tests.tools_mutating.mutating_helpers import plan_and_run
from tools import runner, staged
from tools.args import DeployArgs
from tools.executor import Executor
from tools.plan import Step

DEV, STAGING, PROD = "aks-centralindia-dev-1", "aks-westus3-staging-1", "aks-eastus-prod-1"
THREE = [DEV, STAGING, PROD]


def test_a_run_that_fails_to_initialize_ends_the_step_at_once_with_kubefleets_reason(fresh):
    emb, fleet = fresh
    _, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(model="mistral-7b-instruct", name="plain",
                                                                clusters=[DEV]))
    assert out.status == "succeeded", out.message
    fleet.apply(staged.run("plain", "plain-run-1", "plain-stages"))  # its placement rolls out by itself
    ok, why = Executor(fleet, timeout=300, poll=0.05)._run(
        Step(kind="run_stages", ref=staged.run_ref("plain-run-1")), 0, lambda e: None, {}, {})
    assert not ok
    assert "could not initialize it" in why and "external rollout strategy" in why


def test_a_run_is_not_created_while_its_placement_is_not_scheduled_on_every_cluster_of_the_plan(fresh):
    emb, fleet = fresh
    plan = runner.plan("deploy", DeployArgs(model="mistral-7b-instruct", name="staged-new", clusters=THREE,
                                            stages=["dev", "staging", "prod"]), fleet)
    emb.faults.stop_heartbeat(PROD)  # KubeFleet will not schedule a new placement on it
    out = Executor(fleet, timeout=3, poll=0.05).apply(plan)
    assert out.status == "failed"
    assert f"staged-new was not scheduled on {', '.join(sorted(THREE))}" in out.message
    assert fleet.update_runs("staged-new") == []


def test_a_run_pinned_to_a_snapshot_without_the_plans_object_is_stopped_before_it_rolls_anything(fresh):
    emb, fleet = fresh
    _, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(model="mistral-7b-instruct", name="mistral-all",
                                                                clusters=THREE))
    assert out.status == "succeeded", out.message
    plan = runner.plan("deploy", DeployArgs(name="mistral-all", model="ministral-3-8b-instruct",
                                            stages=["dev", "staging", "prod"]), fleet)
    ex = Executor(fleet, timeout=300, poll=0.05)
    start = next(i for i, s in enumerate(plan.steps) if s.kind == "start_run")
    for i, step in enumerate(plan.steps[:start]):
        assert ex._run(step, i, lambda e: None, {}, {})[0]
    old = staged.run("mistral-all", "mistral-all-run-1", "mistral-all-stages", index=0)  # before the new object
    assert ex._run(Step(kind="start_run", manifest=old, clusters=THREE), start, lambda e: None, {}, {})[0]
    ok, why = ex._run(plan.steps[start + 1], start + 1, lambda e: None, {}, {})
    assert not ok
    assert "pinned resource snapshot index 0, which does not hold mistral-all-r2" in why
    assert (fleet.get(staged.run_ref("mistral-all-run-1")) or {})["spec"]["state"] == "Stop"
