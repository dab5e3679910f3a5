"""Time helpers shared by the audit log, the change store, the policy and the CLI (pure functions).

Every timestamp fleetops stores is UTC ISO-8601 with milliseconds and a ``Z``
(``2026-11-01T09:30:00.123Z``): fixed width, so text order is time order and SQL can compare them.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from audit import messages as msg

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)\s*([smhdw])")
_DURATION = re.compile(r"^(?:\s*\d+\s*[smhdw])+\s*$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_utc(dt: datetime) -> datetime:
    """Aware UTC datetime; a naive one is taken to be UTC already."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso(dt: datetime) -> str:
    """``2026-11-01T09:30:00.123Z`` (UTC, milliseconds)."""
    dt = to_utc(dt)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse a timestamp written by :func:`iso` (or any ISO-8601 form) to an aware UTC datetime."""
    return to_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00")))


def parse_duration(text: str | int | float) -> int:
    """Seconds in ``"4h"``, ``"30m"``, ``"1h30m"``, ``"7d"``, ``"2w"``, ``"90s"`` (or a number of seconds).

    Raises ``ValueError`` with a message a person can act on.
    """
    if isinstance(text, bool):
        raise ValueError(msg.BAD_DURATION.format(value=text))
    if isinstance(text, (int, float)):
        if text <= 0:
            raise ValueError(msg.BAD_DURATION.format(value=text))
        return int(text)
    s = str(text).strip().lower()
    if s.isdigit() and int(s) > 0:
        return int(s)
    if not _DURATION.match(s):
        raise ValueError(msg.BAD_DURATION.format(value=text))
    seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(s))
    if seconds <= 0:
        raise ValueError(msg.BAD_DURATION.format(value=text))
    return seconds


def format_duration(seconds: int) -> str:
    """``14400`` -> ``"4h"``, ``5400`` -> ``"1h30m"``, ``0`` -> ``"0s"``."""
    if seconds <= 0:
        return "0s"
    out = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)


def parse_since(text: str | datetime, now: datetime | None = None) -> datetime:
    """A point in time from ``"24h"``/``"7d"``/``"30m"`` (that long before ``now``), an ISO date
    (``"2026-11-01"``, midnight UTC) or an ISO timestamp. Raises ``ValueError`` saying what to write.
    """
    if isinstance(text, datetime):
        return to_utc(text)
    s = str(text).strip()
    if not s:
        raise ValueError(msg.BAD_SINCE.format(value=text))
    if _DURATION.match(s.lower()):
        return to_utc(now or utcnow()) - timedelta(seconds=parse_duration(s))
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            d = date.fromisoformat(s)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        return parse_iso(s)
    except ValueError:
        raise ValueError(msg.BAD_SINCE.format(value=text)) from None
