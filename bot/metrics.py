"""Every Prometheus metric of fleetops, defined here once, and the small ``observe_*`` functions the rest of the
code calls (no other module touches prometheus_client). ``GET /metrics`` on the serve port renders ``REGISTRY``.

Counters and histograms count what this process saw since it started (Prometheus' ``rate()`` copes with
restarts); ``fleetops_change_requests`` is read from the database when scraped (``watch_changes``), so every
copy sharing one database reports the same numbers.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter("fleetops_slack_requests", "Slack requests received, by kind "
                   "(command, event, interactive, url_verification, other)", ["kind"], registry=REGISTRY)
ACK_SECONDS = Histogram("fleetops_slack_ack_seconds", "Time from a Slack request's body read to its answer written",
                        ["kind"], registry=REGISTRY,
                        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0))
INTERPRETATIONS = Counter("fleetops_interpretations", "Requests interpreted, by result kind "
                          "(tool_call, clarify, refuse, error)", ["kind"], registry=REGISTRY)
EXECUTIONS = Counter("fleetops_executions", "Change executions finished, by tool and final state",
                     ["tool", "state"], registry=REGISTRY)
EXECUTION_SECONDS = Histogram("fleetops_execution_seconds", "Duration of a change's execution, by tool", ["tool"],
                              registry=REGISTRY, buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600))
INCIDENTS = Counter("fleetops_incidents", "Incidents detected, by kind", ["kind"], registry=REGISTRY)
AUDIT_APPENDS = Counter("fleetops_audit_appends", "Audit events appended by this process", registry=REGISTRY)
AUDIT_VERIFY_OK = Gauge("fleetops_audit_verify_ok", "1 if the last audit chain verification passed, else 0",
                        registry=REGISTRY)
AUDIT_VERIFIED_EVENTS = Gauge("fleetops_audit_verified_events", "Events checked by the last verification",
                              registry=REGISTRY)
AUDIT_VERIFY_TIME = Gauge("fleetops_audit_verify_timestamp_seconds", "When the audit chain was last verified",
                          registry=REGISTRY)
HUB_CALLS = Counter("fleetops_kube_api_calls", "Kubernetes API calls, by cluster and HTTP method",
                    ["cluster", "method"], registry=REGISTRY)
HUB_ERRORS = Counter("fleetops_kube_api_errors", "Kubernetes API calls that failed, by cluster, method and "
                     "HTTP status (0: unreachable)", ["cluster", "method", "code"], registry=REGISTRY)
WRITER = Gauge("fleetops_writer_active", "1 while this process is the one writer (may execute changes)",
               registry=REGISTRY)


def observe_request(kind: str, seconds: float) -> None:
    REQUESTS.labels(kind).inc()
    ACK_SECONDS.labels(kind).observe(seconds)


def observe_interpretation(kind: str) -> None:
    INTERPRETATIONS.labels(kind).inc()


def observe_execution(tool: str, state: str, seconds: float) -> None:
    EXECUTIONS.labels(tool, state).inc()
    EXECUTION_SECONDS.labels(tool).observe(seconds)


def observe_incident(kind: str) -> None:
    INCIDENTS.labels(kind).inc()


def observe_audit_appends(n: int = 1) -> None:
    """Fits ``store.audit.add_listener``."""
    AUDIT_APPENDS.inc(n)


def observe_audit_verify(ok: bool, events: int, at: float) -> None:
    AUDIT_VERIFY_OK.set(1 if ok else 0)
    AUDIT_VERIFIED_EVENTS.set(events)
    AUDIT_VERIFY_TIME.set(at)


def observe_kube_call(cluster: str, method: str, status: int) -> None:
    """Fits ``tools.fleet.kube.observe_calls``: status 0 when the server could not be reached."""
    HUB_CALLS.labels(cluster, method).inc()
    if not 200 <= status < 300 and status != 404:  # a 404 on a read is an answer, not an error
        HUB_ERRORS.labels(cluster, method, str(status)).inc()


def observe_writer(active: bool) -> None:
    WRITER.set(1 if active else 0)


class _ChangeStates(Collector):
    def __init__(self, count: Callable[[], Mapping[str, int]], states: Iterable[str]):
        self.count, self.states = count, tuple(states)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily("fleetops_change_requests", "Change requests in the database, by state",
                                   labels=["state"])
        try:
            counts = self.count()
        except Exception:
            counts = {}
        for state in self.states:
            family.add_metric([state], counts.get(state, 0))
        yield family


_watched: list[Collector] = []


def watch_changes(count: Callable[[], Mapping[str, int]], states: Iterable[str]) -> None:
    """Report ``count()`` (state → number of requests) as ``fleetops_change_requests`` at each scrape."""
    for old in _watched:
        REGISTRY.unregister(old)
    _watched[:] = [_ChangeStates(count, states)]
    REGISTRY.register(_watched[0])


def render() -> bytes:
    """The Prometheus text exposition of every metric."""
    return generate_latest(REGISTRY)
