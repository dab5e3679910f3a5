"""Fixtures for the end-to-end checks of issue 13 ("Done when"): cordon / uncordon / drain / autoscale through
``fleetops chat``'s pipeline and through the Slack app (signed requests against tests/slack/fake_slack.py), each on
one fresh demo fleet per module (KAITO stand-in ready delay 0)."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.e2e_ops.ops_cases", "tests.e2e_ops.ops_sessions")

SLACK_TESTS = str(Path(__file__).resolve().parents[1] / "slack")
if SLACK_TESTS not in sys.path:
    sys.path.insert(0, SLACK_TESTS)


@pytest.fixture(scope="module")
def chat_ops(tmp_path_factory) -> Iterator[object]:
    """A ``ChatOps`` on one fresh demo fleet for the module (the pipeline as ``fleetops chat`` builds it)."""
    from tests.e2e_ops.ops_sessions import ChatOps

    with ChatOps.start(tmp_path_factory.mktemp("chat-ops")) as session:
        yield session


@pytest.fixture(scope="module")
def slack_ops(tmp_path_factory) -> Iterator[object]:
    """A ``SlackOps``: the Slack app on one fresh demo fleet for the module, and the fake Slack API."""
    from tests.e2e_ops.ops_sessions import SlackOps

    with SlackOps.start(tmp_path_factory.mktemp("slack-ops")) as session:
        yield session
