"""``fleetops policy check [FILE]``: validate a policy and say what it means in plain words.
``fleetops policy show``: the configured policy in plain words, with the freezes declared in chat that are active.
``fleetops policy reload``: check the configured file, then ask every running copy of the bot to reload it
(``bot.policy.reload``); a bad file is refused (and audited), the bot keeps its current policy."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from audit.errors import AuditError, StoreOpenError
from audit.timeutil import format_duration, parse_duration, utcnow
from bot.cli.cmd_audit import add_db_option, fail, open_from_args
from bot.messages import policy as msg
from bot.policy import ANY, Freeze, Policy, PolicyError, Rule, get_policy
from bot.policy.freezes import as_freeze, freeze_line
from bot.policy.reload import POLL_SECONDS, REFUSED, request_reload
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
    lines.append(msg.CHECK_FREEZE_TOOLS)
    lines.append(_impersonation_text(policy))
    return lines


def _impersonation_text(policy: Policy) -> str:
    imp = policy.impersonation
    if not imp.enabled:
        return msg.CHECK_IMPERSONATION_OFF
    users = [msg.CHECK_IMPERSONATION_USER.format(
        slack=slack, user=k.user, groups=f" (groups {', '.join(k.groups)})" if k.groups else "")
        for slack, k in imp.users.items()]
    return msg.CHECK_IMPERSONATION_ON.format(users="; ".join(users) or "nobody")


def _check(args: argparse.Namespace) -> int:
    try:
        policy = get_policy(args.file or get_settings().policy_path)
    except PolicyError as e:
        print(msg.CHECK_INVALID.format(error=e), file=sys.stderr)
        return 1
    print("\n".join(describe(policy)))
    return 0


def _show(args: argparse.Namespace) -> int:
    try:
        policy = get_policy(get_settings().policy_path)
    except PolicyError as e:
        print(msg.CHECK_INVALID.format(error=e), file=sys.stderr)
        return 1
    lines = describe(policy)
    try:
        with open_from_args(args) as store:
            stored = store.freezes.active(utcnow())
    except StoreOpenError:  # no database yet: nothing was ever declared
        stored = []
    except AuditError as e:
        return fail(e)
    lines.append(msg.SHOW_CHAT_FREEZES if stored else msg.SHOW_NO_CHAT_FREEZES)
    lines += [f"  {freeze_line(as_freeze(r))}" for r in stored]
    print("\n".join(lines))
    return 0


def _reload(args: argparse.Namespace) -> int:
    path = get_settings().policy_path
    if not path:
        print(msg.RELOAD_NO_FILE, file=sys.stderr)
        return 1
    try:
        with open_from_args(args) as store:
            try:
                get_policy(path)
            except PolicyError as e:  # refused here already: the running bot is never asked
                store.audit.record("policy", message=msg.RELOAD_REFUSED.format(source=path, error=e),
                                   result={"action": REFUSED, "file": str(path),
                                           "problems": [f"{k}: {p}" if k else p for k, p in e.problems]})
                print(msg.RELOAD_CLI_REFUSED.format(error=e), file=sys.stderr)
                return 1
            request_reload(store.audit, path)
    except AuditError as e:
        return fail(e)
    print(msg.RELOAD_CLI_ASKED.format(source=path, every=POLL_SECONDS))
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
    show = sub.add_parser("show", help="the configured policy in plain words, with the freezes declared in chat",
                          epilog="example: fleetops policy show")
    add_db_option(show)
    show.set_defaults(func=_show)
    reload = sub.add_parser("reload", help="check the configured policy file, then make the running bot reload it",
                            epilog="example: fleetops policy reload   (FLEETOPS_POLICY names the file)")
    add_db_option(reload)
    reload.set_defaults(func=_reload)
