"""The incident tests use the Slack test helpers (fake Slack API, signed requests) from tests/slack."""
from __future__ import annotations

import sys
from pathlib import Path

SLACK_HELPERS = Path(__file__).resolve().parents[1] / "slack"
if str(SLACK_HELPERS) not in sys.path:
    sys.path.insert(0, str(SLACK_HELPERS))
