"""The terminal demo's own database: on the embedded demo fleet, ``fleetops chat`` starts from a fresh
``demo.db`` each run, so a second run neither continues the numbering nor offers the previous run's pending
changes for approval against a fleet that was just created anew (issue 16)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from bot.messages import cli as msg

DEMO_DB = "demo.db"


def demo_database(settings: Any, out: TextIO | None = None) -> Path | None:
    """A fresh database file for a demo run, or None to use the configured one (a real hub, or FLEETOPS_DB)."""
    if settings.kubeconfig or settings.in_cluster or settings.db_path:
        return None
    path = Path(settings.home) / DEMO_DB
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    if out is not None:
        print(msg.DEMO_DATABASE.format(path=path), file=out)
    return path


def audit_filter_error(error: Exception) -> str:
    """``/audit --bogus`` in chat: one line naming the option and the options there are, not pydantic's dump."""
    from pydantic import ValidationError

    from bot import toolbox
    from tools.args import SearchAuditArgs

    if not isinstance(error, ValidationError):
        return str(error)
    options = ", ".join("--" + name.replace("_", "-") for name in SearchAuditArgs.model_fields)
    return msg.CHAT_AUDIT_BAD_FILTER.format(problem=toolbox.explain(error), options=options)
