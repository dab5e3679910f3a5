"""Lists in pages (``limit`` / ``continue``) through the real kubernetes client, as kubectl and the fleet cache
list; and ``Kube.list_pages`` reading a list page by page."""
from __future__ import annotations

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from tests.embedded_api.api_objects import HUB, workspace
from tools.fleet.errors import WatchExpired
from tools.fleet.kube import KubeConfig

KAITO = ("kaito.sh", "v1beta1")
NAMES = [f"page-{i}" for i in range(5)]


@pytest.fixture(scope="module")
def paged(hub):
    co = client.CustomObjectsApi(hub)
    for name in NAMES:
        obj = workspace(name)
        obj["metadata"]["labels"] = {"fleetops.test/paging": "yes"}
        co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", obj)
    return co


def _pages(co, limit: int) -> list[dict]:
    out, token = [], None
    while True:
        got = co.list_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", limit=limit,
                                               label_selector="fleetops.test/paging=yes", _continue=token)
        out.append(got)
        token = got["metadata"].get("continue")
        if not token:
            return out


def test_a_limited_list_is_cut_into_pages(paged):
    assert [len(p["items"]) for p in _pages(paged, 2)] == [2, 2, 1]


def test_the_pages_hold_every_item_once_in_order(paged):
    names = [o["metadata"]["name"] for p in _pages(paged, 2) for o in p["items"]]
    assert names == NAMES


def test_every_page_reports_the_first_pages_resource_version(paged):
    assert len({p["metadata"]["resourceVersion"] for p in _pages(paged, 2)}) == 1


def test_a_page_says_how_many_items_remain(paged):
    assert _pages(paged, 2)[0]["metadata"]["remainingItemCount"] == 3


def test_a_list_within_its_limit_has_no_continue(paged):
    assert "continue" not in _pages(paged, 10)[0]["metadata"]


def test_a_malformed_continue_token_is_a_bad_request(paged):
    with pytest.raises(ApiException) as e:
        paged.list_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", _continue="not-a-token")
    assert e.value.status == 400


def test_kube_list_pages_reads_the_list_in_pages(fleet, paged):
    kube = KubeConfig(fleet.kubeconfig).client(HUB, HUB)
    pages = list(kube.list_pages("Workspace", "llm-serving", "fleetops.test/paging", limit=2))
    assert [len(items) for items, _rv in pages] == [2, 2, 1]


def test_kube_list_versioned_returns_every_page(fleet, paged):
    kube = KubeConfig(fleet.kubeconfig).client(HUB, HUB)
    items, rv = kube.list_versioned("Workspace", "llm-serving", "fleetops.test/paging")
    assert ([o["metadata"]["name"] for o in items], bool(rv)) == (NAMES, True)


def test_an_expired_continue_token_asks_for_a_new_list(fleet):
    kube = KubeConfig(fleet.kubeconfig).client(HUB, HUB)
    with pytest.raises(WatchExpired):
        kube._raise(410, b'{"message": "continue token too old"}', "GET", "/apis/x", ("Workspace", ""))
