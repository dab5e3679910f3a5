"""Answers over a 5,000-cluster fleet (built in memory from the demo fleet, no server): placement and
inventory summarise in text and in Slack, within Block Kit's limits, and the full lists stay available."""
from __future__ import annotations

import json

import pytest

from bot.slack import blocks as B
from bot.slack.results import clusters_message, full_list_messages, placement_message, wants_full
from tests.snapshot_from_yaml import demo_fleet_raw, snapshot_from_raw
from tools import list_clusters
from tools.catalog import default_catalog
from tools.fleet.models import FleetSnapshot
from tools.placement import plan_placement

COPIES = 358  # × the demo's 14 clusters: 5,012


@pytest.fixture(scope="module")
def big():
    base = snapshot_from_raw(demo_fleet_raw())
    clusters = [c.model_copy(update={"name": f"{c.name}-{i}"}) for i in range(COPIES) for c in base.clusters]
    return FleetSnapshot(clusters=clusters, deployments=[])


def slack_ok(msg: dict) -> None:
    """Block Kit limits (bot/slack/blocks.py): 50 blocks, 3,000 characters per text, 3,000 fallback."""
    assert len(msg["blocks"]) <= B.MAX_BLOCKS
    assert len(msg["text"]) <= B.MAX_FALLBACK
    for block in msg["blocks"]:
        assert len(json.dumps(block)) < 12_000
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= B.MAX_TEXT
        if block["type"] == "context":
            assert len(block["elements"]) <= B.MAX_CONTEXT


@pytest.mark.parametrize("prefer", ["cost", "capacity", "spread"])
def test_placement_over_5000_clusters_summarises(big, prefer):
    p = plan_placement(big, default_catalog(), {"model": "phi-4", "count": 3, "prefer": prefer})
    assert p.ok
    assert p.summarised
    text = p.render()
    assert len(text.splitlines()) < 60


def test_placement_groups_add_up(big):
    p = plan_placement(big, default_catalog(), {"model": "phi-4", "count": 3})
    assert sum(g.count for g in p.rejection_groups()) == len(big.clusters) - 3


def test_placement_full_list_on_request(big):
    p = plan_placement(big, default_catalog(), {"model": "phi-4", "count": 3})
    assert len(p.render(full=True).splitlines()) > len(big.clusters)


def test_placement_slack_message_within_limits(big):
    p = plan_placement(big, default_catalog(), {"model": "phi-4", "count": 3, "environment": "prod"})
    slack_ok(placement_message(p))


def test_placement_slack_message_names_the_groups(big):
    p = plan_placement(big, default_catalog(), {"model": "phi-4", "count": 3, "environment": "prod"})
    text = json.dumps(placement_message(p)["blocks"])
    assert f"{p.rejection_groups()[0].count:,}" in text


def test_nothing_fits_over_5000_clusters_within_limits(big):
    p = plan_placement(big, default_catalog(), {"model": "deepseek-r1-0528", "count": 3, "gpu": "L4"})
    assert not p.ok
    slack_ok(placement_message(p))


def test_inventory_over_5000_clusters_summarises(big):
    result = list_clusters.run(big, {})
    assert result.summarised
    assert len(result.render().splitlines()) < 40


def test_inventory_full_list_on_request(big):
    result = list_clusters.run(big, {})
    assert len(result.render(full=True).splitlines()) > len(big.clusters)


def test_inventory_slack_message_within_limits(big):
    slack_ok(clusters_message(list_clusters.run(big, {})))


def test_slack_all_is_stripped_from_the_request():
    assert wants_full("list clusters --all") == (True, "list clusters")
    assert wants_full("list all clusters") == (False, "list all clusters")


def test_slack_summary_says_how_to_see_all(big):
    p = plan_placement(big, default_catalog(), {"model": "phi-4", "count": 3})
    assert "--all" in json.dumps(placement_message(p)["blocks"])


def test_slack_full_list_every_rejection_within_limits(big):
    p = plan_placement(big, default_catalog(), {"model": "phi-4", "count": 3})
    parts = full_list_messages("plan_placement", p)
    for part in parts:
        slack_ok(part)
    text = "".join(b["text"]["text"] for part in parts for b in part["blocks"] if b["type"] == "section")
    assert all(f"{r.cluster} " in text for r in p.rejected)


def test_slack_full_inventory_within_limits(big):
    parts = full_list_messages("list_clusters", list_clusters.run(big, {}))
    for part in parts:
        slack_ok(part)
    text = "".join(b["text"]["text"] for part in parts for b in part["blocks"] if b["type"] == "section")
    assert all(f"{c.name} " in text for c in big.clusters)


def test_slack_no_full_list_for_a_small_answer():
    assert full_list_messages("list_clusters", list_clusters.run(snapshot_from_raw(demo_fleet_raw()), {})) == []
