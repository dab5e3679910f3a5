"""The change service: the one place that moves change requests (open, approve, reject, cancel, expire,
execute, recover), each verb one store transaction with its audit events. Front ends call only this (and the
read-only tools); ``tell``/``answer`` say where a request stands, from its state."""
from __future__ import annotations

from bot.changes.notices import answer, reason_of, tell
from bot.changes.queries import ChangeQueries
from bot.changes.service import ChangeService
from bot.changes.types import Notifier, Refusal, Result, Silent, Why, Workspace

__all__ = ["ChangeQueries", "ChangeService", "Notifier", "Refusal", "Result", "Silent", "Why", "Workspace",
           "answer", "reason_of", "tell"]
