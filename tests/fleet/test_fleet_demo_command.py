"""``fleetops demo-fleet`` serves the demo fleet; its kubeconfig works with the official client, the adapter
and kubectl (kubectl part skipped when it is not installed)."""
from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from kubernetes import client, config

from tests.snapshot_from_yaml import demo_fleet_raw
from tools.fleet import conventions as cv
from tools.fleet.adapter import Fleet

ROOT = Path(__file__).resolve().parents[2]
SWEDEN = "aks-swedencentral-prod-1"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``python -m bot demo-fleet`` in a subprocess: its kubeconfig path while it runs."""
    kubeconfig = tmp_path_factory.mktemp("demo-fleet") / "kubeconfig"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEETOPS_", "KUBECONFIG"))}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "demo-fleet", "--ready-delay", "0",
                             "--kubeconfig", str(kubeconfig)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout] + [lines.put("")], daemon=True).start()
    seen = ""
    try:
        while "Ctrl-C" not in seen:
            line = lines.get(timeout=120)
            if line == "":
                raise AssertionError(f"demo-fleet ended early:\n{seen}")
            seen += line
        assert str(kubeconfig) in seen
        yield kubeconfig
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_official_client_lists_14_member_clusters_with_demo_labels(served):
    raw = demo_fleet_raw()
    api = config.new_client_from_config(config_file=str(served), context=raw["hub"]["name"])
    try:
        mcs = {m["metadata"]["name"]: m for m in client.CustomObjectsApi(api).list_cluster_custom_object(
            cv.CLUSTER_GROUP, cv.CLUSTER_VERSION, "memberclusters")["items"]}
    finally:
        api.close()
    assert len(mcs) == 14 and sorted(mcs) == sorted(c["name"] for c in raw["clusters"])
    for c in raw["clusters"]:
        for fact, key in raw["labels"].items():
            assert mcs[c["name"]]["metadata"]["labels"][key] == c[fact]


def test_adapter_on_the_served_kubeconfig_sees_coder_assist_failing(served):
    raw = demo_fleet_raw()
    message = next(d for d in raw["deployments"] if d["name"] == "coder-assist")["status"][SWEDEN]["message"]
    fleet = Fleet.from_kubeconfig(served)  # current context = the hub; members found automatically
    try:
        assert len(fleet.members) == 14
        s = fleet.get_deployment("coder-assist").state_on(SWEDEN)
        assert (s.state, s.message) == ("Failed", message)
    finally:
        fleet.close()


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_lists_member_clusters_and_member_workspaces(served, tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}

    def kubectl(*args):
        res = subprocess.run(["kubectl", "--kubeconfig", str(served), "--cache-dir", str(tmp_path / "c"), *args],
                             capture_output=True, text=True, env=env, timeout=60)
        assert res.returncode == 0, res.stderr
        return [line.split() for line in res.stdout.strip().splitlines()]

    rows = kubectl("get", "memberclusters")
    assert rows[0][0] == "NAME"
    assert sorted(r[0] for r in rows[1:]) == sorted(c["name"] for c in demo_fleet_raw()["clusters"])
    rows = kubectl("get", "workspaces", "-A", "--context", SWEDEN)
    assert rows[0][:2] == ["NAMESPACE", "NAME"]
    assert [r[:2] for r in rows[1:]] == [["coder-assist", "coder-assist-r3"]]
