"""Until staged rollouts are built, a request in stages is refused with nothing planned, never carried out as an
all-at-once change (which would do the opposite of what was asked: every environment at once)."""
from __future__ import annotations

import pytest

from tools import deploy, rollback
from tools.args import DeployArgs, RollbackArgs
from tools.errors import InvalidRequest


def test_a_deploy_in_stages_is_refused_and_says_nothing_changed(snapshot, catalog):
    args = DeployArgs(name="granite-dev", model="mistral-7b-instruct", stages=["dev", "staging", "prod"])
    with pytest.raises(InvalidRequest) as e:
        deploy.plan(args, snapshot, catalog)
    assert "dev, staging, prod" in str(e.value)
    assert "nothing was planned or changed" in str(e.value)


def test_a_rollback_in_stages_is_refused(snapshot, catalog):
    with pytest.raises(InvalidRequest) as e:
        rollback.plan(RollbackArgs(deployment="coder-assist", stages=["staging", "prod"]), snapshot, catalog)
    assert "nothing was planned or changed" in str(e.value)


def test_without_stages_the_same_rollback_plans(snapshot, catalog):
    assert rollback.plan(RollbackArgs(deployment="coder-assist"), snapshot, catalog).tool == "rollback"
