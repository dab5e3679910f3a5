"""A kubeconfig for the embedded fleet: one cluster and one context per hub/member, plain http, no credentials.

Context names are the cluster names and ``current-context`` is the hub, so ``kubectl --kubeconfig F get
memberclusters`` talks to the hub and ``--context <member>`` to a member. Every context uses one user
entry without credentials: the kubernetes client wants a user to exist, kubectl is happy either way.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from tools.embedded.server import ApiServer

USER = "fleetops-embedded"
# libyaml's emitter: the pure-Python one took about a second per 1,000 members
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
UrlFor = Callable[[str], str]


def _url_for(server: ApiServer | UrlFor) -> UrlFor:
    return server.cluster_url if hasattr(server, "cluster_url") else server


def render(server: ApiServer | UrlFor, hub: str, members: list[str]) -> dict:
    """The kubeconfig as a dict; ``server`` is an ApiServer or a ``cluster -> URL`` function."""
    url_for = _url_for(server)
    names = [hub] + [m for m in members if m != hub]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": n, "cluster": {"server": url_for(n)}} for n in names],
        "users": [{"name": USER, "user": {}}],
        "contexts": [{"name": n, "context": {"cluster": n, "user": USER}} for n in names],
        "current-context": hub,
    }


def write(path: str | Path, server: ApiServer | UrlFor, hub: str, members: list[str]) -> Path:
    """Write the kubeconfig (mode 0600, as kubectl writes them) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(render(server, hub, members), Dumper=_Dumper, sort_keys=False))
    path.chmod(0o600)
    return path
