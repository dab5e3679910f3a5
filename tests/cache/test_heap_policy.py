"""The fleet cache's GC policy (``tools.fleet.cache.HeapPolicy``): no collection while a snapshot is assembled,
everything held so far frozen after it, frozen cyclic garbage reclaimed by a compaction once the permanent
generation has grown. Each test leaves the collector as it found it (enabled, nothing frozen)."""
from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from tests.cache.cache_helpers import running, wait_for
from tools.embedded import EmbeddedFleet
from tools.fleet.cache import HeapPolicy


class Node:
    """A weakly referenceable object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


def _tracked(obj: object) -> bool:
    """Whether the collector's generations (not the permanent one) hold ``obj``."""
    return any(o is obj for o in gc.get_objects())


def test_the_collector_is_off_while_a_snapshot_is_assembled():
    with HeapPolicy().assembling():
        assert not gc.isenabled()


def test_the_collector_is_on_again_after_an_assembly():
    with HeapPolicy().assembling():
        pass
    assert gc.isenabled()


def test_the_collector_is_on_again_when_an_assembly_fails():
    with pytest.raises(ValueError), HeapPolicy().assembling():
        raise ValueError("the hub's objects could not be assembled")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with HeapPolicy().assembling():
        pass
    assert not gc.isenabled()


def test_what_an_assembly_made_is_frozen_after_it():
    with HeapPolicy().assembling():
        made = [[i] for i in range(10)]
    assert not _tracked(made)


def test_a_frozen_object_is_still_freed_with_its_last_reference():
    policy = HeapPolicy(regrow=1000, check_every=1)
    policy.settled()
    kept = weakref.ref(made := Node())
    made.me = None  # no cycle: reference counting frees it
    policy.settled()
    del made
    assert kept() is None


def test_frozen_cyclic_garbage_stays_until_a_compaction():
    policy = HeapPolicy(regrow=1000, check_every=1)
    policy.settled()
    kept = weakref.ref(made := Node())
    policy.settled()
    del made
    gc.collect()
    assert kept() is not None


def test_a_compaction_reclaims_frozen_cyclic_garbage_once_the_frozen_objects_grew():
    policy = HeapPolicy(regrow=1000, check_every=1)
    policy.settled()
    kept = weakref.ref(made := Node())
    policy.settled()
    del made
    policy.regrow = 1.0
    _grown = [[i] for i in range(1000)]
    policy.settled()
    assert kept() is None


def test_no_compaction_while_the_frozen_objects_stay_within_regrow():
    policy = HeapPolicy(regrow=2.0, check_every=1)
    policy.settled()
    _grown = [[i] for i in range(100)]
    policy.settled()
    assert policy.compactions == 0


def test_a_compaction_is_counted():
    policy = HeapPolicy(regrow=1.0, check_every=1)
    policy.settled()
    _grown = [[i] for i in range(1000)]
    policy.settled()
    assert policy.compactions == 1


def test_a_snapshot_the_cache_assembled_is_frozen():
    for _emb, fleet in running(EmbeddedFleet()):
        cache = fleet.start_cache(wait=30)
        wait_for(cache.watching, "every hub watch open")
        snap = fleet.snapshot()
        assert not _tracked(snap.clusters[0])


def test_the_growth_is_not_looked_at_between_every_check_every_th_assembly():
    policy = HeapPolicy(regrow=1.0, check_every=3)
    policy.settled()
    _grown = [[i] for i in range(1000)]
    policy.settled()
    assert policy.compactions == 0


def test_the_growth_is_looked_at_on_every_check_every_th_assembly():
    policy = HeapPolicy(regrow=1.0, check_every=3)
    policy.settled()
    _grown = [[i] for i in range(1000)]
    policy.settled()
    policy.settled()
    assert policy.compactions == 1
