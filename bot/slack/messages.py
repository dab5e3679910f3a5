"""User-facing text of the Slack app (``bot/slack/``): cards, results, help, App Home, feedback, errors.

Templates only (``str.format`` fields). Values that come from people or the fleet are escaped for
mrkdwn by the code before they are filled in; the templates themselves are mrkdwn.
"""
from __future__ import annotations

from audit.models import ChangeState

# --- acknowledgements and generic feedback -------------------------------------------------------
ACK_WORKING = ":hourglass_flowing_sand: Working on `/fleet {text}` …"
BUSY = ":warning: I'm busy with many requests right now and could not take this one. Please try again in a minute."
FAILED = (":x: Something went wrong while handling that ({error}). Nothing was changed by this message; "
          "try again, and if it keeps failing ask whoever runs fleetops to look at its log.")
FAILED_TEXT = "Something went wrong: {error}"
CARD_NOT_POSTED = (":warning: I could not post the approval card for change #{id} here (`{error}`). "
                   "Invite me to this channel (`/invite @fleetops`) or ask in a channel I'm in. "
                   "The request is {state}; approvers can still act on it from my App Home tab.")
CARD_POSTED_ELSEWHERE = "Change request #{id} is posted below for approval."

# --- reply kinds ---------------------------------------------------------------------------------
CLARIFY = ":thinking_face: {question}"
REFUSE = ":no_entry_sign: {reason}"
ERROR = ":x: {error}"
QUESTION_REASON = "• {line}"
QUESTION_OPTIONS = "*Say one of:*"
QUESTION_OPTION = "• `{option}`"
WHAT_LEFT_OUT = "left-out clusters"
NOOP = ":white_check_mark: Nothing to do: {summary}"
RESULT_FALLBACK = "{tool}: {first_line}"

# --- tables and truncation -----------------------------------------------------------------------
TRUNCATED_ROWS = "_…and {more} more {what}. {how}_"
TRUNCATED_TEXT = "_…cut here ({more} more lines). {how}_"
TRUNCATED_BLOCKS = "_…this message was too long for Slack and was cut. {how}_"
HOW_NARROW_CLUSTERS = "Narrow it down, e.g. `/fleet list prod clusters in the eu with free A100s`."
HOW_NARROW_DEPLOYMENTS = "Narrow it down, e.g. `/fleet list deployments on aks-eastus-prod-1`."
HOW_NARROW_AUDIT = ("Narrow it down with `--since 24h`, `--actor U…`, `--deployment NAME` or `--limit N`, "
                    "or use `fleetops audit list` on the bot's host.")
HOW_NARROW_CHANGES = "Filter by state, e.g. `/fleet changes pending`, or see all with `fleetops changes list`."
HOW_FULL_TEXT = "The full text is in `fleetops tool …` on the bot's host."
HOW_FULL_DIFF = "See the full plan with `/fleet show change {id}` or `fleetops changes show {id}`."
WHAT_CLUSTERS = "clusters"
WHAT_DEPLOYMENTS = "deployments"
WHAT_CHANGES = "change requests"
WHAT_EVENTS = "audit events"
WHAT_REJECTED = "rejected clusters"
WHAT_CLUSTER_ACTIONS = "clusters"
CLUSTERS_HEADER = "{n} cluster(s){filters}"
DEPLOYMENTS_HEADER = "{n} deployment(s){filters}"
NOT_PLACEABLE = "*Not placeable*"
NOT_PLACEABLE_ROW = "• `{name}`: {reason}"
NOT_PLACEABLE_GROUP = "• *{count}* {status}, e.g. {examples}"
NOT_PLACEABLE_EXAMPLE = "`{name}`: {reason}"
FULL_LIST_PART = "{tool}, every row ({n} of {of})"
FULL_LIST_HINT = "_Summarised: send the same request with `--all` for every row._"

# --- placement -----------------------------------------------------------------------------------
PLACEMENT_HEADER = "Placement for {model}"
PLACEMENT_SUMMARY = "*{model}* · {replicas} replica(s) on {count} cluster(s) · prefer *{prefer}*{filters}"
PLACEMENT_CHOSEN = "*Chosen*"
PLACEMENT_CHOICE = ("{n}. `{cluster}` ({region}) — {nodes} × `{instance_type}` ({gpu}), {cost}, "
                    "{free} GPUs free after\n      _{reason}_")
