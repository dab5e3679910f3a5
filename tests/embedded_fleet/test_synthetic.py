"""Synthetic fleets: the generator's invariants, and ``fleetops demo-fleet --synthetic 50`` serving one."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path

import pytest

from tests.embedded_fleet.fleet_kube import CLUSTER, KAITO, PLACEMENT, Kube
from tools.catalog import default_catalog
from tools.embedded.fleetspec import FleetSpecError, parse_fleet
from tools.embedded.synthetic import synthetic_fleet

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("n", [3, 20, 50, 1000])
def test_synthetic_fleet_respects_capacity_and_eligibility(n):
    raw = synthetic_fleet(n, seed=7)
    spec = parse_fleet(raw)  # valid demo-fleet.yaml format, models and instance types from the catalog
    assert len(spec.clusters) == n
    assert 4 * n <= len(spec.deployments) <= 5 * n
    cat = default_catalog()
    used: dict[tuple[str, str], int] = defaultdict(int)
    clusters = {c.name: c for c in spec.clusters}
    for d in spec.deployments:
        last = d.current
        for c in d.clusters:
            used[(c, last.instance_type)] += cat.get(last.model).nodes_on(last.instance_type) * last.replicas
            assert clusters[c].heartbeat_age_minutes <= 5 and not clusters[c].taints, (d.name, c)
        assert len(d.clusters) == len(set(d.clusters)) >= 1
    for (c, sku), nodes in used.items():
        assert nodes <= clusters[c].gpu_capacity[sku], (c, sku)


def test_synthetic_fleet_is_varied_and_deterministic():
    raw = synthetic_fleet(50, seed=1)
    spec = parse_fleet(raw)
    assert {c.provider for c in spec.clusters} == {"azure", "aws"}
    assert {c.geo for c in spec.clusters} == {"us", "eu", "apac"}
    assert {c.environment for c in spec.clusters} == {"prod", "staging", "dev"}
    assert any(len(d.revisions) > 1 for d in spec.deployments)
    assert any(d.current.replicas > 1 for d in spec.deployments)
    assert any(s.state != "Ready" for d in spec.deployments for s in d.status.values())
    for c in spec.clusters:
        for sku, price in c.price_per_node_hour.items():
            assert 0.5 < price < 200 and sku in c.gpu_capacity
    assert synthetic_fleet(50, seed=1) == raw
    assert synthetic_fleet(50, seed=2) != raw


def test_fleet_file_errors_name_what_to_fix():
    raw = synthetic_fleet(3)
    raw["deployments"][0]["clusters"] = ["no-such-cluster"]
    with pytest.raises(FleetSpecError, match="no-such-cluster"):
        parse_fleet(raw)
    raw = synthetic_fleet(3)
    raw["deployments"][0]["revisions"][-1]["model"] = "acme/not-a-model"
    with pytest.raises(FleetSpecError, match="acme/not-a-model"):
        parse_fleet(raw)


def test_a_fleet_file_naming_a_cluster_twice_is_refused_with_its_name():
    raw = synthetic_fleet(3)
    raw["clusters"].append(dict(raw["clusters"][1]))
    with pytest.raises(FleetSpecError, match=raw["clusters"][1]["name"]):
        parse_fleet(raw)


def _lines(proc: subprocess.Popen) -> queue.Queue[str]:
    out: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            out.put(line)
        out.put("")

    threading.Thread(target=pump, daemon=True).start()
    return out


def _read_until(lines: queue.Queue[str], marker: str, timeout: float) -> str:
    seen = ""
    while marker not in seen:
        line = lines.get(timeout=timeout)
        if line == "":
            raise AssertionError(f"process ended before {marker!r}:\n{seen}")
        seen += line
    return seen


def test_demo_fleet_command_serves_a_synthetic_fleet_of_50(tmp_path):
    kubeconfig = tmp_path / "demo.kubeconfig"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEETOPS_", "KUBECONFIG"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo-fleet", "--synthetic", "50", "--ready-delay", "0",
         "--kubeconfig", str(kubeconfig)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = _lines(proc)
        banner = _read_until(lines, "Press Ctrl-C", timeout=120)
        assert str(kubeconfig) in banner and "kubectl --kubeconfig" in banner
        expected = parse_fleet(synthetic_fleet(50))
        hub = Kube(kubeconfig, "fleet-hub")
        try:
            assert len(hub.items(CLUSTER, "memberclusters")) == 50
            assert len(hub.items(PLACEMENT, "clusterresourceplacements")) == len(expected.deployments)
            snaps = hub.items(PLACEMENT, "clusterresourcesnapshots")
            assert len(snaps) == sum(len(d.revisions) for d in expected.deployments)
        finally:
            hub.close()
        d = next(d for d in expected.deployments if not d.status)
        member = Kube(kubeconfig, d.clusters[0])
        try:
            plural = "workspaces" if d.current.replicas == 1 else "inferencesets"
            assert len(member.items(KAITO, plural, namespace=d.name)) == 1
        finally:
            member.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert "stopped" in _read_until(lines, "stopped", timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_roster_is_the_list_of_clusters_with_room_in_fleet_order():
    from tools.embedded.synthetic import _Roster

    names = [f"c{i}" for i in range(40)]
    member = [i % 3 != 0 for i in range(40)]
    roster = _Roster(names, list(member))
    for pos in (1, 2, 5, 5, 39, 0):
        roster.remove(pos)
        member[pos] = False
    expected = [n for n, m in zip(names, member, strict=True) if m]
    assert [roster[i] for i in range(len(roster))] == expected
    assert list(roster) == expected
    with pytest.raises(IndexError):
        roster[len(expected)]

