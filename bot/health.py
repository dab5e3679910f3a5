"""Readiness of a running fleetops: named checks run by one background thread; ``GET /readyz`` answers from the
last round, so a slow hub never makes the probe itself time out.

    ready = Readiness({"hub": check_hub, "database": check_db, "slack": lambda: None}).start()
    ok, text = ready()          # text: one line per check, "name: ok" or "name: <problem>"

A check returns None when all is well, else a short problem; an exception counts as its message.
"""
from __future__ import annotations

import threading
from collections.abc import Callable

Check = Callable[[], "str | None"]


class Readiness:
    def __init__(self, checks: dict[str, Check], period: float = 10.0):
        self.checks, self.period = dict(checks), period
        self._result: tuple[bool, str] = (False, "starting: not checked yet")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> tuple[bool, str]:
        lines, ok = [], True
        for name, check in self.checks.items():
            try:
                problem = check()
            except Exception as e:
                problem = f"{type(e).__name__}: {e}"
            ok = ok and problem is None
            lines.append(f"{name}: {'ok' if problem is None else ' '.join(str(problem).split())}")
        self._result = (ok, "\n".join(lines))
        return self._result

    def start(self) -> Readiness:
        self.run_once()
        self._thread = threading.Thread(target=self._loop, name="fleetops-readiness", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            self.run_once()

    def close(self) -> None:
        self._stop.set()

    def __call__(self) -> tuple[bool, str]:
        return self._result
