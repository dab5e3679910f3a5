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

# many at once (one look opened or closed ``group_at`` or more: one message, grouped by reason)
GROUP_KINDS = {
    "deployment_not_ready": "deployments not ready",
    "cluster_ineligible": "clusters down",
    "cluster_left": "clusters left the fleet",
    "cluster_degraded": "clusters with several deployments not ready",
}
REASON_HEARTBEAT = "no heartbeat within KubeFleet's 5 min"
REASON_NOT_JOINED = "member agent not joined"
REASON_INELIGIBLE = "not eligible"
REASON_LEFT = "no MemberCluster on the hub"
REASON_DEGRADED = "several deployments failing at once"
REASON_STATE = "{state}"
REASON_STATE_WHY = "{state}: {reason}"
EXAMPLE_DEPLOYMENT = "{deployment} on {cluster}"
GROUP_LINE = "{n} {kind} ({reason}): {examples}"
GROUP_MORE = " and {n} more"
GROUP_OTHER = "… and {n} more incidents for {groups} other reasons."
GROUP_IDS = "#{first}–#{last}"
CHAT_GROUP_OPENED = "⚠ {n} incidents at once ({ids}), told once, grouped by reason (each is recorded):"
CHAT_GROUP_LINE = "  · {line}"
CHAT_GROUP_RECOVERED = "✓ {n} incidents recovered ({ids}): {lines}"
GROUP_HEADER = "⚠ {n} incidents at once"
GROUP_HEADER_RECOVERED = "✅ {n} incidents recovered"
GROUP_NOTE = ("Found in one look of the health watch ({ids}); told once here, not one message each. Each is "
              "recorded and audited; what follows about them goes to this thread. Act with `/fleet drain <cluster>` "
              "or `/fleet move <deployment> off <cluster>`.")
GROUP_FALLBACK = "{n} incidents at once: {lines}"
GROUP_RECOVERED_FALLBACK = "{n} incidents recovered: {lines}"
SHOW_ALL_INCIDENTS = "Show all"
SHOW_ALL_INCIDENTS_TITLE = "incidents {ids}"
SHOW_ALL_INCIDENTS_COMMENT = "Every incident of this message ({n}), as <@{user}> asked."
SHOW_ALL_INCIDENTS_LINE = "#{id} [{state}] {title}: {what}"
STATE_OPEN = "open"
STATE_RECOVERED = "recovered"
