"""Fixtures for the freeze flows: a private demo fleet per module and Pipelines on SQLite files in tmp_path with
the real offline interpreter (like tests/pipeline); the Slack helpers of tests/slack for the Slack flow."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from audit.store import open_store
from bot.app import make_interpreter, vocabulary_source
from bot.pipeline import Pipeline
from bot.policy import default_policy
from bot.settings import Settings
from tools.embedded import EmbeddedFleet
from tools.fleet.adapter import Fleet

SLACK_TESTS = str(Path(__file__).resolve().parents[1] / "slack")  # fake_slack, slack_env, slack_client
if SLACK_TESTS not in sys.path:
    sys.path.insert(0, SLACK_TESTS)


@pytest.fixture(scope="module")
def own():
    emb = EmbeddedFleet().start()
    emb.wait_idle()
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")
    fleet.embedded = emb
    yield emb, fleet
    fleet.close()
    emb.stop()


@pytest.fixture(scope="session")
def interpreter():
    return make_interpreter(Settings(llm="offline"))


@pytest.fixture
def make_pipeline(own, interpreter, tmp_path):
    stores = []

    def make(policy=None, clock=None, db: Path | None = None) -> Pipeline:
        store = open_store(db or tmp_path / "fleetops.db")
        stores.append(store)
        pipe = Pipeline(store, own[1], interpreter, policy or default_policy(), rollout_timeout=20.0,
                        clock=clock, vocabulary=vocabulary_source(own[1]))
        pipe.executor.poll = 0.05
        return pipe

    yield make
    for s in stores:
        s.close()
