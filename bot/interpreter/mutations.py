"""Offline rules for the mutating tools (deploy, rollback, undeploy).

Every name must be an exact fleet name; typos, pronouns, unknown or ambiguous names, a model where a
deployment is needed, two changes in one message, and mutations phrased as questions all become a
question ("did you mean ...?") — never a guess.
"""
from __future__ import annotations

import re
from dataclasses import replace

from bot.interpreter import lexicon as lx
from bot.interpreter import messages as msg
from bot.interpreter import opslots, slots, targets
from bot.interpreter import questions as q
from bot.interpreter import toolnames as T
from bot.interpreter.decision import Decision
from bot.interpreter.entities import Entities
from bot.interpreter.intent import Intent
from bot.interpreter.vocabulary import Vocabulary

_ACTION_VERB = re.compile(
    r"\b(?:deploy|roll\s*out|rollout|ship|launch|roll\s*back|rollback|revert|undo|remove|delete|undeploy|"
    r"tear down|take down|decommission|upgrade|update|switch|move|scale|restore|uninstall|destroy|kill|stop|"
    r"cordon|uncordon|drain|autoscale|freeze|migrate)\b"
)
_JOINED = re.compile(r"\band\b|\bthen\b|\balso\b|\bplus\b|\bafter that\b|[;,]")
_TARGET = re.compile(rf"\b(?:{lx.TARGET_PREPOSITIONS})\s+((?:[\w$.#+-]+\s*){{1,6}})")
_KNOWN_TARGET = frozenset(lx.TARGET_NOUNS | set(lx.ENVIRONMENT) | set(lx.GEO) | set(lx.PROVIDER)
                          | set(lx.UNSUPPORTED_PROVIDER))
_SAME_AS = re.compile(r"\bsame\s+(?:model|one|thing|version)\s+(?:as|that)\b")
_EVERYWHERE = re.compile(r"\b(?:everywhere|every cluster|each cluster|"
                         r"all (?:the |our |of the )?(?:\w+ ){0,2}clusters)\b")
_SAID_MODEL = re.compile(r"^(?:\S+)\s+((?:(?!to\b|on\b|onto\b|in\b|into\b|at\b|with\b|for\b|as\b|please\b|pls\b)"
                         r"[a-z][\w.\-]*\s*){1,4})")
_NAME_SLOT = re.compile(
    r"^\S+(?:\s+(?:out|up|over))?\s+(?:the\s+)?DEPNAME\b|(?<!same )\b(?:as|named|called|into|onto|to|name it)\s+"
    r"(?:the\s+)?DEPNAME\b(?!\s+(?:clusters?|as well))|\bDEPNAME\s+(?:to|with|on|onto)\s+MODEL\b"
)
_NOT_NAME_SLOT = re.compile(r"\b(?:same|like|next to|alongside|beside|besides|near|where|as well as|similar|"
                            r"instead of|except|other than|than)\b.*\bDEPNAME\b")


_ADOPT = re.compile(r"\badopt(?:s|ing)?\b[^.]*\bnamespace")  # "and adopt the existing namespace"


def mutation(intent: Intent, ent: Entities, vocab: Vocabulary) -> Decision:
    s = intent.rest
    soak = opslots.soak(s) if intent.tool in (T.DEPLOY, T.ROLLBACK) else None
    if soak is not None:
        s = opslots.without_soak(s)
    if two_changes(s):  # "deploy X and also remove Y": never merge two changes into one call
        return Decision.ask(msg.ONE_AT_A_TIME)
    if intent.tool == T.DEPLOY:
        d = _deploy(intent, ent, vocab, s)
    elif intent.tool == T.ROLLBACK:
        d = _rollback(ent, vocab, s)
    else:
        d = _undeploy(intent, ent, vocab, s)
    if soak is not None and d.kind == "tool":
        d = _with_soak(d, *soak)
    if d.kind == "tool" and intent.confirm:
        return Decision.ask(msg.CONFIRM_TYPO.format(fixed=f"`{restate(d)}`"), span=ent.text.low,
                            options=(restate(d),))
    if d.kind == "tool" and intent.weak:
        where = ", ".join(d.args.get("clusters") or ["all its clusters"])
        return Decision.ask(msg.WEAK_UNDEPLOY.format(name=f"`{d.args['deployment']}`", where=where),
                            span=ent.text.low, options=(restate(d),))
    return d


def _with_soak(d: Decision, said: str, seconds: int) -> Decision:
    """The call with its ``soak``; a question when the soak cannot be one or there are no stages to soak between."""
    value = opslots.soak_value(seconds)
    if value is None:
        return Decision.ask(msg.SOAK_RANGE.format(soak=said))
    if not d.args.get("stages"):
        named = d.args.get("name") or d.args.get("deployment") or d.args.get("model")
        what = f"`{named}`" if named else "it"
        return Decision.ask(msg.SOAK_NEEDS_STAGES.format(soak=value, name=what),
                            options=(restate(replace(d, args={**d.args, "stages": list(opslots.ENV_ORDER),
                                                             "soak": value})),))
    return replace(d, args={**d.args, "soak": value})


