"""Requests the interpreter refuses outright, checked before anything else.

Approving/rejecting/bypassing by text, prompt injection, secrets, raw shell/kubectl, audit tampering,
deleting clusters/namespaces/the fleet, mass deletion, and small talk. Each rule returns a key of
``bot.interpreter.messages.REFUSALS``; ``check`` returns the first that applies, or None.
"""
from __future__ import annotations

import re

_C = re.compile

_APPROVAL = (
    _C(r"^(?:\W*(?:please|just|ok|okay|so|then|now|go ahead and|can you|could you|pls|kindly|hey)\b\W*)*"
       r"(?:approve|reject|deny|decline|authori[sz]e|sign off|ack|greenlight|green-light|rubber[- ]stamp)\b"),
    _C(r"\b(?:approve|reject|deny|decline|authori[sz]e|greenlight|sign off on)\s+(?:the\s+|this\s+|that\s+|my\s+|"
       r"our\s+|all\s+|every\s+|it\b|them\b|#|cr\b|change|request|pending|\d)"),
    _C(r"\bi\s+(?:hereby\s+)?(?:approve|reject|authori[sz]e|sign off|give (?:my )?approval|grant approval)\b"),
    _C(r"\b(?:self[- ]?approv\w*|auto[- ]?approv\w*|pre[- ]?approved|already (?:been )?approved|"
       r"consider (?:it|this|that) approved|treat (?:it|this|that) as approved|counts? as (?:an )?approval|"
       r"break[- ]?glass|emergency override|force[- ]?(?:approve|apply|deploy|push|merge)|"
       r"approve (?:it|this) yourself|approve my own|my own (?:change|request))\b"),
    _C(r"\bmark\b.{0,30}\b(?:as\s+)?(?:approved|rejected)\b"),
    _C(r"\blgtm\b|\bship\s?it\b.*\b(?:approv|review)|\+1 (?:on|for) (?:change|request|#)"),
    _C(r"\b(?:without|skip(?:ping)?|bypass(?:ing)?|no need for|no need to|don'?t need|do not need|"
       r"circumvent(?:ing)?|avoid(?:ing)?|get around|go around|override|overrid(?:e|ing)|ignore|ignoring|disable|"
       r"turn off|dispense with|forget(?: about)?|no)\s+(?:the\s+|any\s+|all\s+|an\s+|your\s+|a\s+|those\s+|"
       r"waiting for\s+|asking for\s+|getting\s+)?(?:approvals?|approvers?|reviews?|sign[- ]?offs?|"
       r"change control|the policy|polic(?:y|ies)|checks|guardrails|safeguards|four[- ]eyes|quorum|"
       r"the button|buttons|(?:change\s+|code\s+)?freezes?|freeze windows?|(?:approval\s+)?gates?)\b"),
    _C(r"\b(?:don'?t|do not|no need to|never)\s+(?:bother\s+)?(?:ask(?:ing)?|wait(?:ing)?(?: for)?|"
       r"check(?:ing)? with)\s+(?:anyone|anybody|for approval|for approvals|the approvers|approvers|for permission)\b"),
    _C(r"\b(?:approved by|signed off by|ok'?d by|okayed by)\b"),
    _C(r"\b(?:despite|regardless of|in spite of|notwithstanding|even though there(?:'s| is)|during)\s+(?:the\s+|a\s+|any\s+)?"
       r"(?:(?:change|code)\s+)?(?:freeze|approvals?|polic(?:y|ies)|review)\b"),
)
_APPROVED_BY_OK = _C(r"\b(who|which|show|list|what|changes|requests)\b")
_INJECTION = (
    _C(r"\b(?:ignore|disregard|forget|override|bypass|drop)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+|previous\s+|"
       r"prior\s+|above\s+|earlier\s+|these\s+|those\s+)*(?:rules?|instructions?|guidelines?|polic(?:y|ies)|"
       r"guardrails?|restrictions?|prompts?|system prompt|constraints?|safety|programming|directives?)\b"),
    _C(r"\byou are now\b|\bfrom now on,? you\b|\bnew instructions?\b|\bsystem\s*(?:prompt|message|override)\s*:|"
       r"\b(?:system|assistant|developer|tool)\s*:|</?\s*(?:system|user|assistant|instructions?|tool)\s*>|"
       r"\[/?inst\]|#{2,}\s*(?:instruction|system)|<\|im_(?:start|end)\|>|\b(?:developer|god|admin|sudo|dan|root|unrestricted|jailbreak) mode\b|\bjailbreak\b|"
       r"\bact as (?:an? )?(?:admin|root|approver|superuser)\b|\bpretend (?:to be|you are|that)\b|"
       r"\bi am (?:an? |the )?(?:admin|approver|cto|ceo|owner|superuser|root)\b.{0,40}\b(?:so|therefore|approve|skip|no)\b|"
       r"\bas (?:an? |the )?(?:admin|administrator|approver|superuser|root)\b.{0,30}\b(?:approve|skip|bypass|override)\b"),
)
_SECRETS = _C(
    r"\b(?:tokens?(?!\s*(?:per|/|a|an|each)\s*(?:second|sec|s|minute|min|hour|request)\b)(?!\s*throughput)|secrets?|passwords?|passwd|credentials?|creds|kube-?configs?|kube config|api[- ]?keys?|"
    r"private keys?|hf[_ ]token|huggingface token|ssh keys?|client[- ]key|client certificate|certs?|"
    r"\.kube/config|kube/config|\.env\b|env vars?|environment variables?|"
    r"bearer|signing secret|access keys?|service account keys?|connection strings?)\b"
)
_SHELL = _C(
    r"\b(?:kubectl|kubeadm|helm|exec|ssh|shell|bash|zsh|sudo|rm -rf|curl|wget|powershell|cmd\.exe|"
    r"terminal|command line|cli command|k9s|crictl|docker|systemctl|iptables|chmod|chown|scp|sftp|"
    r"port[- ]forward|run (?:this|the following|a|my) (?:command|script))\b"
    r"|\b(?:delete|kill|evict)\s+(?:the\s+|all\s+|a\s+)?pods?\b"
    r"|(?:^|[\s;|&])(?:cat|less|more|head|tail|vi|vim|nano|grep|ls|cd|echo|env|printenv|export|chmod|mv|cp)\s+[~/.$\-]"
)
_AUDIT_TAMPER = (
    _C(r"\b(?:delete|remove|erase|clear|wipe|purge|edit|modify|alter|truncate|rewrite|tamper with|drop|hide|"
       r"redact|backdate|fake|forge|falsify|clean up|cleanup|scrub)\s+"
       r"(?:\w+\s+){0,4}(?:audit|audit log|audit trail|logs?|log entries|log entry|history|records?|events?)\b"),
    _C(r"\baudit\b.{0,40}\b(?:delete|erase|clear|wipe|purge|edit|modify|alter|truncate|rewrite|tamper|"
       r"remove|scrub|backdate|forge|falsify)\b"),
)
_DESTROY_INFRA = _C(
    r"\b(?:delete|remove|destroy|drop|nuke|wipe|kill|terminate|tear down|teardown|deprovision|decommission|"
    r"erase|scrap|shut ?down|unregister|unjoin|evict|detach|reset|format|deregister)\s+"
    r"(?:(?:all|every|each|the|these|those|my|our|a|this|that|entire|whole|of|member|kubernetes|k8s|"
    r"hub|fleet|gpu|existing)\s+)*"
    r"(?:clusters?|namespaces?|ns|fleet|hub|the hub|CLUSTER|member ?clusters?|nodes?|node ?pools?|"
    r"kube-system|control plane|kubefleet|kaito(?! workspace| deployment| object)|operators?|crds?|"
    r"everything|all of (?:it|them))\b"
)
_MASS_DELETE = _C(
    r"\b(?:delete|remove|undeploy|destroy|tear down|take down|nuke|wipe|kill|drop|decommission|uninstall|stop)\s+"
    r"(?:(?:the|our|my|of)\s+)*(?:all|every|each|everything)\b|\beverything\s+everywhere\b"
)
_UNSUPPORTED = (
    (_C(r"^(?:\W*(?:please|pls|can you|could you)\W+)*cancel\b.*\b(?:change|request|#\d)"), "cancel"),
)
# asks the product does not support (yet): (pattern, key of messages.UNSUPPORTED_FEATURES)
_FEATURES = (
    (_C(r"\bfine[- ]?tun\w*|\b(?:re)?train(?:ing)?\s+(?:\w+\s+){0,3}?(?:models?|llms?|on)\b|\blora\b|\bdistill(?:ation)?\s+"
        r"(?:a|the|our)\b"), "fine_tuning"),
    (_C(r"\brag\b|\bretrieval[- ]augmented\b|\bvector (?:db|database|store|index)\b|\bembeddings? (?:index|store)\b|"
        r"\bknowledge base\b"), "rag"),
    (_C(r"\b(?:restart|reboot|bounce|recycle)\b"), "restart"),
    (_C(r"\be-?mails?\b|\bsend (?:me |us |them )?(?:an? )?(?:sms|text message|page|report)\b"), "email"),
    (_C(r"\bnotify\b|\bnotification\b|\balert (?:me|us)\b|\bping (?:me|us)\b|\blet (?:me|us) know (?:when|if)\b|"
        r"\bremind (?:me|us)\b|\bsubscribe\b|\bwebhooks?\b|\bwatch (?:\S+ )?(?:and|&) (?:tell|notify)\b"), "notify"),
    (_C(r"\btokens?\s*(?:per|/|a|each)\s*(?:second|sec|s|minute|min)\b|\bthroughput\b|\blatency\b|\bqps\b|"
        r"\brequests? per second\b|\brps\b|\bgpu utili[sz]ation\b|\bmetrics\b"), "metrics"),
    (_C(r"\b(?:pod|container|server|inference|vllm|application|app) logs?\b|\blogs? (?:of|for|from) (?:the )?pods?\b"),
     "logs"),
    (_C(r"\bquantiz\w*|\bbenchmark\w*|\bload[- ]test\w*"), "benchmark"),
)
_OFF_TOPIC = _C(
    r"\b(?:weather|temperature outside|jokes?|funny|poem|haiku|limerick|story|song|lyrics|recipe|cook|"
    r"stock price|stocks|bitcoin|crypto|sports?|football|soccer|basketball|movie|film|netflix|"
    r"restaurant|recipes?|horoscope|dating|translate|essay|homework|"
    r"meaning of life|capital of|president|celebrity|who won|lottery|write me|write an? (?:email|letter|poem|story)|"
    r"how are you|who are you|are you (?:a )?(?:human|robot|sentient|alive)|what is your name|tell me about yourself|"
    r"vacation|birthday|hotel)\b"
    r"|^\W*(?:what is\s+)?\d+\s*[-+*/x]\s*\d+\s*=?\s*\??$"
)
_GREETING = _C(r"^\W*(?:hi|hello|hey|yo|sup|good (?:morning|afternoon|evening)|thanks?|thank you|thx|ty|cheers|"
               r"bye|goodbye|gm|gn|lol|ok|okay|cool|nice|great|awesome)\W*(?:there|bot|fleetops|all|team)?\W*$")