PLACEMENT_NONE_CHOSEN = "_No cluster fits._"
PLACEMENT_REJECTED = "*Not chosen*"
PLACEMENT_REJECTION = "• `{cluster}`: {reason}"
PLACEMENT_REJECTED_GROUPS = "*Not chosen: {n} clusters, by reason*"
PLACEMENT_REJECTION_GROUP = "• *{count}* {label}, e.g. {examples}"
PLACEMENT_REJECTION_EXAMPLE = "`{cluster}`: {reason}"
PLACEMENT_SUGGESTIONS = "*What would fit*"
PLACEMENT_SUGGESTION = "• {text}"
PLACEMENT_TOTAL = "Total {cost} · {found} of {count} cluster(s) found"
PLACEMENT_HINT = "To deploy it, ask e.g. `/fleet deploy {model} to {count} cluster(s)`."

# --- change-request card -------------------------------------------------------------------------
CARD_HEADER = "Change #{id} · {tool} {deployment}"
CARD_FALLBACK = "Change #{id} ({state}): {summary} — {status}"
CARD_REQUESTED_BY = "*Requested by*\n{who}"
CARD_STATE = "*State*\n{emoji} {state}"
CARD_TOOL = "*Tool*\n`{tool}`"
CARD_ARGS = "*Arguments*\n{args}"
CARD_NO_ARGS = "_none_"
CARD_GPUS = "*GPUs*\n{delta}"
CARD_GPUS_PEAK = "*GPUs*\n{delta} (peak {peak} during the switch)"
CARD_COST = "*Cost*\n{delta}/h"
CARD_PLAN = "*Plan*\nversion {version} · `{hash}` · {strategy}"
CARD_EXPIRES = "*Expires*\n<!date^{epoch}^{{date_short_pretty}} {{time}}|{iso}>"
CARD_ACTIONS_TITLE = "*Per cluster*"
CARD_ACTION = "{emoji} *{action}* `{cluster}`{extra}\n      {detail}"
CARD_ACTION_EXTRA = " — {parts}"
CARD_PARTS_TITLE = "*Per deployment*"
CARD_PARTS_OUTCOME_TITLE = "*Outcome per deployment*"
WHAT_PART_LINES = "lines"
CARD_LEFT_OUT_TITLE = "*Left out* (cannot take this change)"
CARD_LEFT_OUT = ":no_entry_sign: `{cluster}` {reason}"
CARD_DIFF_TITLE = "*Diff*"
CARD_POLICY = ":scales: *Policy:* {reason}"
CARD_FREEZE = ":snowflake: *Frozen:* {note}"
CARD_APPROVED_BY = "*Approved by:* {who} ({have} of {need})"
CARD_APPROVED_BY_NONE = "*Approved by:* nobody yet (0 of {need})"
CARD_STILL_NEEDED = "*Still needed:* {needed}"
CARD_PROGRESS_TITLE = "*Progress*"
CARD_PROGRESS_STEP = "_{step}_"
CARD_PROGRESS_CLUSTER = "{emoji} `{cluster}` {state}{message}"
CARD_OUTCOME = "{emoji} *{state}*: {message}"
CARD_CLOSED = "{emoji} No longer waiting for approval: this request is *{state}*."
CARD_STATUS_PENDING = "needs {needed}"
CARD_STATUS_OTHER = "{state}"
BUTTON_APPROVE = "Approve"
BUTTON_REJECT = "Reject"
CONFIRM_TITLE = "Approve change #{id}?"
CONFIRM_TEXT = "This counts your approval for plan version {version}: {summary}"
CONFIRM_YES = "Approve"
CONFIRM_NO = "Not yet"

# --- notices in the card's thread ---------------------------------------------------------------
NOTICE = {
    ChangeState.SUCCEEDED: ":large_green_circle: {requester} change #{id} succeeded: {message}",
    ChangeState.FAILED: ":red_circle: {requester} change #{id} failed: {message}",
    ChangeState.ATTENTION: ":warning: {requester} change #{id} needs a person to look at it: {message}",
    ChangeState.REJECTED: ":no_entry: {requester} change #{id} was rejected: {message}",
    ChangeState.EXPIRED: ":clock4: {requester} change #{id} expired without enough approvals.",
    ChangeState.CANCELLED: (":heavy_multiplication_x: {requester} change #{id} was cancelled and not carried out: "
                            "{message}"),
    ChangeState.STALE: (":arrows_counterclockwise: {requester} change #{id} was not carried out: it can no longer "
                        "be done as planned ({message}). Reject or cancel it, or ask again."),
    "waiting": (":hourglass: {requester} change #{id} is approved but has not run yet: {message}. It runs when "
                "the hub can be checked again."),
    "replanned": (":arrows_counterclockwise: The fleet changed since change #{id} was planned: the plan was "
                  "recomputed (version {version}) and earlier approvals no longer count. "
                  "Please review and approve again."),
}

