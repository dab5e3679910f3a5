"""The policy as it reads *now*: the file's (replaced by a reload without a restart) plus the freezes declared
in chat (read from the store at each decision, so a declared freeze applies at once and an expired or lifted one
stops applying by itself).

    live = LivePolicy(load_policy(path), stored=store.freezes.active)
    decide(live.at(now), actor, facts, now)
    live.replace(new_policy)          # bot.policy.reload, after ``policy check`` accepted the new file

The pipeline and the change service share one ``LivePolicy``; their ``policy`` attribute is ``live.at(clock())``.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from audit.timeutil import utcnow
from bot.policy.freezes import merged
from bot.policy.rules import Policy

StoredFreezes = Callable[[datetime], list[Any]]


class LivePolicy:
    def __init__(self, policy: Policy, stored: StoredFreezes | None = None):
        self._base = policy
        self._stored = stored
        self._lock = threading.Lock()

    @property
    def base(self) -> Policy:
        """The policy file as last loaded (without the freezes declared in chat)."""
        with self._lock:
            return self._base

    def replace(self, policy: Policy) -> None:
        with self._lock:
            self._base = policy

    def at(self, now: datetime | None = None) -> Policy:
        """The policy in force at ``now``: the file's plus the stored freezes active then."""
        stored = self._stored(now or utcnow()) if self._stored is not None else []
        return merged(self.base, stored)
