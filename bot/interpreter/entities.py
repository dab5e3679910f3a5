"""Spot the fleet's names in a message and reduce it to a skeleton the intent rules can read.

``extract(text, vocab)`` finds (in this order, each span then masked by an upper-case placeholder):
user ids (ACTOR), instance types (ITYPE), cluster and deployment names (CLUSTER, DEPNAME), a new
deployment name ("as coder-eu": NEWNAME), regions (REGION), model mentions (MODEL), name-like tokens
that are not in the fleet (UNKNOWN, with the closest real names), and fixes typos of keywords.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from bot.interpreter import fuzzy
from bot.interpreter import lexicon as lx
from bot.interpreter.models import ModelMatch
from bot.interpreter.text import Text
from bot.interpreter.vocabulary import Vocabulary

_B_OPEN = r"(?<![\w./-])"
_B_CLOSE = r"(?![\w/-]|\.\w)"
_USER_ID = re.compile(r"\b([UW][A-Z0-9]{6,12})\b")
_NEW_NAME = re.compile(
    r"\b(as|named|called|call it|name it|name:|name|with name|with the name|under the name|name of)\s+[\"']?"
    r"([a-z0-9][a-z0-9-]{0,62})\b(?![./])"
)
# words that follow "as" in ordinary English, never a deployment name ("as well", "as soon as possible")
_AS_WORDS = frozenset({
    "well", "soon", "usual", "before", "always", "possible", "fast", "quickly", "needed", "required", "planned",
    "discussed", "agreed", "expected", "requested", "asked", "normal", "default", "is", "it", "one", "such",
    "long", "much", "many", "far", "few", "little", "good", "the", "a", "an", "per", "of", "part",
    "replicas", "replica", "backup", "primary", "canary", "test", "last", "previous", "same",
})
_NAMEISH = re.compile(r"(?<![\w./-])([a-z][a-z0-9]*(?:-[a-z0-9]+)+|[a-z]+\d[a-z0-9]*[a-z][a-z0-9]*)(?![\w/-]|\.\w)")
_TICKET = re.compile(r"^(?:cr|change|req|request|pr|ticket|rev|revision|v|r)-?\d+$")
_CLUSTER_NAME = re.compile(r"^(?:aks|eks|gke|k8s|kind)-|-(?:prod|staging|stage|dev|test)-\d+$")
_CLUSTERISH = re.compile(r"^(aks|eks|gke|k8s|kind|cluster)-|-(prod|staging|stage|dev|test)(-\d+)?$|-\d+$")
_WORD = re.compile(r"(?<![\w\-./])[a-z]{5,}(?![\w\-/])")
_REGION_WORDS = (
    "north", "south", "east", "west", "central", "northeast", "southeast", "northwest", "southwest",
    "us", "usa", "europe", "eu", "india", "japan", "sweden", "uk", "france", "germany", "australia",
    "brazil", "canada", "korea", "asia", "uae", "norway", "switzerland", "qatar", "italy", "poland",
    "israel", "mexico", "spain", "ap", "sa", "ca", "me", "af", "il",
)
_NOT_NAMES = frozenset({
    "pre-prod", "non-prod", "multi-region", "geo-redundant", "self-approve", "auto-approve",
    "follow-up", "co-located", "high-availability", "roll-out", "roll-back", "re-deploy", "un-deploy",
    "kube-system", "set-up", "spin-up", "cost-effective", "low-cost", "lowest-cost", "x-large",
    "up-to-date", "in-place", "blue-green", "real-time", "right-now", "pre-approved", "break-glass",
    "asia-pacific", "per-hour", "per-node", "node-hour", "force-deploy", "dry-run",
})


@dataclass(frozen=True)
class Unknown:
    token: str
    close: tuple[str, ...]  # nearest fleet names (clusters and deployments), nearest first
    distance: int  # edits to the nearest (99 when none is close)
    clusterish: bool


@dataclass
class Entities:
    text: Text
    skel: str
    clusters: list[str] = field(default_factory=list)
    deployments: list[str] = field(default_factory=list)
    models: list[ModelMatch] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)
    instance_types: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    new_name: str | None = None
    corrected: dict[str, str] = field(default_factory=dict)

    @property
    def fixed_low(self) -> str:
        """The lower-cased text with keyword typos fixed ("aprove" -> "approve")."""
        low = self.text.low
        for bad, good in self.corrected.items():
            low = re.sub(rf"\b{re.escape(bad)}\b", good, low)
        return low


@dataclass(frozen=True)
class _Matchers:
    names: fuzzy.NameIndex  # cluster and deployment names (lower case): spotted and matched by lookup
    itypes: re.Pattern | None
    regions: re.Pattern | None
    region_of: dict[str, str]
    typos: fuzzy.TypoIndex
    all_names: tuple[str, ...]
    canon_itype: dict[str, str]
    canon_name: dict[str, str]


def _segment(name: str) -> list[str] | None:
    """'southcentralus' -> ['south', 'central', 'us'] (None if it does not split into known words)."""
    parts = [p for p in re.split(r"[-_\s]+", name.lower()) if p]
    out: list[str] = []
    for p in parts:
        rest, seg = p, []
        while rest:
            m = re.match(r"\d+", rest)
            if m:
                seg.append(m.group(0))
                rest = rest[m.end():]
                continue
            w = next((w for w in sorted(_REGION_WORDS, key=len, reverse=True) if rest.startswith(w)), None)
            if w is None:
                return None
            seg.append(w)
            rest = rest[len(w):]
        out.extend(seg)
    return out


def _alternation(words: list[str]) -> re.Pattern | None:
    if not words:
        return None
    alts = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(f"{_B_OPEN}({alts}){_B_CLOSE}")


def _build(vocab: Vocabulary) -> _Matchers:
    return _build_cached(tuple(vocab.clusters), tuple(vocab.deployments), vocab.instance_types, vocab.regions)


@lru_cache(maxsize=16)
def _build_cached(clusters: tuple[str, ...], deployments: tuple[str, ...], instance_types: tuple[str, ...],
                  region_names: tuple[str, ...]) -> _Matchers:
    """Compiled once per distinct set of fleet names (a new snapshot with the same names reuses it)."""
    names = [n.lower() for n in (*clusters, *deployments)]
    region_alts, region_of = [], {}
    for r in region_names:
        seg = _segment(r)
        pat = r"[\s-]?".join(re.escape(s) for s in seg) if seg and len(seg) > 1 else re.escape(r.lower())
        region_alts.append(pat)
        region_of[re.sub(r"[\s-]", "", r.lower())] = r
    regions = (re.compile(rf"{_B_OPEN}({'|'.join(sorted(region_alts, key=len, reverse=True))}){_B_CLOSE}")
               if region_alts else None)
    return _Matchers(
        names=fuzzy.NameIndex(names),
        itypes=_alternation([t.lower() for t in instance_types]),
        regions=regions, region_of=region_of,
        typos=fuzzy.TypoIndex([*lx.KEYWORDS, *(r.lower() for r in region_names if r.isalpha())]),
        all_names=tuple(names),
        canon_itype={t.lower(): t for t in instance_types},
        canon_name={n.lower(): n for n in (*deployments, *clusters)},
    )


def _mask(s: str, spans: list[tuple[int, int]], tag: str) -> str:
    for a, b in sorted(spans, reverse=True):
        s = s[:a] + tag + s[b:]
    return s


def _names_without_fleet(s: str, ent: Entities, vocab: Vocabulary) -> str:
    """Without fleet facts, a name-like token that is no known model is taken as a cluster or deployment."""
    spans = []
    for m in _NAMEISH.finditer(s):
        tok = m.group(1)
        if tok in _NOT_NAMES or _TICKET.match(tok) or vocab.matcher.starts_mention(tok):
            continue
        cluster = bool(_CLUSTER_NAME.search(tok))
        (ent.clusters if cluster else ent.deployments).append(tok)
        spans.append((m.start(), m.end(), "CLUSTER" if cluster else "DEPNAME"))
    for a, b, tag in sorted(spans, reverse=True):
        s = s[:a] + tag + s[b:]
    return s


def extract(text: Text, vocab: Vocabulary) -> Entities:
    mx: _Matchers = vocab.derived("entities", _build)
    s = text.low
    ent = Entities(text=text, skel=s)

    ids = [*text.mentions, *(m for m in _USER_ID.findall(text.clean) if any(ch.isdigit() for ch in m))]
    ent.actors = list(dict.fromkeys(ids))
    if ent.actors:
        rx = re.compile(r"\b(" + "|".join(re.escape(a.lower()) for a in ent.actors) + r")\b")
        s = rx.sub("ACTOR", s)

    canon_itype, canon_name = mx.canon_itype, mx.canon_name
    if mx.itypes is not None:
        found = list(mx.itypes.finditer(s))
        ent.instance_types = list(dict.fromkeys(canon_itype[m.group(1)] for m in found))
        s = _mask(s, [m.span() for m in found], "ITYPE")
    if mx.names.names:
        tagged = []
        for start, end, low in mx.names.spot(s):
            name = canon_name[low]
            if name in vocab.clusters:
                ent.clusters.append(name)
                tagged.append((start, end, "CLUSTER"))
            else:
                ent.deployments.append(name)
                tagged.append((start, end, "DEPNAME"))
        ent.clusters = list(dict.fromkeys(ent.clusters))
        ent.deployments = list(dict.fromkeys(ent.deployments))
        for a, b, tag in sorted(tagged, reverse=True):
            s = s[:a] + tag + s[b:]

    def fix(m: re.Match) -> str:
        w = m.group(0)
        if w in lx.NOT_TYPOS:
            return w
        good = mx.typos.correct(w)
        if good is None:
            return w
        ent.corrected[w] = good
        return good

    s = _WORD.sub(fix, s)

    named = _NEW_NAME.search(s)
    if named and named.group(2) not in _NOT_NAMES and (
        named.group(1) not in ("as", "name") or re.search(r"[-\d]", named.group(2))
        or (named.group(1) == "as" and named.group(2) not in _AS_WORDS and len(named.group(2)) >= 3
            and re.match(r"\s*(?:$|[,.;!?]|(?:on|to|in|onto|with|across|for|please|using)\b)", s[named.end(2):]))
    ):
        ent.new_name = named.group(2)
        s = s[:named.start(2)] + "NEWNAME" + s[named.end(2):]

    if mx.regions is not None:
        found = list(mx.regions.finditer(s))
        ent.regions = list(dict.fromkeys(mx.region_of.get(re.sub(r"[\s-]", "", f.group(1)), f.group(1))
                                         for f in found))
        s = _mask(s, [f.span() for f in found], "REGION")

    if not vocab.has_fleet:  # no fleet to check against (unreachable): take names as given
        s = _names_without_fleet(s, ent, vocab)
    mentions = vocab.matcher.find(s)
    ent.models = [mm.match for mm in mentions]
    s = _mask(s, [(mm.start, mm.end) for mm in mentions], "MODEL")

    unknown_spans = []
    for m in _NAMEISH.finditer(s):
        tok = m.group(1)
        if tok in _NOT_NAMES or _TICKET.match(tok):
            continue
        limit = max(2, len(tok) // 5)
        close = mx.names.closest(tok, limit)
        clusterish = bool(_CLUSTERISH.search(tok))
        if close or clusterish:
            names = tuple(canon_name.get(c, c) for _, c in close[:4])
            ent.unknown.append(Unknown(tok, names, close[0][0] if close else 99, clusterish))
            unknown_spans.append((m.span(), "UNKNOWN"))
    for (a, b), tag in sorted(unknown_spans, reverse=True):
        s = s[:a] + tag + s[b:]
    ent.skel = re.sub(r"\s+", " ", s).strip()
    return ent
