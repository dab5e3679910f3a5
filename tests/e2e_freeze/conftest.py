"""Fixtures for the freeze flows: a private demo fleet per module and Pipelines on SQLite files in tmp_path with
the real offline interpreter (like tests/pipeline); the Slack helpers of tests/slack for the Slack flow."""
from __future__ import annotations

import sys
from pathlib import Path

# the pipeline tests' fixtures: a private demo fleet per module (own), the offline interpreter, make_pipeline
from tests.pipeline.conftest import interpreter, make_pipeline, own  # noqa: F401

SLACK_TESTS = str(Path(__file__).resolve().parents[1] / "slack")  # fake_slack, slack_env, slack_client
if SLACK_TESTS not in sys.path:
    sys.path.insert(0, SLACK_TESTS)
