"""Assembling again only the deployments that changed (``reassemble_deployments``) gives what assembling every
deployment gives: the same deployments, nodes in use and deployments per cluster."""
from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from tests.cache.cache_helpers import running, wait_for
from tools.catalog import default_catalog
from tools.embedded import EmbeddedFleet
from tools.fleet import assemble as asm


@pytest.fixture(scope="module")
def hub() -> Iterator[asm.HubObjects]:
    for _emb, fleet in running(EmbeddedFleet()):
        cache = fleet.start_cache(wait=30)
        wait_for(cache.watching, "every hub watch open")
        yield cache.hub_objects()


def _names(objs: list[dict]) -> list[str]:
    return [o["metadata"]["name"] for o in objs]


def _hub_of(hub: asm.HubObjects):
    def of(name: str) -> asm.HubObjects:
        out = asm.HubObjects()
        for kind, objs in hub.by_kind.items():
            mine = [o for o in objs if asm.deployment_of(kind, o) == name]
            if mine:
                out.by_kind[kind] = mine
        return out
    return of


def _changed(hub: asm.HubObjects) -> tuple[asm.HubObjects, set[str]]:
    """A copy of ``hub`` with one placement moved, one deployment removed and one added (a copy of another)."""
    after = asm.HubObjects(copy.deepcopy(hub.by_kind))
    crps = after.by_kind["ClusterResourcePlacement"]
    moved, removed, model = crps[0], crps[1]["metadata"]["name"], crps[2]["metadata"]["name"]
    moved["spec"]["policy"]["clusterNames"] = moved["spec"]["policy"]["clusterNames"][:1] + ["aks-westus3-dev-1"]
    for kind in after.by_kind:
        after.by_kind[kind] = [o for o in after.by_kind[kind] if asm.deployment_of(kind, o) != removed]
    added = "added-copy"
    for kind in list(after.by_kind):
        for o in [o for o in after.by_kind[kind] if asm.deployment_of(kind, o) == model]:
            twin = copy.deepcopy(o)
            meta = twin["metadata"]
            if kind == "ConfigMap":
                meta["name"] = f"rev-{added}"
            elif kind in ("Namespace", "ClusterResourcePlacement"):
                meta["name"] = added
            else:
                meta["namespace"] = added
                meta.setdefault("labels", {})["fleetops.dev/deployment"] = added
            after.by_kind[kind].append(twin)
        after.by_kind[kind].sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
    return after, {moved["metadata"]["name"], removed, added}


@pytest.fixture(scope="module")
def both(hub):
    cat = default_catalog()
    memo = asm.Memo()
    before = asm.assemble_deployments(hub, {}, cat, memo)
    after, names = _changed(hub)
    again = asm.reassemble_deployments(before, names, _hub_of(after), {}, cat, memo)
    full = asm.assemble_deployments(after, {}, cat, asm.Memo())
    return before, again, full, names


def test_the_changes_change_the_deployments(both):
    before, _again, full, _names = both
    assert before.deployments != full.deployments


def test_the_same_deployments(both):
    _before, again, full, _names = both
    assert again.deployments == full.deployments


def test_the_same_nodes_in_use(both):
    _before, again, full, _names = both
    assert again.used == full.used


def test_the_same_deployments_per_cluster(both):
    _before, again, full, _names = both
    assert again.on_cluster == full.on_cluster


def test_deployments_that_did_not_change_are_the_same_objects(both):
    before, again, _full, names = both
    kept = next(d for d in before.deployments if d.name not in names)
    assert next(d for d in again.deployments if d.name == kept.name) is kept


def test_a_removed_deployment_is_gone(both):
    before, again, _full, names = both
    gone = before.deployments[1].name
    assert gone in names and gone not in {d.name for d in again.deployments}


def test_deployment_of_a_revision_record():
    assert asm.deployment_of("ConfigMap", {"metadata": {"name": "rev-chat"}}) == "chat"


def test_deployment_of_a_member_cluster_is_none():
    assert asm.deployment_of("MemberCluster", {"metadata": {"name": "aks-eastus-prod-1"}}) is None
