"""Offline rules for the wave-2 changes: cordon / uncordon / drain a cluster, autoscale, change freezes,
move a deployment, and add clusters to one (DESIGN §4). Same stance as ``mutations``: exact fleet names
or a question, never a guess; a request never becomes a wider or opposite change than it says.
"""
from __future__ import annotations

import re

from bot.interpreter import messages as msg
from bot.interpreter import opslots
from bot.interpreter import questions as q
from bot.interpreter import toolnames as T
from bot.interpreter.decision import Decision
from bot.interpreter.entities import Entities
from bot.interpreter.mutations import clusters_matching, one_deployment, unknown_target
from bot.interpreter.opwords import autoscale_off
from bot.interpreter.vocabulary import Vocabulary

_FROM = re.compile(r"\b(?:from|off|out of|away from|leave|leaving|evacuate)\s+(?:of\s+)?(?:the\s+)?(?:cluster\s+)?$")
_TO = re.compile(r"\b(?:to|onto|into|on|over to|towards|in)\s+(?:the\s+)?(?:cluster\s+)?$")
_TO_SPLIT = re.compile(r"\b(?:to|onto|into|over to|towards)\b")
_JOIN = re.compile(r"^\s*(?:,|and|&|\+|or)?\s*(?:the\s+)?$")


def operation(tool: str, ent: Entities, vocab: Vocabulary, s: str) -> Decision:
    if tool in (T.CORDON_CLUSTER, T.UNCORDON_CLUSTER, T.DRAIN_CLUSTER):
        return _cluster_op(tool, ent, vocab)
    if tool == T.AUTOSCALE:
        return _autoscale(ent, vocab, s)
    if tool == T.DECLARE_FREEZE:
        return _freeze(s)
    if tool == T.LIFT_FREEZE:
        return _lift(s)
    if tool == T.MOVE:
        return _move(ent, vocab, s)
    return add_clusters(ent, vocab, s)


def _cluster_op(tool: str, ent: Entities, vocab: Vocabulary) -> Decision:
    if len(ent.clusters) > 1:
        return Decision.ask(msg.ONE_CLUSTER.format(options=msg.options(ent.clusters)), options=tuple(ent.clusters))
    if ent.clusters:
        return Decision.call(tool, {"name": ent.clusters[0]})
    ask = q.unknown_names(ent, vocab, "cluster")
    if ask is not None:
        return ask
    pron = q.PRONOUN.search(ent.skel)
    return Decision.ask(msg.WHICH_CLUSTER_FOR[tool].format(options=msg.listing(vocab.clusters)),
                        span=pron.group(0) if pron else None, options=tuple(vocab.clusters))


def _autoscale(ent: Entities, vocab: Vocabulary, s: str) -> Decision:
    dep = one_deployment(ent, vocab, T.AUTOSCALE)
    if isinstance(dep, Decision):
        return dep
    if autoscale_off(s):
        return Decision.call(T.AUTOSCALE, {"deployment": dep, "enabled": False})
    lo, hi = opslots.autoscale_range(s)
    for n in (lo, hi):
        if n is not None and not 1 <= n <= 100:
            return Decision.ask(msg.BAD_NUMBER.format(number=n, what="replicas"))
    if lo is None or hi is None:
        return Decision.ask(msg.AUTOSCALE_RANGE.format(name=f"`{dep}`"))
    if lo > hi:
        return Decision.ask(msg.AUTOSCALE_MIN_ABOVE_MAX.format(min=lo, max=hi, name=f"`{dep}`"))
    return Decision.call(T.AUTOSCALE, {"deployment": dep, "min_replicas": lo, "max_replicas": hi})


def _freeze(s: str) -> Decision:
    envs = opslots.freeze_environments(s)
    if not envs:
        return Decision.ask(msg.FREEZE_WHERE, options=("dev", "staging", "prod"))
    until = opslots.until(s)
    if until is None:
        return Decision.ask(msg.FREEZE_UNTIL.format(envs="/".join(envs)))
    return Decision.call(T.DECLARE_FREEZE, {"environments": envs, "until": until})


def _lift(s: str) -> Decision:
    envs = opslots.freeze_environments(s)
    if envs and len(envs) == 1:
        return Decision.call(T.LIFT_FREEZE, {"name": envs[0]})
    m = re.search(r"\bfreeze\s+(?:named\s+|called\s+)?([a-z0-9][a-z0-9-]*\d[a-z0-9-]*)\b", s)
    if m:
        return Decision.call(T.LIFT_FREEZE, {"name": m.group(1)})
    return Decision.ask(msg.WHICH_FREEZE)


