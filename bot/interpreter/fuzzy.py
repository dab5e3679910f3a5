"""Edit distances and close-match lookups, small and fast enough for per-message use, at any fleet size."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable


def distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours).

    Returns ``limit + 1`` as soon as the distance is known to exceed ``limit``.
    """
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        best = cur[0]
        ai = a[i - 1]
        for j in range(1, lb + 1):
            cost = 0 if ai == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < best:
                best = v
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


def allowed_edits(word: str) -> int:
    """How many edits a typo of ``word`` may have: 1 for short words, 2 from 8 characters."""
    return 1 if len(word) < 8 else 2


def closest(word: str, candidates: Iterable[str], limit: int) -> list[tuple[int, str]]:
    """Candidates within ``limit`` edits of ``word``, nearest first (ties keep input order)."""
    out = []
    for c in candidates:
        d = distance(word, c, limit)
        if d <= limit:
            out.append((d, c))
    out.sort(key=lambda t: t[0])
    return out


_SUFFIXES = frozenset({"s", "es", "er", "ers", "ing", "ment", "ments", "ly"})
_BASES = frozenset({"s", "es", "d", "ed", "r", "er", "ing"})


class TypoIndex:
    """Deletion-neighbourhood index (SymSpell style) over a keyword list: O(len) candidate lookup."""

    def __init__(self, words: Iterable[str]):
        self.words = frozenset(words)
        self._index: dict[str, set[str]] = {}
        for w in self.words:
            for k in self._deletes(w):
                self._index.setdefault(k, set()).add(w)

    @staticmethod
    def _deletes(w: str) -> set[str]:
        out = {w}
        for i in range(len(w)):
            out.add(w[:i] + w[i + 1:])
        return out

    def correct(self, token: str) -> str | None:
        """The single keyword ``token`` is a typo of, or None (unknown, exact, or ambiguous)."""
        if token in self.words or len(token) < 4:
            return None
        if any(token.startswith(w) and token[len(w):] in _SUFFIXES for w in self.words) or \
                any(w.startswith(token) and w[len(token):] in _BASES for w in self.words):
            return None  # an inflection of a keyword (rollbacks) or its base form (delete/deleted), not a typo
        cands: set[str] = set()
        for k in self._deletes(token):
            cands |= self._index.get(k, set())
        scored = sorted((distance(token, c, 2), c) for c in cands)
        scored = [(d, c) for d, c in scored if 0 < d <= allowed_edits(c)]
        if not scored:
            return None
        if len(scored) > 1 and scored[1][0] == scored[0][0]:
            # "cluster"/"clusters" style near-duplicates: prefer the one sharing the last letter
            same = [c for d, c in scored if d == scored[0][0] and c[-1] == token[-1]]
            return same[0] if len(same) == 1 else None
        return scored[0][1]


_RUN = re.compile(r"[\w./-]+")  # where a name can be: not preceded by [\w./-] (entities._B_OPEN)
_WORDCHAR = re.compile(r"\w")


def _bigrams(w: str) -> set[str]:
    return {w[i:i + 2] for i in range(len(w) - 1)}


class NameIndex:
    """The fleet's names, indexed so that a message costs what its length costs, not the fleet's size.

    ``spot(s)``: the names in ``s``, as a regex alternation of every name bounded by ``entities._B_OPEN``
    and ``_B_CLOSE`` finds them (longest first), by looking up the runs of name characters in a dict.
    ``closest(word, limit)``: what ``closest(word, names, limit)`` returns, comparing ``word`` only with
    names of a near length that share enough distinct bigrams with it: each edit (insert, delete,
    substitute, swap neighbours) removes at most 3 of ``word``'s bigrams, so a name within ``limit``
    edits shares at least ``len(bigrams(word)) - 3 × limit`` of them.
    """

    def __init__(self, names: Iterable[str]):
        self.names = tuple(dict.fromkeys(names))
        self._set = frozenset(self.names)
        self._by_len: dict[int, list[int]] = {}
        self._postings: dict[str, list[int]] = {}
        for i, n in enumerate(self.names):
            self._by_len.setdefault(len(n), []).append(i)
            for g in _bigrams(n):
                self._postings.setdefault(g, []).append(i)

    def spot(self, s: str) -> list[tuple[int, int, str]]:
        """(start, end, name) of every name in ``s``, left to right."""
        out: list[tuple[int, int, str]] = []
        names = self._set
        for run in _RUN.finditer(s):
            a, b = run.span()
            ends = [b] + [k for k in range(b - 1, a, -1)
                          if s[k] == "." and not (k + 1 < len(s) and _WORDCHAR.match(s, k + 1))]
            for k in ends:  # longest first; a dot ends a name only when no word character follows it
                if s[a:k] in names:
                    out.append((a, k, s[a:k]))
                    break
        return out

    def closest(self, word: str, limit: int) -> list[tuple[int, str]]:
        n = len(word)
        window = [i for ln in range(n - limit, n + limit + 1) for i in self._by_len.get(ln, ())]
        grams = _bigrams(word)
        need = len(grams) - 3 * limit
        if need > 0:
            shared: Counter[int] = Counter()
            for g in grams:
                shared.update(self._postings.get(g, ()))
            window = [i for i in window if shared[i] >= need]
        window.sort()
        return closest(word, (self.names[i] for i in window), limit)
