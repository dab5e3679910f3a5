"""Answers to a question the interpreter asked: "the 8b one", "yes", "coder-assist", "revision 1".

The thread's turns are plain (role, text). When the last assistant turn was a question and the new
message is a fragment (names, numbers, filter words, yes/no — no verb of its own), the earlier request
is re-read with the answer folded in: the answer picks one of the question's options and replaces the
words that were unclear, or is appended. The completed request then goes through the same rules.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from bot.interpreter import lexicon as lx
from bot.interpreter import messages as msg
from bot.interpreter.decision import Decision
from bot.interpreter.entities import extract
from bot.interpreter.intent import is_affirmation, is_negation, strip_polite
from bot.interpreter.models import tokens
from bot.interpreter.rules import decide
from bot.interpreter.text import normalize
from bot.interpreter.vocabulary import Vocabulary
from tools.catalog import default_catalog

USER_ROLES = ("user", "human")
BOT_ROLES = ("assistant", "ai", "bot")
MAX_DEPTH = 3
_FILLER = frozenset(
    ["the", "a", "an", "one", "ones", "please", "thanks", "thank", "you", "yes", "yeah", "yep", "yup", "ok", "okay", "sure", "no", "nope", "i", "mean", "meant", "it", "that", "this", "to", "on", "in", "at", "with", "and", "or", "of", "for", "use", "using", "go", "cluster", "clusters", "deployment", "deployments", "model", "models", "version", "revision", "rev", "number", "replicas", "replica", "copies", "instances", "first", "second", "third", "last", "latest", "previous", "option", "oh", "sorry", "actually", "like", "just", "only", "all", "everywhere", "there", "instead", "then", "lets", "called", "named", "as", "name", "is", "was", "one's", "do", "correct", "right", "exactly", "y", "n", "the,", "per", "hour", "hr", "h", "dollars", "usd", "bucks", "under", "max", "at", "most"]
) | frozenset(lx.ENVIRONMENT) | frozenset(lx.GEO) | frozenset(lx.PROVIDER)
_PLACEHOLDER = re.compile(r"^[A-Z]+$")
_SIZEISH = re.compile(r"^(\d+(\.\d+)?[a-z]?|[a-z]?\d+[a-z]?|\$\d+(\.\d+)?|#\d+|a10g?s?|a100s?|h100s?|h200s?|l4s?)$")
_PRONOUN = re.compile(rf"(?:{lx.PRONOUNS})")
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1}


def is_fragment(text: str, vocab: Vocabulary, options: Sequence[str] = ()) -> bool:
    """True when ``text`` has no request of its own: only names, numbers, filter words, yes/no, or
    words of the options offered."""
    ent = extract(normalize(text), vocab)
    words = [w.strip(".,!?") for w in re.findall(r"[A-Za-z0-9$#.\-]+", strip_polite(ent.skel))]
    offered = {t for o in options for t in tokens(o)}
    return all(_PLACEHOLDER.match(w) or w in _FILLER or w in offered or _SIZEISH.match(w) for w in words)


def pick(answer: str, options: Sequence[str]) -> list[str]:
    """The options the answer designates (by name, by distinguishing words, or by position)."""
    low = normalize(answer).low.strip(" .!?")
    for o in options:
        if low == o.lower() or low == o.lower().split("/")[-1]:
            return [o]
    for word, idx in _ORDINALS.items():
        if re.search(rf"\b{word}\b", low) and options:
            return [options[idx]] if -len(options) <= idx < len(options) else []
    words = _content_words(low)
    if not words:
        return []
    said = default_catalog().get(" ".join(words))
    if said is not None and said.preset in options:
        return [said.preset]
    return [o for o in options if all(w in tokens(o) for w in words)]


def _content_words(low: str) -> list[str]:
    return [w for w in tokens(low) if w not in _FILLER]


def _substitute(request: str, span: str | None, choice: str) -> str:
    if span:
        rx = re.compile(re.escape(span), re.I)
        for base in (normalize(request).clean, normalize(request).low):
            if rx.search(base):
                return rx.sub(lambda _m: choice, base, count=1)
    return f"{request} {choice}"


def _complete(request: str, asked: Decision, choice: str, vocab: Vocabulary) -> str:
    """The request once ``choice`` (one of the options offered) is picked: an option that is a request of its
    own ("add C to D", "move D to C", "deploy M on A and B") replaces the request; a name fills the unclear span."""
    if not asked.span and not is_fragment(choice, vocab):
        return choice
    return _substitute(request, asked.span, choice)


def _answer(request: str, asked: Decision, answer: str, vocab: Vocabulary) -> str | Decision | None:
    """The completed request text, a Decision (cancelled / asked again), or None when ``answer``
    stands on its own."""
    low = normalize(answer).low
    if is_negation(low):
        return Decision.ask(msg.CANCELLED)
    if is_affirmation(low):
        if len(asked.options) == 1:
            return _complete(request, asked, asked.options[0], vocab)
        return asked if asked.options else None
    if not is_fragment(answer, vocab, asked.options):
        return None
    hits = pick(answer, asked.options) if asked.options else []
    if len(hits) == 1:
        return _complete(request, asked, hits[0], vocab)
    if len(hits) > 1:  # narrowed down, still more than one
        return Decision.ask(msg.AMBIGUOUS_MODEL.format(mention=answer.strip(), options=msg.options(hits)),
                            span=asked.span, options=tuple(hits))
    if asked.span and _content_words(low):
        return _substitute(request, asked.span, answer.strip())
    return f"{request} {answer}"


def _is_question(turn: tuple[str, str]) -> bool:
    """A bot turn that asks: it ends with "?", or with "?" and a note in parentheses ("Did you mean `deploy …`?
    (Left out, as placement cannot use them: …)")."""
    role, text = turn
    body = text.rstrip(" `*_")
    _, asked, note = body.rpartition("? (")
    return role.lower() in BOT_ROLES and (body.endswith("?") or (bool(asked) and note.rstrip(".").endswith(")")))


def _referent(asked: Decision, history: Sequence[tuple[str, str]], vocab: Vocabulary) -> str | None:
    """What "it" most likely means: the one deployment (or model) the user's latest turns named."""
    wants_deployment = bool(asked.options) and set(asked.options) <= set(vocab.deployments)
    seen = 0
    for role, text in reversed(history):
        if role.lower() not in USER_ROLES:
            continue
        seen += 1
        if seen > 3:
            break
        ent = extract(normalize(text), vocab)
        found = ent.deployments if wants_deployment else [m.preset for m in ent.models if m.preset]
        found = list(dict.fromkeys(found))
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None


def _contextual(text: str, history: Sequence[tuple[str, str]], vocab: Vocabulary, who: str | None) -> Decision:
    """``decide``, plus: a pronoun ("roll it back") the thread resolves becomes "did you mean X?"."""
    d = decide(text, vocab, who)
    if d.kind == "clarify" and d.span and _PRONOUN.fullmatch(d.span.lower()) and history:
        ref = _referent(d, history, vocab)
        if ref is not None:
            return Decision.ask(msg.DID_YOU_MEAN_DEPLOYMENT.format(options=msg.options([ref]))
                                if ref in vocab.deployments else msg.CONFIRM_TYPO.format(fixed=f"`{ref}`"),
                                span=d.span, options=(ref,))
    return d


def _resolve(text: str, history: Sequence[tuple[str, str]], vocab: Vocabulary, who: str | None,
             depth: int) -> tuple[str, Decision]:
    """(the request ``text`` amounts to after ``history``, and its decision)."""
    if depth < MAX_DEPTH and len(history) >= 2 and _is_question(history[-1]) \
            and history[-2][0].lower() in USER_ROLES:
        before = history[:-2]
        request, asked = _resolve(history[-2][1], before, vocab, who, depth + 1)
        if asked.kind == "clarify" and not asked.undecided:
            done = _answer(request, asked, text, vocab)
            if isinstance(done, Decision):  # asked again (same request) or cancelled
                return (request if done.span == asked.span and done.options else text), done
            if isinstance(done, str):
                return done, _contextual(done, before, vocab, who)
    return text, _contextual(text, history, vocab, who)


def interpret(text: str, history: Sequence[tuple[str, str]], vocab: Vocabulary,
              who: str | None = None) -> Decision:
    """Decide ``text`` in the light of the thread so far."""
    hist = [(str(r), str(t)) for r, t in history or ()]
    return _resolve(text, hist, vocab, who, 0)[1]
