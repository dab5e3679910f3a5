"""Read-only wave-2 questions (DESIGN §4): what the fleet costs (``cost_report``), which catalog models
can be deployed (``list_models``), and which clusters are cordoned / down / placeable (``list_clusters``
status). Each asks for exactly the answer it wants: a cost question is never a cluster table."""
from __future__ import annotations

import re

from bot.interpreter import questions as q
from bot.interpreter import slots
from bot.interpreter import toolnames as T
from bot.interpreter.decision import Decision
from bot.interpreter.entities import Entities

_C = re.compile
_COST = _C(r"\b(?:cost|costs|costing|spend|spending|spent|bill|billing|expenses?|expensive|burn(?:ing)?(?: rate)?|"
           r"money|pay|paying|price tag|invoice)\b|\bhow much (?:do|does|are|is) (?:we|it|the fleet)\b")
_GROUP = _C(r"\b(?:per|by|for each|each|for every|every|broken down by|grouped by|group by|split by|breakdown by|"
            r"breakdown per|across)\s+(deployment|cluster|environment|env|team|model)s?\b|"
            r"\b(?:which|what)\s+(deployment|cluster|environment|env|team|model)s?\b")
_GROUPS = {"env": "environment"}
_TEAM = _C(r"\bteam\s+([a-z0-9][a-z0-9-]*)\b|\b([a-z0-9][a-z0-9-]*)\s+team\b")
_NOT_TEAMS = frozenset({"the", "a", "each", "every", "per", "by", "which", "what", "my", "our", "your", "this", "that"})
_CATALOG = _C(r"\bcatalog(?:ue)?\b|\b(?:models?|llms?|presets?)\b.{0,40}?\b(?:can (?:we|i|you|be)|could (?:we|i|you|be)|"
              r"may (?:we|i)|(?:can|could|would|will) (?:run|fit|go)|supported|support|offer|fits?|fitting|deployable|allowed|available to deploy)\b|"
              r"\bwhat can (?:we|i|you) (?:deploy|run|serve|put)\b|\bwhat (?:fits|would fit|could run|can run) on\b|"
              r"\bwhich (?:models?|llms?) (?:are|is) (?:there|available)\b|\bsupported models\b")
_NOT_CATALOG = _C(r"\b(?:deployed|running|live|serving|hosted|installed)\b")


def which(s: str) -> str | None:
    """``cost_report`` / ``list_models`` when ``s`` (a polite-stripped skeleton) asks for it, else None."""
    if _COST.search(s) and "MODEL" not in s and slots.max_cost(s) is None:
        return T.COST_REPORT
    if _CATALOG.search(s) and not _NOT_CATALOG.search(s):
        return T.LIST_MODELS
    return None


def answer(tool: str, ent: Entities, s: str) -> Decision:
    if tool == T.COST_REPORT:
        m = _GROUP.search(s)
        group = m and (m.group(1) or m.group(2))
        team = None
        for t in _TEAM.finditer(s):
            word = t.group(1) or t.group(2)
            if word not in _NOT_TEAMS and not word.isupper():
                team = word
                break
        env = q.filters(s, ent)["environment"]
        return Decision.call(tool, {
            "group_by": _GROUPS.get(group, group) if group else None,
            "deployment": ent.deployments[0] if len(ent.deployments) == 1 else None,
            "environment": env, "team": team if not (group == "team" and team is None) else None,
        })
    return Decision.call(T.LIST_MODELS, {"gpu": slots.gpu(s),
                                         "fits": ent.clusters[0] if len(ent.clusters) == 1 else None})
