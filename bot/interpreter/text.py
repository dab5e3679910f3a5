"""Normalise a Slack message into plain text the rules can read.

``normalize(raw)`` returns :class:`Text`: ``clean`` (Slack markup removed, case kept — user ids and
model ids need it) and ``low`` (lower case, contractions expanded, numbers in words as digits).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.interpreter import lexicon as lx

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#C[A-Z0-9]+(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(?:subteam\^[A-Z0-9]+(?:\|([^>]*))?|[a-z]+(?:\|[^>]*)?)>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_FENCE = re.compile(r"```(?:[a-z]*\n)?(.*?)```", re.S)
_TICK = re.compile(r"`([^`]*)`")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w])_([^_\n]+)_(?![\w])")
_STRIKE = re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])")
_EMOJI = re.compile(r":[a-z0-9_+\-]+:")
_LEAD_AT = re.compile(r"^\s*@[\w.\-]+[\s,:]+")
_SPACES = re.compile(r"\s+")
_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u2026": "...",
    "\u2013": " - ", "\u2014": " - ", "\u2212": "-", "\u2192": " to ", "\u00d7": "x",
})
_CONTRACTIONS = (
    (r"\b(what|where|who|how|it|that|there|here|which|when|why)'s\b", r"\1 is"),
    (r"\b(what|where|who|how|which)s\b", r"\1 is"),
    (r"\b(what|where|who|how|which)'re\b", r"\1 are"),
    (r"\blet'?s\b", "lets"),
    (r"\bcan'?t\b", "cannot"), (r"\bwon'?t\b", "will not"), (r"\bdon'?t\b", "do not"),
    (r"\bdoesn'?t\b", "does not"), (r"\bisn'?t\b", "is not"), (r"\baren'?t\b", "are not"),
    (r"\bdidn'?t\b", "did not"), (r"\bi'm\b", "i am"), (r"\bi'd\b", "i would"),
    (r"\bi've\b", "i have"), (r"\bwe're\b", "we are"), (r"\byou're\b", "you are"),
    (r"\b(\w[\w.\-]*)'s\b", r"\1"),  # possessive: phi4-chat's model
    (r"\bw/o\b", "without"), (r"\bw/", "with "), (r"\bthru\b", "through"),
    (r"\bpls\b|\bplz\b", "please"), (r"\bu\b", "you"), (r"\br\b(?= \w)", "are"),
)
_CONTRACTIONS_RX = [(re.compile(p), r) for p, r in _CONTRACTIONS]
_NUM_PHRASES = [(re.compile(rf"\b{re.escape(p)}\b"), d) for p, d in lx.NUMBER_PHRASES]
_TENS_UNITS = re.compile(
    rf"\b({'|'.join(lx.TENS)})(?:[\s\-]+({'|'.join(k for k in lx.UNITS if lx.UNITS[k] < 10)}))?\b"
)
_GPU_HYPHEN = re.compile(r"\b(a|h|l)(?:-|(?<=h) )(10g|100|10|200|4)(?=s?\b)")
_UNIT_WORD = re.compile(rf"\b(\w+\s+)?({'|'.join(lx.UNITS)})\b(?=(\s+\w)?)")


@dataclass(frozen=True)
class Text:
    raw: str
    clean: str  # markup removed, original case
    low: str  # lower case, contractions expanded, numbers as digits
    mentions: tuple[str, ...] = ()  # Slack user ids mentioned (not the leading bot mention)


def strip_slack(raw: str) -> tuple[str, tuple[str, ...]]:
    """Remove Slack markup; return the text and the user ids mentioned after the leading mention."""
    s = raw.translate(_TRANSLATE)
    s = _FENCE.sub(lambda m: " " + m.group(1) + " ", s)
    s = _TICK.sub(lambda m: m.group(1), s)
    # a mention at the very start addresses the bot; later ones are people being talked about
    s = s.lstrip()
    while (m := _MENTION.match(s)) is not None:
        s = s[m.end():].lstrip(" ,:")
    mentions = tuple(dict.fromkeys(_MENTION.findall(s)))
    s = _MENTION.sub(lambda m: m.group(1), s)
    s = _CHANNEL.sub(lambda m: ("#" + m.group(1)) if m.group(1) else "", s)
    s = _SPECIAL.sub(lambda m: m.group(1) or "", s)
    s = _LINK.sub(lambda m: m.group(2) or m.group(1), s)
    s = html.unescape(s)
    for rx in (_BOLD, _ITALIC, _STRIKE):
        s = rx.sub(lambda m: m.group(1), s)
    s = _EMOJI.sub(" ", s)
    s = _LEAD_AT.sub("", s)
    return _SPACES.sub(" ", s).strip(), mentions


def words_to_numbers(low: str) -> str:
    """'two clusters' -> '2 clusters', 'a couple of' -> '2', 'twenty four' -> '24'."""
    for rx, digit in _NUM_PHRASES:
        low = rx.sub(digit, low)
    low = _TENS_UNITS.sub(lambda m: str(lx.TENS[m.group(1)] + (lx.UNITS[m.group(2)] if m.group(2) else 0)), low)

    def unit(m: re.Match) -> str:
        before, word = m.group(1) or "", m.group(2)
        if word == "one" and (before.strip() in lx.ONE_KEEPERS
                              or (not m.group(3) and before.strip() not in lx.ONE_NUMERIC_BEFORE)):
            return m.group(0)
        return before + str(lx.UNITS[word])

    return _UNIT_WORD.sub(unit, low)


def normalize(raw: str) -> Text:
    clean, mentions = strip_slack(raw or "")
    low = clean.lower()
    for rx, rep in _CONTRACTIONS_RX:
        low = rx.sub(rep, low)
    low = words_to_numbers(low)
    low = re.sub(r"(?<=\w)-(based|only|side|wide|hosted)\b", r" \1", low)  # eu-based -> eu based
    low = _GPU_HYPHEN.sub(r"\1\2", low)  # h-100 -> h100, "h 100" -> h100, a-100s -> a100s
    low = _SPACES.sub(" ", low).strip()
    return Text(raw=raw or "", clean=clean, low=low, mentions=mentions)
