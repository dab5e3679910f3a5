"""Act as a person on the hub: Kubernetes user impersonation for the requests made inside ``impersonating``.

    with impersonating(Identity("alice@corp", ("sre",)), cluster=fleet.hub.cluster):
        fleet.snapshot(); executor.apply(plan)     # every hub request carries Impersonate-User / -Group

The identity lives in a context variable: it applies to the calls of this thread (and of the work the fleet
adapter hands to its reader pool, which copies the context), never to other requests running at the same time.
Only the named cluster's requests (the hub's) carry it: member clusters are read with the bot's own identity.
``tools.fleet.kube`` adds the headers; this module imports no Kubernetes client.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

USER_HEADER, GROUP_HEADER = "Impersonate-User", "Impersonate-Group"


@dataclass(frozen=True)
class Identity:
    """A Kubernetes user and its groups."""

    user: str
    groups: tuple[str, ...] = field(default_factory=tuple)


_current: ContextVar[tuple[Identity, str] | None] = ContextVar("fleetops_impersonation", default=None)


@contextmanager
def impersonating(identity: Identity | None, cluster: str) -> Iterator[None]:
    """Hub (``cluster``) requests inside the block act as ``identity`` (None: as the bot itself)."""
    token = _current.set((identity, cluster) if identity is not None else None)
    try:
        yield
    finally:
        _current.reset(token)


def headers_for(cluster: str) -> list[tuple[str, str]]:
    """The impersonation headers a request to ``cluster`` carries now (none outside ``impersonating``)."""
    current = _current.get()
    if current is None or current[1] != cluster:
        return []
    identity = current[0]
    return [(USER_HEADER, identity.user), *((GROUP_HEADER, g) for g in identity.groups)]


def current() -> Identity | None:
    value = _current.get()
    return value[0] if value else None
