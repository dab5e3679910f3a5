"""Offline rules for the read-only tools: the arguments each one takes from the message."""
from __future__ import annotations

import re

from bot.interpreter import lexicon as lx
from bot.interpreter import messages as msg
from bot.interpreter import questions as q
from bot.interpreter import slots
from bot.interpreter import toolnames as T
from bot.interpreter.decision import Decision
from bot.interpreter.entities import Entities
from bot.interpreter.intent import is_affirmation, is_negation, strip_polite
from bot.interpreter.vocabulary import Vocabulary

_SELF = re.compile(r"\bmy (?:\w+ )?(?:actions|activity|changes|deploys|deployments|requests|events|history)\b|"
                   r"\b(?:did|have|has) i\b|\bwhat i\b|\bi (?:did|deployed|changed|made|ran|removed|rolled|approved)\b|"
                   r"\bby me\b")
_NAMED_ACTOR = re.compile(r"\bwhat (?:did|has|have)\s+@?([a-z][a-z0-9._-]{1,30})\s+(?:do|done|change|changed|"
                          r"deploy|deployed)\b|\b(?:by|from)\s+@([a-z][a-z0-9._-]{1,30})\b")
_WHAT_DID = re.compile(r"\bwhat (?:did|has|have)\s+\S+\s+(deploy|deployed|roll back|rolled back|remove|removed|"
                       r"undeploy|undeployed|approve|approved|reject|rejected)\b")
# the verb _WHAT_DID found -> the audit action it asks about (a tool name, or an approval event)
_BASE_ACTIONS = ((r"^deploy", T.DEPLOY), (r"^roll", T.ROLLBACK), (r"^(?:remove|undeploy)", T.UNDEPLOY),
                 (r"^approve", "approve"), (r"^reject", "reject"))
_HEALTH_QUESTION = re.compile(r"^(?!(?:is|are) there\b)(?:is|are|was|were|how|check|has|have|did|does|do)\b")
_NOT_ACTORS = frozenset({"the", "a", "an", "you", "someone", "anyone", "anybody", "people", "they", "we", "he",
                         "she", "it", "us", "them", "everyone", "somebody"})


def read_only(tool: str, ent: Entities, vocab: Vocabulary, who: str | None) -> Decision:
    s = ent.skel
    if tool == T.LIST_CLUSTERS:
        args = {**q.filters(s, ent), "min_free_gpus": slots.min_free_gpus(s),
                "status": slots.first_status(s, lx.CLUSTER_STATUS)}
        return Decision.call(tool, args)
    if tool == T.GET_CLUSTER:
        return Decision.call(tool, {"name": ent.clusters[0]})
    if tool == T.GET_DEPLOYMENT:
        return Decision.call(tool, {"name": ent.deployments[0]})
    if tool == T.LIST_DEPLOYMENTS:
        ask = q.model_problem(ent.models[:1])
        if ask is not None:
            return ask
        status = slots.first_status(s, lx.DEPLOYMENT_STATUS)
        if ent.models and _HEALTH_QUESTION.match(strip_polite(s)):  # "is X healthy?" must show X as it is
            status = None
        return Decision.call(tool, {
            "model": ent.models[0].preset if ent.models else None,
            "cluster": ent.clusters[0] if len(ent.clusters) == 1 else None,
            "environment": q.filters(s, ent)["environment"], "status": status,
        })
    if tool == T.PLAN_PLACEMENT:
        ask = q.model_problem(ent.models)
        if ask is not None:
            return ask
        if not ent.models:
            return Decision.ask(msg.WHICH_MODEL_PLACEMENT.format(examples=q.examples()))
        return Decision.call(tool, {
            "model": ent.models[0].preset, "count": slots.count(s), "prefer": slots.prefer(s),
            "max_cost_per_hour": slots.max_cost(s), "replicas": slots.replicas(s),
            "instance_type": ent.instance_types[0] if ent.instance_types else None, **q.filters(s, ent),
        })
    if tool == T.LIST_CHANGES:
        return Decision.call(tool, {"status": slots.first_status(s, lx.CHANGE_STATUS)})
    if tool == T.GET_CHANGE:
        cid = slots.change_id(s)
        return Decision.call(tool, {"id": cid}) if cid else Decision.ask(msg.WHICH_CHANGE)
    return _audit(ent, vocab, who)


def _audit(ent: Entities, vocab: Vocabulary, who: str | None) -> Decision:
    s = ent.skel
    actor = ent.actors[0] if ent.actors else None
    if actor is None and _SELF.search(s):
        actor = who
    elif actor is None:
        m = _NAMED_ACTOR.search(s)
        name = m and (m.group(1) or m.group(2))
        if name and name not in _NOT_ACTORS:
            actor = name
    action = slots.first_status(s, lx.AUDIT_ACTIONS) if re.search(r"\bwho\b", s) else None
    m = _WHAT_DID.search(s)
    action = action or (slots.first_status(m.group(1), _BASE_ACTIONS) if m else None)
    action = action or slots.first_status(s, lx.AUDIT_ACTION_NOUNS)
    deployment = ent.deployments[0] if ent.deployments else None
    if deployment is None and ent.models:
        running = vocab.deployments_running({m.preset for m in ent.models if m.preset})
        deployment = running[0] if len(running) == 1 else None
    return Decision.call(T.SEARCH_AUDIT, {
        "actor": actor, "deployment": deployment,
        "cluster": ent.clusters[0] if ent.clusters else None, "action": action,
        "since": slots.since(s), "limit": slots.limit(s),
    })


def fallback(ent: Entities, vocab: Vocabulary) -> Decision:
    s = ent.skel
    if is_affirmation(ent.text.low) or is_negation(ent.text.low):
        return Decision.ask(msg.NO_TO_WHAT if is_negation(ent.text.low) else msg.YES_TO_WHAT, undecided=True)
    filters = {k: v for k, v in q.filters(s, ent).items() if v}
    if filters:
        return Decision.call(T.LIST_CLUSTERS, filters)
    return Decision.ask(msg.UNDECIDED, undecided=True)
