"""User-facing text about settings: the environment section of ``fleetops --help`` and start-up warnings."""
from __future__ import annotations

import textwrap

UNKNOWN_VARIABLE = "warning: {name} is not a fleetops setting and is ignored (did you mean {closest}?)"

ENV_HEADING = "environment (read once at start; defaults as computed on this machine):"
ENV_ROW = "  {names}  (default: {default})\n{meaning}"


def environment_epilog(rows: list[tuple[str, str, str]]) -> str:
    return "\n".join([ENV_HEADING, *(ENV_ROW.format(names=n, default=d, meaning=_indent(m)) for n, d, m in rows)])


def _indent(text: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=" " * 6, subsequent_indent=" " * 6)

NO_AUDIT_KEY = ("audit digests are off: set FLEETOPS_AUDIT_KEY (16+ random bytes, e.g. `openssl rand -hex 32`) or "
                "FLEETOPS_AUDIT_KEY_FILE to have a signed digest of the audit log written to {path}, which "
                "`fleetops audit verify --digests {path}` checks")
BAD_AUDIT_KEY = "audit digests are off: {error}"
