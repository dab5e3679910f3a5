"""The fast path of placement agrees with the explained one, and large answers summarise.

``Screen`` (no text, no options) must name exactly the filters ``evaluate`` names, in the same order,
and pick the same best option, on every cluster of a synthetic fleet and of the demo fleet, for
requests that exercise every filter. Over a large fleet ``render()`` groups the rejections by reason
(counts that add up, a few examples each) and ``render(full=True)`` still lists every one.
"""
from __future__ import annotations

import collections
import json

import pytest

from tests.snapshot_from_yaml import demo_fleet_raw, snapshot_from_raw
from tools.catalog import default_catalog
from tools.embedded.synthetic import synthetic_fleet
from tools.placement import best_option, plan_placement
from tools.placement_eval import Screen, evaluate
from tools.placement_rejections import OUTRANKED, group_key
from tools.placement_request import PlacementRequest
from tools.placement_result import EXAMPLES, SUMMARY_OVER

A100 = "Standard_NC24ads_A100_v4"


def roomy_synthetic(n: int):
    """A synthetic fleet with half its deployments gone (as generated, its GPUs are nearly all taken)."""
    raw = synthetic_fleet(n, seed=3)
    raw["deployments"] = raw["deployments"][::2]
    return snapshot_from_raw(raw)


@pytest.fixture(scope="module")
def fleets():
    return {"demo": snapshot_from_raw(demo_fleet_raw()), "synthetic": roomy_synthetic(150)}


def requests(snapshot):
    names = [c.name for c in snapshot.clusters]
    out = []
    for model in ("microsoft/phi-4", "llama-3.3-70b-instruct", "phi-4-mini-instruct"):
        for prefer in ("cost", "capacity", "spread"):
            out += [
                {"model": model, "prefer": prefer},
                {"model": model, "prefer": prefer, "replicas": 2, "environment": "prod", "geo": "us"},
                {"model": model, "prefer": prefer, "gpu": "A100", "max_cost_per_hour": 4},
                {"model": model, "prefer": prefer, "gpu": "H100", "instance_type": A100},
                {"model": model, "prefer": prefer, "instance_type": "g5.xlarge", "provider": "aws"},
                {"model": model, "prefer": prefer, "clusters": names[:5], "exclude": names[2:4]},
                {"model": model, "prefer": prefer, "replicas": 3,
                 "credit": {(n, A100): 2 for n in names[::4]}},
            ]
    return out


@pytest.mark.parametrize("fleet", ["demo", "synthetic"])
def test_screen_agrees_with_evaluate_on_every_cluster(fleets, fleet):
    snapshot, catalog = fleets[fleet], default_catalog()
    checked = fits = 0
    for raw in requests(snapshot):
        req = PlacementRequest.coerce(raw)
        model = catalog.resolve(req.model)
        screen = Screen(model, req)
        for c in snapshot.clusters:
            failed, best = screen(c)
            ev = evaluate(c, model, req)
            assert list(failed) == ev.failed, (raw, c.name)
            if not failed:
                assert screen.option(c, best) == best_option(ev.options, req.prefer), (raw, c.name)
                fits += 1
            checked += 1
    assert fits > 0 and checked > fits  # both paths were exercised


def test_small_answer_lists_every_rejection(fleets):
    p = plan_placement(fleets["demo"], default_catalog(), {"model": "phi-4", "count": 2})
    assert not p.summarised
    text = p.render()
    for r in p.rejected:
        assert f"{r.cluster}  " in text or text.endswith(r.cluster)


@pytest.fixture(scope="module")
def large():
    p = plan_placement(roomy_synthetic(150), default_catalog(), {"model": "microsoft/phi-4", "count": 3})
    assert p.rejected_count > SUMMARY_OVER
    return p


def test_groups_count_every_rejection_once(large):
    groups = large.rejection_groups()
    assert sum(g.count for g in groups) == len(large.rejected)


def test_groups_match_the_failed_filters(large):
    expected = collections.Counter(group_key(r.failed_filters) if r.failed_filters else (OUTRANKED,)
                                   for r in large.rejected)
    assert {tuple(g.filters): g.count for g in large.rejection_groups()} == dict(expected)


def test_group_examples_are_the_full_rejections(large):
    full = {r.cluster: r for r in large.rejected}
    for g in large.rejection_groups():
        assert 1 <= len(g.examples) <= EXAMPLES
        assert all(full[r.cluster] == r for r in g.examples)


def test_summary_is_short_and_says_how_to_see_all(large):
    text = large.render()
    assert len(text.splitlines()) < 60
    assert "--all" in text


def test_full_render_lists_every_rejection(large):
    lines = large.render(full=True).splitlines()
    listed = {line.split()[0] for line in lines[lines.index("Rejected:") + 1:] if line.startswith("  ")}
    assert {r.cluster for r in large.rejected} <= listed


def test_json_keeps_every_rejection_in_the_old_key_order(large):
    out = json.loads(json.dumps(large.to_json()))
    assert list(out)[:8] == ["model", "replicas", "count", "prefer", "filters", "chosen", "rejected", "suggestions"]
    assert len(out["rejected"]) == large.rejected_count
