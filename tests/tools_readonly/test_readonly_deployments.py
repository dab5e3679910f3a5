"""list_deployments, get_deployment and the plan_placement tool over the demo fleet."""
from __future__ import annotations

import json

import pytest

from bot import toolbox
from tests.snapshot_from_yaml import demo_fleet_raw
from tools import get_deployment, list_deployments, plan_placement
from tools.args import PlanPlacementArgs
from tools.catalog import default_catalog
from tools.context import ToolContext
from tools.errors import UnknownName

FLEET = demo_fleet_raw()
ENV = {c["name"]: c["environment"] for c in FLEET["clusters"]}
ROW_KEYS = {"name", "model", "instance_type", "replicas", "revision", "status", "clusters"}


def as_json(result):
    return json.loads(json.dumps(result.to_json()))


def status_by_hand(d):
    states = {(d.get("status") or {}).get(c, {}).get("state", "Ready") for c in d["clusters"]}
    return "failed" if "Failed" in states else "progressing" if states - {"Ready"} else "ready"


def by_hand(pred):
    return sorted(d["name"] for d in FLEET["deployments"] if pred(d))


def test_json_shape_and_rows(snapshot):
    j = as_json(list_deployments.run(snapshot))
    assert set(j) == {"deployments"}
    assert [d["name"] for d in j["deployments"]] == sorted(d["name"] for d in FLEET["deployments"])
    for row in j["deployments"]:
        assert set(row) >= ROW_KEYS
        raw = next(d for d in FLEET["deployments"] if d["name"] == row["name"])
        last = raw["revisions"][-1]
        assert (row["model"], row["instance_type"], row["replicas"], row["revision"]) == \
            (last["model"], last["instanceType"], last["replicas"], last["revision"])
        assert [c["cluster"] for c in row["clusters"]] == raw["clusters"]
        assert row["status"] == status_by_hand(raw)
        for c in row["clusters"]:
            assert {"cluster", "state", "reason", "message"} <= set(c)


@pytest.mark.parametrize("args, pred", [
    ({"model": "phi-4"}, lambda d: d["revisions"][-1]["model"] == "microsoft/phi-4"),
    ({"model": "qwen2.5-coder-32b-instruct"}, lambda d: d["revisions"][-1]["model"] == "Qwen/Qwen2.5-Coder-32B-Instruct"),
    ({"cluster": "aks-eastus-prod-1"}, lambda d: "aks-eastus-prod-1" in d["clusters"]),
    ({"environment": "staging"}, lambda d: any(ENV[c] == "staging" for c in d["clusters"])),
    ({"environment": "dev"}, lambda d: any(ENV[c] == "dev" for c in d["clusters"])),
    ({"environment": "prod"}, lambda d: any(ENV[c] == "prod" for c in d["clusters"])),
    ({"status": "failed"}, lambda d: status_by_hand(d) == "failed"),
    ({"status": "progressing"}, lambda d: status_by_hand(d) == "progressing"),
    ({"status": "ready"}, lambda d: status_by_hand(d) == "ready"),
    ({"environment": "prod", "status": "ready"},
     lambda d: status_by_hand(d) == "ready" and any(ENV[c] == "prod" for c in d["clusters"])),
])
def test_filters(snapshot, args, pred):
    got = [d.name for d in list_deployments.run(snapshot, args).deployments]
    assert got == by_hand(pred)
    assert got


def test_filter_examples(snapshot):
    assert [d.name for d in list_deployments.run(snapshot, {"status": "failed"}).deployments] == ["coder-assist"]
    assert [d.name for d in list_deployments.run(snapshot, {"environment": "staging"}).deployments] == \
        ["gemma-staging"]
    assert list_deployments.run(snapshot, {"model": "phi-4-mini-instruct"}).deployments == []  # rev 1 only


def test_unknown_cluster_filter(snapshot):
    with pytest.raises(UnknownName) as e:
        list_deployments.run(snapshot, {"cluster": "aks-eastus-prod-9"})
    assert e.value.name_kind == "cluster" and "aks-eastus-prod-1" in e.value.suggestions


