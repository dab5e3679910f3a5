"""Who clicked: Slack user id → ``Actor(id, name, usergroups)``.

User-group membership comes from the Web API (``usergroups.list`` with ``include_users=true``: one call
for the whole workspace) and is cached for ``ttl`` seconds; display names from the payload or
``users.info`` (cached the same way). When Slack refuses (missing ``usergroups:read`` scope, a plan
without user groups), the person simply belongs to no Slack group, and the failure is cached too so
that a broken scope does not cost a call per click.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.identity import Actor

log = logging.getLogger(__name__)


class Directory:
    def __init__(self, client: Any, ttl: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self.client, self.ttl, self.clock = client, ttl, clock
        self._lock = threading.Lock()
        self._groups: dict[str, frozenset[str]] = {}
        self._groups_at: float | None = None
        self._names: dict[str, tuple[float, str | None]] = {}

    def actor(self, user_id: str, name: str | None = None) -> Actor:
        """The person with their Slack user groups (and a display name when known)."""
        return Actor(user_id, name or self.name(user_id), self.usergroups(user_id))

    def usergroups(self, user_id: str) -> frozenset[str]:
        with self._lock:
            fresh = self._groups_at is not None and self.clock() - self._groups_at < self.ttl
            if not fresh:
                self._groups = self._load_groups()
                self._groups_at = self.clock()
            return self._groups.get(user_id, frozenset())

    def invalidate(self) -> None:
        with self._lock:
            self._groups_at = None
            self._names.clear()

    def _load_groups(self) -> dict[str, frozenset[str]]:
        try:
            resp = self.client.usergroups_list(include_users=True)
        except (SlackApiError, SlackClientError, OSError) as e:
            log.warning("usergroups.list failed (%s); Slack user groups count as empty for %.0f s", e, self.ttl)
            return {}
        members: dict[str, set[str]] = {}
        for g in resp.get("usergroups") or []:
            gid = g.get("id")
            if not gid or g.get("date_delete"):
                continue
            users = g.get("users")
            if users is None:
                users = self._group_users(gid)
            for u in users:
                members.setdefault(u, set()).add(gid)
        return {u: frozenset(gs) for u, gs in members.items()}

    def _group_users(self, group_id: str) -> list[str]:
        try:
            return list(self.client.usergroups_users_list(usergroup=group_id).get("users") or [])
        except (SlackApiError, SlackClientError, OSError) as e:
            log.warning("usergroups.users.list %s failed: %s", group_id, e)
            return []

    def name(self, user_id: str) -> str | None:
        now = self.clock()
        with self._lock:
            hit = self._names.get(user_id)
            if hit and now - hit[0] < self.ttl:
                return hit[1]
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
            profile = user.get("profile") or {}
            name = profile.get("display_name") or user.get("real_name") or user.get("name")
        except (SlackApiError, SlackClientError, OSError) as e:
            log.info("users.info %s failed: %s", user_id, e)
            name = None
        with self._lock:
            self._names[user_id] = (now, name or None)
        return name or None
