"""Fixtures for the end-to-end checks of issue 14 (staged rollouts, "Done when"): ``fleetops chat``'s pipeline and
the Slack app (signed requests against tests/slack/fake_slack.py), each on a fresh demo fleet (ready delay 0)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.e2e_staged.staged_sessions")

SLACK_TESTS = str(Path(__file__).resolve().parents[1] / "slack")
if SLACK_TESTS not in sys.path:
    sys.path.insert(0, SLACK_TESTS)
