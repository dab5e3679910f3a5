"""A snapshot's revision records are parsed only when read (``RevisionHistory``), and read exactly as before."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from tools.catalog import default_catalog
from tools.fleet import assemble as asm
from tools.fleet import conventions as cv
from tools.fleet import inventory as inv
from tools.fleet.models import Deployment, Revision, RevisionHistory, revision_numbers
from tools.messages import fleet as text


def _record(n: int, **extra) -> str:
    rev = Revision(revision=n, model="microsoft/phi-4", instance_type="Standard_NC24ads_A100_v4", clusters=["c1"],
                   manifests=[{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "chat"}}], **extra)
    return json.dumps(rev.model_dump(mode="json"), separators=(",", ":"))


def _configmap(records: dict[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": cv.revisions_configmap_name("chat"), "namespace": cv.REVISIONS_NAMESPACE,
                         "resourceVersion": "7"},
            "data": records}


CM = _configmap({"2": _record(2), "1": _record(1), "3": _record(3, status="in_progress", change_id="ch-9"),
                 "4": "{not json"})


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, raw: str) -> Revision:
        self.calls += 1
        return Revision.model_validate(json.loads(raw))


def test_numbers_are_known_without_parsing_a_record():
    load = Counting()
    history = RevisionHistory([(1, True, _record(1)), (2, True, _record(2))], load)
    assert history.numbers() == (1, 2)
    assert load.calls == 0


def test_records_are_parsed_once_on_first_read():
    load = Counting()
    history = RevisionHistory([(1, True, _record(1)), (2, True, _record(2))], load)
    list(history)
    history[0]
    assert load.calls == 2


def test_history_reads_as_the_records_a_person_is_shown():
    assert inv.revision_history(CM) == [inv._shown(r) for r in inv.revisions_from_configmap(CM)]


def test_unreadable_records_are_left_out_as_before():
    assert inv.revision_history(CM).numbers() == (1, 2, 3)


def test_a_record_not_carried_out_is_pending():
    assert inv.revision_history(CM).pending() == {3}


def test_the_last_carried_out_revision_skips_pending_ones():
    assert inv.revision_history(CM).last_carried_out() == 2


def test_a_pending_record_is_shown_with_its_note():
    note = inv.revision_history(CM)[2].note
    assert note == text.REVISION_IN_PROGRESS.format(change="ch-9")


def test_a_deployment_with_a_history_serializes_as_with_the_list():
    history = inv.revision_history(CM)
    lazy = Deployment(name="chat", model="m", instance_type="t", revisions=history)
    eager = Deployment(name="chat", model="m", instance_type="t", revisions=list(history))
    assert lazy.model_dump(mode="json") == eager.model_dump(mode="json")


def test_a_deployment_keeps_the_history_unparsed():
    load = Counting()
    history = RevisionHistory([(1, True, _record(1))], load)
    dep = Deployment(name="chat", model="m", instance_type="t", revisions=history)
    dep.model_copy(update={"replicas": 2})
    assert load.calls == 0


def test_a_list_given_to_a_deployment_stays_a_list():
    dep = Deployment(name="chat", model="m", instance_type="t", revisions=[Revision.model_validate_json(_record(1))])
    assert isinstance(dep.revisions, list)


def test_revision_numbers_of_a_list():
    assert revision_numbers([Revision.model_validate_json(_record(5))]) == (5,)


def test_an_assembled_snapshot_holds_unparsed_histories():
    hub = asm.HubObjects({"ConfigMap": [CM], "Namespace": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "chat", "labels": {cv.DEPLOYMENT_LABEL: "chat"}}}]})
    snap = asm.assemble(hub, {}, {}, default_catalog(), datetime.now(UTC))
    revisions = snap.deployments[0].revisions
    assert isinstance(revisions, RevisionHistory)
    assert revisions._items is None


def test_an_assembled_deployment_is_at_its_last_carried_out_revision():
    hub = asm.HubObjects({"ConfigMap": [CM], "Namespace": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "chat", "labels": {cv.DEPLOYMENT_LABEL: "chat"}}}]})
    snap = asm.assemble(hub, {}, {}, default_catalog(), datetime.now(UTC))
    assert snap.deployments[0].revision == 2
