"""An embedded fleet (hub + two members) served over real HTTP on loopback, with a generated kubeconfig."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from kubernetes import client, config

from tests.embedded_api.api_objects import HUB, MEMBERS
from tools.embedded import kubeconfig
from tools.embedded.crds import load_types
from tools.embedded.schema import make_admit
from tools.embedded.server import ApiServer
from tools.embedded.store import NAMESPACE, Store

FLEET_GROUPS = ("cluster.kubernetes-fleet.io", "placement.kubernetes-fleet.io")


@dataclass
class Fleet:
    store: Store
    server: ApiServer
    kubeconfig: Path
    types: dict

    def api(self, context: str = HUB) -> client.ApiClient:
        return config.new_client_from_config(config_file=str(self.kubeconfig), context=context)

    def rt(self, group: str, plural: str):
        return self.types[(group, plural)]


def types_for(types: dict):
    members = {k: v for k, v in types.items() if k[0] not in FLEET_GROUPS}
    return lambda cluster: types if cluster == HUB else members


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Fleet:
    types = load_types()
    store = Store(admit=make_admit(types))
    for c in [HUB] + MEMBERS:
        store.add_cluster(c)
        for ns in ("default", "llm-serving"):
            store.create(c, NAMESPACE, None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    server = ApiServer(store, types_for(types)).start()
    path = kubeconfig.write(tmp_path_factory.mktemp("kube") / "kubeconfig", server, HUB, MEMBERS)
    yield Fleet(store, server, path, types)
    server.stop()


@pytest.fixture(scope="module")
def hub(fleet) -> client.ApiClient:
    return fleet.api(HUB)


@pytest.fixture(scope="module")
def member(fleet) -> client.ApiClient:
    return fleet.api(MEMBERS[0])
