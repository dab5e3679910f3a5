"""The offline interpreter's decision for one message: a tool call with its arguments, a question
back, or a refusal. Deterministic and fast (regexes compiled once per vocabulary).

normalize (text) -> extract names (entities) -> refuse? (guard) -> which tool (intent) ->
arguments or a question (mutations / queries).
"""
from __future__ import annotations

import re

from bot.interpreter import asks, guard, operations, opwords, sanity
from bot.interpreter import messages as msg
from bot.interpreter import questions as q
from bot.interpreter import toolnames as T
from bot.interpreter.decision import Decision
from bot.interpreter.entities import Entities, extract
from bot.interpreter.intent import classify, strip_polite
from bot.interpreter.mutations import mutation, two_changes
from bot.interpreter.queries import fallback, read_only
from bot.interpreter.text import Text, normalize
from bot.interpreter.vocabulary import Vocabulary

MAX_CHARS = 2000  # a request, not a document
_MUTATING_WORDS = re.compile(r"\b(deploy|roll\s*out|ship|launch|rollback|roll back|revert|undeploy|remove|"
                             r"delete|upgrade|switch|update|scale)\b")


def refusal(text: Text, vocab: Vocabulary, ent: Entities | None = None) -> str | None:
    """The refusal reason when the guard rules refuse this message outright, else None."""
    ent = ent or extract(text, vocab)
    key = guard.check(text.low, ent.skel, bool(_MUTATING_WORDS.search(text.low)))
    if key is None and ent.corrected:  # "aprove change 12", "wether in paris"
        key = guard.check(ent.fixed_low, ent.skel, bool(_MUTATING_WORDS.search(ent.fixed_low)))
    return msg.REFUSALS[key] if key else None


def decide(raw: str, vocab: Vocabulary, who: str | None = None, *, _retry: bool = True) -> Decision:
    if len(raw or "") > MAX_CHARS:
        return Decision.ask(msg.TOO_LONG.format(limit=MAX_CHARS))
    text = normalize(raw)
    ent = extract(text, vocab)
    reason = refusal(text, vocab, ent)
    if reason:
        return Decision.refuse(reason)
    op = opwords.operation(strip_polite(ent.skel), ent)
    intent = classify(ent)
    invalid = sanity.check(ent, vocab, mutating=op is not None or intent.tool in T.MUTATING)
    if invalid is not None:
        return invalid
    if op is not None and two_changes(strip_polite(ent.skel)):
        return Decision.ask(msg.ONE_AT_A_TIME)
    if op is not None:
        return operations.operation(op, ent, vocab, strip_polite(ent.skel))
    if intent.tool in T.MUTATING:
        return mutation(intent, ent, vocab)
    if ent.unknown and _retry:
        # read-only: a name one edit away from exactly one fleet name is used; otherwise ask
        fixed = q.fuzzy_read_only(ent, {**vocab.clusters, **vocab.deployments})
        if fixed is not None:
            bad = next(u.token for u in ent.unknown if fixed in u.close)
            again = re.sub(re.escape(bad), fixed, text.clean, count=1, flags=re.I)
            return decide(again, vocab, who, _retry=False)
        ask = q.unknown_names(ent, vocab)
        if ask is not None and intent.tool in (None, T.GET_CLUSTER, T.GET_DEPLOYMENT, T.LIST_DEPLOYMENTS,
                                               T.LIST_CLUSTERS, T.SEARCH_AUDIT):
            return ask
    if intent.tool is None:
        return fallback(ent, vocab)
    if intent.tool in (T.COST_REPORT, T.LIST_MODELS):
        return asks.answer(intent.tool, ent, intent.rest)
    return read_only(intent.tool, ent, vocab, who)