# --- approvals feedback (ephemeral) ---------------------------------------------------------------
FEEDBACK_OK = ":white_check_mark: {text}"
FEEDBACK_NO = ":no_entry_sign: {text}"
OLD_VERSION = ("The card you clicked showed plan version {seen} of change #{id}, but the plan is now version "
               "{now}. Review the updated card and click again.")
BAD_BUTTON = "That button is not valid any more. Open `/fleet changes` to see the current requests."
NO_SUCH_CHANGE = "There is no change request #{id}."
NOT_OPEN = "Change #{id} is {state}; it cannot be rejected now."
REJECT_NOT_ALLOWED_TITLE = "Cannot reject"

# --- reject modal ---------------------------------------------------------------------------------
REJECT_TITLE = "Reject change"
REJECT_SUBMIT = "Reject"
REJECT_CLOSE = "Cancel"
REJECT_INTRO = "Reject change *#{id}*: {summary}"
REJECT_LABEL = "Why are you rejecting it?"
REJECT_PLACEHOLDER = "e.g. wrong region, wait until the freeze ends, too expensive"
REJECT_HINT = "The requester sees this reason; it is kept in the audit log."
REJECT_WHO = "Only the requester or someone who may approve this change can reject it."
REASON_REQUIRED = "Please give a reason for the rejection."
REASON_TOO_LONG = "Please keep the reason under {n} characters."

# --- commands ------------------------------------------------------------------------------------
HELP_FALLBACK = "fleetops: ask in plain language; /fleet help lists examples."
HELP_HEADER = "fleetops: your inference fleet in plain language"
HELP_INTRO = ("Ask me with `/fleet …`, by mentioning me, or in a direct message. Read-only questions are "
              "answered right away; changes become a request that the people named by the approval "
              "policy approve with the buttons on the card. Everything is recorded in the audit log.")
HELP_SECTIONS = (
    ("*Look around*", (
        "/fleet list clusters",
        "/fleet list prod clusters in the eu with free A100s",
        "/fleet show cluster aks-eastus-prod-1",
        "/fleet list deployments",
        "/fleet show deployment llama-support",
    )),
    ("*Plan and change*", (
        "/fleet where could phi-4 run on 2 clusters in the us?",
        "/fleet deploy phi-4 to the 2 cheapest prod clusters in the us",
        "/fleet roll back coder-assist",
        "/fleet undeploy gemma-staging from aks-northeurope-staging-1",
    )),
    ("*Requests and audit*", (
        "/fleet changes",
        "/fleet changes pending",
        "/fleet show change 3",
        "/fleet audit --since 24h --limit 20",
        "/fleet audit --actor U0BOB --deployment phi-4",
        "/fleet audit what happened to llama-support this week",
    )),
)
HELP_FOOTER = ("Approvals happen only with the Approve / Reject buttons, never by text. The requester "
               "never approves their own change. My App Home tab lists what waits for you.")
CHANGES_HEADER = "Change requests{filter}"
CHANGES_FILTER = " ({status})"
CHANGES_NONE = "No change requests match."
CHANGE_ROW = "{emoji} *#{id}* `{tool}` {summary}\n      {state} · by {requester} · {approvals} · {created}"
CHANGE_ROW_APPROVALS = "approved by {who}"
CHANGE_ROW_NO_APPROVALS = "no approvals"
CHANGES_BAD_STATUS = "`{status}` is not a change state. Use one of: {known}."
AUDIT_HEADER = "Audit log"
AUDIT_NONE = "_No audit events match._"
AUDIT_FILTERS = "Filters: {filters}"
AUDIT_NO_FILTERS = "Latest events (filter with --actor --deployment --cluster --action --since --limit)"
AUDIT_BAD_OPTION = ("I don't know the audit option `{option}`. Use --actor, --deployment, --cluster, "
                    "--action, --since (24h, 7d or a date) and --limit, or plain words.")
AUDIT_NEEDS_VALUE = "The audit option `{option}` needs a value, e.g. `{option} {example}`."
AUDIT_BAD_VALUE = "That audit filter is not valid: {detail}"
AUDIT_EXAMPLES = {"--actor": "U0BOB", "--deployment": "phi-4", "--cluster": "aks-eastus-prod-1",
                  "--action": "approval", "--since": "24h", "--limit": "20"}

