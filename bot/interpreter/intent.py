"""Which tool a message asks for, read from its skeleton (names already masked by placeholders).

Order matters and encodes the judgement calls: audit questions ("who deployed X") before mutations;
an imperative verb at the start (deploy, roll back, remove, upgrade X to) before placement
questions ("where could I run", "cheapest cluster for"); a mutation asked as a question ("should I
remove X?") is marked ``confirm`` so that the rules ask instead of acting.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.interpreter import asks, slots
from bot.interpreter import lexicon as lx
from bot.interpreter import toolnames as T
from bot.interpreter.entities import Entities

_C = re.compile
_POLITE = _C(lx.POLITE_PREFIX)
_ROLLBACK = _C(rf"\b(?:{lx.ROLLBACK_VERBS})\b")
_UNDEPLOY = _C(rf"\b(?:{lx.UNDEPLOY_STRONG})\b")
_UNDEPLOY_WEAK = _C(rf"\b(?:{lx.UNDEPLOY_WEAK})\b")
_UPDATE = _C(rf"\b(?:{lx.UPDATE_VERBS})\b")
_DEPLOY = _C(rf"\b(?:{lx.DEPLOY_VERBS})\b")
_SELF_QUESTION = _C(r"^(?:can i|could i|should i|should we|shall i|shall we|may i|is it (?:safe|ok|okay|possible|"
                    r"wise|a good idea) to|would it (?:be )?(?:ok|okay|safe|possible) to|what happens if (?:i|we)|"
                    r"what would happen if (?:i|we)|how (?:do|can|would|should) (?:i|we)|how to|"
                    r"is it worth|do (?:i|we) need to|would you|would it make sense to)\b\s*")
_AUDIT = _C(
    r"\baudit\b|\baudit[- ]?(?:log|trail)\b|\bwho\s+(?:\w+\s+){0,3}?(?:deploying|rolling|removing|deleting|"
    r"changing|touching|undeploying|approving|deployed|shipped|rolled|reverted|removed|"
    r"undeployed|deleted|changed|touched|modified|updated|upgraded|approved|rejected|created|launched|"
    r"did|made|ran|requested|took|tore|pushed|released|put|scaled|moved|switched)\b|"
    r"\bwhat (?:did|has|have)\s+(?:ACTOR|i|we|he|she|they|@?[a-z0-9._-]+)\s+(?:done|do|changed|change|deployed|"
    r"deploy|removed|remove|touched|touch|rolled back|roll back|approved|approve)\b|"
    r"\b(?:activity|actions|history of actions|event log|events|changelog|what happened|what changed|"
    r"what has changed|recent activity|who has been)\b|\bmy (?:actions|activity|recent changes)\b|"
    r"\b(?:done|made|did|changed) by\b|\bby ACTOR\b|\bACTOR\b|"
    r"\b(?:rollbacks|roll ?backs|reverts|undeploys|removals|deletions|rejections|deploys|rollouts)\b"
)
_CHANGE_ID = _C(r"\b(?:change(?:\s+request)?|cr|request|req|ticket)\s*(?:id|number|no\.?|num)?\s*[-#:]?\s*\d+\b"
                r"|(?<!\w)#\d+\b")
_CHANGES = _C(rf"\b(?:{lx.CHANGE_NOUN})\b|\bmy (?:change )?requests?\b|\b(?:awaiting|waiting (?:for|on)|needs?|pending|requiring)\s+"
              r"(?:my\s+|an?\s+)?approvals?\b|\bwhat is pending\b|^pending\b|\bto approve\b|\bpending\??$")
_PLACEMENT = _C(
    r"\bwhere\s+(?:could|can|should|would|might|may|to|do i|do we|is (?:the )?best|would be best|"
    r"is a good place|are (?:the )?best|i could|i can|we could|we can|else could|else can)\b|"
    r"\bwhere\s+(?:do|does|did|will)\s+\S+\s+(?:fit|go best|belong)\b|"
    r"\bwhere\s+(?:is|are)\s+(?:the\s+)?(?:best|cheapest|a good|good|ideal|right|optimal)\b|"
    r"\b(?:which|what)\s+(?:\w+\s+){0,4}?(?:clusters?|regions?|places?|locations?|spots?|options?)\s+"
    r"(?:\w+\s+){0,3}?(?:should|could|can|would|might|is best|are best|fits?|for MODEL|to (?:use|run|deploy|put|host))\b|"
    r"\b(?:suggest|suggestion|recommend|recommendation|propose|advise|find|pick|choose|select|identify|"
    r"shortlist|evaluate|assess|plan|compute|work out|figure out|placement|place options?|dry[- ]?run|"
    r"what if)\b|"
    r"\b(?:does|would|will|could|can|might)\s+MODEL\s+fit\b|\bfit MODEL\b|\bis there (?:room|capacity|space|enough)\b|"
    r"\boptions?\s+for\b|\bbest\s+(?:\w+\s+){0,2}?(?:cluster|place|spot|option|fit|home|location|region)s?\b|"
    r"\b(?:cheapest|cheaper|least expensive|lowest cost|most capacity|emptiest|least loaded)\b.*\bfor\s+MODEL\b|"
    r"\b(?:cluster|clusters|option|options|spot|spots|home|place|places|capacity|room|candidates?)\s+"
    r"(?:\w+\s+){0,4}?for\s+(?:running\s+|hosting\s+|serving\s+)?MODEL\b|"
    r"\b(?:cheapest|cheaper|best|ideal|optimal|recommended|least expensive|most capacity|emptiest|least loaded)\s+"
    r"(?:\w+\s+){0,3}?(?:way|ways|option|options|place|places|spot|cluster|clusters|region|regions|home|fit)\b|"
    r"\bwhat would it cost\b|\bhow much would it cost\b|\bcost (?:to|of) (?:run|running|host|hosting|deploy)\b|"
    r"\bhow many clusters (?:could|can|would)\b|\b(?:does|would|will|do)\s+MODEL\s+(?:need|require|take)\b|"
    r"\bhow many (?:gpus|nodes)\b.*\bMODEL\b"
)
_CLUSTER_INFO = _C(r"\bwhy\b|\beligib\w*|\btaint\w*|\bcordon\w*|\bgpus?\b|\bcapacity\b|\bfree\b|\bhealth\w*|"
                   r"\bheartbeat\b|\bdetails?\b|\binfo\b|\bdescribe\b|\btell me about\b|\bkubernetes version\b")
_ON_CLUSTER = _C(r"\b(?:running|runs|run|deployed|live|served|hosted|installed|placed|scheduled|deployments?|models?|"
                 r"workloads?|what is|whats|anything|stuff)\s+(?:\w+\s+)?(?:on|in|at)\s+(?:the\s+)?(?:cluster\s+)?"
                 r"CLUSTER\b|\bCLUSTER\b.*\b(?:deployed|running|live|deployments|workloads)\b|"
                 r"\bon CLUSTER\b.*\b(?:running|deployed|live)\b|\bCLUSTER (?:running|deployments|models|workloads)\b")
_WHERE_DEPLOYED = _C(
    r"\bwhere\s+(?:is|are|was|were|do we have|have we|do we run|do we serve)\b"
    r"(?!\s+(?:the\s+)?(?:best|cheapest|a good|good|ideal|right|optimal|most)\b)|"
    r"\b(?:which|what)\s+(?:\w+\s+)?clusters?\s+(?:(?:are|is|currently|already|still|now)\s+)?"
    r"(?:run|runs|running|serve|serves|serving|host|hosts|"
    r"hosting|has|have|had|is running|are running|got|with)\s+(?:\w+\s+)?MODEL\b|"
    r"\b(?:who|what) is (?:serving|running|hosting)\b|\bis MODEL (?:deployed|running|live|up)\b|"
    r"\b(?:which|what)\s+(?:\w+\s+)?clusters?\s+(?:is|are|has|have)\s+MODEL\b|"
    r"\bMODEL\s+(?:is\s+|are\s+)?(?:deployed|running|live|served|hosted)\s+(?:where|on which)\b"
)
_DEPLOYMENTS = _C(r"\b(?:deployments?|deploys|deployed|running|live|serving|served|hosted|workloads?|workspaces?|"
                  r"models?|inference\s?sets?|endpoints?|what is up)\b")
_CLUSTERS = _C(r"\b(?:clusters?|members?|fleet|inventory|capacity|regions?|gpus?|nodes?|hardware|"
               r"accelerators?|a10g?s?|a100s?|h100s?|h200s?|l4s?|compute)\b")
_INFO = _C(r"\b(?:tell me about|about|describe|details?|detail on|info|information|status|state|health|"
           r"how is|how are|how does|look(?:ing)? like|show|what is up with|what is going on with|check|inspect|"
           r"overview|summary|revisions?|history|versions?|why|what is wrong|problem|issues?|errors?|doing|"
           r"going|look at|get)\b")
_AFFIRM = _C(r"^(?:yes|yep|yeah|yup|y|sure|correct|right|exactly|that one|that is it|that is right|ok|okay|"
             r"confirm(?:ed)?|do it|go ahead|please do|affirmative|indeed)\b[\s!.,]*(?:please|thanks?)?[\s!.]*$")
_NEGATE = _C(r"^(?:no|nope|nah|n|cancel|never ?mind|nvm|stop|abort|forget it|don't|do not)\b[\s!.,]*$")


@dataclass(frozen=True)
class Intent:
    tool: str | None  # a registry tool name, or None when not understood
    confirm: bool = False  # a mutation phrased as a question: ask before acting
    weak: bool = False  # an undeploy with a soft verb (stop, kill, disable)
    update: bool = False  # deploy of an existing deployment (upgrade/switch/move/scale X)
    rest: str = ""  # skeleton without the polite prefix


def strip_polite(skel: str) -> str:
    prev = None
    while prev != skel:
        prev = skel
        skel = _POLITE.sub("", skel, count=1)
    return skel.strip()


def is_affirmation(low: str) -> bool:
    return bool(_AFFIRM.match(low.strip()))


def is_negation(low: str) -> bool:
    return bool(_NEGATE.match(low.strip()))


_CHANGE_NOUN_START = _C(r"^(?:changes\b|change\s*(?:requests?\b|[-#:]?\s*\d|log\b|history\b|queue\b))")
_GET_INFO = _C(r"^(?:get|show|list|describe|display)\s+(?:me\s+)?(?:the\s+)?(?:deployment|cluster|change|status|"
               r"details|info|audit|list)\b")
_LATE_DEPLOY = _C(r"(?:[,;:]|\bplease|\bpls|\bso|\bthen|\band)\s+(?:please\s+|pls\s+|just\s+|go ahead and\s+)?"
                  r"(?:deploy|roll it out|ship it|roll out|launch|update it|upgrade it|switch it)\b")
_LATE_ROLLBACK = _C(r"\bback to\s+(?:the\s+|its\s+)?(?:revision|rev|version|v|r|previous|prior|last|first|"
                    r"original|initial)\b")
_LATE_UNDEPLOY = _C(r"^DEPNAME\s+off\s+(?:of\s+)?(?:the\s+)?CLUSTER\b")
_NEW_DEPLOYMENT = _C(r"^(?:new\s+|create\s+(?:a\s+)?(?:new\s+)?)deployment\b")
_WANT = _C(r"^(?:i|we)\s+(?:really\s+)?(?:need|want|would like|require)\s+(?:to (?:have|get|see)\s+)?"
           r"(?:a\s+|an\s+)?(?:MODEL|DEPNAME)\b(?!\?)")


def _mutation_at_start(s: str) -> Intent | None:
    if _CHANGE_NOUN_START.match(s) or _GET_INFO.match(s):
        return None
    if _WANT.match(s) or _NEW_DEPLOYMENT.match(s):
        return Intent(T.DEPLOY, rest=s)
    head = s[:40]
    for rx, tool, extra in ((_ROLLBACK, T.ROLLBACK, {}), (_UNDEPLOY, T.UNDEPLOY, {}),
                            (_UNDEPLOY_WEAK, T.UNDEPLOY, {"weak": True})):
        m = rx.search(head)
        if m and m.start() == 0:
            return Intent(tool, rest=s, **extra)
    m = _UPDATE.match(s)
    if m:
        return Intent(T.DEPLOY, update=True, rest=s)
    m = _DEPLOY.match(s)
    if m:
        return Intent(T.DEPLOY, rest=s)
    # "DEPNAME: roll back", "MODEL on staging please" handled by callers
    return None


def classify(ent: Entities) -> Intent:
    s = strip_polite(ent.skel)
    if not s:
        return Intent(None, rest=s)
    if _CHANGE_ID.search(s) and not ent.clusters and not ent.deployments and _mutation_at_start(s) is None:
        return Intent(T.GET_CHANGE, rest=s)
    if _AUDIT.search(s):
        return Intent(T.SEARCH_AUDIT, rest=s)
    q = _SELF_QUESTION.match(s)
    if q:
        inner = _mutation_at_start(strip_polite(s[q.end():]))
        if inner is not None:
            if inner.tool == T.DEPLOY and not inner.update:
                return Intent(T.PLAN_PLACEMENT, rest=s)
            return Intent(inner.tool, confirm=True, weak=inner.weak, update=inner.update, rest=s)
    found = _mutation_at_start(s)
    if found is not None:
        return found
    if _CHANGE_ID.search(s) and not ent.clusters and not ent.deployments:
        return Intent(T.GET_CHANGE, rest=s)
    if _CHANGES.search(s) and not _DEPLOYMENTS.search(s.replace("changes", "")):
        return Intent(T.LIST_CHANGES, rest=s)
    if "MODEL" in s and _PLACEMENT.search(s) and not _WHERE_DEPLOYED.search(s):
        return Intent(T.PLAN_PLACEMENT, rest=s)
    # a mutation verb later in the sentence ("coder-assist needs a rollback", "DEPNAME: remove it")
    if not s.endswith("?") and not re.match(r"^(?:what|which|where|who|how|is|are|do|does|why|when)\b", s):
        if _LATE_UNDEPLOY.search(s):
            return Intent(T.UNDEPLOY, rest=s)
        if _LATE_ROLLBACK.search(s) and ent.deployments:
            return Intent(T.ROLLBACK, rest=s)
        m = _LATE_DEPLOY.search(s)
        if m and ("MODEL" in s or ent.deployments):
            update = bool(re.search(r"update|upgrade|switch", m.group(0)))
            return Intent(T.DEPLOY, update=update, rest=s)
        for rx, tool in ((_ROLLBACK, T.ROLLBACK), (_UNDEPLOY, T.UNDEPLOY)):
            if rx.search(s):
                return Intent(tool, confirm=not re.match(r"^(?:DEPNAME|CLUSTER)\b", s), rest=s)
        if re.search(r"\brollback\b", s):
            return Intent(T.ROLLBACK, confirm=True, rest=s)
    return _info(ent, s)


def _info(ent: Entities, s: str) -> Intent:
    asked = asks.which(s)
    if asked is not None:
        return Intent(asked, rest=s)
    if len(ent.clusters) == 1 and not ent.deployments and "MODEL" not in s and _CLUSTER_INFO.search(s):
        return Intent(T.GET_CLUSTER, rest=s)
    if ent.clusters and _ON_CLUSTER.search(s):
        return Intent(T.LIST_DEPLOYMENTS, rest=s)
    if "MODEL" in s and _WHERE_DEPLOYED.search(s):
        return Intent(T.LIST_DEPLOYMENTS, rest=s)
    if ent.deployments and not ent.clusters:
        return Intent(T.GET_DEPLOYMENT, rest=s)
    if len(ent.clusters) == 1 and not ent.deployments and "MODEL" not in s:
        return Intent(T.GET_CLUSTER, rest=s)
    if _CHANGE_ID.search(s):
        return Intent(T.GET_CHANGE, rest=s)
    if "MODEL" in s and _PLACEMENT.search(s):
        return Intent(T.PLAN_PLACEMENT, rest=s)
    if _DEPLOYMENTS.search(s) and not re.search(r"\bclusters?\b", s):
        return Intent(T.LIST_DEPLOYMENTS, rest=s)
    if _CLUSTERS.search(s) or "REGION" in s or "ITYPE" in s:
        return Intent(T.LIST_CLUSTERS, rest=s)
    if _DEPLOYMENTS.search(s) or slots.first_status(s, lx.DEPLOYMENT_STATUS[:2]):
        return Intent(T.LIST_DEPLOYMENTS, rest=s)
    if "MODEL" in s:
        return Intent(T.LIST_DEPLOYMENTS, rest=s)
    if ent.clusters:
        return Intent(T.LIST_CLUSTERS, rest=s)
    return Intent(None, rest=s)
