"""Text of ``fleetops chat``."""

HELP = "try the whole flow in a terminal: requests, plans, approvals, progress, audit"
DESCRIPTION = """The fleetops pipeline in a terminal, on the embedded demo fleet (or a real hub with KUBECONFIG).

Type requests in plain language ("deploy phi-4 to the cheapest prod cluster in the us").
Approvals are typed on behalf of named users:
  /approve ID        approve change ID as the current user
  /reject ID reason  reject it (a reason is required)
  /cancel ID         cancel your own request
  /gate approve ID   approve the open stage gate of change ID (a staged rollout)
  /gate reject ID reason   reject it: the run stops
  /as USER           become another user (e.g. /as U0BOB)
  /changes           list change requests
  /audit [--actor U] [--deployment D] [--since 24h] [--limit N]
  /all               the last answer again in full (a request ending in --all prints every row too)
  /quit
The default policy (bot/policy_default.yaml) makes U0ALICE, U0BOB, U0CAROL and U0DAVE approvers and
U0ERIN a freeze-override member."""
DEFAULT_USER = "U0ALICE"
STARTING = "starting the fleet and the pipeline ..."
WELCOME = "fleetops chat: you are {user}. Type a request, or /help."
PROMPT = "{user}> "
ECHO = "{user}> {line}"
COMMANDS = DESCRIPTION
ALL_NOTHING = "no answer to show in full yet: ask something first (or add --all to a request)"
YOU_ARE = "you are {user}"
NOW_YOU_ARE = "you are now {user}"
NEED_ID = "usage: /{cmd} ID"
UNKNOWN_COMMAND = "unknown command /{cmd}; /help lists them"
CARD = """── change {id} ({state}) ──
{lines}
{diff}
policy: {requirement}"""
CARD_CLUSTER_LINE = "  · {line}"
CARD_FREEZE = "❄ frozen: {note}"
CARD_DIFF_TITLE = "diff:"
CARD_MORE_LINES = "  · … {more} more cluster line(s): /changes, or `fleetops changes show {id}` for all"
MAX_CARD_LINES = 40
QUESTION_REASON = "    {line}"
QUESTION_OPTIONS = "  say one of:"
QUESTION_OPTION = "    → {option}"
HOW_TO_APPROVE = "approve with /approve {id} (as someone else than the requester: /as USER), reject with /reject {id} reason"
OUTCOME = "change {id}: {status}: {message}"
CHANGE_STATE = "  · change {id} is now {state}"
PROGRESS = "  · change {id}: {where}{message}"
PREFIX_CLARIFY = "? "
PREFIX_REFUSE = "✗ "
PREFIX_ERROR = "error: "
PREFIX_OK = "✓ "
PREFIX_NO = "✗ "
GATE_PROMPT = ("  ▸ gate after stage {stage} of change {id} ({deployment}) is {state}: {clusters}. The next stage "
               "({next}) needs: {needs}.{votes} Approve with /gate approve {id}, stop the run with /gate reject {id} "
               "reason")
GATE_DECIDED = "  ▸ gate after stage {stage} of change {id} is {state}{why}"
GATE_VOTES = " Approved so far by {who}."
GATE_USAGE = "usage: /gate approve ID  |  /gate reject ID reason"
GATE_NONE = "change {id} has no open stage gate (yet); waited {seconds}s"
GATE_DONE = "gate after stage {stage} of change {id}: {state}"
STAGED_RUNNING = "change {id} runs in stages in the background; its gates are prompted here as they open"
