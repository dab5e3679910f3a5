"""Fixtures for the end-to-end examples of issue 10: ``fleetops chat``'s pipeline on a fresh demo fleet, and the
Slack app (``fleetops serve``'s HTTP server) against tests/slack/fake_slack.py with signed requests."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.e2e_intent.changes_cases", "tests.e2e_intent.e2e_helpers")

SLACK_TESTS = str(Path(__file__).resolve().parents[1] / "slack")
if SLACK_TESTS not in sys.path:
    sys.path.insert(0, SLACK_TESTS)


@pytest.fixture(scope="module")
def chat(tmp_path_factory) -> Iterator[object]:
    """A ``ChatSession`` on one fresh demo fleet for the module (the pipeline as ``fleetops chat`` builds it)."""
    from tests.e2e_intent.e2e_helpers import ChatSession

    with ChatSession.start(tmp_path_factory.mktemp("chat")) as session:
        yield session


@pytest.fixture(scope="module")
def slack(tmp_path_factory) -> Iterator[object]:
    """A ``SlackSession``: the Slack app on one fresh demo fleet for the module, and the fake Slack API."""
    from tests.e2e_intent.e2e_helpers import SlackSession

    with SlackSession.start(tmp_path_factory.mktemp("slack")) as session:
        yield session
