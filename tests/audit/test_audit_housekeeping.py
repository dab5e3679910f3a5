"""Delivery ids are forgotten after Slack's retry window, and only then."""
from datetime import UTC, datetime, timedelta

import pytest

from audit.housekeeping import Housekeeper, prune_deliveries

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def keys(store):
    with store.database.read() as conn:
        return sorted(r[0] for r in conn.execute("SELECT key FROM deliveries"))


def test_prunes_only_ids_older_than_the_window(store):
    store.claim_delivery("slack-event:Ev_old", now=T0 - timedelta(hours=2))
    store.claim_delivery("slack-event:Ev_recent", now=T0 - timedelta(minutes=10))
    assert prune_deliveries(store.database, now=T0) == 1
    assert keys(store) == ["slack-event:Ev_recent"]
    assert not store.claim_delivery("slack-event:Ev_recent", now=T0)  # a retry inside the window is still a repeat


def test_a_pruned_id_is_new_again(store):
    store.claim_delivery("slack-event:Ev1", now=T0 - timedelta(hours=3))
    prune_deliveries(store.database, now=T0)
    assert store.claim_delivery("slack-event:Ev1", now=T0)


def test_keep_must_be_positive(store):
    with pytest.raises(ValueError, match="positive"):
        prune_deliveries(store.database, now=T0, keep=timedelta(0))


def test_housekeeper_prunes_on_start_and_stops(store):
    store.claim_delivery("slack-event:Ev_old", now=T0 - timedelta(hours=2))
    hk = Housekeeper(store.database, interval=3600, clock=lambda: T0).start()
    hk.stop()
    assert keys(store) == []
    assert hk.run_once() == 0
