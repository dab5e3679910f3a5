"""Who may OPEN a change (``requesters`` in the policy), pure.

``requesters[tool][environment]`` lists groups; lookup as for ``rules`` (tool/env, tool/*, */env, */*). A plan
touching several environments needs the requester to be allowed in each. No ``requesters`` key: anyone may.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.identity import Actor
from bot.messages import policy as msg
from bot.policy.freezes import FREEZE_TOOLS, refuse_requester
from bot.policy.rules import ANY, DEFAULT_OVERRIDE_GROUP, ENVIRONMENTS, Policy


@dataclass(frozen=True)
class Admission:
    """May the person open this change: ``ok``, the rule that decided (``requesters.deploy.prod``), and for a
    refusal the text to show (names the groups to ask)."""

    ok: bool
    rule: str
    reason: str = ""
    groups: tuple[str, ...] = ()


def requester_rule(policy: Policy, tool: str, env: str) -> tuple[str, list[str]] | None:
    """(rule name, groups) for ``tool`` in ``env``, or None when no entry matches."""
    table = policy.requesters or {}
    for t, e in ((tool, env), (tool, ANY), (ANY, env), (ANY, ANY)):
        groups = table.get(t, {}).get(e)
        if groups is not None:
            return f"requesters.{t}.{e}", list(groups)
    return None


def may_request(policy: Policy, actor: Actor, tool: str, environments: Iterable[str]) -> Admission:
    """Whether ``actor`` may open a ``tool`` change landing in ``environments`` (unknown: every environment).
    The freeze tools have their own requesters: the members of freeze-override (``bot.policy.freezes``)."""
    if tool in FREEZE_TOOLS:
        refusal = refuse_requester(policy, actor, tool)
        return Admission(refusal is None, f"groups.{DEFAULT_OVERRIDE_GROUP}", refusal or "", (DEFAULT_OVERRIDE_GROUP,))
    if policy.requesters is None:
        return Admission(True, "requesters (not set: anyone may request)")
    envs = sorted(environments) or list(ENVIRONMENTS)
    rules = []
    for env in envs:
        found = requester_rule(policy, tool, env)
        if found is None:
            return Admission(False, "requesters", msg.REQUEST_NO_RULE.format(tool=tool, env=env))
        name, groups = found
        rules.append(name)
        if not any(g in policy.groups and policy.groups[g].contains(actor) for g in groups):
            ask = msg.OR.join(groups) if groups else msg.NOBODY
            return Admission(False, name, msg.REQUEST_REFUSED.format(tool=tool, env=env, groups=ask, rule=name),
                             tuple(groups))
    return Admission(True, ", ".join(sorted(set(rules))))


def no_requester(policy: Policy, actor: Actor, tool: str) -> Admission | None:
    """The refusal (for the first environment) when ``actor`` may request ``tool`` in no environment at all, so a
    front end can refuse before planning; None when some environment allows it."""
    refusals = [may_request(policy, actor, tool, [env]) for env in ENVIRONMENTS]
    if any(a.ok for a in refusals):
        return None
    groups = sorted({g for a in refusals for g in a.groups})
    rules = ", ".join(sorted({a.rule for a in refusals}))
    return Admission(False, rules, msg.REQUEST_REFUSED_ANY.format(
        tool=tool, groups=msg.OR.join(groups) if groups else msg.NOBODY, rule=rules), tuple(groups))


class NotARequester(PermissionError):
    """The change service refuses to open a change for someone the policy does not let request it."""

    def __init__(self, admission: Admission):
        self.admission = admission
        super().__init__(admission.reason)
