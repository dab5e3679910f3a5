"""The examples that change the fleet, as signed ``/fleet`` commands to the Slack app on a demo fleet of this
module's own: the dev deploy that runs at once, and ``deploy phi-4`` while phi-4 runs elsewhere."""
from __future__ import annotations

from tests.e2e_intent import changes_cases as cases
from tests.e2e_intent.e2e_helpers import slack_marks


def test_dev_add_runs_at_once_and_moves_nothing(slack):
    cases.dev_add_runs_at_once_and_moves_nothing(slack, slack_marks)


def test_deploy_model_running_elsewhere_asks_add_or_move(slack):
    cases.deploy_model_running_elsewhere_asks_add_or_move(slack)
