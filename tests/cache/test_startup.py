"""Start-up on a large fleet costs no per-member work before the first answer: the kubeconfig is parsed once
(linearly), member clients are built when a member is first read, and a first snapshot with more never-read
members than ``cold_limit`` does not wait for them (the hub's view stands in, marked as pending)."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml
from kubernetes.config.kube_config import KubeConfigMerger

from tests.cache.cache_helpers import running, wait_for
from tools.embedded import EmbeddedFleet
from tools.fleet import kube
from tools.fleet.adapter import Fleet
from tools.messages import fleet as text


@pytest.fixture(scope="module")
def demo():
    yield from running(EmbeddedFleet())


def test_member_clients_are_built_when_a_member_is_first_read(demo):
    emb, _ = demo
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")
    try:
        assert fleet.members.built() == []
        assert set(fleet.members) == set(emb.members)  # "auto": contexts named like MemberClusters
        assert fleet.members.built() == []
        assert fleet.members[emb.members[0]].list("Namespace") != []
        assert [k.cluster for k in fleet.members.built()] == [emb.members[0]]
    finally:
        fleet.close()


def test_auto_member_names_come_from_the_warm_cache_without_a_call(demo, calls):
    emb, _ = demo
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")
    try:
        fleet.start_cache(wait=30)
        assert calls.count(lambda: len(fleet.members)) == 0
        assert emb.members[1] in fleet.members
    finally:
        fleet.close()


def _entries(merger) -> dict:
    value = merger.config.value
    return {item: [(e.name, e.value, e.path) for e in value[item]] for item in ("clusters", "contexts", "users")} \
        | {"current-context": value.get("current-context")}


def test_the_one_parse_merges_as_the_client_does(demo, tmp_path):
    emb, _ = demo
    raw = yaml.safe_load(Path(emb.kubeconfig_path).read_text())
    second = tmp_path / "second"
    renamed = {**raw["contexts"][0], "context": {**raw["contexts"][0]["context"], "namespace": "elsewhere"}}
    second.write_text(yaml.safe_dump({**raw, "contexts": [renamed, {**raw["contexts"][1], "name": "extra"}],
                                      "current-context": "extra"}))
    paths = f"{emb.kubeconfig_path}:{second}"  # KUBECONFIG's list: the first file's entry wins a name
    assert _entries(kube._Merger(paths)) == _entries(KubeConfigMerger(paths))


def test_clients_from_the_narrowed_config_match_the_whole_one(demo):
    emb, _ = demo
    kc = kube.KubeConfig(Path(emb.kubeconfig_path))
    for context in [None, emb.hub, emb.members[0], emb.members[-1]]:
        ours = kc.client(context, "x").api.configuration
        whole = kube.k8s.Configuration()
        kube.KubeConfigLoader(config_dict=kc._merged.config, active_context=context).load_and_set(whole)
        assert (ours.host, ours.api_key, ours.verify_ssl, ours.ssl_ca_cert) == \
            (whole.host, whole.api_key, whole.verify_ssl, whole.ssl_ca_cert)


class _Held:
    """A member whose reads wait until released (a member still being read)."""

    def __init__(self, kube_: kube.Kube):
        self.kube, self.release = kube_, threading.Event()

    def list(self, *a, **kw):
        self.release.wait(60)
        return self.kube.list(*a, **kw)


def test_a_first_snapshot_with_many_unread_members_does_not_wait_for_them(demo):
    """More never-read members than ``cold_limit`` (here 0): the snapshot shows the hub's placement status,
    saying the member is still being read, serves that snapshot while the reads go on, then the members'."""
    emb, _ = demo
    hub_only = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "none")
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")
    try:
        dep, cluster = next((d, s.cluster) for d in hub_only.snapshot_direct().deployments for s in d.states
                            if s.reason == "HubView" and s.cluster in fleet.members)
        held = _Held(fleet.members[cluster])
        fleet.members[cluster] = held  # type: ignore[assignment]
        fleet.start_cache(wait=30, cold_limit=0, member_wait=60)
        try:
            first = fleet.snapshot()
            state = first.deployment(dep.name).state_on(cluster)
            assert (state.reason, state.message) == ("HubView", text.MEMBER_READ_PENDING)
            assert fleet.snapshot() is first  # the held member is still being read
        finally:
            held.release.set()
        wait_for(lambda: fleet.snapshot().deployment(dep.name).state_on(cluster).message != text.MEMBER_READ_PENDING,
                 "the member's own status")
        assert fleet.snapshot().deployment(dep.name).state_on(cluster).reason != "HubView"
    finally:
        fleet.close()
        hub_only.close()
