"""Shared by bench/inventory.py and bench/startup.py: a synthetic embedded fleet in a process of its own.

The fleet runs as ``fleetops demo-fleet --synthetic N`` in a child process, so the bench process measures only
the client side (its CPU, its RSS) and the fleet's own start-up is timed separately.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class FleetProcess:
    def __init__(self, clusters: int, heartbeat_period: float = 600.0, kubeconfig: Path | None = None):
        self.clusters = clusters
        self.existing = kubeconfig is not None  # a fleet already running: use it, start nothing
        self.dir = Path(tempfile.mkdtemp(prefix=f"bench-fleet-{clusters}-"))
        self.kubeconfig = kubeconfig or self.dir / "kubeconfig"
        self.heartbeat_period = heartbeat_period
        self.proc: subprocess.Popen | None = None
        self.start_seconds = 0.0

    def __enter__(self) -> FleetProcess:
        if self.existing:
            return self
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "demo-fleet", "--synthetic", str(self.clusters), "--kubeconfig",
             str(self.kubeconfig), "--heartbeat-period", str(self.heartbeat_period)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        said: list[str] = []
        for line in self.proc.stdout:
            if line.startswith("Embedded fleet serving at"):
                break
            said = [*said[-5:], line.rstrip()]
        else:
            raise SystemExit(f"demo-fleet --synthetic {self.clusters} did not start (exit {self.proc.wait()}):\n"
                             + "\n".join(said))
        self.start_seconds = time.perf_counter() - t0
        return self

    def rss_mb(self) -> float:
        return rss_mb(self.proc.pid) if self.proc else 0.0

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size now, MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def spread(values: list[float], fmt: str = "{:.3f}") -> str:
    """min / median / max."""
    if not values:
        return "-"
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))