def _sides(ent: Entities, s: str) -> tuple[list[str], list[str]]:
    """The clusters a move leaves (after from/off) and the ones it goes to (after to/onto), in order."""
    from_: list[str] = []
    to: list[str] = []
    side: str | None = None
    names = iter(ent.clusters)
    for m in re.finditer(r"\bCLUSTER\b", s):
        before = s[:m.start()]
        if _FROM.search(before):
            side = "from"
        elif _TO.search(before):
            side = "to"
        elif not (side and _JOIN.search(before[-6:])):
            side = "from"
        name = next(names, None)
        if name is not None:
            (from_ if side == "from" else to).append(name)
    return list(dict.fromkeys(from_)), list(dict.fromkeys(to))


def _move(ent: Entities, vocab: Vocabulary, s: str) -> Decision:
    dep = one_deployment(ent, vocab, T.MOVE)
    if isinstance(dep, Decision):
        return dep
    ask = q.unknown_names(ent, vocab, "cluster")
    if ask is not None:
        return ask
    odd = unknown_target(s)
    if odd is not None:
        return Decision.ask(msg.UNKNOWN_TARGET.format(word=odd, options=msg.listing(vocab.clusters, 6, " (e.g. ") + (
            ")" if vocab.clusters else "")), span=odd, options=tuple(vocab.clusters))
    facts = vocab.deployments.get(dep) if dep else None
    placed = list(facts.clusters) if facts else []
    from_, to = _sides(ent, s)
    split = _TO_SPLIT.search(s)
    from_part, to_part = (s[:split.start()], s[split.end():]) if split else (s, "")
    if not from_ and placed:
        where = {k: v for k, v in q.filters(from_part, ent).items() if v and k != "region"}
        if re.search(r"\b(?:from|off|out of)\b", from_part) and "REGION" in from_part and ent.regions:
            where["region"] = ent.regions[0]
        if where:
            from_ = clusters_matching(placed, where, vocab)
            if not from_:
                return Decision.ask(msg.MOVE_WHERE.format(name=f"`{dep}`", placed=msg.options(placed)),
                                    options=tuple(placed))
    off = [c for c in from_ if placed and c not in placed]
    if off:
        return Decision.ask(msg.NOT_ON_CLUSTER.format(name=f"`{dep}`", clusters=msg.options(off),
                                                      options=msg.options(placed)), options=tuple(placed))
    there = [c for c in to if c in placed and c not in from_]
    if there:
        return Decision.ask(msg.ALREADY_THERE.format(name=f"`{dep}`", clusters=msg.options(there),
                                                     options=""), options=tuple(vocab.clusters))
    filters = {k: v for k, v in q.filters(to_part, ent).items() if v} if to_part and not to else {}
    if "region" in filters and "REGION" not in to_part:
        filters.pop("region")
    if to_part and "REGION" in to_part and not to and ent.regions:
        filters["region"] = ent.regions[-1]
    return Decision.call(T.MOVE, {"deployment": dep, "from_clusters": from_ or None, "to_clusters": to or None,
                                  **filters})


def add_clusters(ent: Entities, vocab: Vocabulary, s: str) -> Decision:
    """Deploy an existing deployment to more clusters, keeping every cluster it has."""
    dep = one_deployment(ent, vocab, "add")
    if isinstance(dep, Decision):
        return dep
    ask = q.unknown_names(ent, vocab, "cluster")
    if ask is not None:
        return ask
    facts = vocab.deployments.get(dep) if dep else None
    placed = list(facts.clusters) if facts else []
    new = [c for c in ent.clusters if c not in placed]
    if ent.clusters and not new:
        return Decision.ask(msg.ALREADY_THERE.format(name=f"`{dep}`", clusters=msg.options(ent.clusters),
                                                     options=msg.listing(_placeable(vocab, placed, {}))),
                            options=tuple(_placeable(vocab, placed, {})))
    if not new:
        where = {k: v for k, v in q.filters(s, ent).items() if v}
        cands = _placeable(vocab, placed, where)
        return Decision.ask(msg.ADD_WHICH.format(name=f"`{dep}`", options=msg.listing(cands)), options=tuple(cands))
    return Decision.call(T.DEPLOY, {"name": dep, "add_clusters": new})


def _placeable(vocab: Vocabulary, placed: list[str], where: dict) -> list[str]:
    return [c for c in clusters_matching(vocab.clusters, where, vocab)
            if c not in placed and not vocab.clusters[c].unplaceable]
