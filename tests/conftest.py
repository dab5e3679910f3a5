"""Shared fixtures: the embedded demo fleet served over HTTP, and the real adapter talking to it."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # slack-sdk and urllib3 honour proxy variables; every test talks to loopback only
    for var in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(var, "")


@pytest.fixture(scope="session")
def snapshot():
    """The demo fleet as a FleetSnapshot built straight from the YAML (the independent reference)."""
    from tests.snapshot_from_yaml import demo_snapshot

    return demo_snapshot()


@pytest.fixture(scope="session")
def catalog():
    from tools.catalog import default_catalog

    return default_catalog()


def _running_fleet():
    from tools.embedded import EmbeddedFleet
    from tools.fleet.adapter import Fleet

    emb = EmbeddedFleet().start()
    emb.wait_idle()
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")
    yield emb, fleet
    fleet.close()
    emb.stop()


@pytest.fixture(scope="session")
def demo():
    """One read-only demo fleet for the whole session: (EmbeddedFleet, Fleet). Do not change it."""
    yield from _running_fleet()


@pytest.fixture
def fresh():
    """A demo fleet of one's own, to change: (EmbeddedFleet, Fleet)."""
    yield from _running_fleet()


@pytest.fixture(scope="module")
def own():
    """A demo fleet shared by one module's tests, which change different things: (EmbeddedFleet, Fleet)."""
    yield from _running_fleet()