def two_changes(s: str) -> bool:
    return len(_ACTION_VERB.findall(s)) > 1 and bool(_JOINED.search(s))


def restate(d: Decision) -> str:
    """The call as a plain request the rules read back to the same call (for "yes" answers)."""
    a = d.args
    soaked = f" in stages {', '.join(a['stages'])} with a {a['soak']} soak" if a.get("soak") and a.get("stages") else ""
    if d.tool == T.ROLLBACK:
        rev = f" to revision {a['to_revision']}" if a.get("to_revision") else ""
        return f"roll back {a['deployment']}{rev}{soaked}"
    if d.tool == T.UNDEPLOY:
        where = f" from {' and '.join(a['clusters'])}" if a.get("clusters") else ""
        return f"remove {a['deployment']}{where}"
    model = a.get("model") or ""
    parts = [(f"update {a['name']} to {model}" if a.get("name") else f"deploy {model}").strip()]
    if a.get("clusters"):
        parts.append("on " + " and ".join(a["clusters"]))
    if a.get("count"):
        parts.append(f"on {a['count']} clusters")
    for key, fmt in (("environment", "in {}"), ("geo", "in {}"), ("region", "in {}"), ("gpu", "on {}"),
                     ("instance_type", "on {}"), ("replicas", "with {} replicas"),
                     ("max_cost_per_hour", "under ${}/hour")):
        if a.get(key) is not None:
            parts.append(fmt.format(a[key]))
    if a.get("prefer"):
        parts.append({"cost": "cheapest", "capacity": "most capacity", "spread": "spread across regions"}[a["prefer"]])
    return " ".join(p for p in parts if p) + soaked


def unknown_target(s: str) -> str | None:
    """The first word after to/on/in/from that names no place we know ("deploy phi-4 to mars")."""
    for m in _TARGET.finditer(s):
        for w in m.group(1).split():
            w = w.strip(",.;:!?()")
            if not w or w in lx.TARGET_SKIP or re.fullmatch(r"[\d$.#x+]+", w):
                continue  # determiners, adjectives, numbers
            if w.isupper() or w in _KNOWN_TARGET or w in lx.NOT_A_TARGET or slots.gpu(w):
                break  # a placeholder (CLUSTER, REGION, ...), a known place, or "to use ..."
            return w
    return None


def clusters_matching(names, filters: dict, vocab: Vocabulary) -> list[str]:
    out = []
    for n in names:
        c = vocab.clusters.get(n)
        if c is None:
            continue
        if all(v is None or (k == "gpu" and v in c.gpus) or getattr(c, k, None) == v
               for k, v in filters.items()):
            out.append(n)
    return out


def one_deployment(ent: Entities, vocab: Vocabulary, action: str) -> str | Decision:
    """The single deployment a request names, or the question to ask instead (``action``: which text asks)."""
    if len(ent.deployments) > 1:
        return Decision.ask(msg.ONE_DEPLOYMENT.format(options=msg.options(ent.deployments)),
                            options=tuple(ent.deployments))
    if ent.deployments:
        return ent.deployments[0]
    ask = q.unknown_names(ent, vocab, "deployment")
    if ask is not None:
        return ask
    if ent.models:
        m = ent.models[0]
        running = vocab.deployments_running(set(m.options) or ({m.preset} if m.preset else set()))
        if running:
            return Decision.ask(msg.DID_YOU_MEAN_DEPLOYMENT.format(options=msg.options(running)),
                                span=m.mention, options=tuple(running))
        label = m.preset or m.mention
        return Decision.ask(msg.MODEL_NOT_DEPLOYED.format(model=f"`{label}`",
                                                          options=msg.listing(vocab.deployments)),
                            span=m.mention, options=tuple(vocab.deployments))
    pron = q.PRONOUN.search(ent.skel)
    return Decision.ask(msg.WHICH_DEPLOYMENT[action].format(options=msg.listing(vocab.deployments)),
                        span=pron.group(0) if pron else None, options=tuple(vocab.deployments))


