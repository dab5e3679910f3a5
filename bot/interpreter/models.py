"""Find model mentions in text and resolve them against the KAITO catalog.

A mention starts at a family word (phi, llama, qwen, gemma, ...) or an org (``microsoft/``,
``meta llama``) and runs over model-ish tokens (versions, sizes, variant words). Resolution: the
catalog's own lookup (preset id, legacy alias, unique prefix) first, then token signatures, so that
"llama 3.1 8b", "qwen coder 7b" and "mistral 7b instruct" resolve while "llama" or "gemma 3" come back
ambiguous with their candidates and "phi-5" comes back unknown with suggestions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.interpreter.fuzzy import distance
from tools.catalog import Catalog, Model

_SPLIT = re.compile(r"[\s\-_/]+")
_GLUED = re.compile(r"^([a-z]{3,})(\d[\d.]*)$")  # qwen2.5 -> qwen 2.5, phi4 -> phi 4
_MODELISH = re.compile(
    r"^(v?\d+(\.\d+)*[a-z]?|\d+(\.\d+)?[bkm]|[a-z]\d+(\.\d+)?[a-z]?\d*|[a-z]{1,2}\d+[a-z]?\d*)$"
)
_VERSIONISH = re.compile(r"^[a-z]?\d+$")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9._/+\-]*[a-z0-9]|[a-z0-9]")
ORG_WORDS = frozenset({
    "microsoft", "meta", "meta-llama", "google", "openai", "mistralai", "nvidia", "qwen", "ibm",
    "ibm-granite", "deepseek-ai", "moonshotai", "moonshot", "minimaxai", "zai-org", "tiiuae",
})
_FILLER = frozenset({"instruct", "it"})
MAX_OPTIONS = 6
_RESOLVED_MAX = 4096  # mentions resolved and remembered per matcher


@dataclass(frozen=True)
class ModelMatch:
    kind: str  # exact | ambiguous | unknown
    mention: str
    preset: str | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    match: ModelMatch


def tokens(name: str) -> list[str]:
    out: list[str] = []
    for part in _SPLIT.split(name.lower()):
        if not part:
            continue
        m = _GLUED.match(part)
        out.extend((m.group(1), m.group(2)) if m else (part,))
    return out


# words that make a different model, not a spelling of the same one: never added silently
VARIANT_WORDS = frozenset({"coder", "code", "mini", "medium", "small", "large", "nano", "super", "ultra", "distill",
                           "cascade", "flash", "pro", "vision", "vl", "math", "guard", "chat", "base"})


@dataclass(frozen=True)
class _Sig:
    model: Model
    toks: frozenset[str]
    heads: frozenset[str]
    org: frozenset[str] = frozenset()


def _unsaid_variant(sig: _Sig, said: set[str]) -> bool:
    return bool((sig.toks & VARIANT_WORDS) - said)


class ModelMatcher:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._resolved: dict[str, ModelMatch] = {}
        self._sigs: list[_Sig] = []
        heads: set[str] = set()
        variants: set[str] = set()
        for m in catalog.models:
            names = [m.short, *m.aliases]
            toks: set[str] = set()
            mheads: set[str] = set()
            for n in names:
                t = tokens(n)
                toks.update(t)
                mheads.add(t[0])
                if t[0] in ORG_WORDS and len(t) > 1 and t[1].isalpha():
                    mheads.add(t[1])
            org = m.preset.split("/", 1)[0].lower() if "/" in m.preset else ""
            orgt = set(tokens(org)) - toks
            self._sigs.append(_Sig(m, frozenset(toks | orgt), frozenset(mheads), frozenset(orgt)))
            heads |= mheads
            variants |= {t for t in toks if t.isalpha()}
        self.heads = frozenset(heads)
        self.variants = frozenset(variants - (ORG_WORDS - heads) - {"ai", "org", "zai"})

    # --- resolution -----------------------------------------------------------------------------
    def resolve(self, mention: str) -> ModelMatch:
        """What ``mention`` names (remembered per matcher: the same words come back turn after turn)."""
        match = self._resolved.get(mention)
        if match is None:
            if len(self._resolved) >= _RESOLVED_MAX:
                self._resolved.clear()
            match = self._resolved[mention] = self._resolve(mention)
        return match

    def _resolve(self, mention: str) -> ModelMatch:
        hit = self.catalog.get(mention)
        if hit is not None:
            return ModelMatch("exact", mention, hit.preset, (hit.preset,))
        toks = [t for t in tokens(mention) if t not in ORG_WORDS or t in self.heads]
        if not toks:
            return ModelMatch("unknown", mention)
        head, rest = toks[0], [t for t in toks[1:]]
        exact: list[_Sig] = []
        loose: list[_Sig] = []
        for sig in self._sigs:
            if head not in sig.heads:
                continue
            ok, prefix_used = True, False
            for t in rest:
                if t in sig.toks or (t in _FILLER and sig.toks & _FILLER):
                    continue
                if _VERSIONISH.match(t) and any(s.startswith(t + ".") for s in sig.toks):
                    prefix_used = True
                    continue
                ok = False
                break
            if ok:
                (loose if prefix_used else exact).append(sig)
        cands = exact or loose
        if len(cands) == 1:
            if _unsaid_variant(cands[0], set(toks)):  # "qwen2.5-7b-instruct" is not Qwen2.5-Coder-7B: ask
                return ModelMatch("unknown", mention, None, (cands[0].model.preset,))
            return ModelMatch("exact", mention, cands[0].model.preset, (cands[0].model.preset,))
        if len(cands) > 1:
            best = self._clear_best(cands, set(toks))
            if best is not None:
                return ModelMatch("exact", mention, best.preset, (best.preset,))
            return ModelMatch("ambiguous", mention, None, tuple(s.model.preset for s in cands))
        return ModelMatch("unknown", mention, None, tuple(self.suggest(mention, head)))

    @staticmethod
    def _clear_best(cands: list[_Sig], said: set[str]) -> Model | None:
        """One candidate needing clearly fewer unsaid words than all others ("deepseek r1")."""
        extra = sorted(((len(s.toks - s.org - said - _FILLER), i) for i, s in enumerate(cands)))
        if extra[0][0] <= 1 and extra[1][0] - extra[0][0] >= 2:
            return cands[extra[0][1]].model
        return None

    def suggest(self, mention: str, head: str | None = None, n: int = 3) -> list[str]:
        out = list(self.catalog.suggest(mention, n=n))
        if head:
            for s in self._sigs:
                if head in s.heads and s.model.preset not in out and len(out) < n:
                    out.append(s.model.preset)
        return out[:n]

    def family(self, head: str) -> list[str]:
        return [s.model.preset for s in self._sigs if head in s.heads]

    # --- finding mentions in text -----------------------------------------------------------------
    def starts_mention(self, tok: str) -> bool:
        """Whether a token begins like a model name (a family word or an org prefix)."""
        return self._starts(tok)

    def _starts(self, tok: str) -> bool:
        parts = tokens(tok)
        if not parts:
            return False
        if parts[0] in self.heads:
            return True
        return "/" in tok and tok.split("/", 1)[0] in ORG_WORDS

    def _continues(self, tok: str) -> bool:
        parts = tokens(tok)
        return bool(parts) and all(p in self.variants or _MODELISH.match(p) for p in parts)

    def _misspelt_head(self, tok: str, nxt: str | None) -> str | None:
        """The family word a token misspells ("lama 3.1 8b", "mistal-7b"), if a version/size follows."""
        parts = tokens(tok)
        head = parts[0] if parts else ""
        if len(head) < 4 or not head.isalpha() or head in self.heads:
            return None
        if not (len(parts) > 1 or (nxt is not None and _MODELISH.match(tokens(nxt)[0] if tokens(nxt) else ""))):
            return None
        near = [h for h in self.heads if len(h) >= 4 and distance(head, h, 1) <= 1]
        return near[0] if len(near) == 1 else None

    def find(self, low: str) -> list[Mention]:
        """Model mentions in lower-cased text, left to right, spans as character offsets."""
        toks = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(low)]
        out: list[Mention] = []
        i = 0
        while i < len(toks):
            t = toks[i][2]
            first = i
            typo = None
            if t in ORG_WORDS and "/" not in t and i + 1 < len(toks) and self._starts(toks[i + 1][2]):
                i += 1  # "meta llama 3.1 8b", "google gemma 3"
            elif not self._starts(t):
                typo = self._misspelt_head(t, toks[i + 1][2] if i + 1 < len(toks) else None)
                if typo is None:
                    i += 1
                    continue
            j = i + 1
            while j < len(toks) and toks[j][0] - toks[j - 1][1] <= 1 and self._continues(toks[j][2]):
                j += 1
            if typo is not None:  # a misspelt family word: never resolved silently, offered instead
                said = low[toks[first][0]:toks[j - 1][1]]
                fixed = self.resolve(typo + said[len(tokens(t)[0]):])
                hints = (fixed.preset,) if fixed.kind == "exact" and fixed.preset else (fixed.options or tuple(self.family(typo)))
                out.append(Mention(toks[first][0], toks[j - 1][1], ModelMatch("unknown", said, None, hints[:3])))
                i = j
                continue
            match = None
            for k in range(j, i, -1):  # longest span that resolves
                text = low[toks[first][0]:toks[k - 1][1]]
                r = self.resolve(text)
                if r.kind == "exact":
                    match, j = r, k
                    break
                if match is None:
                    match = r
            assert match is not None
            out.append(Mention(toks[first][0], toks[j - 1][1], match))
            i = j
        return out
