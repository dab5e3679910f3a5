"""User-facing text of the approval policy: decisions, approval checks, load errors, ``policy check``."""

# --- decisions (each a sentence; joined with spaces) ---------------------------------------------
READ_ONLY = "{tool} only reads the fleet: no approval needed."
NO_APPROVAL = "{tool} {where} needs no approval."
NEEDS = "{tool} {where} needs {count} from {who}."
NEEDS_SELF_OK = "{tool} {where} needs {count} from {who} (the requester may approve)."
WHERE = "in {envs}"
WHERE_UNKNOWN = "to a cluster whose environment is unknown"
STRICTEST = "The plan touches {envs}, so the strictest rule ({env}) applies."
UNKNOWN_ENV_RULE = "The plan's environment is unknown, so the strictest rule for {tool} applies."
ANYONE = "anyone except the requester"
ANYONE_SELF = "anyone"
FROM_GROUPS = "{groups}"
FROM_GROUPS_NOT_REQUESTER = "{groups} (not the requester)"
COUNT_ONE = "1 approval"
COUNT_MANY = "{n} approvals"
FREEZE = (
    "Change freeze{name} is on for {envs} until {end} ({reason}): it also needs 1 approval from "
    "{group}."
)
FREEZE_NO_OVERRIDE = (
    "{tool} {where} is denied: change freeze{name} is on for {envs} until {end} ({reason}) and "
    "nobody is in '{group}' to override it."
)
DENY_NO_RULE = (
    "{tool} {where} is denied: the policy has no rule for it (add rules.{tool}.{env} to the policy)."
)
DENY_RULE = "{tool} {where} is denied by policy: {reason}"
EXPIRES = "Requests expire after {ttl}."

# --- approvals ---------------------------------------------------------------------------------------
CANNOT_DENIED = "this change was denied by policy, so it cannot be approved"
CANNOT_NOT_NEEDED = "this change needs no approval"
CANNOT_SELF = "you requested this change, so someone else has to approve it"
CANNOT_TWICE = "you have already approved this change"
CANNOT_DONE = "this change already has the approvals it needs"
CANNOT_GROUP = "only members of {who} can approve this change, and you are not one"
CANNOT_NOT_USEFUL = "your approval would not count: what is still needed is {needed}"
CAN = "your approval counts towards {needed}"
NEEDED_NOTHING = "nothing"
NEEDED_REGULAR = "{count} from {who}"
NEEDED_EXTRA = "1 approval from {group}"
AND = " and "
OR = " or "

# --- loading ---------------------------------------------------------------------------------------
LOAD_ERROR = "{source}: {key}: {problem}"
LOAD_ERROR_NO_KEY = "{source}: {problem}"
LOAD_ERRORS_HEAD = "{source} is not a valid fleetops policy:"
LOAD_ERROR_ITEM = "  {key}: {problem}"
LOAD_ERROR_ITEM_NO_KEY = "  {problem}"
NOT_FOUND = "no such file. Check FLEETOPS_POLICY or the path you gave."
UNREADABLE = "cannot read the policy file: {cause}"
YAML_ERROR = "line {line}, column {column}: {problem}{hint}"
YAML_STAR_HINT = ' (write "*" in quotes: an unquoted * starts a YAML alias)'
NOT_A_MAPPING = "the policy must be a YAML mapping with keys ttl, groups, rules, freezes"
UNKNOWN_KEY = "unknown key (allowed here: {allowed})"
REQUIRED = "is required"
MUST_BE = "must be {what}"
A_MAPPING = "a mapping (indented key: value lines)"
UNKNOWN_GROUP = "unknown group '{group}' (defined groups: {known})"
UNKNOWN_TOOL = "unknown tool '{tool}'{hint} (mutating tools: {known}, or \"*\" for any other)"
READ_ONLY_TOOL = "'{tool}' only reads the fleet and never needs approval: remove this rule"
UNKNOWN_ENV = "unknown environment '{env}'{hint} (use {known} or \"*\")"
DID_YOU_MEAN = "; did you mean '{guess}'?"
BAD_USER = "'{value}' is not a Slack user id (like U0123ABCD): copy it from the person's profile"
BAD_USERGROUP = "'{value}' is not a Slack user group id (like S0123ABCD)"
BAD_TTL = "{problem}"
FREEZE_ORDER = "ends before it starts ({start} to {end})"
EMPTY_RULES = "no rules: every mutating request would be denied"

