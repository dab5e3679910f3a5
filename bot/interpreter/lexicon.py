"""Word tables for the offline interpreter: synonyms, number words, filter words, keywords.

Pure data. Regex fragments are plain strings (compiled by the modules that use them); every entry is
lower case because matching runs on the lower-cased, Slack-stripped text. An audit action that is a tool
is named through ``toolnames``; the words a person types ("deploy", "rollback") stay words.
"""
from __future__ import annotations

from bot.interpreter import toolnames as T

# --- numbers in words -----------------------------------------------------------------------------
UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
# phrases replaced before single words (order matters: longest first)
NUMBER_PHRASES = (
    ("half a dozen", "6"), ("a couple of", "2"), ("a couple", "2"), ("couple of", "2"),
    ("a pair of", "2"), ("a dozen", "12"), ("a single", "1"), ("both", "2"),
)
# "one" stays a word after these (the 8b one, which one, no one)
ONE_NUMERIC_BEFORE = ("revision", "rev", "version", "number", "change", "request", "to", "#", "cr")
ONE_KEEPERS = ("the", "that", "this", "which", "no", "any", "each", "every", "another", "other", "same")

# --- environment, geo, provider, GPU ----------------------------------------------------------------
ENVIRONMENT = {
    "prod": "prod", "production": "prod", "prd": "prod", "prods": "prod",
    "staging": "staging", "stage": "staging", "stg": "staging", "pre-prod": "staging",
    "preprod": "staging",
    "dev": "dev", "development": "dev", "devel": "dev", "sandbox": "dev",
}
GEO = {
    "eu": "eu", "europe": "eu", "european": "eu", "emea": "eu", "germany": "eu", "sweden": "eu",
    "ireland": "eu", "netherlands": "eu", "france": "eu", "uk": "eu",
    "us": "us", "usa": "us", "u.s.": "us", "u.s": "us", "america": "us", "american": "us",
    "americas": "us", "states": "us",
    "apac": "apac", "asia": "apac", "asian": "apac", "asia-pacific": "apac", "japan": "apac",
    "japanese": "apac", "india": "apac", "indian": "apac", "tokyo": "apac", "singapore": "apac",
    "australia": "apac", "korea": "apac", "pacific": "apac",
}
# "us" is also a pronoun: it is the country only after/before these words (or written US)
US_BEFORE = ("in", "the", "to", "across", "on", "within", "inside", "throughout", "from", "of")
US_AFTER = ("prod", "production", "staging", "stage", "dev", "clusters", "cluster", "region",
            "regions", "only", "based", "side", "east", "west", "gpus", "deployments")
US_PRONOUN_BEFORE = ("let", "show", "tell", "give", "help", "for", "with", "send", "get", "lets")
PROVIDER = {
    "azure": "azure", "aks": "azure", "microsoft azure": "azure",
    "aws": "aws", "eks": "aws", "amazon": "aws", "amazon web services": "aws",
}
UNSUPPORTED_PROVIDER = {"gcp": "gcp", "gke": "gcp", "google cloud": "gcp", "oracle": "oci", "oci": "oci"}
GPU_PATTERN = r"(?<![\w.])(?:nvidia\s+)?(a10g|a100|a10|h100|h200|l4)(?:s|'s)?(?![\w])"

# --- deployment / change statuses -------------------------------------------------------------------
DEPLOYMENT_STATUS = (
    (r"\b(failed|failing|broken|unhealthy|erroring|errored|crash\w*|in error|not working|down)\b",
     "failed"),
    (r"\b(progressing|in progress|rolling out|still deploying|deploying|starting|coming up|"
     r"not ready yet|pending)\b", "progressing"),
    (r"\b(ready|healthy|green|up and running|working fine|fine)\b", "ready"),
)
CLUSTER_STATUS = (
    (r"\b(cordon\w*|tainted|unschedulable|not schedulable|off[- ]limits|drained)\b", "cordoned"),
    (r"\b(down|offline|unreachable|not reporting|stale|ineligible|not eligible|unhealthy|dead|lost|"
     r"missing|not responding|broken|failing|failed|silent|disconnected)\b", "ineligible"),
    (r"\b(placeable|schedulable|eligible|healthy|can take|accepting|available for (?:placement|scheduling|new))\b",
     "placeable"),
)
CHANGE_STATUS = (
    (r"\b(pending|waiting|awaiting|open|outstanding|approval queue|queue|queued|need(s|ing)? (my |an? |our )?approvals?|to approve|"
     r"unapproved|not yet approved)\b", "pending"),
    (r"\b(approved)\b", "approved"),
    (r"\b(executing|in progress|running|in flight|being applied)\b", "executing"),
    (r"\b(succeeded|successful|succeeded|completed|complete|done|finished|applied)\b", "succeeded"),
    (r"\b(failed|failing|broken|errored)\b", "failed"),
    (r"\b(rejected|denied|declined)\b", "rejected"),
    (r"\b(expired|timed out)\b", "expired"),
    (r"\b(cancelled|canceled|withdrawn)\b", "cancelled"),
    (r"\b(stale|outdated)\b", "stale"),
    (r"\b(attention|stuck)\b", "attention"),
)

