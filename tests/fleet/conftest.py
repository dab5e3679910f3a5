"""Fixtures for the fleet adapter tests: a private embedded fleet for the tests that write."""
from __future__ import annotations

import pytest

from tools.embedded import EmbeddedFleet
from tools.fleet.adapter import Fleet


@pytest.fixture(scope="module")
def own():
    """A demo fleet shared by one module's write tests (each writes objects of its own): (emb, Fleet)."""
    emb = EmbeddedFleet().start()
    emb.wait_idle()
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")
    yield emb, fleet
    fleet.close()
    emb.stop()
