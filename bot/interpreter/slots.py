"""Filter and quantity slots read from a message skeleton: pure functions, one slot each.

Each returns ``None`` when the message does not say it, so that an argument the user did not give is
never invented.
"""
from __future__ import annotations

import re

from bot.interpreter import lexicon as lx

_GEO_MULTI = (
    (re.compile(r"\b(north america|united states|the states|u\.s\.a?\.?)"), "us"),
    (re.compile(r"\b(asia[- ]pacific|asia pac)\b"), "apac"),
)
_GEO_WORD = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(lx.GEO, key=len, reverse=True))
                       + r")(?![\w-])")
_ENV_WORD = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(lx.ENVIRONMENT, key=len,
                                                                               reverse=True)) + r")(?![\w])")
_NON_PROD = re.compile(r"\bnon[- ]?prod(uction)?\b")
_PROVIDER = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted({**lx.PROVIDER, **lx.UNSUPPORTED_PROVIDER},
                                                                       key=len, reverse=True)) + r")\b")
_GPU = re.compile(lx.GPU_PATTERN)
_NUM = r"(\d+)"
_COUNT = re.compile(r"\b(\d+)\s+(?:(?:[a-z0-9]+|REGION|ITYPE)\s+){0,4}?(?:clusters?|locations|sites|members|options|spots|places|candidates)\b")
_COUNT_REGIONS = re.compile(r"\b(\d+)\s+(?:different\s+|separate\s+|distinct\s+)?regions\b")
_REPLICAS = (
    re.compile(r"\b(\d+)\s+(?:\w+\s+)?(?:replicas?|copies|instances?|pods?|workers?)\b"),
    re.compile(r"\breplicas?\s*(?:=|:|to|of|count( of| to)?|at)?\s*(\d+)\b"),
    re.compile(r"\b(?:scale|resize)\b.*?\bto\s+(\d+)\b(?!\s*(?:h|d|w|clusters?|gpus?))"),
    re.compile(r"\bx\s?(\d+)\b(?= replicas?)"),
)
_COST = re.compile(
    r"(?:(under|below|less than|cheaper than|at most|max(?:imum)?|no more than|up to|<=?|within|"
    r"budget(?: of)?|not more than|not over|capped at|cap(?: of)?|limit(?: of)?)\s*)?"
    r"(\$\s*)?(\d+(?:\.\d+)?)\s*(\$|usd|dollars?|bucks)?\s*"
    r"(?:(?:/|per|an|a|each|every)\s*(?:node\s*)?(?:-\s*)?(?:hour|hr|h)\b|/\s*node\s*/\s*(?:hour|hr|h)\b)"
)
_COST_LOOSE = re.compile(
    r"\b(under|below|less than|cheaper than|at most|max(?:imum)?|no more than|up to|budget(?: of)?)\s*"
    r"(\$\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(?:usd|dollars?|bucks))"
)
_SINCE_N = re.compile(
    r"\b(?:last|past|previous|recent|within(?: the)?(?: last| past)?|in the (?:last|past)|over the(?: last| past)?|"
    r"for the (?:last|past)|since|the last|the past)\s+(\d+)\s*"
    r"(h|hrs?|hours?|d|days?|w|wks?|weeks?|m|mins?|minutes?|mo|months?)\b"
)
_SINCE_ONE = re.compile(r"\b(?:last|past|previous|this|the last|the past|in the last|in the past|an?|the)\s+"
                        r"(hour|day|week|month|24h|24 hours)\b")
_SINCE_BARE = re.compile(r"(?<![\w.$])(\d+)\s?(h|d|w|hrs?|hours|days|weeks|mins?|minutes)\b")
_SINCE_DATE = re.compile(r"\b(?:since|after|from)\s+(\d{4}-\d{2}-\d{2})\b")
_REVISION = re.compile(r"\b(?:revision|rev|version|v|r|release)\s*(?:number\s*|no\.?\s*|#\s*)?(\d+)\b")
_REVISION_TO = re.compile(r"\b(?:to|back to|at)\s+#?(\d+)\b(?!\s*(?:h|d|w|replicas?|clusters?|gpus?|%))")
_FIRST_REVISION = re.compile(r"\b(?:first|original|initial|very first)\s+(?:revision|version|rev|release)\b")
_CHANGE_ID = re.compile(
    r"\b(?:change(?:\s+request)?|cr|request|req|ticket|change-request)\s*(?:id|number|no\.?|num)?\s*[-#:]?\s*(\d+)\b"
    r"|(?<![\w])#(\d+)\b"
)
_LIMIT = re.compile(r"\b(?:last|latest|recent|top|first|most recent)\s+(\d+)\s+(?:\w+\s+)?"
                    r"(?:events?|entries|records?|rows?|actions?|items?|results?|lines?|changes?)\b"
                    r"|\blimit\s*(?:to|of|=|:)?\s*(\d+)\b")