# --- ranking -------------------------------------------------------------------------------------------
PREFER = (
    (r"\b(cheap|cheapest|cheaper|lowest[- ]cost|least expensive|lowest[- ]price[d]?|cost[- ]effective|"
     r"budget|inexpensive|minimi[sz]e cost|lowest hourly)\b", "cost"),
    (r"\b(most (free )?(capacity|headroom|room|space|gpus)|least (loaded|busy|utili[sz]ed)|emptiest|"
     r"most available|biggest|largest|max(imum)? capacity|most free)\b", "capacity"),
    (r"\b(spread|spread out|across (\d+ )?(different |multiple |several |separate )?regions|different regions|"
     r"separate regions|multiple regions|multi[- ]region|high availability|redundan\w*|"
     r"geo[- ]?redundant|resilien\w*)\b", "spread"),
)

# --- actions ------------------------------------------------------------------------------------------
POLITE_PREFIX = (
    r"^(?:hey|hi|hello|yo|ok|okay|so|um|uh|please|pls|plz|kindly|can you|could you|would you|"
    r"will you|can u|could u|would u|you can|i want you to|i need you to|i want to|i wanna|"
    r"i'd like to|i would like to|id like to|we need to|we want to|i need to|need to|want to|"
    r"let us|lets|go ahead and|just|quickly|now|then|and|also|bot|fleetops|team|folks)"
    r"\b[\s,!.:;-]*"
)
_W = r"(?:\S+ ){1,3}?"  # one to three words between a verb and its particle ("take the X deployment off")
ROLLBACK_VERBS = (
    r"roll\s*back|rolled back|rollback|roll-back|revert|undo|go back|restore|downgrade|back out|"
    rf"rewind|put {_W}back|set {_W}back|return {_W}to|bring {_W}back|roll {_W}back|"
    rf"take {_W}back|move {_W}back|send {_W}back|get {_W}back|switch {_W}back|go {_W}back"
)
UNDEPLOY_STRONG = (
    rf"undeploy|un-deploy|remove|delete|tear down|teardown|tear {_W}down|take down|take {_W}down|"
    rf"take {_W}off|take {_W}out|decommission|uninstall|destroy|get rid of|pull {_W}(?:off|from|out)|"
    r"pull|drop|retire|evict|deprovision|unpublish|scrap|withdraw|clean up|cleanup|nuke|wipe|"
    rf"delete deployment|remove deployment|shut\s*down|shut {_W}down|terminate"
)
UNDEPLOY_WEAK = rf"stop|kill|disable|pause|turn off|turn {_W}off|suspend"
UPDATE_VERBS = (
    r"upgrade|update|switch|move|migrate|change|swap|bump|replace|scale|resize|point|set|convert|"
    r"reconfigure|patch|redeploy|re-deploy|modify|transition|flip"
)
DEPLOY_VERBS = (
    r"deploy|roll\s*out|rollout|roll-out|ship|put|launch|spin up|spin \S+ up|spin|run|start|install|"
    r"serve|host|stand up|stand \S+ up|bring up|bring \S+ up|provision|create|set up|setup|push|"
    r"place|schedule|release|add(?= MODEL)|get(?= MODEL)|make(?= MODEL)|publish|stand|fire up|boot|kick off|"
    r"go live with|expose|onboard"
)
# nouns
CLUSTER_NOUN = r"clusters?|members?|member clusters?|fleet|inventory|capacity|regions?|gpus?|nodes?"
DEPLOYMENT_NOUN = (
    r"deployments?|deploys|models?|workloads?|workspaces?|inference ?sets?|endpoints?|services?|"
    r"llms?|apps?"
)
CHANGE_NOUN = r"changes|change requests?|requests|crs|approvals?|approval queue|change queue|queue"
PRONOUNS = r"it|that|this|them|those|these|the model|the deployment|the thing|something|stuff|one"

# --- what may follow "to/on/in/from" in a deploy or undeploy -------------------------------------------
TARGET_SKIP = frozenset(
    ["the", "a", "an", "all", "every", "any", "some", "our", "my", "both", "each", "these", "those", "this", "that", "its", "same", "other", "different", "separate", "new", "existing", "free", "spare", "available", "idle", "eligible", "cheapest", "cheap", "cheaper", "best", "least", "most", "biggest", "largest", "emptiest", "loaded", "expensive", "lowest", "low", "cost", "of", "just", "only", "one", "to", "over", "on", "onto", "into", "in", "at", "from", "off", "stages", "stage", "phases", "waves", "steps"]
)
TARGET_NOUNS = frozenset(
    ["cluster", "clusters", "region", "regions", "node", "nodes", "gpu", "gpus", "card", "cards", "instance", "instances", "everywhere", "anywhere", "somewhere", "replicas", "replica", "copies", "members", "member", "fleet", "capacity"]
)
NOT_A_TARGET = frozenset(  # "to" + verb, "in" + time: not a place
    ["use", "run", "serve", "host", "be", "have", "get", "make", "go", "do", "keep", "point", "switch", "move", "scale", "deploy", "put", "target", "mean", "see", "say", "ask", "roll", "it", "them", "me", "us", "him", "her", "you", "place", "production", "prod", "staging", "dev", "development", "minutes", "minute", "hours", "hour", "seconds", "now", "time", "parallel", "place", "order", "addition", "case", "total", "line", "general", "revision", "revisions", "rev", "version", "versions", "release", "previous", "prior", "last", "back", "good", "working", "stable", "known"]
)
NOT_A_MODEL = frozenset(  # words after the verb deploy that are not a model's name
    ["a", "an", "the", "it", "this", "that", "these", "those", "them", "something", "anything", "whatever", "stuff", "thing", "things", "model", "models", "one", "ones", "new", "latest", "same", "version", "again", "now", "back", "out", "up", "please", "pls", "is", "are", "be", "what", "which", "some", "my", "our", "your", "usual", "default", "another", "other", "more"]
)
TARGET_PREPOSITIONS = r"to|on|onto|into|in|at|across|over|from|off"

