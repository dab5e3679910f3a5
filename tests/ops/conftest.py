"""The ops tests reuse the Slack tests' stand-ins (tests/slack/fake_slack.py, slack_client.py)."""
from __future__ import annotations

import sys
from pathlib import Path

_SLACK = str(Path(__file__).resolve().parents[1] / "slack")
if _SLACK not in sys.path:
    sys.path.insert(0, _SLACK)
