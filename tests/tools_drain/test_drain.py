"""drain_cluster on the embedded fleet through the real kubernetes client: one plan that cordons the cluster and
moves every deployment off it, blue/green per deployment, with per-deployment progress and outcomes; a deployment
with nowhere to go is named and left in place; refusals; a stale part stops the whole drain before any write.

Expectations come from demo-fleet.yaml (``demo_fleet_raw``), not from the code under test."""
from __future__ import annotations

import pytest

from tests.snapshot_from_yaml import demo_fleet_raw
from tests.tools_mutating.mutating_helpers import assert_dry_run_accepts, kaito_objects
from tools import drain_cluster, plan_text
from tools.context import ToolContext
from tools.errors import UnknownName
from tools.executor import Executor, StalePlan
from tools.fleet import conventions as cv

SWEDEN = "aks-swedencentral-prod-1"  # runs coder-assist only
STAGING = "aks-westus3-staging-1"  # runs gemma-staging, which already runs on the only other staging cluster
EAST = "aks-eastus-prod-1"  # runs llama-support and phi4-chat
JAPAN = "aks-japaneast-prod-1"  # cordoned by hand, runs nothing
SOUTH = "aks-southcentralus-prod-1"  # runs nothing, not cordoned


def _raw():
    return demo_fleet_raw()


def _env(cluster: str) -> str:
    return next(c["environment"] for c in _raw()["clusters"] if c["name"] == cluster)


def _dep(name: str) -> dict:
    return next(d for d in _raw()["deployments"] if d["name"] == name)


def _plan(fleet, **args):
    return drain_cluster.TOOL.handler(ToolContext(catalog=fleet.catalog, fleet=fleet), args)


def _taint_keys(fleet, cluster: str) -> list[str]:
    return [t["key"] for t in (fleet.hub.get("MemberCluster", cluster)["spec"].get("taints") or [])]


def test_drain_moves_coder_assist_to_a_prod_cluster_blue_green_and_cordons(fresh):
    emb, fleet = fresh
    coder = _dep("coder-assist")
    kept = next(c for c in coder["clusters"] if c != SWEDEN)
    plan = _plan(fleet, name=SWEDEN, reason="region outage")
    assert [(p.tool, p.deployment) for p in plan.parts] == [("cordon_cluster", ""), ("move", "coder-assist")]
    move = plan.parts[1]
    (new,) = [a.cluster for a in move.actions if a.action == "create"]
    assert _env(new) == "prod"
    assert new not in coder["clusters"]
    assert "prod" in plan.environments
    assert {SWEDEN, new, kept} <= set(plan.clusters)
    assert set(move.base) <= set(plan.base)  # the freshness check covers every part
    lines = plan_text.part_lines(plan)
    assert any(line.startswith("2. coder-assist: ") and new in line for line in lines)
    assert any(line.strip().startswith(f"add {new}: replaces {SWEDEN} (") for line in lines)  # the reason shown
    assert_dry_run_accepts(fleet, move)

    old_still_there: list[bool] = []
    events: list = []

    def watch(ev) -> None:  # runs in the executor: when the new copy is Ready, the drained one must still be there
        events.append(ev)
        if ev.kind == "cluster" and ev.cluster == new and ev.state == "Ready":
            old_still_there.append(bool(kaito_objects(fleet.members[SWEDEN], "coder-assist")))

    out = Executor(fleet, timeout=20.0, poll=0.05).apply(plan, on_event=watch, change_id="7", requester="U1")
    emb.wait_idle()
    assert out.status == "succeeded", out.message
    assert old_still_there and all(old_still_there)
    assert [(o.deployment, o.status) for o in out.parts] == [("", "succeeded"), ("coder-assist", "succeeded")]
    assert out.parts[1].revision == coder["revisions"][-1]["revision"] + 1
    assert cv.CORDON_TAINT_KEY in _taint_keys(fleet, SWEDEN)
    assert kaito_objects(fleet.members[SWEDEN], "coder-assist") == []
    assert sorted(fleet.snapshot().deployment("coder-assist").clusters) == sorted([kept, new])
    assert any(ev.deployment == "coder-assist" and ev.message.startswith("coder-assist: ") for ev in events)
    assert [ev.kind for ev in events if ev.kind in ("done", "failed")] == ["done"]  # only the whole drain ends
    assert "coder-assist" in out.message
    assert Executor(fleet).reconcile(plan)[0] == "succeeded"
    with pytest.raises(drain_cluster.NothingToDrain):  # cordoned and empty now
        _plan(fleet, name=SWEDEN)


