"""Slots of the wave-2 requests, read from a skeleton: rollout stages, an autoscaling range, how long a
freeze lasts, and numbers that cannot be right. Pure functions; ``None`` when the message does not say."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from bot.interpreter import lexicon as lx
from bot.interpreter import slots
from tools.args import SOAK_MAX, soak_seconds, soak_text

ENV_ORDER = ("dev", "staging", "prod")
_STAGED = re.compile(r"\bin (?:\d+ )?(?:stages|phases|waves|steps)\b|\bstage[- ]by[- ]stage\b|\bstaged\b|\bphased\b|"
                     r"\bgradual(?:ly)?\b|\bprogressive(?:ly)?\b|\bcanary\b|\bone (?:stage|environment) at a time\b|"
                     r"\bstages?\s*[:=]|\b(?:dev|development|staging|stage|prod|production)\s+(?:first|then)\b|"
                     r"\bbetween (?:the |each |every )?(?:stages|environments|envs)\b|"
                     r"\bafter (?:each|every) (?:stage|environment|env)\b")
_STAGE_ENV = re.compile(r"(?<![\w-])(dev|development|staging|stage|stg|prod|production|preprod|pre-prod)(?![\w-])")
_BETWEEN = re.compile(r"\b(?:between|from)\s+(-?\d+)\s+(?:and|to|-)\s+(-?\d+)\b|(?<![\w-])(-?\d+)\s*(?:-|to)\s*(-?\d+)\s+"
                      r"(?:replicas?|copies|instances|pods)\b")
_MIN = re.compile(r"\b(?:min(?:imum)?|at least|no fewer than|floor(?: of)?)\s*(?:replicas?\s*)?(?:of|=|:|to)?\s*(-?\d+)\b")
_MAX = re.compile(r"\b(?:max(?:imum)?|at most|up to|no more than|cap(?:ped)?(?: at| of)?|ceiling(?: of)?)\s*"
                  r"(?:replicas?\s*)?(?:of|=|:|to|at)?\s*(-?\d+)\b")
_NEGATIVE = re.compile(r"(?<![\w./])-(\d+)\b")
_REPLICA_NUMBER = re.compile(r"(?<![\w.-])(\d+)\s+(?:\w+\s+)?(?:replicas?|copies|instances|pods)\b|"
                             r"\b(?:replicas?|scale \S+ to|scale to)\s*(?:=|:|to|of)?\s*(\d+)\b(?!\s*(?:clusters?|h|d))")
_COUNT_NUMBER = re.compile(r"(?<![\w.-])(\d+)\s+(?:\w+\s+){0,3}?clusters\b")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNTIL = re.compile(r"\b(?:until|till|til|through|thru|to|ends?|ending)\s+(?:the\s+)?(?:next\s+)?("
                    r"\d{4}-\d{2}-\d{2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?z?)?|today|tonight|tomorrow|"
                    + "|".join(_WEEKDAYS) + r"|end of (?:the )?(?:day|week|month))\b")
_FOR = re.compile(r"\b(?:for|over)\s+(?:the\s+)?(?:next\s+)?(\d+)\s*(h|hours?|hrs?|d|days?|w|weeks?)\b|"
                  r"\bfor\s+(?:the\s+)?(?:next\s+)?(?:a|an|1)\s+(hour|day|week)\b")
_CLOCK = re.compile(r"\b(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\b(?:at\s+)?(\d{1,2}):(\d{2})\b")


def stages(skel: str) -> list[str] | None:
    """Environments to roll out through, in the order said ("in stages dev, staging, prod"); [] when the
    message asks for stages without naming two of them; None when it does not ask for stages."""
    if not _STAGED.search(skel):
        return None
    said = [lx.ENVIRONMENT.get(m.group(1), m.group(1)) for m in _STAGE_ENV.finditer(skel)]
    said = list(dict.fromkeys(s for s in said if s in ENV_ORDER))
    return said if len(said) >= 2 else []


# a soak between stages: "with a 10 minute soak", "soak 1h between stages", "soaking 30m after each",
# "let each stage bake for an hour", "wait 15 minutes between stages"
_UNIT = r"(?:hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s|days?|d)"
_SPAN = rf"(?:(?:\d+(?:\.\d+)?|an?|one)\s*-?\s*{_UNIT}\b(?:\s*(?:and\s+)?\d+(?:\.\d+)?\s*{_UNIT}\b)*)"
_SOAK_WORD = r"(?:soak(?:ing|s)?|bake|baking|burn-in|wait(?:ing)?|pause)"
_EACH = r"(?:between (?:the |each |every )?(?:stages|environments|envs)|after (?:each|every)(?: (?:stage|environment|env|one))?)"
_SOAK = re.compile(
    rf"(?:\b(?:with|and|plus)\s+)?(?:\b(?:a|an)\s+)?\b(?P<a>{_SPAN})\s+(?:of\s+)?(?:soak(?:ing)?|bake|baking|burn-in)"
    rf"(?:\s+time)?(?:\s+{_EACH})?|"
    rf"(?:,\s*)?\b(?:and\s+|then\s+|with\s+)?(?:(?:a|an)\s+)?(?:let (?:it|each stage|them) )?{_SOAK_WORD}(?:\s+time)?\s*(?:of|for|:|=)?\s*(?:an?\s+)?"
    rf"(?P<b>{_SPAN})(?:\s+{_EACH})?|"
    rf"(?:,\s*)?\b{_SOAK_WORD}\s+{_EACH}\s+(?:for\s+)?(?P<c>{_SPAN})")
_WORD_SPAN = re.compile(r"\b(?:an?|one)\s*-?\s*(hours?|hrs?|h|minutes?|mins?|m|days?|d)\b")
_DAYS = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(?:days?|d)\b")


def soak(skel: str) -> tuple[str, int] | None:
    """(the soak as said, its seconds) when the message asks for one; None when it does not say."""
    m = _SOAK.search(skel)
    if not m:
        return None
    said = (m.group("a") or m.group("b") or m.group("c") or "").strip()
    text = _WORD_SPAN.sub(lambda w: f"1 {w.group(1)}", said)
    text = _DAYS.sub(lambda d: f"{float(d.group(1)) * 24:g}h", text).replace("-", " ")
    try:
        return said, soak_seconds(text)
    except ValueError:
        return said, 0


def soak_value(seconds: int) -> str | None:
    """The ``soak`` argument for a wait of ``seconds``; None when it cannot be one (zero, over 24h)."""
    return soak_text(seconds) if 0 < seconds <= SOAK_MAX else None


def without_soak(skel: str) -> str:
    """The skeleton without the soak phrase, so that its number is not read as anything else; a soak "between
    stages" / "after each" still asks for stages."""
    return _SOAK.sub(lambda m: " in stages " if re.search(_EACH, m.group(0)) else " ", skel, count=1)


