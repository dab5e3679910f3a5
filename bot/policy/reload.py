"""Reload the policy file without a restart: on request (``fleetops policy reload``) and when the file changes.

Every copy of the bot runs one ``PolicyWatcher`` (``bot.app.running_pipeline``). Each ``poll()`` it looks at two
things, both of which work with several replicas on one database:

* the file's modification time and size (a ConfigMap update, an edit): changed since the last look → reload;
* the newest ``policy`` audit event with ``result.action == "reload_requested"`` (``request_reload``, written by
  ``fleetops policy reload``): newer than the last one this copy saw → reload. Each replica sees it in the shared
  store and reloads on its own.

A reload runs ``policy check`` first (``load_policy``: the same validation): a good file replaces the live policy
(``LivePolicy.replace``) and is audited (``reloaded``); a bad one is refused, the old policy stays, and the
refusal is logged and audited (``refused``, with the problems), once per file version.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from audit.timeutil import utcnow
from bot.messages import policy as msg
from bot.policy.live import LivePolicy
from bot.policy.loading import load_policy
from bot.policy.rules import PolicyError

log = logging.getLogger(__name__)

REQUESTED, RELOADED, REFUSED = "reload_requested", "reloaded", "refused"
POLL_SECONDS = 5.0


def request_reload(audit: Any, path: str | Path, actor: str | None = None) -> Any:
    """Ask every running copy to reload ``path`` (an audit event they poll for); returns the event."""
    return audit.record("policy", actor=actor, message=msg.RELOAD_REQUESTED.format(source=path),
                        result={"action": REQUESTED, "file": str(path)})


def latest_request(audit: Any) -> int:
    """The id of the newest reload request (0 when there is none)."""
    for e in audit.list(event="policy", limit=50):
        if isinstance(e.result, dict) and e.result.get("action") == REQUESTED:
            return int(e.id)
    return 0


def _stamp(path: Path) -> tuple[float, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime, st.st_size


class PolicyWatcher:
    """``PolicyWatcher(live, path, audit).start()`` … ``.stop()``; ``poll()`` does one look (tests call it)."""

    def __init__(self, live: LivePolicy, path: str | Path, audit: Any, *, every: float = POLL_SECONDS,
                 clock: Callable[[], datetime] = utcnow):
        self.live, self.path, self.audit, self.every, self.clock = live, Path(path), audit, every, clock
        self._stamp = _stamp(self.path)
        self._request = latest_request(audit)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self) -> str | None:
        """Reload when the file changed or a reload was asked for: ``reloaded``, ``refused`` or None (nothing new)."""
        stamp, request = _stamp(self.path), latest_request(self.audit)
        if stamp == self._stamp and request <= self._request:
            return None
        self._stamp, self._request = stamp, max(request, self._request)
        return self.reload()

    def reload(self) -> str:
        try:
            policy = load_policy(self.path)
        except PolicyError as e:
            log.warning(msg.RELOAD_REFUSED.format(source=self.path, error=e))
            self.audit.record("policy", message=msg.RELOAD_REFUSED.format(source=self.path, error=e),
                              result={"action": REFUSED, "file": str(self.path),
                                      "problems": [f"{k}: {p}" if k else p for k, p in e.problems]})
            return REFUSED
        self.live.replace(policy)
        log.info(msg.RELOADED.format(source=self.path))
        self.audit.record("policy", message=msg.RELOADED.format(source=self.path),
                          result={"action": RELOADED, "file": str(self.path)})
        return RELOADED

    # --- background -----------------------------------------------------------------------------------
    def start(self) -> PolicyWatcher:
        self._thread = threading.Thread(target=self._run, name="policy-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.poll()
            except Exception:  # a busy database, a vanished file: try again next time, never kill the bot
                log.exception(msg.RELOAD_POLL_FAILED)
