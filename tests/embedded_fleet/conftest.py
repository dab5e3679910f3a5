"""Fixtures: the demo embedded fleet served over real HTTP, used through the real ``kubernetes`` client."""
from __future__ import annotations

import pytest
import yaml

from tests.embedded_fleet.fleet_kube import Contexts
from tools import data_path
from tools.embedded import EmbeddedFleet


@pytest.fixture(scope="session")
def demo_file() -> dict:
    """demo-fleet.yaml read independently of the code under test."""
    return yaml.safe_load(data_path("fleet", "demo-fleet.yaml").read_text())


@pytest.fixture(scope="module")
def seeded():
    """One demo fleet for read-only tests of the seeded state."""
    with EmbeddedFleet() as fleet:
        kube = Contexts(fleet)
        yield kube
        kube.close()


@pytest.fixture
def fresh():
    """A demo fleet of its own, for tests that change things."""
    with EmbeddedFleet() as fleet:
        kube = Contexts(fleet)
        yield kube
        kube.close()
