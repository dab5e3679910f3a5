"""User-facing text of the health watch: what an incident says, in chat and on its Slack card."""

# what is wrong (``Incident.what``)
NOT_READY = "{deployment} is {state} on {cluster}: {message}"
NOT_READY_NO_MESSAGE = "{deployment} is {state} on {cluster} (no message from KAITO)"
CLUSTER_DOWN = "{cluster} is no longer eligible: {reason}; it holds {deployments}"
CLUSTER_DOWN_AGE = " (last heartbeat {age} ago)"
CLUSTER_LEFT = "{cluster} left the fleet (no MemberCluster on the hub); it still holds {deployments}"
SUMMARY = "{n} deployments not ready on {cluster}: {items}"
SUMMARY_ITEM = "{deployment} ({state}: {message})"

# titles, per kind
TITLES = {
    "deployment_not_ready": "{deployment} not ready on {cluster}",
    "cluster_ineligible": "{cluster} is down",
    "cluster_left": "{cluster} left the fleet",
    "cluster_degraded": "{n} deployments not ready on {cluster}",
}
SINCE = "since {since} ({age})"

# chat (one line each)
CHAT_OPENED = "⚠ incident {id}: {title}. {what} [{since}] — e.g. `move {deployment} off {cluster}` or `drain {cluster}`"
CHAT_OPENED_CLUSTER = "⚠ incident {id}: {title}. {what} [{since}] — e.g. `drain {cluster}`"
CHAT_RECOVERED = "✓ incident {id} recovered: {title}"

# Slack card
CARD_HEADER = "⚠ Incident #{id}: {title}"
CARD_HEADER_RECOVERED = "✅ Recovered — incident #{id}: {title}"
CARD_WHAT = "*What is wrong:* {what}"
CARD_SINCE = "Not right since {since} · detected {opened}"
CARD_RECOVERED = "Recovered {closed} (open for {duration})."
CARD_MUTED = "Muted by {who} at {at}: no further messages about it."
BUTTON_MOVE = "Move off {cluster}"
BUTTON_DRAIN = "Drain {cluster}"
BUTTON_MUTE = "Mute"
RECOVERED_NOTICE = "✅ Recovered: {title}"
FALLBACK = "Incident #{id}: {what}"

# clicks
NO_SUCH_INCIDENT = "There is no incident {id} any more."
ALREADY_CLOSED = "Incident {id} has recovered already; nothing to do."
MOVE_NEEDS_DEPLOYMENT = ("Incident {id} is about the whole cluster {cluster}, not one deployment; "
                         "use Drain {cluster} instead.")
ALREADY_REQUESTED = "A {action} was already requested from incident {id}; see its change card."
NO_DRAIN = "Draining clusters is not available in this version; ask to move each deployment off {cluster}."
CHANGE_OPENED = "Change #{id} opened from incident {incident}: {summary} ({state})."
CHANGE_REFUSED = "Could not open the change from incident {incident}: {text}"
MUTED = "Incident {id} muted."
ALREADY_MUTED = "Incident {id} was already muted."
REQUEST_TEXT = "{action} (button on incident {id})"
ACTION_MOVE = "move {deployment} off {cluster}"
ACTION_DRAIN = "drain {cluster}"

# audit messages
AUDIT_CLOSED = "incident {id} recovered"
AUDIT_MUTED = "incident {id} muted"
NOT_JOINED = "its member agent has not joined"