# --- App Home ------------------------------------------------------------------------------------
HOME_HEADER = "fleetops"
HOME_INTRO = "Hi {user}. Ask me anything about the fleet with `/fleet …` or in a message here."
HOME_FREEZES = ":snowflake: *Change freezes in force*\n{lines}"
HOME_FOR_YOU = "Waiting for you"
HOME_FOR_YOU_NONE = "_Nothing waits for your approval._"
HOME_MINE = "Your requests"
HOME_MINE_NONE = "_You have not asked for any change yet._"
HOME_RECENT = "Recent changes"
HOME_RECENT_NONE = "_No changes yet._"
HOME_ROW = "{emoji} *#{id}* {summary}\n      `{tool}` · {state} · by {requester} · {status}"
HOME_MORE = "_…and {more} more. `/fleet changes` lists them all._"
HOME_NOTICE_OK = ":white_check_mark: {text}"
HOME_NOTICE_NO = ":no_entry_sign: {text}"
HOME_FOOTER = "Updated {when}. Approve or reject with the buttons; `/fleet help` shows examples."

# --- emoji -----------------------------------------------------------------------------------------
STATE_EMOJI = {
    ChangeState.PENDING: ":hourglass_flowing_sand:", ChangeState.APPROVED: ":white_check_mark:",
    ChangeState.EXECUTING: ":gear:", ChangeState.SUCCEEDED: ":large_green_circle:",
    ChangeState.FAILED: ":red_circle:", ChangeState.ATTENTION: ":warning:", ChangeState.REJECTED: ":no_entry:",
    ChangeState.EXPIRED: ":clock4:", ChangeState.CANCELLED: ":heavy_multiplication_x:",
    ChangeState.STALE: ":arrows_counterclockwise:",
}
CLUSTER_EMOJI = {
    "Ready": ":large_green_circle:", "Progressing": ":large_blue_circle:", "Pending": ":white_circle:",
    "Failed": ":red_circle:", "Unknown": ":grey_question:", "Deleting": ":wastebasket:",
}
ACTION_EMOJI = {
    "create": ":heavy_plus_sign:", "update": ":pencil2:", "replace": ":arrows_counterclockwise:",
    "scale": ":left_right_arrow:", "remove": ":heavy_minus_sign:", "keep": ":white_small_square:",
}
DEFAULT_EMOJI = ":small_blue_diamond:"

# --- serve ---------------------------------------------------------------------------------------
SERVE_HELP = "run the Slack app (HTTP Events API on /slack/events, or Socket Mode with --socket)"
SERVE_DESCRIPTION = """Run fleetops as a Slack app.

HTTP mode (default) listens on --port (FLEETOPS_PORT, default 3000) for Slack's requests at
POST /slack/events (slash commands, interactivity and events all go there) and needs
SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET. Socket Mode (--socket) needs SLACK_BOT_TOKEN and
SLACK_APP_TOKEN (xapp-…, with connections:write) and no public URL.
Without a kubeconfig (FLEETOPS_KUBECONFIG / KUBECONFIG) it runs on the embedded demo fleet."""
SERVE_NO_BOT_TOKEN = ("fleetops serve: SLACK_BOT_TOKEN is not set. Install the app to your workspace "
                      "(OAuth & Permissions) and export its Bot User OAuth Token (xoxb-…). Without Slack, "
                      "try `fleetops chat`.")
SERVE_NO_SIGNING_SECRET = ("fleetops serve: SLACK_SIGNING_SECRET is not set, so requests from Slack cannot be "
                           "verified. Copy it from your app's Basic Information page and export it, or use "
                           "Socket Mode (`fleetops serve --socket` with SLACK_APP_TOKEN).")
SERVE_NO_APP_TOKEN = ("fleetops serve --socket: SLACK_APP_TOKEN is not set. Create an app-level token with the "
                      "connections:write scope (Basic Information → App-Level Tokens), export it as "
                      "SLACK_APP_TOKEN, and enable Socket Mode in the app settings.")
SERVE_AUTH_FAILED = ("fleetops serve: could not start the Slack app: {error}. Check SLACK_BOT_TOKEN (Slack's "
                     "API is reached at {url}, FLEETOPS_SLACK_API_URL). fleetops is a single-workspace app: "
                     "leave SLACK_CLIENT_ID / SLACK_CLIENT_SECRET unset.")
