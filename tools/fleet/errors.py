"""Errors of the fleet adapter. Every message says what to do next.

Hierarchy::

    FleetError                      anything the fleet adapter could not do
    ├── FleetUnreachable            the API server of a cluster did not answer (names cluster + endpoint)
    ├── FleetForbidden              403: names the verb, resource and cluster the bot lacks
    │   └── NamespaceTerminating    403 because the namespace is being deleted (Terminating)
    ├── FleetWriteTimeout           504 on a write: it may still land (writes are idempotent: retry)
    ├── FleetNotFound               404 on a read the caller needed
    ├── FleetConflict               409 that persisted after retries
    ├── WatchExpired                410 on a watch: its resourceVersion was compacted away (list again)
    ├── FleetInvalid                422: the API server's schema message and field causes
    ├── FleetConfigError            no usable kubeconfig / context
    └── RolloutTimeout              a rollout did not finish in time (per-cluster states attached)
"""
from __future__ import annotations

from tools.messages import fleet as text


class FleetError(Exception):
    """Base class; ``str(err)`` is a complete sentence for an operator."""


class FleetUnreachable(FleetError):
    def __init__(self, cluster: str, endpoint: str, detail: str = ""):
        self.cluster, self.endpoint, self.detail = cluster, endpoint, detail
        super().__init__(text.UNREACHABLE.format(cluster=cluster, endpoint=endpoint, detail=detail))


class FleetForbidden(FleetError):
    def __init__(self, cluster: str, verb: str, resource: str, detail: str = ""):
        self.cluster, self.verb, self.resource = cluster, verb, resource
        super().__init__(text.FORBIDDEN.format(cluster=cluster, verb=verb, resource=resource, detail=detail))


class NamespaceTerminating(FleetForbidden):
    def __init__(self, cluster: str, namespace: str):
        self.namespace = namespace
        FleetError.__init__(self, text.NAMESPACE_TERMINATING.format(cluster=cluster, namespace=namespace))
        self.cluster, self.verb, self.resource = cluster, "create", "namespace content"


class FleetWriteTimeout(FleetError):
    def __init__(self, cluster: str, method: str, path: str):
        self.cluster, self.method, self.path = cluster, method, path
        super().__init__(text.WRITE_TIMEOUT.format(cluster=cluster, method=method, path=path))


class FleetNotFound(FleetError):
    def __init__(self, cluster: str, resource: str, name: str):
        self.cluster, self.resource, self.name = cluster, resource, name
        super().__init__(text.NOT_FOUND.format(cluster=cluster, resource=resource, name=name))


class WatchExpired(FleetError):
    def __init__(self, cluster: str, kind: str, resource_version: str):
        self.cluster, self.kind, self.resource_version = cluster, kind, resource_version
        super().__init__(text.WATCH_EXPIRED.format(cluster=cluster, kind=kind, rv=resource_version))


class FleetConflict(FleetError):
    def __init__(self, cluster: str, resource: str, name: str, detail: str = ""):
        self.cluster, self.resource, self.name = cluster, resource, name
        super().__init__(text.CONFLICT.format(cluster=cluster, resource=resource, name=name, detail=detail))


class FleetInvalid(FleetError):
    def __init__(self, cluster: str, resource: str, name: str, message: str, causes: list[dict] | None = None):
        self.cluster, self.resource, self.name, self.causes = cluster, resource, name, causes or []
        self.api_message = message
        super().__init__(text.INVALID.format(cluster=cluster, resource=resource, name=name, message=message))


class FleetConfigError(FleetError):
    pass


class RolloutTimeout(FleetError):
    def __init__(self, deployment: str, seconds: float, states: dict[str, str]):
        self.deployment, self.seconds, self.states = deployment, seconds, states
        pending = ", ".join(f"{c}: {s}" for c, s in sorted(states.items()))
        super().__init__(text.ROLLOUT_TIMEOUT.format(deployment=deployment, seconds=int(seconds), pending=pending))
