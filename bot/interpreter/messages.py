"""User-facing text of the interpreter: questions back, refusals, CLI renderings, eval output.

Names and model ids in questions are wrapped in backticks: the follow-up logic reads them back
("did you mean `coder-assist`?" + "yes").
"""
from __future__ import annotations

from bot.interpreter import toolnames as T

# --- refusals (key -> reason) ---------------------------------------------------------------------
REFUSALS = {
    "approval": "I can't approve, reject or skip approvals from a message: approvals happen only through "
                "the Approve / Reject buttons on the change request, by the people policy names.",
    "injection": "I follow my rules whatever a message says: I only turn requests into fleet tool calls, "
                 "and every change goes through approval.",
    "secrets": "I never show or handle secrets (tokens, kubeconfigs, passwords, keys).",
    "shell": "I don't run kubectl, shell, exec or ssh commands. Ask me for a fleet action instead "
             "(list, deploy, roll back, remove, ...).",
    "audit": "The audit log is append-only: nobody can edit or delete it, including me.",
    "infra": "I don't delete or change clusters, namespaces, nodes or the fleet itself; I only manage "
             "model deployments.",
    "mass_delete": "I remove one deployment at a time: tell me which one (and optionally from which clusters).",
    "unsupported_cancel": ("Only the requester can cancel a change request: with the Reject button on its card in "
                           "Slack, or `/cancel ID` in `fleetops chat`."),
    "off_topic": "That's outside what I do: I manage model deployments on the fleet (clusters, deployments, "
                 "placements, change requests and the audit log).",
    "small_talk": "Hi! I manage model deployments on the fleet. Try 'list clusters in europe', "
                  "'where could I run phi-4?' or 'roll back coder-assist'.",
    "unknown_tool": "I can't do that: '{tool}' is not one of my tools.",
}

SUPPORTED = ("What I can do: list and show clusters, deployments and catalog models; suggest placements; "
             "deploy, add clusters to, move, roll back (also in stages), autoscale or remove a deployment; "
             "cordon, uncordon or drain a cluster; declare or lift a change freeze; report costs; show change "
             "requests and the audit log.")
UNSUPPORTED_FEATURES = {
    "fine_tuning": "fine-tuning or training models",
    "rag": "building RAG engines (retrieval, vector stores, knowledge bases)",
    "restart": "restarting pods, servers or deployments",
    "email": "sending e-mail or messages outside this chat",
    "notify": "notifications and alerts (\"notify me when ...\")",
    "metrics": "serving metrics (tokens per second, latency, throughput, utilisation)",
    "logs": "pod and server logs",
    "benchmark": "benchmarking, load tests and quantisation",
}
NOT_SUPPORTED = "Not supported yet: {what}. {supported}"
REFUSALS.update({f"feature_{k}": NOT_SUPPORTED.format(what=v, supported=SUPPORTED)
                 for k, v in UNSUPPORTED_FEATURES.items()})

# --- clarifications --------------------------------------------------------------------------------
UNDECIDED = ("I'm not sure what you'd like me to do. I can list clusters or deployments, show one, suggest "
             "where a model could run, deploy, roll back or remove a deployment, and show change requests "
             "or the audit log. What would you like?")
