"""``fleetops policy check [FILE]``: validate a policy and say what it means in plain words."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from audit.timeutil import format_duration, parse_duration, utcnow
from bot.messages import policy as msg
from bot.policy import ANY, Freeze, Policy, PolicyError, Rule, get_policy
from bot.settings import get_settings

_ORDER = {"dev": 0, "staging": 1, "prod": 2}


def _count(n: int) -> str:
    return msg.COUNT_ONE if n == 1 else msg.COUNT_MANY.format(n=n)


def _rule_text(rule: Rule) -> str:
    if rule.deny:
        return msg.CHECK_RULE_DENY.format(reason=rule.deny)
    text = msg.CHECK_RULE_NONE if not rule.approvals else msg.CHECK_RULE_NEEDS.format(
        count=_count(rule.approvals),
        who=msg.OR.join(rule.approver_groups) if rule.approver_groups else
        (msg.ANYONE_SELF if rule.allow_self_approval else msg.ANYONE))
    if rule.approvals and rule.allow_self_approval:
        text += msg.CHECK_RULE_SELF
    if rule.ttl and rule.approvals:
        text += msg.CHECK_RULE_TTL.format(ttl=format_duration(parse_duration(rule.ttl)))
    return text


def _freeze_text(policy: Policy, fz: Freeze, now: datetime) -> str:
    group = policy.groups.get(fz.override_group)
    override = (msg.CHECK_FREEZE_OVERRIDE if group and (group.users or group.usergroups)
                else msg.CHECK_FREEZE_NO_OVERRIDE).format(group=fz.override_group)
    status = (msg.CHECK_FREEZE_ACTIVE if fz.active(now) else
              msg.CHECK_FREEZE_FUTURE if now < fz.start else msg.CHECK_FREEZE_PAST)
    return msg.CHECK_FREEZE.format(
        name=f"{fz.name}: " if fz.name else "", start=fz.start.strftime("%Y-%m-%d %H:%M"),
        end=fz.end.strftime("%Y-%m-%d %H:%M"), envs=", ".join(fz.environments),
        reason=fz.reason, override=override, status=status)


def _env_label(env: str) -> str:
    return msg.CHECK_ANY_ENV if env == ANY else env


def _members(users: list[str], usergroups: list[str]) -> str:
    parts = ([msg.CHECK_USERS.format(users=", ".join(users))] if users else []) + (
        [msg.CHECK_USERGROUPS.format(groups=", ".join(usergroups))] if usergroups else [])
    return "; ".join(parts) or msg.NOBODY


def team_lines(policy: Policy) -> list[str]:
    """Requesters, teams, owners, budgets and scopes in plain words, each line naming its policy entry."""
    lines: list[str] = []
    if policy.requesters is None:
        lines.append(msg.CHECK_REQUESTERS_ANYONE)
    else:
        lines.append(msg.CHECK_REQUESTERS)
        for tool in sorted(policy.requesters, key=lambda t: (t == ANY, t)):
            lines.append(msg.CHECK_RULE_TOOL.format(tool=msg.CHECK_ANY_TOOL if tool == ANY else tool))
            envs = policy.requesters[tool]
            for env in sorted(envs, key=lambda e: (e == ANY, _ORDER.get(e, 9), e)):
                groups = envs[env]
                lines.append((msg.CHECK_REQUESTER if groups else msg.CHECK_REQUESTER_NOBODY).format(
                    env=_env_label(env), groups=msg.OR.join(groups), tool=tool, env_key=env))
    if not policy.teams:
        lines.append(msg.CHECK_TEAMS_NONE)
    else:
        lines.append(msg.CHECK_TEAMS)
        for name, t in policy.teams.items():
            budget = (msg.CHECK_TEAM_BUDGET.format(budget=f"${t.budget_per_hour:,.2f}")
                      if t.budget_per_hour is not None else msg.CHECK_TEAM_NO_BUDGET)
            lines.append(msg.CHECK_TEAM.format(name=name, members=_members(t.users, t.usergroups), budget=budget))
        lines.append(msg.CHECK_OWNERS_ON if policy.owners.team_approval else msg.CHECK_OWNERS_OFF)
        if any(t.budget_per_hour is not None for t in policy.teams.values()):
            lines.append(msg.CHECK_BUDGET_DENY if policy.budgets.over_budget == "deny" else
                         msg.CHECK_BUDGET_OVERRIDE.format(group=policy.budgets.override_group))
    if not policy.scopes:
        lines.append(msg.CHECK_SCOPES_NONE)
        return lines
    lines.append(msg.CHECK_SCOPES)
    for name, sc in policy.scopes.items():
        where = [msg.CHECK_SCOPE_CHANNELS.format(channels=", ".join(sc.channels))] if sc.channels else []
        where += [msg.CHECK_SCOPE_GROUPS.format(groups=msg.OR.join(sc.groups))] if sc.groups else []
        what = [msg.CHECK_SCOPE_ENVS.format(envs=", ".join(sc.environments))] if sc.environments else []
        what += [msg.CHECK_SCOPE_LABELS.format(labels=", ".join(f"{k}={v}" for k, v in sc.cluster_labels.items()))
                 ] if sc.cluster_labels else []
        what += [msg.CHECK_SCOPE_TEAMS.format(teams=", ".join(sc.teams))] if sc.teams else []
        lines.append(msg.CHECK_SCOPE.format(name=name, where=msg.AND.join(where) or msg.CHECK_SCOPE_NOWHERE,
                                            what=msg.AND.join(what) or msg.CHECK_SCOPE_ALL))
    return lines


def describe(policy: Policy, now: datetime | None = None) -> list[str]:
    """The policy in plain words, one line each."""
    now = now or utcnow()
    lines = [msg.CHECK_OK.format(source=policy.source),
             msg.CHECK_TTL.format(ttl=format_duration(policy.ttl_seconds)), msg.CHECK_GROUPS]
    for name, g in policy.groups.items():
        parts = ([msg.CHECK_USERS.format(users=", ".join(g.users))] if g.users else []) + (
            [msg.CHECK_USERGROUPS.format(groups=", ".join(g.usergroups))] if g.usergroups else [])
        lines.append(msg.CHECK_GROUP.format(name=name, members="; ".join(parts)) if parts
                     else msg.CHECK_GROUP_EMPTY.format(name=name))
    lines.append(msg.CHECK_RULES)
    for tool in sorted(policy.rules, key=lambda t: (t == ANY, t)):
        lines.append(msg.CHECK_RULE_TOOL.format(tool=msg.CHECK_ANY_TOOL if tool == ANY else tool))
        envs = policy.rules[tool]
        for env in sorted(envs, key=lambda e: (e == ANY, _ORDER.get(e, 9), e)):
            lines.append(msg.CHECK_RULE.format(env=msg.CHECK_ANY_ENV if env == ANY else env,
                                               text=_rule_text(envs[env]))
                         + msg.CHECK_RULE_NAME.format(tool=tool, env=env))
    lines.append(msg.CHECK_SELF)
    lines += team_lines(policy)
    if policy.freezes:
        lines.append(msg.CHECK_FREEZES)
        lines += [_freeze_text(policy, fz, now) for fz in policy.freezes]
    else:
        lines.append(msg.CHECK_NO_FREEZES)
    return lines


def _check(args: argparse.Namespace) -> int:
    try:
        policy = get_policy(args.file or get_settings().policy_path)
    except PolicyError as e:
        print(msg.CHECK_INVALID.format(error=e), file=sys.stderr)
        return 1
    print("\n".join(describe(policy)))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("policy", help="check the approval policy",
                              description="Validate an approval policy file and explain it.")
    sub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="validate a policy file and print what it means",
                           epilog="example: fleetops policy check my-policy.yaml")
    check.add_argument("file", nargs="?", type=Path,
                       help="policy YAML (default: FLEETOPS_POLICY, else the shipped default)")
    check.set_defaults(func=_check)
