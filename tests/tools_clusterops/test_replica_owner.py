"""Who owns an autoscaled InferenceSet's replica count on the members: the HPA, not KubeFleet.

On the embedded fleet each member runs a simulated HPA (``emb.autoscaling.want`` says what its metrics ask
for) and KubeFleet's work applier re-applies the hub's manifest when a placed object drifts. Without the
ownership override the HPA's decision is undone; with ``autoscale`` applied it stays through a hub re-sync,
and ``enabled: false`` gives the count back to KubeFleet (the hub's)."""
from __future__ import annotations

import pytest

from tests.tools_clusterops.test_autoscale import ctx, execute, raw
from tools import autoscale, runner
from tools.fleet import conventions as cv
from tools.fleet.models import ObjectRef

DEP = "llama-support"


@pytest.fixture
def setup(fresh):
    emb, fleet = fresh
    d = raw(DEP)
    return emb, fleet, d["clusters"][0], cv.kaito_object_name(DEP, d["revision"]), d["replicas"]


def member_replicas(fleet, cluster, name):
    return fleet.members[cluster].get("InferenceSet", name, DEP)["spec"].get("replicas")


def replica_writes(emb, cluster, name) -> list[int]:
    """Every spec.replicas the member's InferenceSet takes from now on (who wrote it does not matter)."""
    seen: list[int] = []

    def watch(ev):
        if ev.cluster == cluster and ev.rtype.kind == "InferenceSet" and ev.obj["metadata"]["name"] == name \
                and ev.type == "MODIFIED" and ev.old is not None \
                and (ev.obj.get("spec") or {}).get("replicas") != (ev.old.get("spec") or {}).get("replicas"):
            seen.append((ev.obj.get("spec") or {}).get("replicas"))
    emb.store.subscribe(watch)
    return seen


def resync(emb, fleet, name, value):
    """Change the hub InferenceSet (an annotation): a new resource snapshot, re-applied on every member."""
    fleet.merge_patch(ObjectRef(apiVersion="kaito.sh/v1beta1", kind="InferenceSet", name=name, namespace=DEP),
                      {"metadata": {"annotations": {"fleetops.dev/resync": value}}})
    emb.wait_idle()


def test_without_the_override_kubefleet_undoes_the_hpa(setup):
    emb, fleet, cluster, name, hub_replicas = setup
    hpa = autoscale.hpa_manifest(DEP, name, 2, 5)
    fleet.apply(hpa)  # the HPA alone, as before this fix
    emb.wait_idle()
    writes = replica_writes(emb, cluster, name)
    emb.autoscaling.want(cluster, DEP, cv.hpa_name(DEP), 4)
    emb.wait_idle()
    assert writes == [4, hub_replicas]  # the HPA scaled to 4; KubeFleet put the hub's count back
    assert member_replicas(fleet, cluster, name) == hub_replicas


def test_with_autoscale_the_hpa_keeps_its_count_through_a_resync(setup):
    emb, fleet, cluster, name, hub_replicas = setup
    p = autoscale.TOOL.handler(ctx(fleet), {"deployment": DEP, "min_replicas": 2, "max_replicas": 5})
    assert execute(fleet, p).status == "succeeded"
    emb.wait_idle()
    emb.autoscaling.want(cluster, DEP, cv.hpa_name(DEP), 4)
    emb.wait_idle()
    assert member_replicas(fleet, cluster, name) == 4

    resync(emb, fleet, name, "1")
    member = fleet.members[cluster].get("InferenceSet", name, DEP)
    assert member["metadata"]["annotations"]["fleetops.dev/resync"] == "1"  # the re-sync reached the member
    assert member["spec"]["replicas"] == 4  # and left the HPA's count alone
    assert fleet.hub.get("InferenceSet", name, DEP)["spec"]["replicas"] == hub_replicas

    off = autoscale.TOOL.handler(ctx(fleet), {"deployment": DEP, "enabled": False})
    assert execute(fleet, off).status == "succeeded"
    emb.wait_idle()
    assert member_replicas(fleet, cluster, name) == hub_replicas  # KubeFleet's again: the hub's count


def test_a_later_update_keeps_the_hpa_in_charge(setup):
    emb, fleet, cluster, name, hub_replicas = setup
    p = autoscale.TOOL.handler(ctx(fleet), {"deployment": DEP, "min_replicas": 2, "max_replicas": 5})
    assert execute(fleet, p).status == "succeeded"
    emb.wait_idle()
    emb.autoscaling.want(cluster, DEP, cv.hpa_name(DEP), 4)
    emb.wait_idle()
    scale = runner.plan("deploy", {"name": DEP, "replicas": hub_replicas + 1}, fleet)
    assert scale.strategy == "in_place"
    assert not [d for d in scale.deletes if d.kind == "ResourceOverride"]  # the rule's override stays
    assert execute(fleet, scale).status == "succeeded"
    emb.wait_idle()
    assert fleet.hub.get("InferenceSet", name, DEP)["spec"]["replicas"] == hub_replicas + 1
    assert member_replicas(fleet, cluster, name) == 4  # still the HPA's


def test_a_blue_green_update_points_the_hpa_at_the_new_inferenceset(setup):
    emb, fleet, cluster, name, _ = setup
    p = autoscale.TOOL.handler(ctx(fleet), {"deployment": DEP, "min_replicas": 2, "max_replicas": 5})
    assert execute(fleet, p).status == "succeeded"
    emb.wait_idle()
    swap = runner.plan("deploy", {"name": DEP, "model": "microsoft/Phi-3-mini-4k-instruct"}, fleet)
    assert swap.strategy == "blue_green"
    new_name = next(m for m in swap.manifests if m["kind"] == "InferenceSet")["metadata"]["name"]
    assert new_name != name
    kinds = [(s.kind, s.manifest["kind"] if s.manifest else s.ref.kind if s.ref else None) for s in swap.steps]
    hpa_at = kinds.index(("apply", "HorizontalPodAutoscaler"))
    assert kinds.index(("wait_ready", "InferenceSet")) < hpa_at  # pointed there once the new side serves
    assert hpa_at < kinds.index(("delete", "InferenceSet"))  # and before the old side goes
    assert execute(fleet, swap, timeout=60).status == "succeeded"
    emb.wait_idle()
    hub_hpa = fleet.hub.get("HorizontalPodAutoscaler", cv.hpa_name(DEP), DEP)
    assert hub_hpa["spec"]["scaleTargetRef"]["name"] == new_name
    assert (hub_hpa["spec"]["minReplicas"], hub_hpa["spec"]["maxReplicas"]) == (2, 5)
    emb.autoscaling.want(cluster, DEP, cv.hpa_name(DEP), 4)
    emb.wait_idle()
    assert member_replicas(fleet, cluster, new_name) == 4  # the member's HPA scales the new InferenceSet