# --- audit --------------------------------------------------------------------------------------------
AUDIT_ACTIONS = (
    (r"\b(deployed|deploying|deploys|shipped|rolled out|launched|released|created|put|installed|pushed|"
     r"spun up)\b",
     T.DEPLOY),
    (r"\b(rolled back|rolling back|reverted|reverting|rolled \S+ back|undid|downgraded|restored)\b",
     T.ROLLBACK),
    (r"\b(removed|removing|undeployed|undeploying|deleted|deleting|took down|tore down|took \S+ (?:down|off)|decommissioned|"
     r"uninstalled|pulled)\b", T.UNDEPLOY),
    (r"\b(approved)\b", "approve"),
    (r"\b(rejected|denied|declined)\b", "reject"),
)
AUDIT_ACTION_NOUNS = (
    (r"\b(deploys|deployments|rollouts|releases)\b", T.DEPLOY),
    (r"\b(rollbacks|roll backs|reverts)\b", T.ROLLBACK),
    (r"\b(undeploys|removals|deletions|teardowns)\b", T.UNDEPLOY),
    (r"\b(approvals)\b", "approve"),
    (r"\b(rejections)\b", "reject"),
)

# --- words the typo fixer may correct to (and never corrects away from) -----------------------------
KEYWORDS = (
    "deploy", "deployment", "deployments", "deployed", "cluster", "clusters", "rollback", "revert",
    "remove", "undeploy", "list", "show", "pending", "changes", "change", "audit", "staging",
    "production", "europe", "european", "placement", "replicas", "replica", "revision", "previous",
    "failed", "models", "running", "status", "details", "describe", "capacity", "inventory", "where",
    "which", "suggest", "recommend", "cheapest", "upgrade", "switch", "decommission", "approve",
    "approval", "kubectl", "weather", "clusters", "regions", "region", "america", "update",
    "teardown", "rolled", "available", "healthy", "unhealthy", "progressing", "instances",
    "launch", "restore", "version", "request", "requests", "history", "activity", "deploys",
    "removed", "reverted", "rolled", "approved", "rejected", "updated", "upgraded", "deleted", "pending",
    "weather", "about", "details", "running", "please", "changes", "staging", "everything",
)
# common words that look like typos of keywords but are not
NOT_TYPOS = frozenset(
    ["remote", "remote", "delay", "display", "deplete", "deposit", "cluster's", "lists", "lost", "shows", "shower", "shot", "staging", "stage", "stages", "change", "chance", "charge", "chances", "charged", "pending", "spending", "sending", "lending", "bending", "ending", "tending", "vending", "models", "modes", "model", "motels", "modal", "mode", "audio", "audit", "adult", "edit", "credit", "replies", "replica", "replicate", "reply", "region", "reign", "legion", "regions", "religion", "revisions", "vision", "version", "versions", "person", "persons", "failed", "fails", "sailed", "mailed", "nailed", "tailed", "hailed", "jailed", "where", "were", "there", "here", "whose", "which", "witch", "while", "white", "whine", "whole", "watch", "wealth", "weather", "whether", "rather", "either", "neither", "europa", "status", "statue", "states", "stats", "state", "statues", "details", "detail", "retails", "details", "entails", "upgrade", "upgrades", "upload", "uploads", "unload", "running", "runny", "runner", "cunning", "sunning", "gunning", "ruining", "ruling", "rolled", "rollout", "rolling", "switch", "swatch", "stitch", "snitch", "suggest", "suggests", "sugar", "restore", "restores", "restored", "store", "stored", "history", "histories", "activity", "captivity", "previous", "precious", "prevents", "request", "requests", "quest", "requested", "remove", "removes", "removed", "approve", "approves", "approved", "improve", "improved", "proves", "regions", "available", "valuable", "capacity", "capacities", "instance", "instances", "distances", "launch", "launches", "lunch", "launched", "haunch", "healthy", "wealthy", "healthily", "deploys", "decoys", "employ", "employs", "replay", "replays", "display", "delays"]
)
