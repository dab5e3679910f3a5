"""Kubernetes user impersonation in the embedded API server: who a request acts as, and a simple RBAC for them.

A request with ``Impersonate-User`` (and any number of ``Impersonate-Group`` headers) acts as that identity, as on
a real kube-apiserver (the caller's own identity is the bot's, which may impersonate). Requests without the header
act as the bot and are allowed everything, as before. An impersonated identity may do only what a grant allows::

    hub.impersonation.allow("user:alice@corp", verbs=["get", "list", "watch", "patch", "create"], resources=["*"])
    hub.impersonation.allow("group:sre", verbs=["*"], resources=["*"])

Anything else is ``403 Forbidden`` with kube-apiserver's message (``... is forbidden: User "bob@corp" cannot
patch resource "clusterresourceplacements" in API group "placement.kubernetes-fleet.io" at the cluster scope``).
``seen`` records each impersonated request (user, groups, verb, resource), as the hub's audit log would.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from tools.embedded.errors import Forbidden

USER_HEADER, GROUP_HEADER = "Impersonate-User", "Impersonate-Group"
AUTHENTICATED = "system:authenticated"


@dataclass(frozen=True)
class Grant:
    verbs: frozenset[str]
    resources: frozenset[str]
    api_groups: frozenset[str] = frozenset({"*"})

    def allows(self, verb: str, group: str, resource: str) -> bool:
        return (("*" in self.verbs or verb in self.verbs) and ("*" in self.resources or resource in self.resources)
                and ("*" in self.api_groups or group in self.api_groups))


@dataclass(frozen=True)
class Seen:
    cluster: str
    user: str
    groups: tuple[str, ...]
    verb: str
    group: str
    resource: str
    namespace: str | None
    name: str | None
    allowed: bool


@dataclass
class Impersonation:
    grants: dict[str, list[Grant]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allow(self, subject: str, *, verbs: Iterable[str], resources: Iterable[str] = ("*",),
              api_groups: Iterable[str] = ("*",)) -> None:
        """Let ``subject`` (``user:NAME`` or ``group:NAME``) do ``verbs`` on ``resources`` (plural names)."""
        with self._lock:
            self.grants.setdefault(subject, []).append(
                Grant(frozenset(verbs), frozenset(resources), frozenset(api_groups)))

    def clear(self) -> None:
        with self._lock:
            self.grants.clear()
            self.seen.clear()

    def authorize(self, headers, cluster: str, verb: str, group: str, resource: str, namespace: str | None,
                  name: str | None) -> None:
        """Nothing when the request is not impersonated or a grant allows it; else ``Forbidden``."""
        user = headers.get(USER_HEADER)
        if not user:
            return
        groups = tuple(g for g in (headers.get_all(GROUP_HEADER) or []) if g)
        subjects = [f"user:{user}", *(f"group:{g}" for g in (*groups, AUTHENTICATED))]
        with self._lock:
            ok = any(g.allows(verb, group, resource) for s in subjects for g in self.grants.get(s, ()))
            self.seen.append(Seen(cluster, user, groups, verb, group, resource, namespace, name, ok))
        if ok:
            return
        what = f"{resource}.{group}" if group else resource
        subject = f'{what} "{name}"' if name else what
        where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
        raise Forbidden(f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource}" in API group '
                        f'"{group}"{where}', kind=resource, name=name or "", group=group)


def verb_of(method: str, name: str | None, params: dict) -> str:
    """The RBAC verb kube-apiserver checks for a request."""
    if method == "GET":
        return "watch" if params.get("watch") in ("true", "1") else ("get" if name else "list")
    if method == "DELETE":
        return "delete" if name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())
