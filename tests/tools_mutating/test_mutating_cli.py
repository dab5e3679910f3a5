"""``fleetops plan ... --json`` / ``fleetops tool ... --json`` shapes, and one clear message per bad argument.

Runs ``bot.cli.main`` in-process against the session's demo fleet (through FLEETOPS_KUBECONFIG, i.e. the
real-hub path of ``open_fleet``)."""
from __future__ import annotations

import json

import pytest

from bot import cli
from bot.settings import get_settings
from tests.snapshot_from_yaml import demo_fleet_raw
from tests.tools_mutating.mutating_helpers import assert_dry_run_accepts
from tools import runner
from tools.args import DeployArgs
from tools.plan import Plan

PLAN_KEYS = {"tool", "args", "hash", "actions", "manifests", "deletes", "diff", "gpu_delta", "cost_delta_per_hour"}


@pytest.fixture
def run(demo, monkeypatch, capsys):
    emb, _ = demo
    monkeypatch.setenv("FLEETOPS_KUBECONFIG", str(emb.kubeconfig_path))
    monkeypatch.setenv("FLEETOPS_HUB_CONTEXT", emb.hub)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    get_settings.cache_clear()

    def call(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    yield call
    get_settings.cache_clear()


def test_plan_json_shape(run, demo):
    code, out, err = run("plan", "deploy", "--model", "phi-4", "--count", "2", "--environment", "prod", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert set(data) >= PLAN_KEYS
    assert data["tool"] == "deploy" and data["args"] == {"model": "microsoft/phi-4", "count": 2, "environment": "prod"}
    assert len(data["hash"]) == 64 and data["strategy"] == "create"
    assert {a["cluster"] for a in data["actions"]} == set(data["clusters"]) and len(data["clusters"]) == 2
    assert all({"cluster", "action", "detail", "instance_type", "gpu_delta", "cost_delta_per_hour"} <= set(a)
               for a in data["actions"])
    assert data["manifests"][0]["kind"] == "Namespace" and data["deletes"] == []
    assert isinstance(data["diff"], str) and "create" in data["diff"]
    assert data["gpu_delta"] == sum(a["gpu_delta"] for a in data["actions"]) > 0
    # the same plan computed through the API has the same hash (deterministic over the same fleet)
    again = runner.plan("deploy", DeployArgs(model="phi-4", count=2, environment="prod"), demo[1])
    assert again.hash == data["hash"]


def test_plan_json_of_a_rollback_lists_the_deletes(run):
    code, out, _ = run("plan", "rollback", "--deployment", "coder-assist", "--json")
    data = json.loads(out)
    assert code == 0 and data["strategy"] == "blue_green"
    assert data["deletes"] == [{"apiVersion": "kaito.sh/v1beta1", "kind": "Workspace", "name": "coder-assist-r3",
                                "namespace": "coder-assist"}]
    assert data["cost_delta_per_hour"] == round(data["cost_delta_per_hour"], 2)


def test_plan_text_names_the_hash_and_per_cluster_actions(run):
    code, out, _ = run("plan", "undeploy", "--deployment", "mistral-eu")
    assert code == 0 and "mistral-eu" in out and "aks-westeurope-prod-1" in out and "plan hash:" in out


def test_tool_list_clusters_json_shape(run):
    code, out, err = run("tool", "list_clusters", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert sorted(c["name"] for c in data["clusters"]) == sorted(c["name"] for c in demo_fleet_raw()["clusters"])
    for c in data["clusters"]:
        assert {"name", "region", "geo", "environment", "provider", "eligible", "ineligible_reason", "gpus",
                "free_gpus", "taints", "deployments"} <= set(c)
        assert c["free_gpus"] == sum(p["free_gpus"] for p in c["gpus"])
        for p in c["gpus"]:
            assert {"instance_type", "gpu", "capacity_nodes", "used_nodes", "free_nodes", "free_gpus",
                    "price_per_node_hour"} <= set(p)


def test_tool_plan_placement_json_shape(run):
    code, out, _ = run("tool", "plan_placement", "--model", "phi-4", "--count", "2", "--geo", "eu", "--json")
    data = json.loads(out)
    assert code == 0 and data["model"] == "microsoft/phi-4" and data["count"] == 2 and data["ok"] is True
    assert len(data["chosen"]) == 2 and all(c["reason"] for c in data["chosen"])
    assert all(c["cluster"] in {x["name"] for x in demo_fleet_raw()["clusters"] if x["geo"] == "eu"}
               for c in data["chosen"])
    assert len(data["chosen"]) + len(data["rejected"]) == 14 and all(r["reason"] for r in data["rejected"])


@pytest.mark.parametrize("argv,code,needle", [
    (("plan", "deploy", "--model", "phi-5"), 2, "unknown model 'phi-5'"),
    (("plan", "deploy", "--model", "phi-4", "--count", "0"), 2, "count"),
    (("plan", "deploy", "--model", "phi-4", "--count", "two"), 2, "count"),
    (("plan", "deploy", "--model", "phi-4", "--name", "Bad_Name"), 2, "'Bad_Name' is not a valid name"),
    (("plan", "deploy", "--model", "phi-4", "--clusters", "aks_eastus"), 2, "'aks_eastus' is not a valid name"),
    (("plan", "undeploy", "--deployment", "-x-"), 2, "'-x-' is not a valid name"),
    (("plan", "deploy", "--model", "phi-4", "--clusters", "aks-eastus-prod-9"), 1, "no cluster named 'aks-eastus-prod-9'"),
    (("plan", "undeploy", "--deployment", "nope"), 1, "no deployment named 'nope'"),
    (("plan", "rollback", "--deployment", "coder-assist", "--to-revision", "9"), 1, "Available revisions: 1, 2, 3"),
    (("plan", "rollback"), 2, "deployment: is required"),
    (("tool", "list_clusters", "--gpu", "B200"), 2, "gpu: must be one of"),
])
def test_bad_arguments_give_one_clear_message(run, argv, code, needle):
    got, out, err = run(*argv)
    assert got == code
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], err
    assert out == ""


def test_misspelt_argument_name_lists_the_arguments(run):
    code, _, err = run("plan", "deploy", "--model", "phi-4", "--cluster", "aks-eastus-prod-1")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "no argument --cluster" in err and "--clusters" in err and "--replicas" in err


def test_bad_arguments_with_json_print_one_json_error(run):
    code, out, err = run("plan", "deploy", "--model", "phi-4", "--count", "0", "--json")
    assert code == 2
    assert json.loads(out) == {"error": "bad_arguments", "message": err.strip().removeprefix("error: ")}
    code, out, _ = run("plan", "deploy", "--model", "phi-4", "--clusters", "aks-eastus-prod-9", "--json")
    data = json.loads(out)
    assert code == 1 and data["error"] == "unknown_name" and "aks-eastus-prod-1" in data["suggestions"]


def test_every_plan_of_the_cli_passes_a_server_side_dry_run(run, demo):
    for argv in (("deploy", "--model", "phi-4", "--count", "2", "--environment", "prod"),
                 ("deploy", "--name", "llama-support", "--replicas", "3"),
                 ("deploy", "--name", "phi4-chat", "--gpu", "A10"),
                 ("rollback", "--deployment", "coder-assist"),
                 ("undeploy", "--deployment", "gemma-staging", "--clusters", "aks-northeurope-staging-1")):
        code, out, _ = run("plan", *argv, "--json")
        assert code == 0, argv
        data = json.loads(out)
        plan = Plan.model_validate({**data, "steps": data["steps"]})
        assert plan.manifests == data["manifests"]
        assert assert_dry_run_accepts(demo[1], plan) >= 1