# --- policy check ---------------------------------------------------------------------------------
CHECK_OK = "{source}: valid policy."
CHECK_TTL = "Requests that need approval expire after {ttl} unless a rule says otherwise."
CHECK_GROUPS = "Groups:"
CHECK_GROUP = "  {name}: {members}"
CHECK_GROUP_EMPTY = "  {name}: nobody"
CHECK_USERS = "users {users}"
CHECK_USERGROUPS = "members of Slack user groups {groups}"
CHECK_RULES = "Rules (read-only tools never need approval):"
CHECK_RULE_TOOL = "  {tool}:"
CHECK_ANY_TOOL = "any other mutating tool"
CHECK_ANY_ENV = "any other environment"
CHECK_RULE = "    {env}: {text}"
CHECK_RULE_NONE = "runs without approval"
CHECK_RULE_DENY = "denied ({reason})"
CHECK_RULE_NEEDS = "needs {count} from {who}"
CHECK_RULE_SELF = "; the requester may approve their own request"
CHECK_RULE_TTL = "; expires after {ttl}"
CHECK_RULE_NAME = " [rules.{tool}.{env}]"
CHECK_SELF = "Nobody approves their own request unless a rule says so."
CHECK_FREEZES = "Change freezes (UTC):"
CHECK_FREEZE = "  {name}{start} to {end}, {envs}: {reason}. {override} [{status}]"
CHECK_FREEZE_OVERRIDE = "Mutating requests there also need 1 approval from {group}."
CHECK_FREEZE_NO_OVERRIDE = "Mutating requests there are denied (nobody is in '{group}')."
CHECK_FREEZE_ACTIVE = "active now"
CHECK_FREEZE_FUTURE = "upcoming"
CHECK_FREEZE_PAST = "over"
CHECK_NO_FREEZES = "No change freezes are declared."
CHECK_INVALID = "error: {error}"

# --- requesters, scopes, owners, budgets (issue 15) ---------------------------------------------------
REQUEST_REFUSED = (
    "You can't request {tool} in {env}: only members of {groups} may ({rule}). Ask one of them to request it; "
    "read-only questions are open to everyone."
)
REQUEST_REFUSED_ANY = (
    "You can't request {tool}: only members of {groups} may ({rule}). Ask one of them to request it; read-only "
    "questions are open to everyone."
)
REQUEST_NO_RULE = (
    "Nobody may request {tool} in {env}: the policy's requesters name no group for it "
    "(add requesters.{tool}.{env} to the policy)."
)
NOBODY = "nobody"
SCOPE_VIA_CHANNEL = "channel {channel}"
SCOPE_VIA_GROUPS = "your groups"
SCOPE_OUT_CLUSTER = "{cluster} ({env})"
SCOPE_OUT_TEAM = "{deployment} (team {team})"
SCOPE_REFUSED = (
    "Refused: this request would touch {what}, outside scope {scope} ({via}, {rule}). Ask in a channel whose "
    "scope covers it, or narrow the request."
)
TEAM_GROUP = "team {team}"
OWNER_NEEDS = "The deployment belongs to team {team}: it also needs 1 approval from {group} (owners.team_approval)."
OWNER_NOBODY = "The deployment belongs to team {team}, which has nobody to approve changes to it: denied."
SPEND = "Team {team}'s GPU spend: {before} now, {after} after this change"
SPEND_NO_BUDGET = " (no budget)."
SPEND_BUDGET = " (budget {budget})."
BUDGET_DENY = "That is over team {team}'s budget ({after} > {budget}): denied (budgets.over_budget: deny)."
BUDGET_OVERRIDE = (
    "That is over team {team}'s budget ({after} > {budget}): it also needs 1 approval from {group} "
    "(budgets.over_budget: override)."
)
BUDGET_NO_OVERRIDE = (
    "That is over team {team}'s budget and nobody is in '{group}' to override it: denied."
)

