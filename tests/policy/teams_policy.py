"""The policy the team tests share (truth tables and the chat/Slack flows): requesters, two teams with budgets,
owners on, budget breaches overridden by budget-override, a staging-only channel and a staging-only group."""
from __future__ import annotations

TEAMS_POLICY = """
ttl: 4h
groups:
  requesters: {users: [U0GRACE, U0HANK, U0IVY, U0JO], usergroups: [S0ML]}
  approvers: {users: [U0ALICE, U0BOB, U0CAROL, U0DAVE]}
  freeze-override: {users: [U0ERIN]}
  budget-override: {users: [U0DAVE]}
  contractors: {users: [U0JO]}
requesters:
  "*":
    "*": [requesters, approvers]
  undeploy:
    prod: [approvers]
rules:
  "*":
    dev: {approvals: 0}
    staging: {approvals: 1}
    prod: {approvals: 2, approver_groups: [approvers]}
teams:
  search:
    users: [U0GRACE, U0HANK]
    budget_per_hour: 100
  vision:
    users: [U0IVY, U0BOB]
    usergroups: [S0VISION]
    budget_per_hour: 1000
owners: {team_approval: true}
budgets: {over_budget: override, override_group: budget-override}
scopes:
  staging-only:
    channels: [C0STAGING]
    groups: [contractors]
    environments: [staging, dev]
"""