_MIN_FREE = (
    re.compile(r"\b(?:at least|min(?:imum)?(?: of)?|>=)\s*(\d+)\s+(?:free|available|spare|idle|unused|open)?\s*"
               r"(?:[a-z0-9]+\s+)?(?:gpus?|cards|a10g?s?|a100s?|h100s?|h200s?|l4s?)\b"),
    re.compile(r"\b(\d+)\s*(?:\+|or more)\s+(?:free|available|spare|idle|unused)?\s*(?:[a-z0-9]+\s+)?"
               r"(?:gpus?|cards|a10g?s?|a100s?|h100s?|h200s?|l4s?)\b"),
    re.compile(r"\b(?:more than|over|>)\s*(\d+)\s+(?:free|available|spare|idle|unused)?\s*(?:[a-z0-9]+\s+)?"
               r"(?:gpus?|cards|a10g?s?|a100s?|h100s?|h200s?|l4s?)\b"),
    re.compile(r"\b(\d+)\s+(?:free|available|spare|idle|unused)\s+(?:[a-z0-9]+\s+)?"
               r"(?:gpus?|cards|a10g?s?|a100s?|h100s?|h200s?|l4s?)\b"),
)
_ANY_FREE = re.compile(r"\b(?:with|have|has|having|got)\s+(?:any\s+|some\s+)?(?:free|spare|idle|unused|available)\s+"
                       r"(?:gpus?|cards|a10g?s?|a100s?|h100s?|h200s?|l4s?)\b")


def geo(skel: str) -> str | None:
    for rx, g in _GEO_MULTI:
        if rx.search(skel):
            return g
    for m in _GEO_WORD.finditer(skel):
        w = m.group(1)
        if w == "us" and not _us_is_country(skel, m.start(), m.end()):
            continue
        return lx.GEO[w]
    return None


def _us_is_country(skel: str, a: int, b: int) -> bool:
    if skel[a - 1:a] in ("=", ":"):  # geo=us
        return True
    before = skel[:a].split()[-1:] or [""]
    after = skel[b:].split()[:1] or [""]
    if before[0] in lx.US_PRONOUN_BEFORE:
        return False
    return before[0] in lx.US_BEFORE or after[0].strip("?,.!") in lx.US_AFTER or not after[0]


def all_geos(skel: str) -> list[str]:
    found = [g for rx, g in _GEO_MULTI if rx.search(skel)]
    for m in _GEO_WORD.finditer(skel):
        if m.group(1) != "us" or _us_is_country(skel, m.start(), m.end()):
            found.append(lx.GEO[m.group(1)])
    return list(dict.fromkeys(found))


def all_environments(skel: str) -> list[str]:
    return list(dict.fromkeys(lx.ENVIRONMENT[m.group(1)] for m in _ENV_WORD.finditer(_NON_PROD.sub(" ", skel))))


def environment(skel: str) -> str | None:
    s = _NON_PROD.sub(" ", skel)
    m = _ENV_WORD.search(s)
    return lx.ENVIRONMENT[m.group(1)] if m else None


def provider(skel: str) -> str | None:
    m = _PROVIDER.search(skel)
    if not m:
        return None
    return lx.PROVIDER.get(m.group(1)) or lx.UNSUPPORTED_PROVIDER[m.group(1)]


def gpu(skel: str) -> str | None:
    m = _GPU.search(skel)
    return m.group(1).upper() if m else None


def count(skel: str) -> int | None:
    m = _COUNT.search(skel) or _COUNT_REGIONS.search(skel)
    return int(m.group(1)) if m else None


def replicas(skel: str) -> int | None:
    for rx in _REPLICAS:
        m = rx.search(skel)
        if m:
            return int(next(g for g in m.groups() if g and g.isdigit()))
    return None


def max_cost(skel: str) -> float | None:
    m = _COST.search(skel)
    if m:
        return float(m.group(3))
    m = _COST_LOOSE.search(skel)
    if m:
        return float(m.group(3) or m.group(4))
    return None


def prefer(skel: str) -> str | None:
    for pat, value in lx.PREFER:
        if re.search(pat, skel):
            return value
    return None


def since(skel: str) -> str | None:
    m = _SINCE_DATE.search(skel)
    if m:
        return m.group(1)
    m = _SINCE_N.search(skel) or _SINCE_BARE.search(skel)
    if m:
        return _span(int(m.group(1)), m.group(2))
    m = _SINCE_ONE.search(skel)
    if m:
        return {"hour": "1h", "day": "24h", "24h": "24h", "24 hours": "24h", "week": "7d",
                "month": "30d"}[m.group(1)]
    if re.search(r"\b(today|yesterday|since yesterday|overnight|last night)\b", skel):
        return "24h"
    if re.search(r"\b(this|past|last) fortnight\b", skel):
        return "14d"
    return None


def _span(n: int, unit: str) -> str:
    u = unit[0] if not unit.startswith("mo") else "mo"
    if u == "h":
        return f"{n}h"
    if u == "d":
        return "24h" if n == 1 else f"{n}d"
    if u == "w":
        return f"{7 * n}d"
    if u == "mo":
        return f"{30 * n}d"
    return f"{n}m"


def revision(skel: str) -> int | None:
    return revision_said(skel)[0]


def revision_said(skel: str) -> tuple[int | None, str | None]:
    """The revision number asked for and the words that said it ("rev 2")."""
    m = _FIRST_REVISION.search(skel)
    if m:
        return 1, m.group(0)
    m = _REVISION.search(skel) or _REVISION_TO.search(skel)
    return (int(m.group(1)), m.group(0)) if m else (None, None)


def change_id(skel: str) -> str | None:
    m = _CHANGE_ID.search(skel)
    return (m.group(1) or m.group(2)) if m else None


def limit(skel: str) -> int | None:
    m = _LIMIT.search(skel)
    return int(m.group(1) or m.group(2)) if m else None


def min_free_gpus(skel: str) -> int | None:
    for i, rx in enumerate(_MIN_FREE):
        m = rx.search(skel)
        if m:
            n = int(m.group(1))
            return n + 1 if i == 2 else n
    return 1 if _ANY_FREE.search(skel) else None


def first_status(skel: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for pat, value in table:
        if re.search(pat, skel):
            return value
    return None