def unsupported_feature(low: str) -> str | None:
    """The key of an ask the product does not support yet (fine-tuning, RAG, restarts, e-mail, ...)."""
    for rx, key in _FEATURES:
        if rx.search(low):
            return key
    return None


def check(low: str, skel: str, mutating_verb: bool) -> str | None:
    """The refusal key for this message, or None. ``skel`` has fleet names masked."""
    for rx in _INJECTION:
        if rx.search(low):
            return "injection"
    for rx in _APPROVAL:
        m = rx.search(low)
        if m:
            if "by" in m.group(0) and _APPROVED_BY_OK.search(low) and not mutating_verb:
                continue
            return "approval"
    if _SECRETS.search(low):
        return "secrets"
    if _SHELL.search(low):
        return "shell"
    for rx in _AUDIT_TAMPER:
        if rx.search(skel) and _tamper_target(skel):
            return "audit"
    if _DESTROY_INFRA.search(skel):
        return "infra"
    if _MASS_DELETE.search(skel):
        return "mass_delete"
    for rx, key in _UNSUPPORTED:
        if rx.search(low):
            return "unsupported_" + key
    feature = unsupported_feature(low)
    if feature is not None:
        return "feature_" + feature
    if _OFF_TOPIC.search(low):
        return "off_topic"
    if _GREETING.search(low):
        return "small_talk"
    return None


def _tamper_target(skel: str) -> bool:
    # "remove DEPNAME" is an undeploy; only the log/history/records as the object is tampering
    return not re.search(r"\b(?:delete|remove|drop|update|change)\s+(?:DEPNAME|MODEL|CLUSTER)\b", skel) or \
        bool(re.search(r"\baudit\b", skel))
