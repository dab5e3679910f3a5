"""User-facing text of the audit log, the change-request store and their CLI commands."""

# --- errors -------------------------------------------------------------------------------------
STORE_OPEN = (
    "cannot open the fleetops database {path}: {cause}. Check that the directory exists and is "
    "writable, or pass another file with --db PATH (or set FLEETOPS_DB)."
)
SCHEMA_TOO_NEW = (
    "the database {path} has schema version {found}, but this fleetops only knows up to version "
    "{known}: it was written by a newer fleetops. Upgrade fleetops (pip install -U fleetops)."
)
STORE_BUSY = (
    "the database {path} stayed locked by another writer for more than {timeout:g} s; "
    "check for a stuck fleetops process, then try again."
)
EVENT_NOT_FOUND = "there is no audit event {id}; `fleetops audit list` shows the recent ones."
CHANGE_NOT_FOUND = "there is no change request {id}; `fleetops changes list` shows them."
BAD_TRANSITION = (
    "a change request cannot go from '{src}' to '{dst}' (from '{src}' it can go to: {allowed})."
)
NO_SUCH_FILE = "the file does not exist (nothing has been recorded there yet)"
UNKNOWN_EVENT = "unknown audit event type '{event}'; use one of: {known}."
UNKNOWN_FIELD = "audit events have no field '{field}'; fields: {known}."
BAD_FIELD = "audit field '{field}' must be {expected}, got {got!r}."
BAD_DURATION = (
    "'{value}' is not a duration: write a number and a unit, like 30m, 4h, 1h30m, 7d or 2w."
)
BAD_SINCE = (
    "'{value}' is not a time: use an ISO date (2026-11-01), an ISO timestamp "
    "(2026-11-01T09:30:00Z) or a span back from now like 30m, 24h, 7d."
)
BAD_FORMAT = "unknown export format '{fmt}': use jsonl or csv."
UNKNOWN_STATE = "unknown change-request state '{state}'; states: {known}."
UNKNOWN_CHANGE_FIELD = "change requests have no updatable field '{field}'; updatable: {known}."

# --- verify ---------------------------------------------------------------------------------------
VERIFY_MISSING = (
    "row {id} is missing: the ids jump from {before} to {after} (rows {id}..{last_missing} were "
    "deleted)"
)
VERIFY_FIRST_ID = "the log starts at id {id} instead of 1 (rows 1..{last_missing} were deleted)"
VERIFY_PREV_HASH = (
    "prev_hash of row {id} does not match the hash of the row before it ({before}): a row was "
    "deleted, inserted or reordered here, or row {before} was re-hashed after an edit"
)
VERIFY_GENESIS = (
    "row 1 must have prev_hash 000…0 (genesis) but has {found}: the start of the log was replaced"
)
VERIFY_HASH = (
    "row {id} was edited: its stored hash does not match its contents (expected {expected}, "
    "stored {stored})"
)
VERIFY_TRUNCATED = (
    "row {id} is missing: the anchor says the log ends at id {head_id} but it ends at {last} "
    "(the tail was deleted)"
)
VERIFY_EMPTY_TRUNCATED = (
    "the log is empty but the anchor says it ends at id {head_id} (all rows were deleted)"
)
VERIFY_HEAD_MISMATCH = (
    "row {id} does not match the anchor: the anchored head hash is {anchor} but the row's hash "
    "is {found} (the last row was replaced)"
)
VERIFY_PAST_ANCHOR = (
    "row {id} was appended without updating the anchor (anchor ends at {head_id}): it was "
    "written outside fleetops"
)
VERIFY_EXPECTED_HEAD = (
    "no row has the expected hash {expected} (the head is now {found}): the log was rewritten "
    "after that hash was recorded, or it is the hash of another log"
)
VERIFY_NO_ANCHOR = "the anchor row (audit_anchor id 1) is missing: it was deleted by hand"

# --- CLI ------------------------------------------------------------------------------------------
VERIFY_OK = "OK: {n} events verified, head {head}"
VERIFY_BAD = "TAMPERED: row {id}: {reason} ({n} rows checked before it)"
LIST_EMPTY = "No audit events match."
LIST_HEADER = (
    "ID", "TIME (UTC)", "EVENT", "ACTOR", "CHANGE", "TOOL", "DEPLOYMENT", "CLUSTERS", "MESSAGE",
)
SHOW_LINE = "{key:>20}: {value}"
EXPORTED = "Exported {n} events to {path}."
CHANGES_EMPTY = "No change requests match."
CHANGES_HEADER = (
    "ID", "STATE", "TOOL", "REQUESTER", "APPROVALS", "CREATED (UTC)", "EXPIRES (UTC)", "SUMMARY",
)
CHANGE_APPROVAL_LINE = "  - {actor} at {ts}{void}"
CHANGE_APPROVAL_VOID = " (void: plan changed)"
ERROR = "error: {error}"