YES_TO_WHAT = "Yes to what? Tell me what you'd like me to do."
NO_TO_WHAT = "OK, nothing is waiting on your answer, so nothing happens. What would you like to do?"
CANCELLED = "OK, I won't do that. What would you like instead?"
WHICH_MODEL = "Which model should I deploy{where} (for example {examples})?"
WHICH_MODEL_UPDATE = "Which model should {name} run?"
AMBIGUOUS_MODEL = "'{mention}' could be {options}. Which one?"
UNKNOWN_MODEL = "I don't know the model '{mention}'. Did you mean {options}?"
UNKNOWN_MODEL_NO_HINT = "I don't know the model '{mention}'. Which model did you mean (for example {examples})?"
ONE_MODEL = "One model at a time, please: {options}. Which one?"
UNKNOWN_NAME = "I don't know '{name}'. Did you mean {options}?"
UNKNOWN_CLUSTER = "There is no cluster '{name}' in the fleet. Which cluster did you mean: {options}?"
UNKNOWN_DEPLOYMENT = "There is no deployment '{name}'. Which deployment did you mean: {options}?"
CONFIRM_TYPO = "Did you mean {fixed}?"
WHICH_DEPLOYMENT = {
    T.ROLLBACK: "Which deployment should I roll back{options}?",
    T.UNDEPLOY: "Which deployment should I remove{options}?",
    T.DEPLOY: "Which deployment should I change{options}?",
    T.GET_DEPLOYMENT: "Which deployment{options}?",
    T.MOVE: "Which deployment should I move{options}?",
    T.AUTOSCALE: "Which deployment should I autoscale{options}?",
    "add": "Which deployment should also run there{options}?",
}
WHICH_CLUSTER_FOR = {
    T.CORDON_CLUSTER: "Which cluster should I cordon{options}?",
    T.UNCORDON_CLUSTER: "Which cluster should I uncordon{options}?",
    T.DRAIN_CLUSTER: "Which cluster should I drain{options}?",
}
ONE_CLUSTER = "One cluster at a time, please: {options}. Which one?"
AUTOSCALE_RANGE = ("Between how many replicas should {name} scale (for example 'between 1 and 4')? "
                   "Or should I turn its autoscaling off?")
AUTOSCALE_MIN_ABOVE_MAX = "The minimum ({min}) is above the maximum ({max}) for {name}: which range did you mean?"
FREEZE_WHERE = "Which environments should the freeze cover: `dev`, `staging`, `prod` (or all of them)?"
FREEZE_UNTIL = "Until when should the {envs} freeze last (a time like 'until friday 18:00', or '2h', '3d')?"
WHICH_FREEZE = "Which freeze should I lift (its name, e.g. the environment it covers)?"
MOVE_WHERE = ("{name} runs on {placed}. Move it off which cluster, and to where (a cluster, a region, or let "
              "placement pick)?")
ALREADY_THERE = "{name} already runs on {clusters}. Which other cluster should it also run on{options}?"
ADD_WHICH = "Which clusters should {name} also run on{options}?"
ADD_OR_MOVE = ("{name} already runs on {placed}. Should I add {clusters} to it (it keeps {placed}), or move it "
               "there (it leaves {placed})?")
ADD_OR_MOVE_OR_NEW = ("A deployment {name} already runs {model} on {placed}. Should I add {clusters} to it, move it "
                      "there, or create a new deployment under another name ('as NAME')?")
WHERE_TO_DEPLOY = ("Where should I deploy {model}? Name clusters{options}, or an environment (dev, staging, prod), "
                   "a geo, region or GPU.")
WHICH_STAGES = ("{name} runs only in {env}. Which environments should the rollout go through, in order "
                "(e.g. 'in stages dev, staging, prod')?")
SOAK_NEEDS_STAGES = ("A soak ({soak}) is a wait between the stages of a staged rollout, and this request has no "
                     "stages. Roll {name} out in stages (e.g. 'in stages dev, staging, prod with a {soak} soak'), or "
                     "leave the soak out?")
SOAK_RANGE = ("A soak of '{soak}' can't be used: it must be more than zero and at most 24h (e.g. 10m, 1h). "
              "How long should each stage soak?")
BAD_NUMBER = "'{number}' can't be right for {what}: it must be a whole number from 1 to 100. What did you mean?"
BAD_NAME = ("'{name}' can't be a deployment name: use lower-case letters, digits and '-' (at most 63 characters, "
            "starting and ending with a letter or digit). What should I call it?")
PATH_NAME = "'{token}' looks like a path, not a fleet name: I only take exact cluster or deployment names.{hint}"
PATH_HINT = " Did you mean {options}?"
LEFT_OUT = "(Left out, as placement cannot use them: {reasons}.)"

DID_YOU_MEAN_DEPLOYMENT = "Did you mean the deployment {options}?"
MODEL_NOT_DEPLOYED = "No deployment runs {model}. Which deployment did you mean{options}?"
ONE_DEPLOYMENT = "One deployment at a time, please: {options}. Which one?"
WHAT_TO_CHANGE = "What should I change on {name}: the model, replicas, GPU / instance type, or clusters?"
ROLLBACK_EVERYWHERE = ("A rollback applies to every cluster of {name} ({clusters}). "
                       "Should I roll it back everywhere?")
