"""User-facing text of the pipeline (requests, approvals, execution)."""

DUPLICATE = "This request was already received; it is being handled once."
INTERPRETER_FAILED = "Sorry, I could not read that request. Try rephrasing it, or `help` for examples."
BAD_ARGS = "I understood the request but not all of it: {detail}."
READ_DONE = "answered with {tool}"
DENIED = "Not allowed: {reason}"
CHANGE_OPENED = "change request {id} opened ({state})"
NO_SUCH_CHANGE = "There is no change request {id}. `list changes` shows them."
ALREADY_APPROVED_BY_YOU = "You already approved change {id}; your approval counts once."
NOT_PENDING = "Change {id} is {state}; it cannot be approved, rejected or cancelled now."
APPROVAL_COUNTED = "approval counted"
APPROVED_WAITING = "Approval recorded for change {id}. Still needed: {needed}."
APPROVED_RUN = "Change {id} has the approvals it needs and was carried out."
REPLANNED = ("The fleet changed since change {id} was planned, so its approvals were voided and it was re-planned. "
             "Please review the new plan and approve again.")
STALE_VOIDED = "approvals voided: {detail}"
STALE_DIFFERS = "the plan computed now differs from the approved one"
REASON_REQUIRED = "Please give a reason for the rejection."
CANNOT_REJECT = "Only the requester or someone who may approve this change can reject it."
CANNOT_CANCEL = "Only the person who asked for a change can cancel it."
CANCELLED_BY = "cancelled by {who}"
REJECTED = "Change {id} rejected: {reason}"
CANCELLED = "Change {id} cancelled."
EXECUTION_STARTED = "execution started"
EXECUTION_ERROR = "execution stopped: {error}"
EXPIRED = "expired without enough approvals"
RECONCILE_UNREACHABLE = "could not check the fleet after a restart ({error}); a person must look at it"
FLEET_UNAVAILABLE = ("waiting for the hub: could not read the fleet to re-check the plan ({error}); the request stays "
                     "approved and the bot retries by itself")
WAITING_FOR_CHANGE = "waiting for change {other} on {what}: one change at a time; it runs when that one ends"
RETRY_NOTE = "retry {attempt} in {seconds:.0f}s"
WRONG_WORKSPACE = ("This click came from another Slack workspace ({got}); change {id} belongs to this bot's "
                   "workspace ({want}) and can only be approved there.")
POLICY_NOW_DENIES = "Change {id} cannot be approved now: the policy refuses it ({reason})."
HUB_FAILING = ("The hub is failing right now, so I could not answer: {error}. Nothing was changed; try again in a "
               "minute (this is not about how the request was worded).")
OLD_VERSION = ("Change {id} was re-planned since you looked (you saw version {seen}, it is now version {now}); "
               "review the new plan before approving.")

# --- what a person is told, from the state a verb left the request in (bot/changes/notices.py) ---------
TELL_PENDING = "Change {id} is waiting for approval. Still needed: {needed}."
TELL_APPROVED_WAITING = ("Change {id} is approved but has not run yet: {reason}. The bot runs it by itself as soon "
                         "as it can; its card says when.")
TELL_APPROVED = "Change {id} is approved and about to run."
TELL_EXECUTING = "Change {id} is approved and is being carried out now."
TELL_SUCCEEDED = "Change {id} has the approvals it needs and was carried out: {reason}"
TELL_FAILED = "Change {id} was approved but failed: {reason}"
TELL_ATTENTION = "Change {id} needs a person to look at it: {reason}"
TELL_STALE = ("Change {id} was not carried out: it can no longer be done as planned ({reason}). "
              "Reject or cancel it, or ask again.")
TELL_CANCELLED = "Change {id} was cancelled and not carried out: {reason}"
TELL_EXPIRED = "Change {id} expired without enough approvals and was not carried out."
TELL_REJECTED = "Change {id} was rejected: {reason}"
NO_REASON = "no reason given"
NOT_PENDING_WHY = "Change {id} is {state} ({reason}); it cannot be approved, rejected or cancelled now."
NOTHING_LEFT = "nothing left to do: {summary}"
CHANGE_APPROVED_BY_POLICY = "approved by policy: {reason}"
TOOL_NOT_BUILT = ("I understood that as `{tool}`, which fleetops cannot carry out yet; nothing was changed. "
                  "Change freezes, for now, are declared in the policy file (`freezes:`; check it with "
                  "`fleetops policy check`).")

# resolving a change in attention (issue 11)
RESOLVE_ACTIONS = "'{action}' is not a way to resolve a change: say finish, undo or reviewed."
NOT_IN_ATTENTION = "Change {id} is {state}, not in attention; there is nothing to resolve."
CANNOT_RESOLVE = ("Only the requester of change {id}, or someone who could approve it, may resolve it (the same "
                  "policy as the change itself).")
RESOLVING = "{who} resolves it: {action}"
RESOLVE_ERROR = "resolving stopped: {error}; it is still in attention"
RECOVERED = "after a restart: {message}"
RESOLVE_HELP = "finish, undo or mark reviewed a change in attention (interrupted; recovery could not end it alone)"
RESOLVE_DESCRIPTION = (
    "Resolve a change in attention: `finish` waits for its new side and completes it (the old side goes only once "
    "the new one serves), `undo` takes it back (a new deployment removed, a blue/green's new side dropped), "
    "`reviewed` leaves the hub as it is and closes the change as failed, saying what is there. The same policy as "
    "the change: its requester, or someone who could approve it.")
RESOLVE_AS = "Slack user id of the person resolving it (U...)"
RESOLVED_LINE = "change {id}: {state} — {message}"

# Slack: the buttons on the card of a change in attention
ATTENTION_TITLE = "*Needs a person:* this change was interrupted and recovery could not end it alone. Choose:"
BUTTON_FINISH = "Finish"
BUTTON_UNDO = "Undo"
BUTTON_REVIEWED = "Mark reviewed"
CONFIRM_RESOLVE_TITLE = "{action} change {id}?"
CONFIRM_FINISH = "Wait for the new side on every cluster, then complete the change (the old side goes only then)."
CONFIRM_UNDO = "Take the change back: what it created is removed; the previous version keeps serving."
CONFIRM_REVIEWED = "Leave the hub as it is and close the change as failed, with what is on the hub."
CONFIRM_RESOLVE_YES = "Yes"
CONFIRM_RESOLVE_NO = "Cancel"
ATTENTION_HOW = "Or: `fleetops changes resolve {id} finish|undo|reviewed --as <your Slack id>`"
FLEET_STALE = ("Note: the hub's watch is reconnecting; this answer may miss changes from the last {seconds} s "
               "(the fleet cache catches up by itself).")
