"""``kill -9`` at every step of a create, an in-place update, a blue/green and an undeploy, then restart and
recover: each change ends in a true state (finished, undone, or attention with what is on the hub, which a
person then resolves), the deployment's revision is recorded (never claimed before it was carried out, never
"(no revisions recorded)"), and the audit chain verifies.

A step is a hub write: the child process (``crash_workers.change``) is killed right after its k-th write
landed, for every k from 1 to the number of writes the change makes when nothing kills it.
"""
from __future__ import annotations

import signal
from pathlib import Path

import pytest

from audit.models import ChangeRequest, ChangeState
from audit.store import open_store
from bot.app import vocabulary_source
from bot.identity import Actor
from bot.pipeline import Pipeline
from bot.policy import loads_policy
from tests.processes import children
from tests.realhub import crash_workers
from tools import get_deployment, recovery, runner
from tools.args import DeployArgs, UndeployArgs
from tools.executor import Executor
from tools.fleet.adapter import Fleet
from tools.plan import Plan

SPAWN = children()
POLICY = """
ttl: 4h
rules:
  "*":
    "*": {approvals: 0}
"""
DEV = "eks-us-west-2-dev-1"
SMALL, OTHER = "microsoft/Phi-3-mini-4k-instruct", "microsoft/Phi-3.5-mini-instruct"


def _tag(k: int) -> str:
    """Letters, not digits: the audit redactor masks plan-base keys like ``.../rev-crash-gone0`` as random
    tokens, which alters the stored plan (reported)."""
    return "-" + chr(ord("a") + k)
S = ChangeState


def _pipeline(fleet: Fleet, db: Path) -> Pipeline:
    pipe = Pipeline(open_store(db), fleet, None, loads_policy(POLICY), rollout_timeout=60.0,
                    vocabulary=vocabulary_source(fleet))
    pipe.executor.poll = 0.05
    return pipe


def _run(emb, db: Path, tool: str, args: dict, kill_at: int, counter: Path) -> int | None:
    child = SPAWN.Process(target=crash_workers.change, args=(
        str(emb.kubeconfig_path), emb.hub, str(db), POLICY, tool, args, kill_at, str(counter)))
    child.start()
    child.join(240)
    if child.is_alive():
        child.kill()
        child.join()
        raise AssertionError(f"{tool} killed after write {kill_at} did not finish")
    return child.exitcode


def _setup(fleet: Fleet, tool: str, args) -> None:  # type: ignore[no-untyped-def]
    out = Executor(fleet, timeout=60, poll=0.05).apply(runner.plan(tool, args, fleet))
    assert out.status == "succeeded", out.message


def _shown(fleet: Fleet, name: str) -> str | None:
    snap = fleet.snapshot()
    if snap.deployment(name) is None:
        return None
    return get_deployment.run(snap, {"name": name}).render()


def _true_state(fleet: Fleet, change: ChangeRequest, before) -> None:  # type: ignore[no-untyped-def]
    """The change's final state is what the hub and the revision record say."""
    plan = Plan.model_validate(change.plan)
    ex = Executor(fleet)
    records = {r.revision: r for r in fleet.recorded_revisions(plan.deployment)}
    mine = records.get(plan.revision.revision) if plan.revision else None
    if change.state == S.SUCCEEDED:
        assert all(ex._matches(m) for m in plan.manifests), change.reason
        assert all(fleet.get(d) is None for d in plan.deletes), change.reason
        assert mine is not None and mine.status is None and mine.change_id == change.id, change.reason
    else:
        assert change.state == S.FAILED, (change.state, change.reason)
        assert all(fleet.get(r) is None for r in recovery.created(plan)), change.reason  # nothing of it left
        assert mine is None or mine.change_id != change.id, change.reason  # its intent dropped
        now = fleet.get_deployment(plan.deployment)
        if before is None:
            assert now is None, change.reason
        else:
            assert now is not None, change.reason
            assert (now.revision, now.kaito_name, now.clusters, now.replicas, now.model) == \
                (before.revision, before.kaito_name, before.clusters, before.replicas, before.model), change.reason
    shown = _shown(fleet, plan.deployment)
    if shown is not None:
        assert "(no revisions recorded)" not in shown
        dep = fleet.get_deployment(plan.deployment)
        done = [r.revision for r in fleet.recorded_revisions(plan.deployment) if r.carried_out]
        assert dep is not None and done and dep.revision == done[-1], (dep and dep.revision, done)