# --- policy check: requesters, scopes, owners, budgets ------------------------------------------------
CHECK_REQUESTERS_ANYONE = "Requesters: not set, so anyone may request a change (add `requesters` to limit it)."
CHECK_REQUESTERS = "Requesters (who may open a change; everyone else gets read-only answers):"
CHECK_REQUESTER = "    {env}: members of {groups} [requesters.{tool}.{env_key}]"
CHECK_REQUESTER_NOBODY = "    {env}: nobody [requesters.{tool}.{env_key}]"
CHECK_TEAMS_NONE = "Teams: none, so deployments have no owners and no budgets."
CHECK_TEAMS = "Teams (own deployments; a new deployment belongs to its `team`, else the requester's first team):"
CHECK_TEAM = "  {name}: {members}; {budget} [teams.{name}]"
CHECK_TEAM_BUDGET = "GPU budget {budget}/h"
CHECK_TEAM_NO_BUDGET = "no GPU budget"
CHECK_OWNERS_ON = (
    "Owners: a change to a team's deployment also needs 1 approval from that team unless the requester is in it "
    "[owners.team_approval]."
)
CHECK_OWNERS_OFF = "Owners: a team's approval is not required for changes to its deployments [owners.team_approval]."
CHECK_BUDGET_OVERRIDE = (
    "Budgets: a plan that takes a team over its budget also needs 1 approval from {group} "
    "[budgets.over_budget]."
)
CHECK_BUDGET_DENY = "Budgets: a plan that takes a team over its budget is denied [budgets.over_budget]."
CHECK_SCOPES_NONE = "Scopes: none, so every channel and person sees and may change the whole fleet."
CHECK_SCOPES = (
    "Scopes (what a channel, or in DMs a member of the groups, sees and may change; other channels and "
    "people see the whole fleet):"
)
CHECK_SCOPE = "  {name}: {where} see {what} [scopes.{name}]"
CHECK_SCOPE_CHANNELS = "channels {channels}"
CHECK_SCOPE_GROUPS = "DMs of members of {groups}"
CHECK_SCOPE_NOWHERE = "nobody (no channels or groups)"
CHECK_SCOPE_ENVS = "environments {envs}"
CHECK_SCOPE_LABELS = "clusters labelled {labels}"
CHECK_SCOPE_TEAMS = "deployments of teams {teams}"
CHECK_SCOPE_ALL = "the whole fleet"
UNKNOWN_TEAM = "unknown team '{team}' (defined teams: {known})"
# --- freezes declared in chat (bot.policy.freezes) ----------------------------------------------------
FREEZE_TOOL_MEMBERS_ONLY = (
    "only members of '{group}' may use {tool} (declare or lift a change freeze): ask one of them, "
    "or ask whoever owns the policy file to add you to groups.{group}."
)
FREEZE_DECLARED_BY = "declared in chat by {who}"
FREEZE_LINE = "❄ {envs} frozen until {end} (freeze '{name}': {reason})"
CHECK_FREEZE_TOOLS = (
    "Freezes from chat: members of freeze-override may declare one at once (declare_freeze); lifting one "
    "(lift_freeze) is a change request that, unless rules.lift_freeze says otherwise, needs 1 approval from "
    "freeze-override (not the requester)."
)

# --- reload (bot.policy.reload, fleetops policy reload) -----------------------------------------------
RELOAD_REQUESTED = "a policy reload of {source} was asked for"
RELOADED = "policy reloaded from {source}"
RELOAD_REFUSED = "policy reload of {source} refused, the previous policy stays in force: {error}"
RELOAD_POLL_FAILED = "could not look for a policy change; trying again at the next poll"
RELOAD_CLI_REFUSED = "{error}\nNot reloaded: the running bot keeps its current policy. Fix the file and run this again."
RELOAD_CLI_ASKED = (
    "{source} is valid. Asked the running bot to reload it: every copy picks it up within {every:g} seconds "
    "(and on any change of the file by itself). `fleetops audit list --action policy` shows when it did."
)
RELOAD_NO_FILE = (
    "FLEETOPS_POLICY is not set, so the bot runs the shipped default policy, which cannot change: set "
    "FLEETOPS_POLICY to your policy file (or pass it) first."
)
SHOW_CHAT_FREEZES = "Change freezes declared in chat (active now):"
SHOW_NO_CHAT_FREEZES = "No change freeze declared in chat is active now."

# --- impersonation (bot.policy.impersonation) -----------------------------------------------------------
IMPERSONATION_NOT_MAPPED = (
    "{user} has no Kubernetes identity in the policy (impersonation is on, so the bot acts on the hub only as a "
    "mapped person): add impersonation.users.{user} with a user (and groups) to the policy, then `fleetops policy "
    "reload`. Nothing was sent to the hub."
)
CHECK_IMPERSONATION_OFF = "Impersonation: off (the bot acts on the hub with its own identity)."
CHECK_IMPERSONATION_ON = (
    "Impersonation: on. Reads and plans act as the requester, executions as the last approver (or the requester "
    "when no approval was needed); the hub's RBAC decides. Mapped: {users}."
)
CHECK_IMPERSONATION_USER = "{slack} as {user}{groups}"
IMPERSONATION_NOBODY = (
    "impersonation is enabled but maps nobody, so every request would be refused: add Slack user ids with "
    "their Kubernetes user (and groups), or set enabled: false"
)
