"""kubectl against the embedded fleet through the generated kubeconfig (skipped without kubectl)."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml
from kubernetes import client

from tests.embedded_api.api_objects import HUB, MEMBERS, member_cluster, workspace

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")


@pytest.fixture(scope="module")
def kubectl(fleet, tmp_path_factory):
    home = tmp_path_factory.mktemp("kubectl-home")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "KUBECONFIG": str(fleet.kubeconfig)}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(["kubectl", "--cache-dir", str(home / "cache"), *args], input=stdin,
                              capture_output=True, text=True, env=env, timeout=60)
    return run


@pytest.fixture(scope="module", autouse=True)
def objects(fleet, hub, member):
    co = client.CustomObjectsApi(hub)
    co.create_cluster_custom_object("cluster.kubernetes-fleet.io", "v1beta1", "memberclusters",
                                    member_cluster("kc-member", **{"fleet.example.com/gpu": "true"}))
    mco = client.CustomObjectsApi(member)
    mco.create_namespaced_custom_object("kaito.sh", "v1beta1", "llm-serving", "workspaces", workspace("kc-ws"))
    cond = {"type": "ResourceReady", "status": "True", "reason": "R", "message": "",
            "lastTransitionTime": "2025-01-01T00:00:00Z"}
    mco.patch_namespaced_custom_object_status("kaito.sh", "v1beta1", "llm-serving", "workspaces", "kc-ws",
                                              {"status": {"conditions": [cond]}})


def _rows(out: str) -> list[list[str]]:
    return [line.split() for line in out.strip().splitlines()]


def test_get_memberclusters(kubectl):
    res = kubectl("get", "memberclusters")
    assert res.returncode == 0, res.stderr
    rows = _rows(res.stdout)
    assert rows[0][0] == "NAME" and "JOINED" in rows[0]
    assert "kc-member" in [r[0] for r in rows[1:]]


def test_get_workspaces_all_namespaces_on_a_member(kubectl):
    res = kubectl("get", "workspaces", "-A", "--context", MEMBERS[0])
    assert res.returncode == 0, res.stderr
    rows = _rows(res.stdout)
    assert rows[0][:3] == ["NAMESPACE", "NAME", "INSTANCE"] and "RESOURCEREADY" in rows[0]
    row = next(r for r in rows[1:] if r[1] == "kc-ws")
    assert row[0] == "llm-serving" and row[2] == "Standard_NC24ads_A100_v4" and row[3] == "True"


@pytest.mark.parametrize("args", [("get", "crp"), ("get", "ns"), ("get", "nodes"),
                                  ("get", "workspaces", "-n", "llm-serving", "-o", "yaml"),
                                  ("get", "fleet-cluster", "-o", "name")])
def test_other_gets_work(kubectl, args):
    res = kubectl(*args)
    assert res.returncode == 0, res.stderr


def test_apply_client_side_and_server_side(kubectl, fleet):
    manifest = yaml.safe_dump(workspace("kc-applied"))
    res = kubectl("apply", "-f", "-", stdin=manifest)
    assert res.returncode == 0, res.stderr
    assert "workspace.kaito.sh/kc-applied created" in res.stdout
    res = kubectl("apply", "-f", "-", stdin=manifest)
    assert "unchanged" in res.stdout, res.stdout + res.stderr

    ssa = workspace("kc-ssa")
    res = kubectl("apply", "--server-side", "-f", "-", stdin=yaml.safe_dump(ssa))
    assert res.returncode == 0, res.stderr
    assert "serverside-applied" in res.stdout
    stored = fleet.store.get(HUB, fleet.rt("kaito.sh", "workspaces"), "llm-serving", "kc-ssa")
    assert [(e["manager"], e["operation"]) for e in stored["metadata"]["managedFields"]] == [("kubectl", "Apply")]

    ssa["metadata"]["labels"]["fleet.example.com/model"] = "changed"
    res = kubectl("apply", "--server-side", "--field-manager", "someone-else", "-f", "-", stdin=yaml.safe_dump(ssa))
    assert res.returncode != 0 and "conflict" in res.stderr.lower()
    res = kubectl("apply", "--server-side", "--field-manager", "someone-else", "--force-conflicts", "-f", "-",
                  stdin=yaml.safe_dump(ssa))
    assert res.returncode == 0, res.stderr


def test_apply_rejects_invalid_objects_with_the_servers_message(kubectl):
    bad = workspace("kc-bad")
    bad["resource"]["labelSelector"] = "apps=kc-bad"
    res = kubectl("apply", "-f", "-", stdin=yaml.safe_dump(bad))
    assert res.returncode != 0
    assert "resource.labelSelector" in res.stderr and "must be of type object" in res.stderr
    typo = workspace("kc-typo")
    typo["resource"]["instanceTyp"] = "x"
    res = kubectl("apply", "-f", "-", stdin=yaml.safe_dump(typo))
    assert res.returncode != 0 and 'unknown field "resource.instanceTyp"' in res.stderr


def test_imperative_create_sends_protobuf_and_works(kubectl, fleet):
    res = kubectl("create", "secret", "generic", "hf-token", "-n", "llm-serving", "--from-literal=HF_TOKEN=abc",
                  "--context", MEMBERS[1])
    assert res.returncode == 0, res.stderr
    stored = fleet.store.get(MEMBERS[1], fleet.rt("", "secrets"), "llm-serving", "hf-token")
    assert stored["data"] == {"HF_TOKEN": "YWJj"} and stored["type"] == "Opaque"
    res = kubectl("create", "namespace", "Not_A_Label")
    assert res.returncode != 0 and "RFC 1123 label" in res.stderr
