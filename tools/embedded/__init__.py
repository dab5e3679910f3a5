"""The embedded fleet: a Kubernetes-API-compatible server on loopback hosting a KubeFleet hub and its
KAITO member clusters, seeded from demo-fleet.yaml, with simulated KubeFleet and KAITO controllers.

``from tools.embedded import EmbeddedFleet`` (see :mod:`tools.embedded.fleet`). Exported lazily so that
importing a small piece (the store, the CRD types) does not start loading the whole simulation.
"""
from __future__ import annotations

__all__ = ["EmbeddedFleet"]


def __getattr__(name: str):
    if name == "EmbeddedFleet":
        from tools.embedded.fleet import EmbeddedFleet

        return EmbeddedFleet
    raise AttributeError(f"module 'tools.embedded' has no attribute {name!r}")
