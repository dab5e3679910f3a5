"""Approval policy: who must approve what, read from a YAML file, evaluated by pure functions.

``load_policy(path)`` (or ``default_policy()``, the shipped ``policy_default.yaml``) validates the
file and raises ``PolicyError`` naming the file, the key and what is wrong.
``decide(policy, actor, facts, now)`` returns a ``Decision``: ``allow``, ``deny`` or ``approve``
(N approvals from given groups, plus ``extra`` requirements such as a freeze override), always with
a human ``reason``. The Decision carries a snapshot of the groups it names, so it can be stored with
the change request and later answer ``can_approve`` / ``is_satisfied`` on its own.

Rules are ``rules[tool][environment]``; ``"*"`` matches any tool or environment without its own
entry (looked up as tool/env, tool/*, */env, */*). A plan touching several environments takes the
strictest rule (most approvals, then restricted groups, then no self-approval; the shortest TTL).
An unknown environment takes the strictest rule the tool has. A mutating tool with no matching rule
is denied. During an active freeze covering one of the plan's environments, a mutating request
also needs one approval from the freeze's override group (``freeze-override``), given by a person
other than the ones counted for the regular quorum; with nobody in that group it is denied.
"""
from __future__ import annotations

from bot.policy.decision import Decision, Facts, Requirement, decide
from bot.policy.loading import default_policy, get_policy, load_policy, loads_policy, parse_policy
from bot.policy.rules import ANY, DEFAULT_OVERRIDE_GROUP, ENVIRONMENTS, Freeze, Group, Policy, PolicyError, Rule

__all__ = [
    "ANY", "DEFAULT_OVERRIDE_GROUP", "ENVIRONMENTS", "Decision", "Facts", "Freeze", "Group", "Policy",
    "PolicyError", "Requirement", "Rule", "decide", "default_policy", "get_policy", "load_policy",
    "loads_policy", "parse_policy",
]
