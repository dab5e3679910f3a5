"""Where a deploy goes, checked before it becomes a call (issue 10 item 4): a new deployment needs a
target; an existing deployment named with clusters is only narrowed to them when the request says
"only" (otherwise: add them, or move it?); a model whose default deployment name already runs elsewhere
is asked about, never silently replaced.
"""
from __future__ import annotations

from typing import Any

from bot.interpreter import messages as msg
from bot.interpreter import opwords
from bot.interpreter.decision import Decision
from bot.interpreter.vocabulary import Vocabulary
from tools.manifests import default_name

TARGET_ARGS = ("clusters", "count", "geo", "region", "environment", "provider", "gpu", "instance_type", "stages")


def check(args: dict[str, Any], vocab: Vocabulary, s: str) -> Decision | None:
    """A question when this deploy would guess a target or replace clusters it was not told to; ``s`` is the
    request (its skeleton or its text), read only for "only"."""
    name, model, clusters = args.get("name"), args.get("model"), list(args.get("clusters") or [])
    has_target = any(args.get(k) is not None for k in TARGET_ARGS)
    existing = vocab.deployments.get(name) if name else None
    if existing is None and model and not args.get("name"):
        clash = vocab.deployments.get(default_name(model))
        if clash is not None and vocab.has_fleet:
            if not clusters:
                return _where(model, clash.name, vocab)
            return _add_or_move(clash.name, list(clash.clusters), clusters, model=clash.model)
    if existing is None:
        return None if has_target or not vocab.has_fleet else _where(model, None, vocab)
    placed = list(existing.clusters)
    if clusters and placed and not set(placed) <= set(clusters) and not opwords.only(s):
        return _add_or_move(existing.name, placed, clusters)
    return None


def _where(model: str | None, name: str | None, vocab: Vocabulary) -> Decision:
    ok = [c for c, f in vocab.clusters.items() if not f.unplaceable]
    label = f"`{model}`" if model else "it"
    q = msg.WHERE_TO_DEPLOY.format(model=label, options=msg.listing(ok, 6, " (e.g. ") + (")" if ok else ""))
    if name:
        q = f"A deployment `{name}` already runs {label} on {msg.options(vocab.deployments[name].clusters)}. " + q
    return Decision.ask(q, options=tuple(ok))


def _add_or_move(name: str, placed: list[str], clusters: list[str], model: str | None = None) -> Decision:
    new = [c for c in clusters if c not in placed] or clusters
    where = " and ".join(new)
    options = (f"add {where} to {name}", f"move {name} to {where}")
    text = msg.ADD_OR_MOVE_OR_NEW if model else msg.ADD_OR_MOVE
    return Decision.ask(text.format(name=f"`{name}`", placed=msg.options(placed), clusters=msg.options(new),
                                    model=f"`{model}`"), options=options)
