"""Issue 15's requesters, scopes, owners and budgets through ``fleetops chat``'s pipeline (``--as``, ``--channel``)."""
from __future__ import annotations

from tests.e2e_teams import team_cases as cases

CHANNEL, DM = "terminal", "terminal"


def test_a_strangers_change_request_is_refused(team_chat):
    cases.stranger_is_refused(team_chat, CHANNEL)


def test_a_stranger_still_gets_read_only_answers(team_chat):
    cases.stranger_may_read(team_chat, CHANNEL)


def test_a_channel_scoped_to_staging_cannot_see_prod(team_chat):
    cases.staging_channel_sees_no_prod(team_chat)


def test_an_unscoped_channel_sees_prod(team_chat):
    cases.other_channel_sees_prod(team_chat, CHANNEL)


def test_a_channel_scoped_to_staging_cannot_change_prod(team_chat):
    cases.staging_channel_cannot_change_prod(team_chat)


def test_a_dm_follows_the_persons_scope(team_chat):
    cases.contractor_dm_follows_their_group(team_chat, DM)


def test_a_team_owned_deployment_needs_its_teams_approver(team_chat):
    cases.owned_deployment_needs_its_team(team_chat, CHANNEL)


def test_a_budget_breach_needs_a_budget_override(team_chat):
    cases.budget_breach_needs_override(team_chat, CHANNEL)
