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

# --- verify: a damaged or emptied file (audit.verify) ---------------------------------------------
VERIFY_NOT_A_DATABASE = "the file cannot be read as an SQLite database ({error}): it is damaged or not a fleetops database"
VERIFY_NO_EVENTS_TABLE = (
    "the file has no audit_events table: it is not a fleetops database, or the table was dropped by hand"
)
VERIFY_MISSING_COLUMNS = (
    "audit_events has no column {columns}: the table was altered by hand, the chain cannot be checked"
)
VERIFY_BLOB = (
    "row {id}: column {column} holds binary data (a BLOB) or a non-integer id, which fleetops never writes: "
    "the row was written outside fleetops"
)
VERIFY_NO_ANCHOR_TABLE = "the audit_anchor table is missing: it was dropped by hand"
VERIFY_NO_ANCHOR_ROW = "the anchor row (audit_anchor id 1) is missing: it was deleted by hand"
VERIFY_EMPTIED = (
    "the audit log is empty but there are {n} change requests: the audit events (and the anchor) were "
    "deleted"
)
VERIFY_UNREADABLE = "the audit log could not be read to the end ({error}): the file is damaged"

# --- verify: digests (audit.witness) ----------------------------------------------------------------
DIGEST_TEXT = "fleetops audit digest: {count} events, head id {head_id} `{line}`"
DIGEST_UNREADABLE = "digest file line {line} is not a digest ({error}): it was edited or cut short"
DIGEST_FILE_UNREADABLE = "cannot read the digest file {path}: {error}"
DIGEST_NO_KEY = (
    "{n} digests were not checked: no audit key. Set FLEETOPS_AUDIT_KEY or pass --key-file PATH"
)
DIGEST_OTHER_KEY = (
    "digest file line {line} (digest {seq}) was signed with another key (key id {theirs}; yours is "
    "{ours}): pass the key the witness used"
)
DIGEST_BAD_SIG = (
    "digest file line {line} (digest {seq}) has a signature that does not match its contents: the "
    "digest was edited or forged"
)
DIGEST_GAP = (
    "digest file line {line}: digest {seq} does not follow digest {before}: digests were removed, "
    "reordered or inserted"
)
DIGEST_WENT_BACK = (
    "digest {seq} ({ts}) saw the log end at id {head_id}, an earlier digest saw id {before}: the log "
    "shrank between them (it was cut or replaced while fleetops ran)"
)
DIGEST_COUNT = "digest {seq} counted {count} events but the head id was {head_id}: rows were missing then"
DIGEST_TRUNCATED = (
    "digest {seq} ({ts}) vouches for events up to id {head_id}, but the log ends at id {last}: the tail "
    "was deleted (and the anchor rewritten to match)"
)
DIGEST_EMPTY = (
    "digest {seq} ({ts}) vouches for events up to id {head_id}, but the log is empty: the audit log was "
    "emptied or the database was replaced"
)
DIGEST_REWRITTEN = (
    "row {head_id} has hash {found}, but digest {seq} ({ts}) recorded {expected}: the chain was "
    "recomputed after an edit at or before row {head_id}"
)
DIGEST_OTHER_DATABASE = (
    "row {head_id} has hash {found}, but digest {seq} ({ts}) recorded {expected}, and row 1 differs "
    "too: this is another database (the file was swapped)"
)
KEY_FILE_UNREADABLE = "cannot read the audit key file {path}: {error}"
KEY_TOO_SHORT = (
    "the audit key is {n} bytes; use at least {min} (e.g. `openssl rand -hex 32` into "
    "FLEETOPS_AUDIT_KEY or a key file)"
)

# --- verify: CLI -----------------------------------------------------------------------------------
VERIFY_FRESH = "OK: 0 events (no database at {path} yet)"
VERIFY_DIGESTS_OK = (
    "{n} digests checked; the newest vouches for events up to id {covered} ({uncovered} newer events "
    "not yet covered by a digest)"
)
VERIFY_NO_DIGESTS = "the digest file holds no digests yet"
VERIFY_PROBLEM = "{kind}: {message}"
VERIFY_PROBLEM_KINDS = {"tampered": "TAMPERED", "damaged": "DAMAGED", "unchecked": "UNCHECKED"}
DIGEST_WRITTEN = "Digest {seq} written to {path}: {count} events, head {head}"
DIGEST_NEEDS_KEY = (
    "writing a digest needs the audit key: set FLEETOPS_AUDIT_KEY (or FLEETOPS_AUDIT_KEY_FILE) or pass "
    "--key-file PATH"
)

# --- the bot tells the requester (wired by the bot; kinds come from audit.redact.mask_text) ---------
SECRET_MASKED = (
    "I removed what looked like a secret ({kinds}) from your message before recording it. If it was a "
    "real credential, rotate it: it was sent to Slack."
)
