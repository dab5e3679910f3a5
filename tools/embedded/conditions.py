"""metav1.Condition helpers with the API machinery's semantics (``meta.SetStatusCondition``).

A condition's ``lastTransitionTime`` only moves when its status changes, so that a controller that
re-renders the same status writes nothing (no resourceVersion bump, no event, no reconcile loop).
"""
from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(t: datetime | None = None) -> str:
    return (t or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def make(ctype: str, status: str | bool, reason: str, message: str = "",
         generation: int | None = None, now: str | None = None) -> dict:
    if isinstance(status, bool):
        status = "True" if status else "False"
    cond: dict[str, str | int] = {"type": ctype, "status": status, "reason": reason, "message": message,
            "lastTransitionTime": now or rfc3339()}
    if generation is not None:
        cond["observedGeneration"] = int(generation)
    return cond


def find(conds: list[dict] | None, ctype: str) -> dict | None:
    return next((c for c in conds or [] if c.get("type") == ctype), None)


def is_true(conds: list[dict] | None, ctype: str) -> bool:
    c = find(conds, ctype)
    return bool(c and c.get("status") == "True")


def merge(old: list[dict] | None, new: list[dict]) -> list[dict]:
    """``new`` in order, each keeping the old ``lastTransitionTime`` when its status did not change."""
    out = []
    for c in new:
        prev = find(old, c["type"])
        if prev and prev.get("status") == c["status"] and prev.get("lastTransitionTime"):
            c = {**c, "lastTransitionTime": prev["lastTransitionTime"]}
        out.append(c)
    return out
