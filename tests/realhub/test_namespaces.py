"""Namespaces as a real hub has them: one fleetops did not create is refused with its name and how to adopt
it (not "the fleet changed"); a Terminating one shows as ``removing`` and a deploy into it is refused."""
from __future__ import annotations

import pytest

from tools import runner
from tools.args import DeployArgs
from tools.errors import InvalidRequest
from tools.executor import Executor, NamespaceBeingRemoved, NamespaceNotManaged


def test_a_namespace_fleetops_did_not_create_is_refused_with_how_to_adopt_it(lagging):
    _emb, fleet = lagging
    args = DeployArgs(model="phi-4-mini", name="phi-9", clusters=["aks-westus3-staging-1"])
    plan = runner.plan("deploy", args, fleet)  # planned before the namespace appeared
    fleet.hub.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "phi-9"}})
    with pytest.raises(InvalidRequest) as at_plan:  # planned now: refused at once, with how to adopt it
        runner.plan("deploy", args, fleet)
    assert "Namespace phi-9" in str(at_plan.value)
    assert "adopt the existing namespace" in str(at_plan.value)  # how: ask again, adopting it (on the record)
    with pytest.raises(NamespaceNotManaged) as err:
        Executor(fleet, timeout=10, poll=0.05).apply(plan)
    assert "Namespace phi-9" in err.value.message
    assert "adopt the existing namespace" in err.value.message
    assert "changed since this plan was made" not in err.value.message
    assert fleet.hub.list("Workspace", "phi-9") == []  # nothing was applied
    assert fleet.hub.get("ClusterResourcePlacement", "phi-9") is None


def test_a_terminating_namespace_shows_removing_and_a_deploy_into_it_is_refused(lagging):
    emb, fleet = lagging
    hub = fleet.hub
    plan_before = runner.plan("deploy", DeployArgs(name="mistral-eu", replicas=2), fleet)
    ws = hub.list("Workspace", "mistral-eu")[0]["metadata"]["name"]
    hub.merge_patch("Workspace", ws, {"metadata": {"finalizers": ["example.com/hold"]}}, "mistral-eu")
    hub.delete("Namespace", "mistral-eu")
    emb.wait_idle()
    assert fleet.get_deployment("mistral-eu").status == "removing"
    with pytest.raises(InvalidRequest, match="is being removed"):  # an update of it is refused at plan time
        runner.plan("deploy", DeployArgs(name="mistral-eu", replicas=2), fleet)
    with pytest.raises(NamespaceBeingRemoved) as err:  # a plan made before the undeploy, at execute time
        Executor(fleet, timeout=10, poll=0.05).apply(plan_before)
    assert "Namespace mistral-eu is being removed" in err.value.message
    hub.merge_patch("Workspace", ws, {"metadata": {"finalizers": None}}, "mistral-eu")
    emb.wait_idle()
    assert hub.get("Namespace", "mistral-eu") is None


def test_a_deploy_into_a_terminating_namespace_waits_for_it_with_progress_then_creates(lagging):
    emb, fleet = lagging
    hub = fleet.hub
    dep = fleet.get_deployment("mistral-eu")
    ws = dep.kaito_name
    hub.merge_patch("Workspace", ws, {"metadata": {"finalizers": ["example.com/hold"]}}, "mistral-eu")
    hub.delete("ClusterResourcePlacement", "mistral-eu")
    hub.delete("Namespace", "mistral-eu")
    emb.wait_idle()
    assert fleet.get_deployment("mistral-eu").status == "removing"
    plan = runner.plan("deploy", DeployArgs(model=dep.model, name="mistral-eu", clusters=dep.clusters), fleet)
    assert plan.strategy == "create"
    assert plan.revision.revision == max(r.revision for r in dep.revisions) + 1  # the history continues
    events: list = []

    def on_event(e) -> None:  # the finalizer goes once the executor says it waits (no timing involved)
        events.append(e)
        if "still being removed" in e.message:
            hub.merge_patch("Workspace", ws, {"metadata": {"finalizers": None}}, "mistral-eu")

    out = Executor(fleet, timeout=30, poll=0.05, progress_every=0.2).apply(plan, on_event=on_event)
    assert any("namespace mistral-eu is still being removed" in e.message for e in events)
    assert out.status == "succeeded", out.message
    assert fleet.get_deployment("mistral-eu").revision == plan.revision.revision
