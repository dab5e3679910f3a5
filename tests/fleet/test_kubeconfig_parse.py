"""Start-up: a fleet kubeconfig (one context per member) is parsed once, whatever the number of members."""
from __future__ import annotations

import kubernetes.config.kube_config as kube_config
import pytest
import yaml

from tools.fleet.errors import FleetConfigError
from tools.fleet.kube import KubeConfig

N = 40


def _kubeconfig(path, n):
    names = [f"member-{i}" for i in range(n)]
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "member-0",
        "clusters": [{"name": c, "cluster": {"server": f"https://127.0.0.1:{20000 + i}"}}
                     for i, c in enumerate(names)],
        "users": [{"name": c, "user": {"token": f"token-{i}"}} for i, c in enumerate(names)],
        "contexts": [{"name": c, "context": {"cluster": c, "user": c}} for c in names],
    }))
    return names


@pytest.fixture
def yaml_loads(monkeypatch):
    """How many times YAML is parsed (``yaml.load``: what ``safe_load`` and fleetops' own parse both call)."""
    calls = []
    real = kube_config.yaml.load

    def counting(stream, *a, **kw):
        calls.append(1)
        return real(stream, *a, **kw)

    monkeypatch.setattr(kube_config.yaml, "load", counting)
    return calls


def test_n_member_clients_cost_one_parse(tmp_path, yaml_loads):
    names = _kubeconfig(tmp_path / "kc", N)
    kc = KubeConfig(tmp_path / "kc")
    clients = [kc.client(name, name) for name in names]
    assert len(clients) == N
    assert len(yaml_loads) == 1


def test_each_client_talks_to_its_own_context(tmp_path):
    names = _kubeconfig(tmp_path / "kc", N)
    kc = KubeConfig(tmp_path / "kc")
    hosts = [kc.client(name, name).api.configuration.host for name in names]
    assert hosts == [f"https://127.0.0.1:{20000 + i}" for i in range(N)]


def test_each_client_carries_its_own_credentials(tmp_path):
    names = _kubeconfig(tmp_path / "kc", 3)
    kc = KubeConfig(tmp_path / "kc")
    tokens = [kc.client(name, name).api.configuration.api_key["BearerToken"] for name in names]
    assert tokens == ["Bearer token-0", "Bearer token-1", "Bearer token-2"]


def test_unknown_context_says_which_exist(tmp_path):
    _kubeconfig(tmp_path / "kc", 2)
    with pytest.raises(FleetConfigError, match="member-1"):
        KubeConfig(tmp_path / "kc").client("member-9", "member-9")
