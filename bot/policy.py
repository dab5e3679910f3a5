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

import difflib
import re
from collections.abc import Iterable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from audit.timeutil import format_duration, parse_duration, to_utc, utcnow
from bot.identity import Actor, actors, is_member
from tools.args import Environment
from bot.messages import policy as msg
from tools.registry import MUTATING, READ_ONLY

ENVIRONMENTS: tuple[str, ...] = tuple(e.value for e in Environment)
ANY = "*"
DEFAULT_OVERRIDE_GROUP = "freeze-override"
_USER = re.compile(r"^[UWB][A-Z0-9]{2,}$")
_USERGROUP = re.compile(r"^S[A-Z0-9]{2,}$")


class PolicyError(ValueError):
    """An invalid policy file; ``problems`` is a list of ``(key, problem)``."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source, self.problems = source, problems
        if len(problems) == 1:
            k, p = problems[0]
            text = (msg.LOAD_ERROR.format(source=source, key=k, problem=p) if k else
                    msg.LOAD_ERROR_NO_KEY.format(source=source, problem=p))
        else:
            text = "\n".join([msg.LOAD_ERRORS_HEAD.format(source=source)] + [
                msg.LOAD_ERROR_ITEM.format(key=k, problem=p) if k else
                msg.LOAD_ERROR_ITEM_NO_KEY.format(problem=p) for k, p in problems])
        super().__init__(text)


# -- the file's shape ------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Group(_Strict):
    users: list[str] = Field(default_factory=list)
    usergroups: list[str] = Field(default_factory=list)

    def contains(self, actor: Actor) -> bool:
        return is_member(self, actor)


class Rule(_Strict):
    approvals: int = Field(0, ge=0, le=20)
    approver_groups: list[str] = Field(default_factory=list)
    allow_self_approval: bool = False
    ttl: str | None = None
    deny: str | None = None

    @field_validator("ttl", mode="before")
    @classmethod
    def _ttl(cls, v: Any) -> Any:
        if v is not None:
            parse_duration(v)
            return str(v)
        return v

    def strictness(self) -> tuple[int, int, int, int]:
        return (1 if self.deny else 0, self.approvals, 1 if self.approver_groups else 0,
                0 if self.allow_self_approval else 1)


class Freeze(_Strict):
    name: str | None = None
    start: datetime
    end: datetime
    environments: list[str] = Field(default_factory=lambda: ["prod"])
    reason: str
    override_group: str = DEFAULT_OVERRIDE_GROUP

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return to_utc(v)

    def active(self, now: datetime) -> bool:
        return self.start <= to_utc(now) < self.end

    def covers(self, envs: Iterable[str]) -> bool:
        return ANY in self.environments or bool(set(self.environments) & set(envs))


class Policy(_Strict):
    ttl: str = "4h"
    groups: dict[str, Group] = Field(default_factory=dict)
    rules: dict[str, dict[str, Rule]] = Field(default_factory=dict)
    freezes: list[Freeze] = Field(default_factory=list)
    source: str = Field("<policy>", exclude=True)

    @field_validator("ttl", mode="before")
    @classmethod
    def _ttl(cls, v: Any) -> Any:
        parse_duration(v)
        return str(v)

    @property
    def ttl_seconds(self) -> int:
        return parse_duration(self.ttl)

    def rule(self, tool: str, env: str) -> Rule | None:
        for t, e in ((tool, env), (tool, ANY), (ANY, env), (ANY, ANY)):
            if (r := self.rules.get(t, {}).get(e)) is not None:
                return r
        return None


# -- facts and decisions -------------------------------------------------------------------------------
class Facts(BaseModel):
    """What policy looks at: the tool, whether it mutates, and where the plan lands."""

    tool: str
    mutating: bool
    environments: frozenset[str] = frozenset()
    clusters: tuple[str, ...] = ()
    deployment: str | None = None


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

    # -- who counts where ------------------------------------------------------------------------
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
                    if owner[s] is None or place(owner[s], seen):
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
        missing_regular = sum(1 for s, o in zip(slots, owner) if o is None and s < 0)
        parts = []
        if missing_regular:
            parts.append(msg.NEEDED_REGULAR.format(count=_count(missing_regular), who=self._who()))
        for i, r in enumerate(self.extra):
            if any(o is None and s == i for s, o in zip(slots, owner)):
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


def can_approve(decision: Decision, approver: Actor, requester: str | None = None,
                existing_approvals: Iterable[Actor | str | Any] = ()) -> tuple[bool, str]:
    return decision.can_approve(approver, requester, existing_approvals)


def is_satisfied(decision: Decision, approvals: Iterable[Actor | str | Any]) -> bool:
    return decision.is_satisfied(approvals)


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
    requester = Actor.of(actor).id
    now = to_utc(now or utcnow())
    envs = sorted(facts.environments)
    base = dict(tool=facts.tool, environments=envs, requester=requester,
                ttl_seconds=policy.ttl_seconds)
    if not facts.mutating:
        return Decision(kind="allow", reason=msg.READ_ONLY.format(tool=facts.tool), **base)
    where = msg.WHERE.format(envs=_envs_text(envs)) if envs else msg.WHERE_UNKNOWN
    candidates = envs or list(ENVIRONMENTS)
    rules: dict[str, Rule] = {}
    for env in candidates:
        rule = policy.rule(facts.tool, env)
        if rule is None:
            return Decision(kind="deny", reason=msg.DENY_NO_RULE.format(
                tool=facts.tool, where=where, env=env), **base)
        rules[env] = rule
    strict_env = max(rules, key=lambda e: rules[e].strictness())
    rule = rules[strict_env]
    if rule.deny:
        return Decision(kind="deny", reason=msg.DENY_RULE.format(
            tool=facts.tool, where=where, reason=rule.deny), **base)
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
        if not (fz.active(now) and fz.covers(candidates)):
            continue
        name = f" '{fz.name}'" if fz.name else ""
        covered = candidates if ANY in fz.environments else sorted(set(fz.environments) & set(candidates))
        group = policy.groups.get(fz.override_group)
        if group is None or not (group.users or group.usergroups):
            return Decision(kind="deny", reason=msg.FREEZE_NO_OVERRIDE.format(
                tool=facts.tool, where=where, name=name, envs=_envs_text(covered),
                end=_fmt_time(fz.end), reason=fz.reason, group=fz.override_group), **base)
        text = msg.FREEZE.format(name=name, envs=_envs_text(covered), end=_fmt_time(fz.end),
                                 reason=fz.reason, group=fz.override_group)
        if all(r.group != fz.override_group for r in extra):
            extra.append(Requirement(group=fz.override_group, reason=text))
            sentences.append(text)
    kind = "approve" if rule.approvals or extra else "allow"
    if kind == "approve":
        sentences.append(msg.EXPIRES.format(ttl=format_duration(ttl)))
    names = set(rule.approver_groups) | {r.group for r in extra}
    return Decision(
        kind=kind, tool=facts.tool, environments=envs, requester=requester,
        approvals_required=rule.approvals, approver_groups=list(rule.approver_groups),
        allow_self_approval=allow_self, extra=extra,
        groups={n: policy.groups[n] for n in sorted(names) if n in policy.groups},
        ttl_seconds=ttl, reason=" ".join(sentences))


# -- loading -------------------------------------------------------------------------------------------
def _guess(word: str, options: Iterable[str]) -> str:
    options = list(options)
    close = [o for o in options if word.lower().startswith(o) or o.startswith(word.lower()[:3])]
    close = close or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return msg.DID_YOU_MEAN.format(guess=close[0]) if close else ""


def _allowed(loc: list[str]) -> list[str]:
    """Keys allowed in the mapping that holds ``loc[-1]``."""
    if loc[:1] == ["groups"] and len(loc) == 3:
        return list(Group.model_fields)
    if loc[:1] == ["rules"] and len(loc) == 4:
        return list(Rule.model_fields)
    if loc[:1] == ["freezes"] and len(loc) == 3:
        return list(Freeze.model_fields)
    return [k for k in Policy.model_fields if k != "source"]


def _explain(err: dict[str, Any]) -> str:
    t, loc = err.get("type", ""), [str(x) for x in err.get("loc", ())]
    if t == "extra_forbidden":
        return msg.UNKNOWN_KEY.format(allowed=", ".join(_allowed(loc)))
    if t == "missing":
        return msg.REQUIRED
    if t in ("model_type", "dict_type"):
        return msg.MUST_BE.format(what=msg.A_MAPPING)
    text = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if t.endswith(("_type", "_parsing")):
        return msg.MUST_BE.format(what=text.removeprefix("Input should be ").rstrip("."))
    return text


def _semantic(p: Policy) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    known = ", ".join(p.groups) or "none"
    for name, g in p.groups.items():
        problems += [(f"groups.{name}.users", msg.BAD_USER.format(value=u))
                     for u in g.users if not _USER.match(u)]
        problems += [(f"groups.{name}.usergroups", msg.BAD_USERGROUP.format(value=u))
                     for u in g.usergroups if not _USERGROUP.match(u)]
    if not p.rules:
        problems.append(("rules", msg.EMPTY_RULES))
    for tool, envs in p.rules.items():
        if tool in READ_ONLY:
            problems.append((f"rules.{tool}", msg.READ_ONLY_TOOL.format(tool=tool)))
        elif tool != ANY and tool not in MUTATING:
            problems.append((f"rules.{tool}", msg.UNKNOWN_TOOL.format(
                tool=tool, hint=_guess(tool, MUTATING), known=", ".join(MUTATING))))
        for env, rule in envs.items():
            if env != ANY and env not in ENVIRONMENTS:
                problems.append((f"rules.{tool}.{env}", msg.UNKNOWN_ENV.format(
                    env=env, hint=_guess(env, ENVIRONMENTS), known=", ".join(ENVIRONMENTS))))
            problems += [(f"rules.{tool}.{env}.approver_groups",
                          msg.UNKNOWN_GROUP.format(group=g, known=known))
                         for g in rule.approver_groups if g not in p.groups]
    for i, fz in enumerate(p.freezes):
        key = f"freezes[{i}]"
        if fz.end <= fz.start:
            problems.append((f"{key}.end", msg.FREEZE_ORDER.format(start=fz.start, end=fz.end)))
        problems += [(f"{key}.environments", msg.UNKNOWN_ENV.format(
            env=e, hint=_guess(e, ENVIRONMENTS), known=", ".join(ENVIRONMENTS)))
            for e in fz.environments if e != ANY and e not in ENVIRONMENTS]
        if fz.override_group != DEFAULT_OVERRIDE_GROUP and fz.override_group not in p.groups:
            problems.append((f"{key}.override_group",
                             msg.UNKNOWN_GROUP.format(group=fz.override_group, known=known)))
    return problems


def parse_policy(data: Any, source: str = "<policy>") -> Policy:
    """Validate already-parsed YAML into a Policy, or raise ``PolicyError``."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(source, [("", msg.NOT_A_MAPPING)])
    try:
        policy = Policy.model_validate({**data, "source": source})
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = [str(x) for x in err.get("loc", ())]
            key = "".join(f"[{x}]" if x.isdigit() else f".{x}" for x in loc).lstrip(".")
            problems.append((key, _explain(err)))
        raise PolicyError(source, problems) from None
    if problems := _semantic(policy):
        raise PolicyError(source, problems)
    return policy


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; ``PolicyError`` says which key is wrong and how."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(source, [("", msg.NOT_FOUND.format(path=path))]) from None
    except OSError as e:
        raise PolicyError(source, [("", msg.UNREADABLE.format(cause=e))]) from None
    return loads_policy(text, source)


def loads_policy(text: str, source: str = "<policy>") -> Policy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
        hint = msg.YAML_STAR_HINT if "alias" in str(problem) or re.search(
            r"(^|[\s{,\[])\*\s*:", line) else ""
        where = msg.YAML_ERROR.format(line=mark.line + 1 if mark else "?",
                                      column=mark.column + 1 if mark else "?",
                                      problem=problem, hint=hint)
        raise PolicyError(source, [("", where)]) from None
    return parse_policy(data, source)


def default_policy() -> Policy:
    """The policy shipped with fleetops (``bot/policy_default.yaml``)."""
    ref = resources.files("bot").joinpath("policy_default.yaml")
    return loads_policy(ref.read_text(encoding="utf-8"), "policy_default.yaml")


def get_policy(path: str | Path | None) -> Policy:
    """The policy at ``path`` (settings.policy_path), or the shipped default when None."""
    return load_policy(path) if path else default_policy()
