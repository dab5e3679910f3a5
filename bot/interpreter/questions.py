"""Shared pieces of the offline rules: filter slots and the questions asked about names and models."""
from __future__ import annotations

import re

from bot.interpreter import lexicon as lx
from bot.interpreter import messages as msg
from bot.interpreter import slots
from bot.interpreter.decision import Decision
from bot.interpreter.entities import Entities
from bot.interpreter.models import ModelMatch
from bot.interpreter.vocabulary import Vocabulary

PRONOUN = re.compile(rf"\b(?:{lx.PRONOUNS})\b")
_EXAMPLES = ("`microsoft/phi-4`", "`meta-llama/Llama-3.1-8B-Instruct`", "`google/gemma-3-4b-it`")


def examples() -> str:
    return ", ".join(_EXAMPLES)


def filters(s: str, ent: Entities) -> dict:
    """Filter arguments the message gives; a filter named twice ("us and eu") cannot be one value: left out."""
    geos, envs = slots.all_geos(s), slots.all_environments(s)
    return {
        "geo": geos[0] if len(geos) == 1 else None, "environment": envs[0] if len(envs) == 1 else None,
        "provider": slots.provider(s), "gpu": slots.gpu(s),
        "region": ent.regions[0] if len(ent.regions) == 1 else None,
    }


def model_problem(models: list[ModelMatch]) -> Decision | None:
    """A question when a model mention is ambiguous/unknown or there are several, else None."""
    for m in models:
        if m.kind == "ambiguous":
            return Decision.ask(msg.AMBIGUOUS_MODEL.format(mention=m.mention, options=msg.options(m.options)),
                                span=m.mention, options=m.options)
        if m.kind == "unknown":
            q = (msg.UNKNOWN_MODEL.format(mention=m.mention, options=msg.options(m.options))
                 if m.options else msg.UNKNOWN_MODEL_NO_HINT.format(mention=m.mention, examples=examples()))
            return Decision.ask(q, span=m.mention, options=m.options)
    return None


def unknown_names(ent: Entities, vocab: Vocabulary, kinds: str = "any") -> Decision | None:
    """'did you mean' for name-like tokens that are not fleet names."""
    for u in ent.unknown:
        pool = (vocab.clusters if kinds == "cluster" else vocab.deployments if kinds == "deployment"
                else {**vocab.clusters, **vocab.deployments})
        close = [n for n in u.close if n in pool] or list(u.close)
        if close:
            return Decision.ask(msg.UNKNOWN_NAME.format(name=u.token, options=msg.options(close[:3])),
                                span=u.token, options=tuple(close[:3]))
        if u.clusterish and vocab.clusters:
            return Decision.ask(msg.UNKNOWN_CLUSTER.format(name=u.token, options=msg.options(vocab.clusters)),
                                span=u.token, options=tuple(vocab.clusters))
    return None


def fuzzy_read_only(ent: Entities, pool: dict) -> str | None:
    """A read-only tool may use a typo'd name when exactly one name is one edit away."""
    for u in ent.unknown:
        close = [n for n in u.close if n in pool]
        if u.distance == 1 and len(close) == 1:
            return close[0]
        if u.distance == 1 and len(close) > 1:
            return None
    return None
