"""One snapshot per request: interpretation grounding, the tool and the reply of one chat request share it
(the hub is listed once per request without the cache, not at all with a warm one)."""
from __future__ import annotations

import pytest

from audit.store import open_store
from bot.app import make_interpreter, vocabulary_source
from bot.identity import Actor
from bot.pipeline import Pipeline, Request
from bot.policy import default_policy
from bot.settings import Settings
from tests.cache.cache_helpers import running, wait_for
from tools.embedded import EmbeddedFleet


@pytest.fixture(scope="module")
def demo_fleet():
    yield from running(EmbeddedFleet())


@pytest.fixture
def pipeline(demo_fleet, tmp_path):
    _emb, fleet = demo_fleet
    store = open_store(tmp_path / "fleetops.db")
    pipe = Pipeline(store, fleet, make_interpreter(Settings(llm="offline")), default_policy(),
                    vocabulary=vocabulary_source(fleet))
    yield pipe
    store.close()


def _ask(pipe: Pipeline, text: str):
    return pipe.handle(Request(actor=Actor("U0ALICE"), text=text, channel="C0CACHE"))


def test_one_chat_request_lists_the_hub_once(demo_fleet, pipeline, calls):
    emb, fleet = demo_fleet
    len(fleet.members)  # the member names ("auto") are resolved once, on first use: not part of a request
    one_snapshot = calls.count(fleet.snapshot_direct)
    hub_per_snapshot = calls.by_cluster[emb.hub]
    reply = None

    def ask():
        nonlocal reply
        reply = _ask(pipeline, "list clusters")

    calls.count(ask)
    assert reply.kind == "result"
    assert calls.by_cluster[emb.hub] == hub_per_snapshot
    assert one_snapshot > 0


def test_with_a_warm_cache_a_chat_request_makes_no_api_call(demo_fleet, pipeline, calls):
    _emb, fleet = demo_fleet
    fleet.start_cache(wait=30)
    try:
        wait_for(fleet.cache.watching, "every hub watch open")
        _ask(pipeline, "list clusters")  # reads the members that hold deployments once
        reply = None

        def ask():
            nonlocal reply
            reply = _ask(pipeline, "list clusters")

        assert calls.count(ask) == 0
        assert reply.kind == "result"
        assert reply.notices == []
    finally:
        fleet.stop_cache()
