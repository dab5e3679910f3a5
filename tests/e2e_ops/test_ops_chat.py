"""Issue 13's "Done when" through ``fleetops chat``'s pipeline and card, on one demo fleet for the module."""
from __future__ import annotations

from tests.e2e_ops import ops_cases as cases


def _same(line: str) -> str:
    return line  # the chat card prints plan_text's lines as they are


def test_bad_input_is_refused(chat_ops):
    cases.bad_input_is_refused(chat_ops)


def test_cordon_then_placement_skips_it_then_uncordon(chat_ops):
    cases.cordon_skip_uncordon(chat_ops)


def test_drain_moves_coder_assist_blue_green_with_a_line_per_deployment(chat_ops):
    cases.drain_moves_coder_assist(chat_ops, _same)


def test_autoscale_shows_the_cost_range(chat_ops):
    cases.autoscale_shows_cost_range(chat_ops)
