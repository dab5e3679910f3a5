"""Adapter writes and errors: server-side apply with field manager ``fleetops``, conflicts retried,
schema/CEL rejections as ``FleetInvalid``, and unreachable/forbidden/config errors that name what to fix."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from tools import manifests as mf
from tools.embedded import EmbeddedFleet
from tools.fleet import conventions as cv
from tools.fleet.adapter import Fleet
from tools.fleet.errors import FleetConfigError, FleetConflict, FleetForbidden, FleetInvalid, FleetUnreachable
from tools.fleet.kube import KubeConfig, retry_conflicts


def _fields(obj: dict) -> dict[str, dict]:
    return {(m["manager"], m["operation"]): m["fieldsV1"] for m in obj["metadata"].get("managedFields") or []}


def test_apply_creates_then_updates_with_field_manager_fleetops(own):
    _, fleet = own
    ns = mf.namespace("writes-a")
    created = fleet.apply(ns)
    assert created["metadata"]["labels"][cv.MANAGED_BY_LABEL] == "fleetops"
    owned = _fields(created)
    assert ("fleetops", "Apply") in owned
    assert f"f:{cv.DEPLOYMENT_LABEL}" in owned[("fleetops", "Apply")]["f:metadata"]["f:labels"]
    rv1 = created["metadata"]["resourceVersion"]
    ns["metadata"]["labels"]["extra"] = "yes"
    updated = fleet.apply(ns)
    assert updated["metadata"]["labels"]["extra"] == "yes"
    assert updated["metadata"]["resourceVersion"] != rv1
    assert "f:extra" in _fields(updated)[("fleetops", "Apply")]["f:metadata"]["f:labels"]
    # dropping a field fleetops applied removes it (apply sends complete objects)
    del ns["metadata"]["labels"]["extra"]
    again = fleet.apply(ns)
    assert "extra" not in again["metadata"]["labels"]


def test_apply_kaito_object_and_placement_are_stored_as_sent(own):
    _, fleet = own
    fleet.apply(mf.namespace("writes-b"))
    ws = mf.kaito_object("writes-b", "writes-b-r1", "microsoft/phi-4", "Standard_NC24ads_A100_v4", 1, 1)
    got = fleet.apply(ws)
    assert got["resource"]["instanceType"] == "Standard_NC24ads_A100_v4"
    assert ("fleetops", "Apply") in _fields(got)
    dry = fleet.apply(mf.placement("writes-b", ["aks-eastus-prod-1"]), dry_run=True)
    assert dry["spec"]["policy"]["clusterNames"] == ["aks-eastus-prod-1"]
    from tools.fleet.kube import Ref
    assert fleet.get(Ref("ClusterResourcePlacement", "writes-b")) is None  # a dry run stores nothing


def test_conflict_is_retried_until_the_writer_rereads(own):
    _, fleet = own
    fleet.apply(mf.namespace("writes-c"))
    attempts = []

    def write():  # read-modify-write with the resourceVersion as precondition
        live = fleet.hub.get("Namespace", "writes-c")
        attempts.append(live["metadata"]["resourceVersion"])
        if len(attempts) == 1:  # someone else writes between our read and our write: a real 409
            fleet.hub.merge_patch("Namespace", "writes-c", {"metadata": {"labels": {"other": "x"}}})
        return fleet.hub.merge_patch("Namespace", "writes-c", {"metadata": {
            "labels": {"n": str(len(attempts))}, "resourceVersion": live["metadata"]["resourceVersion"]}})

    out = retry_conflicts(write, pause=0.001)
    assert len(attempts) == 2 and attempts[0] != attempts[1]
    assert out["metadata"]["labels"]["n"] == "2" and out["metadata"]["labels"]["other"] == "x"
    # a conflict that never goes away surfaces as FleetConflict (naming the object) after the attempts
    calls = []

    def always():
        calls.append(1)
        return fleet.hub.merge_patch("Namespace", "writes-c", {"metadata": {"resourceVersion": attempts[0]}})

    with pytest.raises(FleetConflict, match="writes-c") as err:
        retry_conflicts(always, attempts=3, pause=0.001)
    assert len(calls) == 3 and err.value.cluster == own[0].hub


def test_revision_record_survives_a_racing_writer(own):
    """Two writers recording revisions of one deployment at once: both records land (409s retried)."""
    _, fleet = own
    from concurrent.futures import ThreadPoolExecutor

    from tools.fleet.models import Revision

    revs = [Revision(revision=i, model="microsoft/phi-4", instance_type="g5.xlarge", clusters=["c"])
            for i in range(1, 9)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda r: fleet.record_revision("writes-race", r), revs))
    assert [r.revision for r in fleet.revisions("writes-race")] == list(range(1, 9))


def test_workspace_without_resource_on_a_member_is_invalid_naming_the_field(own):
    _, fleet = own
    member = "aks-eastus-prod-1"
    ws = mf.kaito_object("phi4-chat", "writes-bad", "microsoft/phi-4", "Standard_NC24ads_A100_v4", 1, 1)
    del ws["resource"]
    with pytest.raises(FleetInvalid) as err:
        fleet.members[member].apply(ws)
    e = err.value
    assert e.cluster == member and e.resource == "Workspace" and e.name == "writes-bad"
    assert "resource" in e.api_message and "Required" in e.api_message
    assert any(c.get("field") == "resource" for c in e.causes)
    assert f"'{member}'" in str(e) and "writes-bad" in str(e)


def test_placement_breaking_a_cel_rule_on_the_hub_is_invalid(own):
    emb, fleet = own
    crp = mf.placement("writes-d", ["aks-eastus-prod-1"])
    crp["spec"]["policy"]["numberOfClusters"] = 2  # not allowed with PickFixed (CEL x-kubernetes-validations)
    with pytest.raises(FleetInvalid) as err:
        fleet.apply(crp)
    e = err.value
    assert e.cluster == emb.hub and e.resource == "ClusterResourcePlacement"
    assert "numberOfClusters" in e.api_message and "PickFixed" in e.api_message
    assert any(c.get("field") == "spec.policy" for c in e.causes)


def test_missing_kubeconfig_or_context_is_a_config_error(own, tmp_path):
    emb, _ = own
    missing = tmp_path / "nope.kubeconfig"
    with pytest.raises(FleetConfigError, match=str(missing)):
        Fleet.from_kubeconfig(missing)
    with pytest.raises(FleetConfigError) as err:
        Fleet.from_kubeconfig(emb.kubeconfig_path, "no-such-context")
    assert "no-such-context" in str(err.value) and emb.hub in str(err.value)  # lists the contexts there
    with pytest.raises(FleetConfigError, match="not-a-context"):
        Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, {"aks-eastus-prod-1": "not-a-context"})
    broken = tmp_path / "broken.kubeconfig"
    broken.write_text("apiVersion: v1\nkind: Config\ncontexts: []\nclusters: []\nusers: []\n")
    with pytest.raises(FleetConfigError):
        Fleet.from_kubeconfig(broken)


def test_stopped_fleet_is_unreachable_naming_cluster_and_endpoint():
    emb = EmbeddedFleet().start()
    fleet = Fleet.from_kubeconfig(emb.kubeconfig_path, emb.hub, "auto")
    try:
        hub_endpoint = fleet.hub.endpoint
        member = fleet.members["aks-westus3-prod-1"]
        emb.stop()
        with pytest.raises(FleetUnreachable) as err:
            fleet.snapshot()
        assert err.value.cluster == emb.hub and err.value.endpoint == hub_endpoint
        assert emb.hub in str(err.value) and hub_endpoint in str(err.value)
        with pytest.raises(FleetUnreachable) as err:
            member.get("Workspace", "x", "y")
        assert err.value.cluster == "aks-westus3-prod-1" and member.endpoint in str(err.value)
        # the executor's member reads degrade to a state instead of raising
        s = fleet.member_state("aks-westus3-prod-1", "llama-support", "InferenceSet", "llama-support-r1")
        assert (s.state, s.reason) == ("Unknown", "Unreachable")
    finally:
        fleet.close()
        emb.stop()


class _StatusServer:
    """A stdlib HTTP server answering every request with one Kubernetes Status error."""

    def __init__(self, code: int):
        body = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
                           "reason": "Forbidden" if code == 403 else "Unauthorized",
                           "message": 'workspaces.kaito.sh is forbidden: User "bot" cannot list resource '
                                      '"workspaces" in API group "kaito.sh"' if code == 403 else "Unauthorized"}).encode()
        self.requests: list[tuple[str, str]] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def _answer(self):
                outer.requests.append((self.command, self.path))
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _answer

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def kubeconfig(self, path, context: str = "locked"):
        path.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": context, "cluster": {"server": self.url}}],
            "users": [{"name": "bot", "user": {"token": "not-a-secret"}}],
            "contexts": [{"name": context, "context": {"cluster": context, "user": "bot"}}]}))
        return path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("code", [403, 401])
def test_forbidden_names_verb_resource_and_cluster(tmp_path, code):
    srv = _StatusServer(code)
    try:
        kc = KubeConfig(srv.kubeconfig(tmp_path / "kc"))
        kube = kc.client("locked", "locked")
        with pytest.raises(FleetForbidden) as err:
            kube.list("Workspace", "team-a")
        e = err.value
        assert (e.cluster, e.verb, e.resource) == ("locked", "get/list", "Workspace")
        assert "get/list Workspace" in str(e) and "'locked'" in str(e) and "ClusterRole" in str(e)
        if code == 403:
            assert "cannot list resource" in str(e)  # the server's own explanation is kept
        else:
            assert "credentials were refused" in str(e)
        with pytest.raises(FleetForbidden) as err:
            kube.apply(mf.namespace("x"))
        assert err.value.verb == "patch" and err.value.resource == "Namespace"
        with pytest.raises(FleetForbidden) as err:
            kube.delete("ClusterResourcePlacement", "x")
        assert err.value.verb == "delete"
        with pytest.raises(FleetForbidden):  # the whole adapter, from a kubeconfig, fails the same way
            Fleet.from_kubeconfig(tmp_path / "kc")
        assert srv.requests and all(p.startswith(("/api", "/apis")) for _, p in srv.requests)
    finally:
        srv.close()