def _rollback(ent: Entities, vocab: Vocabulary, s: str) -> Decision:
    dep = one_deployment(ent, vocab, T.ROLLBACK)
    if isinstance(dep, Decision):
        return dep
    rev, said = slots.revision_said(s)
    facts = vocab.deployments.get(dep)
    st, ask = _stages(s, dep, vocab, new=False)
    if ask is not None:
        return ask
    s = opslots.without_stage_words(s)
    where = {k: v for k, v in q.filters(s, ent).items() if v}
    if ent.clusters or where or unknown_target(s.split(" to ")[0] if " to " in s else s):
        # a rollback applies to every cluster of the deployment: never narrow it silently
        d = Decision.call(T.ROLLBACK, {"deployment": dep, "to_revision": rev})
        placed = ", ".join(facts.clusters) if facts else "all its clusters"
        return Decision.ask(msg.ROLLBACK_EVERYWHERE.format(name=f"`{dep}`", clusters=placed),
                            span=ent.text.low, options=(restate(d),))
    if rev is not None and facts and facts.revisions and (rev not in facts.revisions or rev == facts.revision):
        return Decision.ask(msg.NO_SUCH_REVISION.format(
            name=f"`{dep}`", revisions=", ".join(map(str, facts.revisions)), current=facts.revision),
            span=said, options=tuple(f"revision {r}" for r in facts.revisions if r != facts.revision))
    return Decision.call(T.ROLLBACK, {"deployment": dep, "to_revision": rev, "stages": st})


def _stages(s: str, dep: str | None, vocab: Vocabulary, new: bool) -> tuple[list[str] | None, Decision | None]:
    """The rollout stages asked for: as said; else the deployment's environments (or all, for a new one)."""
    st = opslots.stages(s)
    if st is None or st:
        return st, None
    facts = vocab.deployments.get(dep) if dep else None
    if facts is None or new:
        return list(opslots.ENV_ORDER), None
    envs = {vocab.clusters[c].environment for c in facts.clusters if c in vocab.clusters}
    ordered = [e for e in opslots.ENV_ORDER if e in envs]
    if len(ordered) >= 2:
        return ordered, None
    return None, Decision.ask(msg.WHICH_STAGES.format(name=f"`{dep}`", env=msg.options(ordered) or "one environment"),
                              options=("dev", "staging", "prod"))


def _undeploy(intent: Intent, ent: Entities, vocab: Vocabulary, s: str) -> Decision:
    dep = one_deployment(ent, vocab, T.UNDEPLOY)
    if isinstance(dep, Decision):
        return dep
    ask = q.unknown_names(ent, vocab, "cluster")
    if ask is not None:
        return ask
    facts = vocab.deployments.get(dep)
    clusters = list(ent.clusters)
    where = {k: v for k, v in q.filters(s, ent).items() if v}
    if not clusters and (where or unknown_target(s)) and not re.search(r"\b(?:everywhere|all (?:its |the )?clusters)\b", s):
        # "remove X from the eu clusters": undeploy takes cluster names; name them or ask
        placed = facts.clusters if facts else ()
        matched = clusters_matching(placed, where, vocab) if where else []
        if matched:
            d = Decision.call(T.UNDEPLOY, {"deployment": dep, "clusters": matched})
            return Decision.ask(msg.CONFIRM_TYPO.format(fixed=f"`{restate(d)}`"), span=ent.text.low,
                                options=(restate(d),))
        return Decision.ask(msg.WHICH_CLUSTERS_UNDEPLOY.format(name=f"`{dep}`", options=msg.listing(placed)),
                            options=tuple(placed))
    if clusters and facts and facts.clusters and not set(clusters) <= set(facts.clusters):
        missing = [c for c in clusters if c not in facts.clusters]
        return Decision.ask(msg.NOT_ON_CLUSTER.format(name=f"`{dep}`", clusters=msg.options(missing),
                                                      options=msg.options(facts.clusters)),
                            options=facts.clusters)
    return Decision.call(T.UNDEPLOY, {"deployment": dep, "clusters": clusters or None})


