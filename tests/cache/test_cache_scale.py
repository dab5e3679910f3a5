"""A warm ``list_clusters`` costs the same number of API calls (none) on 10 and on 200 clusters: the hub is
watched, not listed per request, and members are read only when something placed on them changed."""
from __future__ import annotations

from bot import toolbox
from tests.cache.cache_helpers import light_synthetic, running, wait_for
from tools.args import ListClustersArgs
from tools.context import ToolContext
from tools.embedded import EmbeddedFleet


def _warm_calls(n: int, tmp_path, calls) -> tuple[int, int]:
    """(calls of a warm list_clusters, clusters it listed) on a synthetic fleet of ``n``."""
    for _emb, fleet in running(EmbeddedFleet(light_synthetic(n, tmp_path / f"fleet-{n}.yaml"))):
        fleet.start_cache(wait=60)
        wait_for(fleet.cache.watching, "every hub watch open")

        def list_clusters(fleet=fleet):
            ctx = ToolContext(catalog=fleet.catalog, fleet=fleet)
            return toolbox.run("list_clusters", ListClustersArgs(), ctx)

        list_clusters()  # the first one reads the members that hold deployments
        shown = len(fleet.snapshot().clusters)
        return calls.count(list_clusters), shown
    raise AssertionError("the fleet did not start")


def test_warm_list_clusters_makes_as_many_api_calls_on_200_clusters_as_on_10(tmp_path, calls):
    small, small_shown = _warm_calls(10, tmp_path, calls)
    large, large_shown = _warm_calls(200, tmp_path, calls)
    assert (small_shown, large_shown) == (10, 200)
    assert large == small
    assert large == 0


def test_wait_reads_returns_once_no_member_read_is_in_flight(cached):
    _emb, fleet = cached
    fleet.snapshot()
    assert fleet.cache.wait_reads(30)
    assert not fleet.cache._inflight
