"""``ToolContext``: what a tool's handler may read, one per request.

The snapshot is taken at most once per context and shared by everything that answers the request
(interpretation grounding, the tool, the reply). Read-only fleet tools use ``snapshot()`` and
``catalog``; mutating tools' planners may also read live hub objects through ``fleet``; store tools
(change requests, audit) use ``store``, which the bot passes in (tools never open it themselves).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.catalog import Catalog
    from tools.fleet.adapter import Fleet
    from tools.fleet.models import FleetSnapshot


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ToolContext:
    catalog: Catalog
    fleet: Fleet | None = None
    store: Any = None
    now: datetime = field(default_factory=_utcnow)
    _snapshot: FleetSnapshot | None = None

    def snapshot(self) -> FleetSnapshot:
        if self._snapshot is None:
            if self.fleet is None:
                raise RuntimeError("this tool needs the fleet, and the context has none")
            self._snapshot = self.fleet.snapshot()
        return self._snapshot

    @property
    def taken(self) -> FleetSnapshot | None:
        """The snapshot if one was taken (or given), without reading the fleet."""
        return self._snapshot

    @classmethod
    def of_snapshot(cls, snapshot: FleetSnapshot, catalog: Catalog, **kw: Any) -> ToolContext:
        """A context over a fixed snapshot (tests, pure evaluation)."""
        return cls(catalog=catalog, _snapshot=snapshot, **kw)
