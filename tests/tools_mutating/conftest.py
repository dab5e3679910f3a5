"""Fixtures for the mutating-tool tests: one private demo fleet per module (tests touch different
deployments, so they can share it)."""
from __future__ import annotations

import pytest

from tools.embedded import EmbeddedFleet
from tools.fleet.adapter import Fleet


@pytest.fixture(scope="module")
def own():
    emb = EmbeddedFleet().start()
    emb.wait_idle()
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")
    yield emb, fleet
    fleet.close()
    emb.stop()
