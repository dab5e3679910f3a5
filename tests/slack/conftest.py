"""Fixtures for the Slack tests (helpers live in slack_env.py)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_slack import FakeSlack
from slack_env import SlackEnv, slack_app


def _fake() -> FakeSlack:
    f = FakeSlack().start()
    f.usergroups = [{"id": "S0SRE", "handle": "sre-oncall", "name": "SRE on call", "users": ["U0GRACE", "U0BOB"]}]
    return f


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    f = _fake()
    yield f
    f.stop()


@pytest.fixture
def env(fake, tmp_path) -> Iterator[SlackEnv]:
    with slack_app(fake, tmp_path) as e:
        yield e


@pytest.fixture(scope="module")
def quiet_env(tmp_path_factory) -> Iterator[SlackEnv]:
    """One app for a whole module whose tests must not cause any work (e.g. refused requests)."""
    f = _fake()
    try:
        with slack_app(f, tmp_path_factory.mktemp("slack")) as e:
            yield e
    finally:
        f.stop()
