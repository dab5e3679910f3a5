"""What policy decides for one plan: ``Facts`` in, ``Decision`` out (``decide``, pure)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from audit.timeutil import format_duration, parse_duration, to_utc, utcnow
from bot.identity import Actor, actors
from bot.messages import policy as msg
from bot.policy.budget import breach_text, spend
from bot.policy.freezes import FREEZE_TOOLS, with_defaults
from bot.policy.owners import owner_requirement, team_group_name
from bot.policy.requesters import may_request
from bot.policy.rules import ANY, ENVIRONMENTS, Group, Policy, Rule


# -- facts and decisions -------------------------------------------------------------------------------
class Facts(BaseModel):
    """What policy looks at: the tool, whether it mutates, and where the plan lands."""

    tool: str
    mutating: bool
    environments: frozenset[str] = frozenset()
    clusters: tuple[str, ...] = ()
    deployment: str | None = None
    # owners and budgets: the deployment's team, and its GPU spend ($/h) before and after the plan
    team: str | None = None
    spend_before: float | None = None
    spend_after: float | None = None

    def team_facts(self) -> dict[str, Any]:
        return {"team": self.team, "spend_before": self.spend_before, "spend_after": self.spend_after}


class Requirement(BaseModel):
    """An extra approval a decision needs on top of the quorum (e.g. a freeze override)."""

    group: str
    approvals: int = 1
    reason: str


class Decision(BaseModel):
    """What policy requires for one plan and requester. Store it with the change request."""

    kind: Literal["allow", "deny", "approve"]
    tool: str
    environments: list[str] = Field(default_factory=list)
    requester: str
    approvals_required: int = 0
    approver_groups: list[str] = Field(default_factory=list)
    allow_self_approval: bool = False
    extra: list[Requirement] = Field(default_factory=list)
    groups: dict[str, Group] = Field(default_factory=dict)
    ttl_seconds: int
    reason: str
    rules: list[str] = Field(default_factory=list)  # the policy entries that made this decision
    facts: dict[str, Any] = Field(default_factory=dict)  # Facts.team_facts(), to decide again the same way
    requester_usergroups: list[str] = Field(default_factory=list)

    # -- who counts where ------------------------------------------------------------------------
    def may_decide(self, a: Actor) -> bool:
        """True if ``a`` could fill any approval this decision asks for (a regular or an extra one):
        such a person may also reject the request."""
        return self._regular(a) or any(
            r.group in self.groups and self.groups[r.group].contains(a) for r in self.extra)

    def _regular(self, a: Actor) -> bool:
        return not self.approver_groups or any(
            g in self.groups and self.groups[g].contains(a) for g in self.approver_groups)

    def _slots(self) -> list[int]:
        """-1 for each regular approval, i for each approval extra[i] needs."""
        return [-1] * self.approvals_required + [
            i for i, r in enumerate(self.extra) for _ in range(r.approvals)]

    def _fits(self, a: Actor, slot: int) -> bool:
        if slot < 0:
            return self._regular(a)
        g = self.groups.get(self.extra[slot].group)
        return g is not None and g.contains(a)

    def _counted(self, approvals: Iterable[Any], requester: str | None = None) -> list[Actor]:
        req = requester or self.requester
        return [a for a in actors(approvals) if self.allow_self_approval or a.id != req]

    def _matched(self, people: list[Actor]) -> list[int | None]:
        """Maximum assignment of distinct people to slots (augmenting paths); slot -> person."""
        slots = self._slots()
        owner: list[int | None] = [None] * len(slots)

        def place(p: int, seen: set[int]) -> bool:
            for s, _ in enumerate(slots):
                if s not in seen and self._fits(people[p], slots[s]):
                    seen.add(s)
                    holder = owner[s]
                    if holder is None or place(holder, seen):
                        owner[s] = p
                        return True
            return False

        for p in range(len(people)):
            place(p, set())
        return owner

    def is_satisfied(self, approvals: Iterable[Actor | str | Any]) -> bool:
        """True if distinct approvers (never the requester, unless allowed) fill every required
        approval: the quorum from the approver groups and each extra requirement."""
        if self.kind != "approve":
            return self.kind == "allow"
        return all(o is not None for o in self._matched(self._counted(approvals)))

    def still_needed(self, approvals: Iterable[Actor | str | Any] = ()) -> str:
        """What is missing, in words ("1 approval from approvers and 1 approval from ...")."""
        if self.kind != "approve":
            return msg.NEEDED_NOTHING
        slots, owner = self._slots(), self._matched(self._counted(approvals))
        missing_regular = sum(1 for s, o in zip(slots, owner, strict=True) if o is None and s < 0)
        parts = []
        if missing_regular:
            parts.append(msg.NEEDED_REGULAR.format(count=_count(missing_regular), who=self._who()))
        for i, r in enumerate(self.extra):
            if any(o is None and s == i for s, o in zip(slots, owner, strict=True)):
                parts.append(msg.NEEDED_EXTRA.format(group=r.group))
        return msg.AND.join(parts) or msg.NEEDED_NOTHING

    def _who(self) -> str:
        if not self.approver_groups:
            return msg.ANYONE_SELF if self.allow_self_approval else msg.ANYONE
        return msg.OR.join(self.approver_groups)

    def can_approve(self, approver: Actor, requester: str | None = None,
                    existing_approvals: Iterable[Actor | str | Any] = ()) -> tuple[bool, str]:
        """May ``approver`` approve now, and why (or why not), given the approvals so far."""
        requester = requester or self.requester
        if self.kind == "deny":
            return False, msg.CANNOT_DENIED
        if self.kind == "allow":
            return False, msg.CANNOT_NOT_NEEDED
        if approver.id == requester and not self.allow_self_approval:
            return False, msg.CANNOT_SELF
        existing = self._counted(existing_approvals, requester)
        if any(a.id == approver.id for a in existing):
            return False, msg.CANNOT_TWICE
        needed = self.still_needed(existing)
        before = sum(o is not None for o in self._matched(existing))
        if before == len(self._slots()):
            return False, msg.CANNOT_DONE
        if not any(self._fits(approver, s) for s in set(self._slots())):
            groups = list(self.approver_groups) + [r.group for r in self.extra]
            return False, msg.CANNOT_GROUP.format(who=msg.OR.join(groups))
        after = sum(o is not None for o in self._matched(existing + [approver]))
        if after == before:
            return False, msg.CANNOT_NOT_USEFUL.format(needed=needed)
        return True, msg.CAN.format(needed=needed)


def _count(n: int) -> str:
    return msg.COUNT_ONE if n == 1 else msg.COUNT_MANY.format(n=n)


def _envs_text(envs: Iterable[str]) -> str:
    return msg.AND.join(sorted(envs))


def _fmt_time(dt: datetime) -> str:
    return to_utc(dt).strftime("%Y-%m-%d %H:%M UTC")


def decide(policy: Policy, actor: Actor | str, facts: Facts | dict, now: datetime | None = None
           ) -> Decision:
    """The Decision for ``actor`` (the requester) asking for ``facts`` at ``now`` (pure)."""
    facts = facts if isinstance(facts, Facts) else Facts.model_validate(facts)
    person = Actor.of(actor)
    requester = person.id
    now = to_utc(now or utcnow())
    envs = sorted(facts.environments)
    base: dict[str, Any] = dict(tool=facts.tool, environments=envs, requester=requester,
                                ttl_seconds=policy.ttl_seconds, facts=facts.team_facts(),
                                requester_usergroups=sorted(person.usergroups))
    if not facts.mutating:
        return Decision(kind="allow", reason=msg.READ_ONLY.format(tool=facts.tool), rules=["read-only"], **base)
    policy = with_defaults(policy)  # the freeze tools' rules when the file has none (bot.policy.freezes)
    admission = may_request(policy, person, facts.tool, envs)  # the freeze tools: members of freeze-override
    if not admission.ok:
        return Decision(kind="deny", reason=admission.reason, rules=[admission.rule], **base)
    named = [admission.rule]
    where = msg.WHERE.format(envs=_envs_text(envs)) if envs else msg.WHERE_UNKNOWN
    candidates = envs or list(ENVIRONMENTS)
    rules: dict[str, Rule] = {}
    for env in candidates:
        rule = policy.rule(facts.tool, env)
        if rule is None:
            return Decision(kind="deny", reason=msg.DENY_NO_RULE.format(
                tool=facts.tool, where=where, env=env), rules=named + [f"rules.{facts.tool}.{env}"], **base)
        rules[env] = rule
    strict_env = max(rules, key=lambda e: rules[e].strictness())
    rule = rules[strict_env]
    named.append(policy.rule_name(facts.tool, strict_env))
    if rule.deny:
        return Decision(kind="deny", reason=msg.DENY_RULE.format(
            tool=facts.tool, where=where, reason=rule.deny), rules=named, **base)
    ttl = min(parse_duration(r.ttl) if r.ttl else policy.ttl_seconds for r in rules.values())
    allow_self = all(r.allow_self_approval for r in rules.values())
    sentences = []
    if len(rules) > 1:
        sentences.append(msg.STRICTEST.format(envs=_envs_text(envs), env=strict_env) if envs
                         else msg.UNKNOWN_ENV_RULE.format(tool=facts.tool))
    if rule.approvals:
        who = (msg.FROM_GROUPS.format(groups=msg.OR.join(rule.approver_groups)) if allow_self
               else msg.FROM_GROUPS_NOT_REQUESTER.format(groups=msg.OR.join(rule.approver_groups))
               ) if rule.approver_groups else (msg.ANYONE_SELF if allow_self else msg.ANYONE)
        template = msg.NEEDS_SELF_OK if allow_self and rule.approver_groups else msg.NEEDS
        sentences.insert(0, template.format(tool=facts.tool, where=where,
                                            count=_count(rule.approvals), who=who))
    else:
        sentences.insert(0, msg.NO_APPROVAL.format(tool=facts.tool, where=where))
    extra: list[Requirement] = []
    for fz in policy.freezes:
        if facts.tool in FREEZE_TOOLS or not (fz.active(now) and fz.covers(candidates)):
            continue
        name = f" '{fz.name}'" if fz.name else ""
        covered = candidates if ANY in fz.environments else sorted(set(fz.environments) & set(candidates))
        group = policy.groups.get(fz.override_group)
        if group is None or not (group.users or group.usergroups):
            return Decision(kind="deny", reason=msg.FREEZE_NO_OVERRIDE.format(
                tool=facts.tool, where=where, name=name, envs=_envs_text(covered),
                end=_fmt_time(fz.end), reason=fz.reason, group=fz.override_group),
                rules=named + ["freezes"], **base)
        text = msg.FREEZE.format(name=name, envs=_envs_text(covered), end=_fmt_time(fz.end),
                                 reason=fz.reason, group=fz.override_group)
        if all(r.group != fz.override_group for r in extra):
            extra.append(Requirement(group=fz.override_group, reason=text))
            sentences.append(text)
            named.append("freezes")
    more: dict[str, Group] = {}
    owner = owner_requirement(policy, person, facts.team)
    if owner is not None:
        text, group = owner
        named.append("owners.team_approval")
        if group is None or facts.team is None:
            return Decision(kind="deny", reason=" ".join(sentences + [text]), rules=named, **base)
        gname = team_group_name(facts.team)
        more[gname] = group
        extra.append(Requirement(group=gname, reason=text))
        sentences.append(text)
    sp = spend(policy, facts.team, facts.spend_before, facts.spend_after)
    if sp is not None:
        sentences.append(sp.text())
        if sp.breach:
            named += [f"teams.{sp.team}.budget_per_hour", "budgets.over_budget"]
            text = breach_text(policy, sp)
            og = policy.budgets.override_group
            group = policy.groups.get(og)
            if policy.budgets.over_budget == "deny" or group is None or not (group.users or group.usergroups):
                if policy.budgets.over_budget != "deny":
                    text = msg.BUDGET_NO_OVERRIDE.format(team=sp.team, group=og)
                return Decision(kind="deny", reason=" ".join(sentences + [text]), rules=named, **base)
            extra.append(Requirement(group=og, reason=text))
            sentences.append(text)
    kind: Literal["approve", "allow"] = "approve" if rule.approvals or extra else "allow"
    if kind == "approve":
        sentences.append(msg.EXPIRES.format(ttl=format_duration(ttl)))
    names = set(rule.approver_groups) | {r.group for r in extra}
    groups = {n: policy.groups[n] for n in sorted(names) if n in policy.groups} | more
    return Decision(
        kind=kind, tool=facts.tool, environments=envs, requester=requester,
        approvals_required=rule.approvals, approver_groups=list(rule.approver_groups),
        allow_self_approval=allow_self, extra=extra, groups=groups,
        ttl_seconds=ttl, reason=" ".join(sentences), rules=named, facts=facts.team_facts(),
        requester_usergroups=sorted(person.usergroups))
