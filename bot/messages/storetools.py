"""Text of the change and audit tools."""

CHANGE_ROW = "#{id:<4} {state:<10} {tool:<9} by {requester:<10} approved by {approved:<20} {summary}"
NO_CHANGES = "No change requests match."
CHANGE_DETAIL = """change {id}: {state}
tool: {tool}   requested by: {requester}
{summary}
approved by: {approvals}
note: {reason}
{diff}"""
AUDIT_ROW = "{id:>6} {ts} {event:<15} {actor:<10} {tool:<15} change {change:<4} {message}"
NO_EVENTS = "No audit events match."
AUDIT_MORE = ("(the newest {n} events shown; more match: narrow with --since, --actor, --deployment or --action, "
              "or raise --limit up to 1000)")

# --- declare_freeze / lift_freeze ---------------------------------------------------------------------
FREEZE_SUMMARY = "Freeze {envs} until {end}{reason}: mutating requests there also need a freeze-override approval."
FREEZE_EXTEND = "Change the freeze '{name}' ({old_envs} until {old_end}) to {envs} until {end}{reason}."
FREEZE_SAME = "{envs} {verb} already frozen until {end} (freeze '{name}'): nothing to change."
FREEZE_DIFF = "+ freeze '{name}': {envs} until {end}{reason}"
FREEZE_DIFF_OLD = "- freeze '{name}': {envs} until {end}"
FREEZE_REASON = " ({reason})"
FREEZE_BAD_UNTIL = (
    "until '{until}' is not a time I understand: write an ISO time (2026-12-24T18:00Z), a span from now "
    "(2h, 3d, 1w) or a weekday (monday, meaning its start, 00:00 UTC)."
)
FREEZE_PAST = "until {end} is not in the future: a freeze must end later than now ({now})."
FREEZE_DONE = "Freeze '{name}' is on: {envs} until {end}."
LIFT_SUMMARY = "Lift the freeze '{name}' on {envs} (until {end}, declared by {who}{reason})."
LIFT_DIFF = "- freeze '{name}': {envs} until {end}"
LIFT_NONE = (
    "no active freeze declared in chat is named or covers '{name}'{active}. A freeze written in the policy "
    "file is lifted by editing the file and running `fleetops policy reload`."
)
LIFT_ACTIVE = " (active ones: {names})"
LIFT_AMBIGUOUS = "'{name}' matches several freezes ({names}): say which one, by its name."
LIFT_DONE = "Freeze '{name}' lifted: {envs} are no longer frozen by it."
LIFT_GONE = "Freeze '{name}' had already ended or been lifted: nothing to lift."