def _deploy(intent: Intent, ent: Entities, vocab: Vocabulary, s: str) -> Decision:
    staged = opslots.stages(s) is not None
    st_text, s = s, opslots.without_stage_words(s)
    ask = q.model_problem(ent.models) or q.unknown_names(ent, vocab) or _conflicting_filters(s)
    if ask is not None:
        return ask
    models = list(dict.fromkeys(m.preset for m in ent.models if m.preset))
    if len(models) > 1:
        target = re.search(r"\b(?:to|with|onto|into|using|use|for)\s+(?:the\s+)?(?:model\s+)?MODEL\b", s)
        if not (intent.update and target):
            return Decision.ask(msg.ONE_MODEL.format(options=msg.options(models)), options=tuple(models))
        models = [models[s[:target.end()].count("MODEL") - 1]]
    if len(ent.deployments) > 1:
        return Decision.ask(msg.ONE_DEPLOYMENT.format(options=msg.options(ent.deployments)),
                            options=tuple(ent.deployments))
    name = ent.deployments[0] if ent.deployments else None
    model = models[0] if models else None
    unsure_name = name is not None and not intent.update and (not _NAME_SLOT.search(s)
                                                               or bool(_NOT_NAME_SLOT.search(s)))
    beside = None
    if unsure_name and model is None and _SAME_AS.search(s):  # "the same model as phi4-chat"
        model, name = vocab.deployments[name].model if name in vocab.deployments else None, None
    elif unsure_name and name is not None and model is not None and _NOT_NAME_SLOT.search(s):
        # "next to / same clusters as X": X says where, it does not name the new deployment
        facts = vocab.deployments.get(name)
        beside, name = (list(facts.clusters) if facts else None), None
    name = ent.new_name or name
    odd = unknown_target(s)
    if odd is not None:
        return Decision.ask(msg.UNKNOWN_TARGET.format(word=odd, options=msg.listing(vocab.clusters, 6, " (e.g. ") + (
            ")" if vocab.clusters else "")),
                            span=odd, options=tuple(vocab.clusters))
    if intent.update and name is None:  # "upgrade to phi-4", "switch all deployments to ...": which one?
        running = vocab.deployments_running({model}) if model else []
        return Decision.ask(msg.DID_YOU_MEAN_DEPLOYMENT.format(options=msg.options(running)) if running
                            else msg.WHICH_DEPLOYMENT[T.DEPLOY].format(options=msg.listing(vocab.deployments)),
                            options=tuple(running or vocab.deployments))
    if model is None and (name is None or name not in vocab.deployments):
        return _which_model(ent, vocab, s)
    args = {
        "model": model, "name": name, "clusters": list(ent.clusters) or beside or None,
        "count": slots.count(s), "replicas": slots.replicas(s), "prefer": slots.prefer(s),
        "max_cost_per_hour": slots.max_cost(s),
        "instance_type": ent.instance_types[0] if ent.instance_types else None,
        "adopt": True if _ADOPT.search(s) else None,
        **q.filters(s, ent),
    }
    if args["count"] and ent.clusters and args["count"] == len(ent.clusters):
        args["count"] = None  # "to both X and Y"
    if staged:
        st, ask = _stages(st_text, name, vocab, new=name not in vocab.deployments)
        if ask is not None:
            return ask
        args["stages"], args["environment"] = st, None
    if name in vocab.deployments and not any(v is not None for k, v in args.items() if k != "name"):
        return Decision.ask(msg.WHAT_TO_CHANGE.format(name=f"`{name}`"))
    ask = targets.check(args, vocab, s)
    if ask is not None:
        return ask
    if _EVERYWHERE.search(s) and not ent.clusters:  # "deploy X everywhere": name the clusters
        where = {k: v for k, v in q.filters(s, ent).items() if v}
        every = clusters_matching(vocab.clusters, where, vocab)
        matched = [c for c in every if not vocab.clusters[c].unplaceable]  # only clusters that can take it
        left = [f"`{c}` ({vocab.clusters[c].unplaceable})" for c in every if c not in matched]
        d = Decision.call(T.DEPLOY, {**args, "clusters": matched, "count": None, **{k: None for k in where}})
        note = " " + msg.LEFT_OUT.format(reasons="; ".join(left)) if left else ""
        return Decision.ask(msg.CONFIRM_TYPO.format(fixed=f"`{restate(d)}`") + note, span=ent.text.low,
                            options=(restate(d),))
    d = Decision.call(T.DEPLOY, args)
    if unsure_name or (ent.deployments and not name):
        return Decision.ask(msg.CONFIRM_TYPO.format(fixed=f"`{restate(d)}`"), span=ent.text.low,
                            options=(restate(d),))
    return d


def _which_model(ent: Entities, vocab: Vocabulary, s: str) -> Decision:
    """No model: name the words that looked like one ("deploy mixtral 8x7b"), or ask which."""
    said = _SAID_MODEL.search(s)
    words = said.group(1).split() if said else []
    if words and len(words) <= 3 and not any(w in lx.NOT_A_MODEL for w in words):
        mention = " ".join(words)
        hints = vocab.matcher.suggest(mention)
        return Decision.ask(msg.UNKNOWN_MODEL.format(mention=mention, options=msg.options(hints)) if hints
                            else msg.UNKNOWN_MODEL_NO_HINT.format(mention=mention, examples=q.examples()),
                            span=mention, options=tuple(hints))
    where = f" to {msg.options(ent.clusters)}" if ent.clusters else ""
    pron = q.PRONOUN.search(ent.skel)
    return Decision.ask(msg.WHICH_MODEL.format(where=where, examples=q.examples()),
                        span=pron.group(0) if pron else None)


def _conflicting_filters(s: str) -> Decision | None:
    """Two environments or geos in one deploy ("to staging and prod"): one deployment, one place."""
    for kind, values in (("environment", slots.all_environments(s)), ("geo", slots.all_geos(s))):
        if len(values) > 1:
            return Decision.ask(msg.ONE_PLACE.format(kind=kind, options=msg.options(values)), options=tuple(values))
    return None
