"""Helpers of the fleet cache tests: waiting for a condition, counting API calls, fleets served over HTTP."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

from tools.embedded import EmbeddedFleet
from tools.embedded.synthetic import synthetic_fleet
from tools.fleet import kube
from tools.fleet.adapter import Fleet


def wait_for(condition: Callable[[], object], what: str, bound: float = 20.0) -> None:
    """Poll ``condition`` until it holds (a generous bound, never a timed assert)."""
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {bound} s: {what}")
        time.sleep(0.02)


class Calls:
    """API calls per cluster while counting (``tools.fleet.kube.observe_calls``)."""

    def __init__(self) -> None:
        self.on = False
        self.by_cluster: Counter[str] = Counter()
        kube.observe_calls(self._seen)

    def _seen(self, cluster: str, method: str, status: int) -> None:
        if self.on:
            self.by_cluster[cluster] += 1

    def count(self, fn: Callable[[], object]) -> int:
        self.by_cluster.clear()
        self.on = True
        try:
            fn()
        finally:
            self.on = False
        return sum(self.by_cluster.values())


def light_synthetic(n: int, path: Path, deployments: int = 5) -> Path:
    """A synthetic fleet of ``n`` clusters with only a few deployments (seeding stays a few seconds)."""
    raw = synthetic_fleet(n)
    raw["deployments"] = raw["deployments"][:deployments]
    path.write_text(yaml.safe_dump(raw))
    return path


def running(emb: EmbeddedFleet) -> Iterator[tuple[EmbeddedFleet, Fleet]]:
    emb.start()
    emb.wait_idle()
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")
    try:
        yield emb, fleet
    finally:
        fleet.close()
        emb.stop()
