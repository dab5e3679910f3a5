"""Fixtures for the real-hub behaviour tests: embedded fleets that behave like a real KubeFleet hub
(placement status that lags a new snapshot, Terminating namespaces), with or without member contexts."""
from __future__ import annotations

import pytest

from tools.embedded import EmbeddedFleet
from tools.fleet.adapter import Fleet


def _fleet(member_contexts: bool, status_lag: float):
    emb = EmbeddedFleet(status_lag=status_lag, member_contexts=member_contexts).start()
    emb.wait_idle()
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto", embedded=emb)
    return emb, fleet


@pytest.fixture
def lagging():
    """A private fleet whose placement status lags each new snapshot by 1 s; with member contexts."""
    emb, fleet = _fleet(True, 1.0)
    yield emb, fleet
    fleet.close()
    emb.stop()


@pytest.fixture
def hub_only():
    """A private fleet whose placement status lags each new snapshot by 1 s; fleetops sees the hub only."""
    emb, fleet = _fleet(False, 1.0)
    yield emb, fleet
    fleet.close()
    emb.stop()