WHICH_CLUSTERS_UNDEPLOY = "From which clusters should I remove {name}{options} (or all of them)?"
UNKNOWN_TARGET = ("I don't know where '{word}' is. Name clusters{options} or an environment, geo, "
                  "region or GPU: where should it go?")
ONE_PLACE = "One {kind} per deployment, please: {options}. Which one?"
WEAK_UNDEPLOY = "Do you want me to remove {name} from {where}?"
NOT_ON_CLUSTER = "{name} doesn't run on {clusters}; it runs on {options}. Which cluster did you mean?"
NO_SUCH_REVISION = "{name} has revisions {revisions} (current: {current}). Which one should I roll back to?"
WHICH_CLUSTER = "Which cluster: {options}?"
WHICH_CHANGE = "Which change request do you mean (its number, e.g. 'change 7')?"
WHICH_MODEL_PLACEMENT = "Which model should I find clusters for (for example {examples})?"
INVALID_ARGS = "I couldn't use that request: {error}. Could you rephrase?"
UNKNOWN_TOOL = "I can't do '{tool}'. I can list or show clusters and deployments, plan a placement, " \
               "deploy, roll back or remove a deployment, and show changes or the audit log."
NO_TOOL_CALL = "Could you say that as a fleet request, for example 'list clusters in europe'?"
TOO_LONG = "That message is too long for one request (over {limit} characters). What should I do, in a sentence?"
ONE_AT_A_TIME = "One request at a time, please: which should I do first?"
LLM_FAILED = "I couldn't reach the language model ({error}); please try again or rephrase simply."

OR = " or "


def options(names, limit: int = 8) -> str:
    """`a`, `b` or `c` (at most ``limit``, then 'and N more')."""
    names = list(names)
    shown = [f"`{n}`" for n in names[:limit]]
    more = len(names) - len(shown)
    if more > 0:
        return ", ".join(shown) + f" (and {more} more)"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + OR + shown[-1]


def listing(names, limit: int = 8, intro: str = ": ") -> str:
    """': `a`, `b` or `c`' to append to a question, or '' when there is nothing to list."""
    text = options(names, limit)
    return intro + text if text else ""


# --- CLI renderings --------------------------------------------------------------------------------
HUMAN_TOOL_CALL = "→ {tool}({args})"
HUMAN_CLARIFY = "? {question}"
HUMAN_REFUSE = "✗ {reason}"
INTERNAL_ERROR = "Something went wrong while reading that request ({error}). Please rephrase."
FLEET_UNAVAILABLE = "warning: fleet unavailable ({error}); names are not checked against the fleet"
PARSE_HELP = "Turn a natural-language request into one tool call, a question back, or a refusal."
PARSE_TEXT_HELP = "the request, or '-' to read one request per line from stdin"
PARSE_JSON_HELP = "print one JSON object per request"
PARSE_USER_HELP = "Slack user id of the requester (default: U000CLI)"
EVAL_HELP = "Score the interpreter on an examples file (nl-dev.yaml format)."
EVAL_FILE_HELP = "YAML list of {text, expect} entries"
EVAL_MIN_HELP = "exit 1 when the pass rate (percent) is below this"
EVAL_FAILURE = "FAIL {text!r}\n  expected: {expected}\n  got:      {got}\n  why:      {why}"
EVAL_SUMMARY = "passed {passed}/{total} ({percent:.1f}%)"
EVAL_BAD_FILE = "error: {path}: {error}"

# --- LLM configuration errors ----------------------------------------------------------------------
LLM_MISSING_EXTRA = "The {provider} model needs an optional dependency: pip install 'fleetops[{extra}]'"
LLM_BAD_SPEC = ("FLEETOPS_LLM='{spec}' is not understood: use offline, openai:<model>, anthropic:<model>, "
                "ollama:<model>, openai-compatible:<model> (with FLEETOPS_LLM_BASE_URL) or hybrid:<one of those>")
LLM_CANNOT_START = ("The {provider} model could not be set up ({error}). Set FLEETOPS_LLM_API_KEY (and "
                    "FLEETOPS_LLM_BASE_URL for a compatible server), or use FLEETOPS_LLM=offline.")
LLM_NEEDS_BASE_URL = "openai-compatible:<model> needs FLEETOPS_LLM_BASE_URL (or '<model>@<base-url>')"