def without_stage_words(skel: str) -> str:
    """The skeleton without the stage list, so that it is not read as an environment filter."""
    return _STAGE_ENV.sub(" ", skel) if _STAGED.search(skel) else skel


def autoscale_range(skel: str) -> tuple[int | None, int | None]:
    m = _BETWEEN.search(skel)
    if m:
        a, b = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(3), m.group(4))
        return int(a), int(b)
    lo, hi = _MIN.search(skel), _MAX.search(skel)
    return (int(lo.group(1)) if lo else None), (int(hi.group(1)) if hi else None)


def bad_number(skel: str) -> tuple[str, str] | None:
    """(the number as written, what it was for) when a count cannot be right: negative, zero or absurd."""
    m = _NEGATIVE.search(skel)
    if m:
        return f"-{m.group(1)}", "negative"
    for m in _REPLICA_NUMBER.finditer(skel):
        n = int(m.group(1) or m.group(2))
        if n == 0 or n > 100:
            return str(n), "replicas"
    for m in _COUNT_NUMBER.finditer(skel):
        n = int(m.group(1))
        if n == 0 or n > 100:
            return str(n), "clusters"
    return None


def until(skel: str, now: datetime | None = None) -> str | None:
    """When a freeze ends: a relative span ("3d") or an ISO time computed from weekday words (UTC)."""
    m = _FOR.search(skel)
    if m:
        if m.group(1):
            n, unit = int(m.group(1)), m.group(2)[0]
        else:
            n, unit = 1, m.group(3)[0]
        return f"{n * 7}d" if unit == "w" else f"{n}{unit}"
    m = _UNTIL.search(skel)
    if not m:
        return None
    word = m.group(1)
    if re.match(r"\d{4}-", word):
        return word.upper() if "t" in word else word
    now = now or datetime.now(UTC)
    today = now.date()
    if word in ("today", "tonight"):
        day = today
    elif word == "tomorrow":
        day = today + timedelta(days=1)
    elif word in _WEEKDAYS:
        ahead = (_WEEKDAYS.index(word) - today.weekday()) % 7 or 7
        day = today + timedelta(days=ahead)
    elif word.endswith("week"):
        day = today + timedelta(days=(4 - today.weekday()) % 7)
        return _at(day, 23, 59)
    elif word.endswith("month"):
        nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        return _at(nxt - timedelta(days=1), 23, 59)
    else:
        return _at(today, 23, 59)
    clock = _CLOCK.search(skel[m.end():m.end() + 20])
    if clock:
        if clock.group(1):
            h = int(clock.group(1)) % 12 + (12 if clock.group(3) == "pm" else 0)
            return _at(day, h, int(clock.group(2) or 0))
        return _at(day, int(clock.group(4)), int(clock.group(5)))
    return _at(day, 23, 59) if word == "tonight" else day.isoformat()


def _at(day: date, hour: int, minute: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00Z"


def freeze_environments(skel: str) -> list[str] | None:
    """Environments a freeze covers; every one for "the fleet" / "everything"; None when not said."""
    envs = slots.all_environments(skel)
    if envs:
        return [e for e in ENV_ORDER if e in envs]
    if re.search(r"\b(?:everything|every environment|all environments|all envs|the (?:whole |entire )?fleet|"
                 r"all (?:changes|deploys|deployments)|fleet[- ]wide|everywhere)\b", skel):
        return list(ENV_ORDER)
    return None
