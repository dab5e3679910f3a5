"""What an execution has reported so far, per change request: the current step and each cluster's state.

The executor's ``ProgressEvent``s arrive in the process that runs the change; the card renders the
latest ``Progress`` of its change. Kept in memory (bounded): once a change is finished its card is
rendered from the stored outcome instead.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from tools.executor import ProgressEvent


@dataclass
class ClusterProgress:
    state: str
    message: str = ""


@dataclass
class Progress:
    step: str | None = None
    clusters: dict[str, ClusterProgress] = field(default_factory=dict)
    events: int = 0
    finished: str | None = None  # "done" | "failed" once the executor says so

    def apply(self, ev: ProgressEvent) -> None:
        """Fold one event into the view (pure on this object)."""
        self.events += 1
        if ev.kind == "cluster" and ev.cluster:
            msg = ev.message if ev.message and ev.message != ev.state else (ev.reason or "")
            self.clusters[ev.cluster] = ClusterProgress(ev.state or "Unknown", msg or "")
        elif ev.kind in ("done", "failed"):
            self.finished = ev.kind
            self.step = ev.message
        else:
            self.step = ev.message

    def copy(self) -> Progress:
        return Progress(self.step, {k: ClusterProgress(v.state, v.message) for k, v in self.clusters.items()},
                        self.events, self.finished)


class ProgressBoard:
    """Thread-safe ``change id -> Progress`` for the most recent ``keep`` changes."""

    def __init__(self, keep: int = 200):
        self._keep = keep
        self._lock = threading.Lock()
        self._items: OrderedDict[str, Progress] = OrderedDict()

    def record(self, change_id: str, event: ProgressEvent) -> None:
        with self._lock:
            p = self._items.pop(change_id, None) or Progress()
            p.apply(event)
            self._items[change_id] = p
            while len(self._items) > self._keep:
                self._items.popitem(last=False)

    def get(self, change_id: str) -> Progress | None:
        with self._lock:
            p = self._items.get(change_id)
            return p.copy() if p else None
