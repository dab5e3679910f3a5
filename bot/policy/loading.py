"""Read and validate policy files (``load_policy``, ``loads_policy``, ``default_policy``)."""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.messages import policy as msg
from bot.policy.impersonation import Impersonation, KubeIdentity
from bot.policy.rules import (
    _USER,
    _USERGROUP,
    ANY,
    DEFAULT_OVERRIDE_GROUP,
    ENVIRONMENTS,
    Freeze,
    Group,
    Policy,
    PolicyError,
    Rule,
)
from bot.policy.sections import allowed_keys, section_problems
from bot.toolbox import MUTATING, READ_ONLY


# -- loading -------------------------------------------------------------------------------------------
def _guess(word: str, options: Iterable[str]) -> str:
    options = list(options)
    close = [o for o in options if word.lower().startswith(o) or o.startswith(word.lower()[:3])]
    close = close or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return msg.DID_YOU_MEAN.format(guess=close[0]) if close else ""


def _allowed(loc: list[str]) -> list[str]:
    """Keys allowed in the mapping that holds ``loc[-1]``."""
    if (keys := allowed_keys(loc)) is not None:
        return keys
    if loc[:1] == ["groups"] and len(loc) == 3:
        return list(Group.model_fields)
    if loc[:1] == ["rules"] and len(loc) == 4:
        return list(Rule.model_fields)
    if loc[:1] == ["freezes"] and len(loc) == 3:
        return list(Freeze.model_fields)
    if loc[:1] == ["impersonation"] and len(loc) == 2:
        return list(Impersonation.model_fields)
    if loc[:2] == ["impersonation", "users"] and len(loc) == 4:
        return list(KubeIdentity.model_fields)
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
    problems += [(f"impersonation.users.{u}", msg.BAD_USER.format(value=u))
                 for u in p.impersonation.users if not _USER.match(u)]
    if p.impersonation.enabled and not p.impersonation.users:
        problems.append(("impersonation.users", msg.IMPERSONATION_NOBODY))
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
    return problems + section_problems(p)


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
            problems.append((key, _explain(dict(err))))
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
