"""One shared step for both paths: an ``AIMessage`` from a chat model -> ToolCall | Clarify | Refuse.

Validates the call against ``tools.registry`` (pydantic), and for tools that name fleet objects
checks the names against the vocabulary, so that neither a rule nor an LLM can hand the pipeline a
change to a cluster or deployment that does not exist. Invalid arguments come back as ``Invalid``
so that the LLM path can send the error back once for repair.
"""
from __future__ import annotations

from dataclasses import dataclass

from langchain_core.messages import AIMessage
from pydantic import ValidationError

from bot.interpreter import messages as msg
from bot.interpreter import targets, toolset
from bot.interpreter import toolnames as T
from bot.interpreter.binding import CLARIFY, REFUSE
from bot.interpreter.fuzzy import closest
from bot.interpreter.result import Clarify, Refuse, Result, ToolCall
from bot.interpreter.vocabulary import Vocabulary

_META = "fleetops"


@dataclass(frozen=True)
class Invalid:
    """A call whose arguments did not validate: ``error`` in plain words, ids to answer for repair."""

    error: str
    call_ids: tuple[str, ...]


def _text(ai: AIMessage) -> str:
    c = ai.content
    return c if isinstance(c, str) else " ".join(p.get("text", "") for p in c if isinstance(p, dict))


def decode(ai: AIMessage, vocab: Vocabulary | None = None, text: str = "") -> Result | Invalid:
    meta = (ai.response_metadata or {}).get(_META) or {}
    calls = list(ai.tool_calls or [])
    ids = tuple(str(c.get("id") or "") for c in [*calls, *(ai.invalid_tool_calls or [])])
    for c in calls:
        if c["name"] == REFUSE:
            return Refuse(str((c.get("args") or {}).get("reason") or msg.REFUSALS["off_topic"]))
    if ai.invalid_tool_calls:
        bad = ai.invalid_tool_calls[0]
        return Invalid(f"the arguments of '{bad.get('name')}' are not valid JSON ({bad.get('error') or 'parse error'})",
                       ids)
    real = [c for c in calls if c["name"] != CLARIFY]
    if not real:
        if calls:
            q = str((calls[0].get("args") or {}).get("question") or "").strip() or msg.UNDECIDED
            return Clarify(q, tuple(meta.get("options") or ()), bool(meta.get("undecided")))
        text = _text(ai).strip()
        return Clarify(text[:600] if text else msg.NO_TOOL_CALL)
    if len(real) > 1:
        return Clarify(msg.ONE_AT_A_TIME)
    if len(calls) > 1:  # a tool call and a question: the question wins
        q = next(str((c.get("args") or {}).get("question") or "") for c in calls if c["name"] == CLARIFY)
        return Clarify(q or msg.UNDECIDED)
    call = real[0]
    name = call["name"]
    if name not in toolset.names():
        return Clarify(msg.UNKNOWN_TOOL.format(tool=name))
    raw = {k: v for k, v in (call.get("args") or {}).items() if v is not None}
    try:
        args = toolset.validate(name, raw)
    except ValidationError as e:
        return Invalid(toolset.explain(e), ids)
    problem = check_names(name, args.given(), vocab, text)
    if problem is not None:
        return problem
    return ToolCall(name, args)


def _did_you_mean(name: str, pool, template: str) -> Clarify:
    near = [n for _, n in closest(name, list(pool), max(2, len(name) // 4))][:3]
    if near:
        return Clarify(msg.UNKNOWN_NAME.format(name=name, options=msg.options(near)), tuple(near))
    return Clarify(template.format(name=name, options=msg.options(pool)), tuple(pool))


_CLUSTER_LISTS = ("clusters", "add_clusters", "from_clusters", "to_clusters")
_CLUSTER_NAME = {T.GET_CLUSTER: "name", T.CORDON_CLUSTER: "name", T.UNCORDON_CLUSTER: "name",
                 T.DRAIN_CLUSTER: "name", T.LIST_DEPLOYMENTS: "cluster", T.LIST_MODELS: "fits",
                 T.SEARCH_AUDIT: "cluster"}
_DEPLOYMENT_NAME = {T.ROLLBACK: "deployment", T.UNDEPLOY: "deployment", T.MOVE: "deployment",
                    T.AUTOSCALE: "deployment", T.GET_DEPLOYMENT: "name", T.COST_REPORT: "deployment"}


def check_names(tool: str, args: dict, vocab: Vocabulary | None, text: str = "") -> Clarify | None:
    """A question when the call names a cluster or deployment the fleet does not have, or (deploy) would
    guess a target or replace clusters it was not told to (``text``: the request, read for "only")."""
    if vocab is None or not vocab.has_fleet:
        return None
    clusters, deps = vocab.clusters, vocab.deployments
    wanted_clusters = [c for key in _CLUSTER_LISTS for c in (args.get(key) or [])]
    if args.get(_CLUSTER_NAME.get(tool, "")):
        wanted_clusters.append(args[_CLUSTER_NAME[tool]])
    for c in wanted_clusters:
        if c not in clusters:
            return _did_you_mean(c, clusters, msg.UNKNOWN_CLUSTER)
    dep = args.get(_DEPLOYMENT_NAME.get(tool, ""))
    if tool == T.DEPLOY and args.get("add_clusters"):
        dep = args.get("name") or ""
    if dep is not None and dep not in deps:
        return _did_you_mean(dep, deps, msg.UNKNOWN_DEPLOYMENT)
    placed = deps[dep].clusters if dep else ()
    off = [c for key in ("clusters", "from_clusters") for c in (args.get(key) or [])
           if placed and c not in placed] if tool in (T.UNDEPLOY, T.MOVE) else []
    if off:
        return Clarify(msg.NOT_ON_CLUSTER.format(name=f"`{dep}`", clusters=msg.options(off),
                                                 options=msg.options(placed)), tuple(placed))
    if tool == T.DEPLOY and not args.get("add_clusters"):
        ask = targets.check(args, vocab, text.lower())
        if ask is not None:
            return Clarify(ask.text, ask.options)
    return None
