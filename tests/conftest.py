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


def _open(emb):
    from tools.fleet.adapter import Fleet

    return Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")


@pytest.fixture(scope="session")
def demo():
    """One read-only demo fleet for the whole session: (EmbeddedFleet, Fleet). Do not change it."""
    from tools.embedded import EmbeddedFleet

    emb = EmbeddedFleet().start()
    emb.wait_idle()
    fleet = _open(emb)
    yield emb, fleet
    fleet.close()
    emb.stop()


@pytest.fixture
def fresh():
    """A demo fleet of one's own, to change: (EmbeddedFleet, Fleet)."""
    from tools.embedded import EmbeddedFleet

    emb = EmbeddedFleet().start()
    emb.wait_idle()
    fleet = _open(emb)
    yield emb, fleet
    fleet.close()
    emb.stop()
