"""Which wave-2 operation a message asks for (DESIGN §4 "Wave 2 tools"), read from its skeleton.

``operation(s, ent)`` returns a tool constant (or None) for: cordon / uncordon / drain a cluster,
autoscale a deployment, declare / lift a change freeze, move a deployment, add clusters to one.
Questions ("which clusters are cordoned?") are not operations: the read-only rules answer them.
"""
from __future__ import annotations

import re

from bot.interpreter import toolnames as T
from bot.interpreter.entities import Entities

_C = re.compile
QUESTION = _C(r"^(?:what|which|where|who|how|is|are|was|were|do|does|did|why|when|show|list|any)\b")
_UNCORDON = _C(r"\bun-?cordon\w*|\bmark\s+(?:CLUSTER|it)\s+(?:as\s+)?(?:schedulable|uncordoned|placeable)\b|"
               r"\bmake\s+(?:CLUSTER|it)\s+schedulable\b|\b(?:allow|resume|re-?enable|restart)\s+(?:new\s+)?"
               r"(?:scheduling|placements?|deployments)\s+(?:on|to|onto)\b|\bput\s+(?:CLUSTER|it)\s+back\s+"
               r"(?:in|into)\s+(?:rotation|service)\b|\breopen\s+CLUSTER\b|\b(?:lift|remove|clear)\s+the\s+cordon\b")
_CORDON = _C(r"\bcordon\b|\bmark\s+(?:CLUSTER|it)\s+(?:as\s+)?(?:unschedulable|cordoned|off[- ]limits|"
             r"not schedulable)\b|\bmake\s+(?:CLUSTER|it)\s+unschedulable\b|\b(?:stop|no more|no new|pause)\s+"
             r"(?:new\s+)?(?:scheduling|placing|placements?|deployments)\s+(?:\w+\s+){0,3}?(?:on|to|onto)\s+"
             r"CLUSTER\b|\b(?:take|put)\s+(?:CLUSTER|it)\s+out\s+of\s+(?:rotation|service|scheduling|placement)\b")
_DRAIN = _C(r"\bdrain\w*\b|\bevacuate\s+(?:the\s+)?(?:cluster\s+)?CLUSTER\b|\b(?:move|migrate|get|shift)\s+"
            r"(?:everything|all(?:\s+the)?(?:\s+(?:deployments|workloads|models))?|every\s+deployment)\s+"
            r"(?:\w+\s+)?(?:off|from|out\s+of)\s+(?:of\s+)?(?:the\s+)?(?:cluster\s+)?CLUSTER\b|"
            r"\bempty\s+(?:out\s+)?CLUSTER\b")
_AUTOSCALE_OFF = _C(r"\b(?:turn|switch|shut)\s+off\s+(?:the\s+)?auto-?scal\w*|\b(?:disable|stop|remove|deactivate|"
                    r"drop|cancel|end|no more|kill)\s+(?:the\s+)?auto-?scal\w*|\bauto-?scal\w*\s+(?:off|disabled)\b|"
                    r"\bfixed (?:number of )?replicas\b.*\bauto-?scal|\bno (?:more )?auto-?scal\w*")
_AUTOSCALE = _C(r"\bauto-?scal\w*|\bhpa\b|\bscale\b.*\b(?:automatically|on demand|with (?:load|demand|traffic))\b|"
                r"\b(?:scale|let)\s+(?:\S+\s+){0,3}?(?:between|from)\s+-?\d+\s+(?:and|to|-)\s+-?\d+\b")
_FREEZE_LIFT = _C(r"\b(?:lift|end|remove|cancel|stop|drop|unfreeze|thaw|clear|call off|release)\s+(?:the\s+)?"
                  r"(?:\w+\s+){0,2}?(?:change\s+|code\s+|deploy(?:ment)?\s+)?freeze\b|\bunfreeze\b|\bthaw\b|"
                  r"\bfreeze\b.*\b(?:is over|can end|lifted)\b")
_FREEZE = _C(r"\bfreeze\b|\bfreezing\b|\bfrozen\b|\bno (?:changes|deploys|deployments) (?:to|in|on)\b.*\b(?:until|till|"
             r"for the next|through)\b|\block (?:down )?(?:changes|deploys)\b")
_MOVE = _C(r"^(?:move|migrate|relocate|shift|transfer|evacuate|re-?home|fail\s+(?:\S+\s+){0,2}?over|failover)\b|"
           r"^DEPNAME\s+(?:should|must|needs to|has to)\s+(?:move|migrate|fail over)\b|"
           r"^(?:get|take)\s+DEPNAME\s+off\s+(?:of\s+)?(?:the\s+)?CLUSTER\s+and\s+(?:onto|on|to|into)\b")
_ADD = _C(r"\balso\b|\bas well\b|\btoo\b|\bin addition\b|\badditionally\b|\bextra\b|\bmore clusters?\b|"
          r"^add\b|^(?:extend|expand|grow|widen|replicate)\b|\bscale\s+(?:DEPNAME\s+)?out\b|\bplus\b")
_ADD_VERB = _C(r"\b(?:run|runs|running|serve|serves|serving|deploy|deployed|put|host|hosted|hosting|place|add|"
               r"extend|expand|grow|widen|replicate|scale|available|live|roll\s*out|ship|spin up|launch|start)\b")
_ONLY = _C(r"\bonly\b|\bjust\b|\bexclusively\b|\bnowhere else\b|\bsolely\b")


def operation(s: str, ent: Entities) -> str | None:
    """The wave-2 mutating tool ``s`` (a polite-stripped skeleton) asks for, or None."""
    if QUESTION.match(s) and not re.match(r"^(?:how about|what about)\b", s):
        return None
    if _FREEZE_LIFT.search(s):
        return T.LIFT_FREEZE
    if _FREEZE.search(s) and not ent.deployments:
        return T.DECLARE_FREEZE
    if _AUTOSCALE_OFF.search(s) or _AUTOSCALE.search(s):
        return T.AUTOSCALE
    if _UNCORDON.search(s):
        return T.UNCORDON_CLUSTER
    if _DRAIN.search(s) and (not ent.deployments or re.match(r"^drain\b", s)):
        return T.DRAIN_CLUSTER
    if _CORDON.search(s) and not ent.deployments:
        return T.CORDON_CLUSTER
    if _MOVE.search(s) and not re.search(r"\bback\b|\bMODEL\b", s):
        return T.MOVE
    if adds(s, ent):
        return T.DEPLOY
    return None


def adds(s: str, ent: Entities) -> bool:
    """ "also run D on C", "add C to D", "D should also serve from C": an existing deployment, more clusters."""
    if not ent.deployments or _ONLY.search(s):
        return False
    return bool(_ADD.search(ent.skel) and _ADD_VERB.search(s))


def autoscale_off(s: str) -> bool:
    return bool(_AUTOSCALE_OFF.search(s))


def only(s: str) -> bool:
    return bool(_ONLY.search(s))
