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
