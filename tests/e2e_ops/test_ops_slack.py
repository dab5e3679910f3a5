"""Issue 13's "Done when" as signed ``/fleet`` commands and Approve clicks to the Slack app (fake Slack API),
on one demo fleet for the module."""
from __future__ import annotations

from tests.e2e_ops import ops_cases as cases


def _mrkdwn(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # the card escapes its text


def test_bad_input_is_refused(slack_ops):
    cases.bad_input_is_refused(slack_ops)


def test_cordon_then_placement_skips_it_then_uncordon(slack_ops):
    cases.cordon_skip_uncordon(slack_ops)


def test_drain_moves_coder_assist_blue_green_with_a_line_per_deployment(slack_ops):
    cases.drain_moves_coder_assist(slack_ops, _mrkdwn)


def test_autoscale_shows_the_cost_range(slack_ops):
    cases.autoscale_shows_cost_range(slack_ops)