def test_a_deployment_with_nowhere_to_go_is_named_and_left_in_place(fresh):
    emb, fleet = fresh
    gemma = _dep("gemma-staging")
    plan = _plan(fleet, name=STAGING)
    stuck = plan.parts[-1]
    assert (stuck.deployment, stuck.strategy) == ("gemma-staging", "noop")
    assert "gemma-staging" in plan.summary
    assert "gemma-staging" in plan.intent.text
    other = next(c for c in gemma["clusters"] if c != STAGING)
    assert other in stuck.summary  # the reason: it already runs on the other staging cluster
    assert any("gemma-staging" in line for line in plan_text.plan_lines(plan))
    out = Executor(fleet, timeout=20.0, poll=0.05).apply(plan)
    emb.wait_idle()
    assert out.status == "succeeded", out.message
    assert [(o.deployment, o.status) for o in out.parts] == [("", "succeeded"), ("gemma-staging", "noop")]
    assert cv.CORDON_TAINT_KEY in _taint_keys(fleet, STAGING)
    assert STAGING in fleet.snapshot().deployment("gemma-staging").clusters
    lines = plan_text.part_outcome_lines(plan, out.model_dump(mode="json"))
    assert lines[1].startswith("gemma-staging: left as it is, ")
    with pytest.raises(drain_cluster.NothingToDrain) as again:  # cordoned now, and gemma-staging still cannot move
        _plan(fleet, name=STAGING)
    assert "gemma-staging" in again.value.message


def test_a_failed_move_is_undone_and_named_and_the_other_deployments_still_move(fresh):
    emb, fleet = fresh
    plan = _plan(fleet, name=EAST)
    moves = {p.deployment: p for p in plan.parts if p.tool == "move"}
    assert sorted(moves) == sorted(d["name"] for d in _raw()["deployments"] if EAST in d["clusters"])
    llama_new = next(a.cluster for a in moves["llama-support"].actions if a.action == "create")
    emb.faults.fail(cluster=llama_new, deployment="llama-support", message="CUDA out of memory (injected)")
    out = Executor(fleet, timeout=20.0, poll=0.05).apply(plan)
    emb.wait_idle()
    by_dep = {o.deployment: o for o in out.parts}
    assert out.status == "failed"
    assert (by_dep["llama-support"].status, by_dep["llama-support"].undone) == ("failed", True)
    assert by_dep["phi4-chat"].status == "succeeded"
    assert "llama-support" in out.message and "CUDA out of memory" in out.message
    assert EAST in fleet.snapshot().deployment("llama-support").clusters  # still served where it was
    assert EAST not in fleet.snapshot().deployment("phi4-chat").clusters
    assert cv.CORDON_TAINT_KEY in _taint_keys(fleet, EAST)
    retry = _plan(fleet, name=EAST)  # already cordoned: a drain keeps the cordon and moves what is left
    assert [(p.tool, p.deployment) for p in retry.parts] == [("move", "llama-support")]
    assert "already cordoned" in retry.summary


def test_a_part_changed_after_planning_makes_the_whole_drain_stale_before_any_write(fresh):
    _, fleet = fresh
    plan = _plan(fleet, name=SWEDEN)
    fleet.hub.merge_patch("Namespace", "coder-assist", {"metadata": {"labels": {"example.com/touched": "yes"}}})
    with pytest.raises(StalePlan):
        Executor(fleet, timeout=20.0, poll=0.05).apply(plan)
    assert cv.CORDON_TAINT_KEY not in _taint_keys(fleet, SWEDEN)  # not even the cordon ran


def test_refusals_and_a_cluster_that_runs_nothing(demo):
    _, fleet = demo
    with pytest.raises(UnknownName) as e:
        _plan(fleet, name="aks-swedencentral-prod")
    assert SWEDEN in e.value.suggestions
    with pytest.raises(drain_cluster.NothingToDrain) as empty:
        _plan(fleet, name=JAPAN)
    assert JAPAN in empty.value.message and "nothing to drain" in empty.value.message
    only_cordon = _plan(fleet, name=SOUTH)
    assert [p.tool for p in only_cordon.parts] == ["cordon_cluster"]
    assert "runs no deployment" in only_cordon.summary


def test_the_plan_does_not_change_with_heartbeats_and_binds_its_parts(fresh):
    emb, fleet = fresh
    first = _plan(fleet, name=EAST, reason="maintenance")
    emb.heartbeat_round()
    emb.wait_idle()
    assert _plan(fleet, name=EAST, reason="maintenance").hash == first.hash
    altered = first.model_copy(deep=True)
    altered.parts[1].steps = []
    assert altered.compute_hash() != first.hash