def _crash_every_step(emb, fleet: Fleet, tmp_path: Path, tool: str, args_for, reset) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Run the change once unkilled (counting its writes), then once killed after each write; after each
    kill restart + recover and check the true state. Returns how often each final state was reached."""
    counter = tmp_path / f"{tool}-writes"
    reset(0)
    db0 = tmp_path / f"{tool}-0.db"
    _pipeline(fleet, db0).store.close()
    assert _run(emb, db0, tool, args_for(0), 0, counter) == 0
    total = int(counter.read_text())
    assert total >= 3, total
    seen: dict[str, int] = {}
    for k in range(1, total + 1):
        reset(k)
        emb.wait_idle()
        args = args_for(k)
        before = fleet.get_deployment(args.get("name") or args.get("deployment") or "")
        db = tmp_path / f"{tool}-{k}.db"
        _pipeline(fleet, db).store.close()
        assert _run(emb, db, tool, args, k, counter) == -signal.SIGKILL, k
        emb.wait_idle()
        pipe = _pipeline(fleet, db)  # the restarted bot
        try:
            pipe.changes.recover()
            (change,) = pipe.changes.list(limit=None)
            assert change.state in (S.SUCCEEDED, S.FAILED, S.ATTENTION), (k, change.state)
            seen[change.state.value] = seen.get(change.state.value, 0) + 1
            if change.state == S.ATTENTION:
                # exactly what is on the hub, and the way to resolve it; its revision is not claimed
                assert "On the hub now:" in change.reason and "resolve" in change.reason, change.reason
                plan = Plan.model_validate(change.plan)
                if plan.revision:
                    rec = {r.revision: r for r in fleet.recorded_revisions(plan.deployment)}[plan.revision.revision]
                    assert rec.status == "in_progress" and rec.change_id == change.id
                shown = _shown(fleet, plan.deployment)
                assert shown is None or "(no revisions recorded)" not in shown
                resolved = pipe.changes.resolve(change.id, Actor("U0ALICE"), "finish")
                assert isinstance(resolved, ChangeRequest) and resolved.state == S.SUCCEEDED, resolved
                change = resolved
            _true_state(fleet, change, before)
            assert pipe.changes.recover() == []  # a second restart finds nothing to do
            assert pipe.store.audit.verify().ok, k
        finally:
            pipe.store.close()
    return seen


@pytest.fixture
def fleet_(fresh):
    return fresh


def test_kill_at_every_step_of_a_create(fleet_, tmp_path):
    emb, fleet = fleet_

    def reset(k: int) -> None:  # the previous round's deployment goes, so that each round creates
        for d in fleet.list_deployments():
            if d.name.startswith("crash-new") and d.clusters:
                _setup(fleet, "undeploy", UndeployArgs(deployment=d.name))

    seen = _crash_every_step(emb, fleet, tmp_path, "deploy",
                             lambda k: {"model": SMALL, "name": f"crash-new{_tag(k)}", "clusters": [DEV]}, reset)
    assert sum(seen.values()) >= 3


def test_kill_at_every_step_of_an_in_place_update(fleet_, tmp_path):
    emb, fleet = fleet_
    _setup(fleet, "deploy", DeployArgs(model=SMALL, name="crash-scale", clusters=[DEV], replicas=2))

    def args_for(k: int) -> dict:  # the other size than now: every round is a real change
        now = fleet.get_deployment("crash-scale").replicas
        return {"name": "crash-scale", "replicas": 2 if now == 3 else 3}

    _crash_every_step(emb, fleet, tmp_path, "deploy", args_for, lambda k: None)


def test_kill_at_every_step_of_a_blue_green(fleet_, tmp_path):
    emb, fleet = fleet_
    _setup(fleet, "deploy", DeployArgs(model=SMALL, name="crash-bg", clusters=[DEV]))

    def args_for(k: int) -> dict:  # the other model than now: every round replaces the KAITO object
        now = fleet.get_deployment("crash-bg").model
        return {"name": "crash-bg", "model": OTHER if now == SMALL else SMALL}

    _crash_every_step(emb, fleet, tmp_path, "deploy", args_for, lambda k: None)
    dep = fleet.get_deployment("crash-bg")
    assert dep is not None and dep.other_kaito == []  # never two sides left behind


def test_kill_at_every_step_of_an_undeploy(fleet_, tmp_path):
    emb, fleet = fleet_

    def reset(k: int) -> None:
        _setup(fleet, "deploy", DeployArgs(model=SMALL, name=f"crash-gone{_tag(k)}", clusters=[DEV]))
        for d in fleet.list_deployments():  # what earlier rounds left (an undone undeploy) goes now
            if d.name.startswith("crash-gone") and d.name != f"crash-gone{_tag(k)}" and d.clusters:
                _setup(fleet, "undeploy", UndeployArgs(deployment=d.name))

    _crash_every_step(emb, fleet, tmp_path, "undeploy", lambda k: {"deployment": f"crash-gone{_tag(k)}"}, reset)
