"""Open the fleet the settings point at: a real hub (KUBECONFIG / in-cluster) or the embedded demo fleet.

    with open_fleet() as fleet:          # tools.fleet.adapter.Fleet
        snap = fleet.snapshot()

With no kubeconfig configured, an embedded demo fleet is started in-process on a free loopback port (its
state lives as long as the ``with`` block) and the same adapter talks to it over HTTP.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.settings import Settings, get_settings
from tools.fleet.adapter import Fleet


@contextmanager
def open_fleet(settings: Settings | None = None, *, ready_delay: float | None = None,
               heartbeat_period: float | None = None) -> Iterator[Fleet]:
    s = settings or get_settings()
    if s.kubeconfig or s.in_cluster:
        fleet = Fleet.from_kubeconfig(s.kubeconfig, s.hub_context, s.member_contexts, in_cluster=s.in_cluster)
        try:
            yield fleet
        finally:
            fleet.close()
        return
    from tools.embedded import EmbeddedFleet

    kwargs = {"ready_delay": s.demo_ready_delay if ready_delay is None else ready_delay}
    if heartbeat_period is not None:
        kwargs["heartbeat_period"] = heartbeat_period
    with EmbeddedFleet(**kwargs) as emb:
        # the demo and tests inject faults through ``fleet.embedded``; FLEETOPS_MEMBER_CONTEXTS=none runs it
        # as fleetops runs on a hub without member access
        fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, s.member_contexts, embedded=emb)
        try:
            yield fleet
        finally:
            fleet.close()
