"""Changes without stages on a deployment rolled out in stages before (its placement is External, and KubeFleet
forbids going back): each is carried out through update runs without gates (``tools.staged_direct``), so what the
executor reports as done really reached the members. On the embedded fleet, end to end."""
from __future__ import annotations

import pytest

from tests.tools_mutating.mutating_helpers import assert_dry_run_accepts, plan_and_run
from tests.tools_mutating.staged_helpers import Gatekeeper, approve, members_with
from tools import runner
from tools.args import DeployArgs, MoveArgs, UndeployArgs
from tools.executor import Executor

DEV, STAGING, PROD = "aks-centralindia-dev-1", "aks-westus3-staging-1", "aks-eastus-prod-1"
THREE = [DEV, STAGING, PROD]


@pytest.fixture
def staged(fresh):
    """mistral-all on three environments, then updated in stages (its placement is External from then on)."""
    emb, fleet = fresh
    _, out, _ = plan_and_run(emb, fleet, "deploy", DeployArgs(model="mistral-7b-instruct", name="mistral-all",
                                                                clusters=THREE))
    assert out.status == "succeeded", out.message
    plan = runner.plan("deploy", DeployArgs(name="mistral-all", model="ministral-3-8b-instruct",
                                            stages=["dev", "staging", "prod"]), fleet)
    assert Gatekeeper(fleet, plan, approve).run().status == "succeeded"
    emb.wait_idle()
    return emb, fleet


def _run(fleet, plan):
    assert_dry_run_accepts(fleet, plan)
    return Executor(fleet, timeout=300, poll=0.05).apply(plan)


def test_a_plain_deploy_on_a_staged_deployment_reaches_every_member(staged):
    emb, fleet = staged
    plan = runner.plan("deploy", DeployArgs(name="mistral-all", model="mistral-7b-instruct"), fleet)
    out = _run(fleet, plan)
    emb.wait_idle()
    assert out.status == "succeeded", out.message
    assert (members_with(fleet, "mistral-all-r3"), members_with(fleet, "mistral-all-r2")) == (sorted(THREE), [])


def test_undeploy_from_one_cluster_of_a_staged_deployment_removes_it_there_only(staged):
    emb, fleet = staged
    out = _run(fleet, runner.plan("undeploy", UndeployArgs(deployment="mistral-all", clusters=[PROD]), fleet))
    emb.wait_idle()
    assert out.status == "succeeded", out.message
    assert members_with(fleet, "mistral-all-r2") == sorted([DEV, STAGING])


def test_undeploy_of_a_staged_deployment_removes_it_everywhere(staged):
    emb, fleet = staged
    out = _run(fleet, runner.plan("undeploy", UndeployArgs(deployment="mistral-all"), fleet))
    emb.wait_idle()
    assert out.status == "succeeded", out.message
    assert members_with(fleet, "mistral-all-r2") == []
    assert fleet.update_runs("mistral-all") == []  # its runs (and their approval requests) went with it


def test_a_move_of_a_staged_deployment_reaches_the_new_cluster_and_leaves_the_old_one(staged):
    emb, fleet = staged
    plan = runner.plan("move", MoveArgs(deployment="mistral-all", from_clusters=[PROD]), fleet)
    gained = sorted(set(plan.clusters) - set(THREE))
    assert gained, plan.summary
    out = _run(fleet, plan)
    emb.wait_idle()
    assert out.status == "succeeded", out.message
    assert members_with(fleet, "mistral-all-r2") == sorted([DEV, STAGING, *gained])