SERVE_STARTING = "fleetops serve: starting the fleet and the pipeline …"
SERVE_HTTP_READY = "fleetops serve: listening on http://{host}:{port}/slack/events (Ctrl-C to stop)"
SERVE_SOCKET_READY = "fleetops serve: connected to Slack in Socket Mode (Ctrl-C to stop)"
SERVE_STOPPING = "fleetops serve: stopping …"

# a failed change that left something on the hub: one click opens its rollback (bot/slack/rollback.py)
ROLLBACK_AFTER_TITLE = "*This change failed and left {deployment} as the outcome above says.* Go back in one click:"
BUTTON_ROLLBACK = "Roll back {deployment}"
ROLLBACK_REQUEST = "roll back {deployment} (after change {id} failed)"
ROLLBACK_OPENED = "Opened change {new} to roll back {deployment} (after change {id} failed)."
ROLLBACK_ALREADY = "A rollback after change {id} was already requested; see its card in this thread."
ROLLBACK_NOT_OFFERED = "Change {id} is {state}: there is nothing of it to roll back from here."

# stage gates of staged rollouts (bot/slack/gates.py)
GATE_HEADER = "Stage gate: {stage} → {next} (change #{id})"
GATE_TEXT = "Stage gate after {stage} of change #{id} ({deployment}): {state}"
GATE_INTRO = ("*{deployment}*: stage *{stage}* is rolled out and KAITO reports it serving there. Approving lets "
              "stage *{next}* start (update run `{run}`).")
GATE_CLUSTER = "• `{cluster}`: {state}"
GATE_NEEDS = "*Who may approve:* the policy for {next}: {needs}"
GATE_VOTES = "*Approved by:* {who}"
GATE_NO_VOTES = "*Approved by:* nobody yet"
GATE_STATE = {"open": "waiting for approval", "approved": "*approved*: the next stage is rolling out",
              "rejected": "*rejected*: the run is stopped", "closed": "*closed*: the change ended"}
GATE_REASON = "_{reason}_"
BUTTON_GATE_APPROVE = "Approve {next}"
BUTTON_GATE_REJECT = "Reject (stop the run)"
GATE_REJECT_REASON = "rejected on the gate card in Slack"
GATE_REJECT_CONFIRM_TITLE = "Stop the rollout?"
GATE_REJECT_CONFIRM = ("The staged update run stops: the stages rolled so far keep what they run, the others are not "
                       "touched, and the change ends as failed with a rollback offered.")
GATE_REJECT_YES = "Stop it"
GATE_REJECT_NO = "Cancel"
ROLLBACK_STAGED_REQUEST = "roll {deployment} back in stages {stages} (after change {id} stopped)"
# the audit channel (bot/slack/digests.py): digests posted by serve, read back by `fleetops audit verify --channel`
AUDIT_CHANNEL_POSTING = "fleetops serve: audit digests are also posted to Slack channel {channel}"
AUDIT_CHANNEL_NO_KEY = ("fleetops serve: FLEETOPS_AUDIT_CHANNEL is set but no audit key is (FLEETOPS_AUDIT_KEY or "
                        "FLEETOPS_AUDIT_KEY_FILE): there are no digests to post")
AUDIT_CHANNEL_NEEDS_TOKEN = ("reading the channel needs the bot token: set SLACK_BOT_TOKEN (and FLEETOPS_SLACK_API_URL "
                             "for a stand-in)")
AUDIT_CHANNEL_UNREADABLE = ("cannot read the history of channel {channel}: {error}. The bot must be in the channel "
                            "and have the channels:history scope (groups:history for a private channel)")
AUDIT_CHANNEL_NO_DIGESTS = "channel {channel} holds no audit digests yet"

# --- "Show all" (issue 17: the full list of a summarised answer, on request) ----------------------------------
SHOW_ALL_BUTTON = "Show all"
SHOW_ALL_HINT = "_Summarised: *Show all* uploads every row into the thread (or send the request with `--all`)._"
SHOW_ALL_TITLE = "{tool}: every row"
SHOW_ALL_COMMENT = "Every row of `{tool}` ({lines} lines), as <@{user}> asked."
SHOW_ALL_BAD = "This button does not name a read-only request I can run again. Ask the question again instead."
SHOW_ALL_SENT_FILE = "The full list is in the thread, as a file."
SHOW_ALL_SENT_PARTS = "The full list follows in {n} message(s)."
