"""How incidents read as text, and the terminal's notifier (``fleetops chat``): one line per incident, or, when
one look finds many (``Watcher.group_at``), a few lines for all of them grouped by reason (``groups``)."""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from audit.incidents import IncidentRecord
from bot.incidents.detect import KINDS
from bot.messages import incidents as M
from tools.fleet.conventions import HEARTBEAT_MAX_AGE_SECONDS
from tools.fleet.inventory import parse_time

MAX_GROUPS = 8  # reasons shown in a grouped message; the rest are counted
MAX_EXAMPLES = 5  # names per reason


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


def reason_of(rec: IncidentRecord) -> str:
    """Why, in a few words shared by every incident with the same cause (the grouping key of ``groups``): a
    stale heartbeat, whatever its age; a deployment's state and KAITO's reason."""
    d = rec.detail if isinstance(rec.detail, dict) else {}
    if rec.kind == "cluster_ineligible":
        age = d.get("heartbeat_age_seconds")
        if d.get("joined") is False:
            return M.REASON_NOT_JOINED
        if age is None or float(age) > HEARTBEAT_MAX_AGE_SECONDS:
            return M.REASON_HEARTBEAT
        return str(d.get("reason") or M.REASON_INELIGIBLE)
    if rec.kind == "cluster_left":
        return M.REASON_LEFT
    if rec.kind == "cluster_degraded":
        return M.REASON_DEGRADED
    state = str(d.get("state") or "not ready").lower()
    return M.REASON_STATE_WHY.format(state=state, reason=d["reason"]) if d.get("reason") \
        else M.REASON_STATE.format(state=state)


def subject(rec: IncidentRecord) -> str:
    """What an incident is about, as an example in a group: the cluster, or the deployment on it."""
    if rec.kind == "deployment_not_ready":
        return M.EXAMPLE_DEPLOYMENT.format(deployment=rec.deployment, cluster=rec.cluster)
    return rec.cluster


@dataclass(frozen=True)
class Group:
    kind: str
    reason: str
    incidents: tuple[IncidentRecord, ...]

    def line(self, examples: int = MAX_EXAMPLES) -> str:
        """``913 clusters down (no heartbeat …): a, b, c, d, e and 908 more``."""
        names = [subject(r) for r in self.incidents[:examples]]
        more = len(self.incidents) - len(names)
        return M.GROUP_LINE.format(n=len(self.incidents), kind=M.GROUP_KINDS.get(self.kind, self.kind),
                                   reason=self.reason,
                                   examples=", ".join(names) + (M.GROUP_MORE.format(n=more) if more else ""))


def groups(records: list[IncidentRecord]) -> list[Group]:
    """The incidents by (kind, reason), largest group first."""
    by: dict[tuple[str, str], list[IncidentRecord]] = defaultdict(list)
    for rec in records:
        by[(rec.kind, reason_of(rec))].append(rec)
    return sorted((Group(kind, reason, tuple(recs)) for (kind, reason), recs in by.items()),
                  key=lambda g: (-len(g.incidents), g.kind, g.reason))


def group_lines(records: list[IncidentRecord], limit: int = MAX_GROUPS) -> list[str]:
    """One line per reason (at most ``limit``, then one line counting the rest)."""
    gs = groups(records)
    lines = [g.line() for g in gs[:limit]]
    rest = gs[limit:]
    if rest:
        lines.append(M.GROUP_OTHER.format(n=sum(len(g.incidents) for g in rest), groups=len(rest)))
    return lines


def id_range(records: list[IncidentRecord]) -> str:
    ids = sorted(r.id for r in records)
    return M.GROUP_IDS.format(first=ids[0], last=ids[-1]) if ids else ""


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

    def opened_group(self, incidents: list[IncidentRecord]) -> None:
        head = M.CHAT_GROUP_OPENED.format(n=len(incidents), ids=id_range(incidents))
        self._print("\n".join([head, *(M.CHAT_GROUP_LINE.format(line=line) for line in group_lines(incidents))]))

    def recovered_group(self, incidents: list[IncidentRecord]) -> None:
        self._print(M.CHAT_GROUP_RECOVERED.format(n=len(incidents), ids=id_range(incidents),
                                                  lines="; ".join(group_lines(incidents))))

    def _print(self, line: str) -> None:
        with self._lock:
            print(line, file=self.out, flush=True)
