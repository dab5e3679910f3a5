"""How incidents read as text, and the terminal's notifier (``fleetops chat``): one line per incident."""
from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import TextIO

from audit.incidents import IncidentRecord
from bot.incidents.detect import KINDS
from bot.messages import incidents as M
from tools.fleet.inventory import parse_time


def age(seconds: float) -> str:
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes / 60:.1f} h" if minutes < 48 * 60 else f"{minutes // (24 * 60)} days"


def clock(value: str | None) -> str:
    t = parse_time(value)
    return t.strftime("%Y-%m-%d %H:%M UTC") if t else "?"


def title(rec: IncidentRecord) -> str:
    kind = rec.kind if rec.kind in KINDS else "deployment_not_ready"
    n = len((rec.detail or {}).get("deployments") or [])
    return M.TITLES[kind].format(deployment=rec.deployment, cluster=rec.cluster, n=n)


def since_text(rec: IncidentRecord, now: datetime | None = None) -> str:
    start = parse_time(rec.since) or parse_time(rec.opened_at)
    if start is None:
        return ""
    return M.SINCE.format(since=clock(rec.since or rec.opened_at),
                          age=age(((now or datetime.now(UTC)) - start).total_seconds()))


def duration(rec: IncidentRecord) -> str:
    start, end = parse_time(rec.since) or parse_time(rec.opened_at), parse_time(rec.closed_at)
    return age((end - start).total_seconds()) if start and end else "?"


class ChatNotifier:
    """Prints one line when an incident opens and one when it recovers (``fleetops chat``)."""

    def __init__(self, out: TextIO):
        self.out = out
        self._lock = threading.Lock()

    def opened(self, incident: IncidentRecord) -> None:
        fmt = M.CHAT_OPENED if incident.deployment else M.CHAT_OPENED_CLUSTER
        self._print(fmt.format(id=incident.id, title=title(incident), what=incident.what or "",
                               since=since_text(incident), deployment=incident.deployment, cluster=incident.cluster))

    def recovered(self, incident: IncidentRecord) -> None:
        self._print(M.CHAT_RECOVERED.format(id=incident.id, title=title(incident)))

    def _print(self, line: str) -> None:
        with self._lock:
            print(line, file=self.out, flush=True)