def test_list_render(snapshot):
    text = list_deployments.run(snapshot).render()
    lines = text.splitlines()
    assert lines[0] == f"{len(FLEET['deployments'])} deployment(s)."
    assert lines[1].split()[:2] == ["DEPLOYMENT", "MODEL"]
    row = next(line for line in lines if line.startswith("coder-assist"))
    assert "aks-swedencentral-prod-1=Failed" in row and "failed" in row
    assert "\x1b" not in text and all(line == line.rstrip() for line in lines)
    assert list_deployments.run(snapshot, {"cluster": "aks-japaneast-prod-1"}).render() == \
        "No deployments match (cluster=aks-japaneast-prod-1)."


def test_get_deployment(snapshot):
    r = get_deployment.run(snapshot, {"name": "coder-assist"})
    d = as_json(r)["deployment"]
    assert d["revision"] == 3 and d["status"] == "failed"
    assert [(x["revision"], x["model"], x["instance_type"]) for x in d["revisions"]] == [
        (1, "Qwen/Qwen2.5-Coder-7B-Instruct", "Standard_NC24ads_A100_v4"),
        (2, "Qwen/Qwen2.5-Coder-7B-Instruct", "Standard_NC40ads_H100_v5"),
        (3, "Qwen/Qwen2.5-Coder-32B-Instruct", "Standard_NC40ads_H100_v5"),
    ]
    for rev in d["revisions"]:
        assert {"revision", "model", "instance_type", "replicas", "clusters", "applied_at"} <= set(rev)
    per = {c["cluster"]: c for c in d["clusters"]}
    assert per["aks-eastus-prod-2"]["state"] == "Ready"
    sw = per["aks-swedencentral-prod-1"]
    assert (sw["state"], sw["reason"]) == ("Failed", "InferenceNotReady")
    assert sw["message"].startswith("inference container restarted 6 times")
    text = r.render()
    assert text.splitlines()[0].startswith("Deployment coder-assist: Qwen/Qwen2.5-Coder-32B-Instruct")
    assert "CUDA out of memory" in text and "3 *" in text


def test_get_deployment_progressing_and_replicas(snapshot):
    d = get_deployment.run(snapshot, {"name": "gemma-staging"}).deployment
    assert d.status == "progressing" and d.replicas == 2 and d.kaito_kind == "InferenceSet"
    ne = next(c for c in d.clusters if c.cluster == "aks-northeurope-staging-1")
    assert (ne.state, ne.reason) == ("Progressing", "ResourceNotReady")
    assert [r.replicas for r in d.revisions] == [1, 2]


def test_get_deployment_unknown(snapshot):
    with pytest.raises(UnknownName) as e:
        get_deployment.run(snapshot, {"name": "phi4chat"})
    assert e.value.suggestions == ["phi4-chat"]
    assert "list_deployments" in str(e.value)


def test_plan_placement_tool(snapshot):
    r = plan_placement.run(snapshot, {"model": "phi 4", "count": 2, "geo": "eu", "prefer": "capacity"})
    assert r.model == "microsoft/phi-4" and r.prefer == "capacity" and r.ok
    same = toolbox.run("plan_placement", PlanPlacementArgs(model="phi-4", count=2, geo="eu", prefer="capacity"),
                       ToolContext.of_snapshot(snapshot, default_catalog()))
    assert same.to_json() == r.to_json()
    # eu: eks-eu-central-1 g6.12xlarge (24 L4 free, 20 after), then swedencentral: 8 H100 after on
    # NC40ads (9 - 1 nodes) and on ND96isr (2 - 1 nodes x 8); the tie goes to the cheaper NC40ads
    assert r.clusters == ["eks-eu-central-1-prod-1", "aks-swedencentral-prod-1"]
    assert r.chosen[1].instance_type == "Standard_NC40ads_H100_v5" and r.chosen[1].free_gpus_after == 8
    j = as_json(r)
    assert {"model", "chosen", "rejected"} <= set(j)
    assert {c["cluster"] for c in j["chosen"]} | {x["cluster"] for x in j["rejected"]} == set(ENV)
