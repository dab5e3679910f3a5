"""The store lends its own objects (events, ``peek``, ``scan``) and never changes a stored object in place."""
from __future__ import annotations

import copy

import pytest

from tools.embedded.controllers.index import ObjectIndex
from tools.embedded.errors import NotFound
from tools.embedded.store import CONFIGMAP, NAMESPACE, Store

C = "member-1"


def _store() -> Store:
    store = Store(terminating_namespaces=True)
    store.add_cluster(C)
    store.create(C, NAMESPACE, None, {"metadata": {"name": "llm"}})
    return store


def _cm(name: str, value: str = "1", **labels: str) -> dict:
    return {"metadata": {"name": name, "labels": dict(labels)}, "data": {"k": value}}


def _events(store: Store) -> list:
    seen: list = []
    store.subscribe(seen.append)
    return seen


def test_peek_is_the_stored_object_itself():
    store = _store()
    store.create(C, CONFIGMAP, "llm", _cm("a"))
    assert store.peek(C, CONFIGMAP, "llm", "a") is store.peek(C, CONFIGMAP, "llm", "a")


def test_get_is_a_copy():
    store = _store()
    store.create(C, CONFIGMAP, "llm", _cm("a"))
    store.get(C, CONFIGMAP, "llm", "a")["data"]["k"] = "changed"
    assert store.peek(C, CONFIGMAP, "llm", "a")["data"]["k"] == "1"


def test_peek_of_a_missing_object_is_not_found():
    with pytest.raises(NotFound):
        _store().peek(C, CONFIGMAP, "llm", "nope")


def _plain(store):
    return store


def _indexed(store):
    index = ObjectIndex(store)
    index.start()
    return index


@pytest.mark.parametrize("reader", [_plain, _indexed], ids=["store", "index"])
def test_scan_answers_as_list_does(reader):
    store = _store()
    view = reader(store)
    for name, tier in (("b", "x"), ("a", "x"), ("c", "y")):
        store.create(C, CONFIGMAP, "llm", _cm(name, tier=tier))
    assert view.scan(C, CONFIGMAP, "llm", label_selector="tier=x")[0] == \
        view.list(C, CONFIGMAP, "llm", label_selector="tier=x")[0]


def test_an_event_carries_the_stored_object():
    store = _store()
    seen = _events(store)
    store.create(C, CONFIGMAP, "llm", _cm("a"))
    assert seen[-1].obj is store.peek(C, CONFIGMAP, "llm", "a")


def test_a_replace_leaves_the_object_an_earlier_event_carried_as_it_was():
    store = _store()
    seen = _events(store)
    store.create(C, CONFIGMAP, "llm", _cm("a"))
    added = copy.deepcopy(seen[-1].obj)
    store.replace(C, CONFIGMAP, "llm", "a", _cm("a", "2"))
    assert seen[0].obj == added


def test_a_replace_event_carries_the_old_object():
    store = _store()
    seen = _events(store)
    store.create(C, CONFIGMAP, "llm", _cm("a"))
    store.replace(C, CONFIGMAP, "llm", "a", _cm("a", "2"))
    assert seen[-1].old is seen[0].obj


def test_marking_terminating_leaves_the_object_an_earlier_event_carried_as_it_was():
    store = _store()
    seen = _events(store)
    store.create(C, NAMESPACE, None, {"metadata": {"name": "doomed"}})
    added = copy.deepcopy(seen[-1].obj)
    store.delete(C, NAMESPACE, None, "doomed")
    assert seen[0].obj == added


def test_marking_terminating_stores_the_deletion():
    store = _store()
    store.create(C, NAMESPACE, None, {"metadata": {"name": "doomed"}})
    store.delete(C, NAMESPACE, None, "doomed")
    assert store.peek(C, NAMESPACE, None, "doomed")["metadata"].get("deletionTimestamp")


def test_a_deletion_leaves_the_object_an_earlier_event_carried_as_it_was():
    store = _store()
    seen = _events(store)
    store.create(C, CONFIGMAP, "llm", _cm("a"))
    added = copy.deepcopy(seen[-1].obj)
    store.delete(C, CONFIGMAP, "llm", "a")
    assert seen[0].obj == added


def test_a_deletion_event_has_its_own_resource_version():
    store = _store()
    seen = _events(store)
    store.create(C, CONFIGMAP, "llm", _cm("a"))
    store.delete(C, CONFIGMAP, "llm", "a")
    assert int(seen[-1].obj["metadata"]["resourceVersion"]) > int(seen[0].obj["metadata"]["resourceVersion"])


def test_a_no_op_replace_keeps_the_resource_version():
    store = _store()
    rv = store.create(C, CONFIGMAP, "llm", _cm("a"))["metadata"]["resourceVersion"]
    assert store.replace(C, CONFIGMAP, "llm", "a", _cm("a"))["metadata"]["resourceVersion"] == rv


def test_a_replace_that_changes_data_gets_a_new_resource_version():
    store = _store()
    rv = store.create(C, CONFIGMAP, "llm", _cm("a"))["metadata"]["resourceVersion"]
    assert store.replace(C, CONFIGMAP, "llm", "a", _cm("a", "2"))["metadata"]["resourceVersion"] != rv


def test_a_replace_that_changes_only_labels_gets_a_new_resource_version():
    store = _store()
    rv = store.create(C, CONFIGMAP, "llm", _cm("a"))["metadata"]["resourceVersion"]
    assert store.replace(C, CONFIGMAP, "llm", "a", _cm("a", tier="x"))["metadata"]["resourceVersion"] != rv


def test_uids_are_version_4_and_distinct():
    store = _store()
    uids = {store.create(C, CONFIGMAP, "llm", _cm(f"c{i}"))["metadata"]["uid"] for i in range(50)}
    assert len(uids) == 50 and all(u[14] == "4" for u in uids)
