"""Fixtures of the fleet cache tests (helpers: ``tests.cache.cache_helpers``)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cache.cache_helpers import Calls, running, wait_for
from tools.embedded import EmbeddedFleet
from tools.fleet.adapter import Fleet


@pytest.fixture(scope="session")
def calls() -> Calls:
    return Calls()


@pytest.fixture(scope="module")
def cached() -> Iterator[tuple[EmbeddedFleet, Fleet]]:
    """The demo fleet with its adapter's cache running (the module's tests change different things)."""
    for emb, fleet in running(EmbeddedFleet()):
        fleet.start_cache(wait=30)
        wait_for(fleet.cache.watching, "every hub watch open")
        yield emb, fleet
