"""Fixtures for issue 15's team checks: ``fleetops chat``'s pipeline and the Slack app (signed requests against
tests/slack/fake_slack.py), each on one fresh demo fleet per module, under the team policy (team_cases.E2E_POLICY)."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.e2e_teams.team_cases", "tests.e2e_teams.team_sessions")

SLACK_TESTS = str(Path(__file__).resolve().parents[1] / "slack")
if SLACK_TESTS not in sys.path:
    sys.path.insert(0, SLACK_TESTS)


@pytest.fixture(scope="module")
def team_chat(tmp_path_factory) -> Iterator[object]:
    from tests.e2e_teams.team_cases import E2E_POLICY
    from tests.e2e_teams.team_sessions import TeamChat

    with TeamChat.start_with(tmp_path_factory.mktemp("team-chat"), E2E_POLICY) as session:
        yield session


@pytest.fixture(scope="module")
def team_slack(tmp_path_factory) -> Iterator[object]:
    from tests.e2e_teams.team_cases import E2E_POLICY
    from tests.e2e_teams.team_sessions import TeamSlack

    with TeamSlack.start_with(tmp_path_factory.mktemp("team-slack"), E2E_POLICY) as session:
        yield session
