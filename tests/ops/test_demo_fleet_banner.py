"""``fleetops demo-fleet``'s banner names a small fleet's member contexts and counts a large one's."""
from __future__ import annotations

from bot.cli.cmd_demo_fleet import member_summary


def test_a_small_fleet_lists_every_member():
    names = [f"m{i}" for i in range(9)]
    assert member_summary(names) == ", ".join(names)


def test_a_large_fleet_shows_the_first_members():
    names = [f"member-{i}" for i in range(5000)]
    assert member_summary(names).startswith("member-0, member-1, member-2")


def test_a_large_fleet_says_how_many_are_left_out():
    names = [f"member-{i}" for i in range(5000)]
    assert "4992 more" in member_summary(names)


def test_a_large_fleet_banner_stays_one_short_line():
    names = [f"aks-southcentralus-staging-{i}" for i in range(5000)]
    assert len(member_summary(names)) < 400
