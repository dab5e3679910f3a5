"""``fleetops manifests``: every object parses, has what a real API server requires (checked against the
``kubernetes`` client's models, which refuse a missing required field, and round-trip: an unknown or misspelt
field would be dropped), and is accepted by the embedded API server where it hosts the kind."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout

import pytest
import yaml
from kubernetes import client as k8s

from bot.cli import main
from bot.cli.k8s_manifests import RBAC_FILE
from bot.policy import load_policy

MODELS = {
    "Namespace": "V1Namespace", "ServiceAccount": "V1ServiceAccount", "ClusterRole": "V1ClusterRole",
    "ClusterRoleBinding": "V1ClusterRoleBinding", "Role": "V1Role", "RoleBinding": "V1RoleBinding",
    "ConfigMap": "V1ConfigMap", "PersistentVolumeClaim": "V1PersistentVolumeClaim",
    "Deployment": "V1Deployment", "Service": "V1Service",
}


def render(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["manifests", *args])
    return code, out.getvalue(), err.getvalue()


def objects(*args: str) -> list[dict]:
    code, out, _ = render(*args)
    assert code == 0
    return [d for d in yaml.safe_load_all(out) if d]


def one(objs: list[dict], kind: str, name: str | None = None) -> dict:
    found = [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


@pytest.mark.parametrize("mode", [(), ("--socket",), ("--namespace", "ops")])
def test_every_object_is_a_valid_object_of_its_kind(mode):
    api = k8s.ApiClient()
    for obj in objects(*mode):
        model = api.deserialize(json.dumps(obj), MODELS[obj["kind"]], "application/json")  # raises on a missing required field
        assert _drop_none(api.sanitize_for_serialization(model)) == obj, obj["kind"]


def test_http_mode_has_every_kind_in_apply_order():
    kinds = [o["kind"] for o in objects()]
    assert kinds[0] == "Namespace"
    assert kinds.index("ServiceAccount") < kinds.index("Deployment")
    assert set(kinds) == set(MODELS)


def test_socket_mode_has_no_service_and_reads_the_app_token():
    objs = objects("--socket")
    assert "Service" not in {o["kind"] for o in objs}
    env = {e["name"] for e in one(objs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "SLACK_APP_TOKEN" in env and "SLACK_SIGNING_SECRET" not in env


def test_deployment_runs_one_non_root_copy_with_probes_and_resources():
    spec = one(objects(), "Deployment")["spec"]
    pod = spec["template"]["spec"]
    c = pod["containers"][0]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["readinessProbe"]["httpGet"]["port"] in {p["name"] for p in c["ports"]}
    assert c["resources"]["requests"] and c["resources"]["limits"]


def test_deployment_references_the_claim_the_policy_and_the_secret():
    objs = objects()
    pod = one(objs, "Deployment")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == one(objs, "PersistentVolumeClaim")["metadata"]["name"]
    assert volumes["policy"]["configMap"]["name"] == one(objs, "ConfigMap")["metadata"]["name"]
    refs = {e["valueFrom"]["secretKeyRef"]["key"] for e in pod["containers"][0]["env"] if "valueFrom" in e}
    assert {"slack-bot-token", "slack-signing-secret", "llm-api-key"} <= refs
    assert "Secret" not in {o["kind"] for o in objs}  # referenced, never shipped: apply must not overwrite tokens


def test_service_selects_the_pods(tmp_path):
    objs = objects()
    labels = one(objs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert one(objs, "Service")["spec"]["selector"].items() <= labels.items()


def test_the_policy_config_map_is_a_valid_policy(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(one(objects(), "ConfigMap")["data"]["policy.yaml"])
    assert load_policy(path)


def test_the_rbac_is_the_shipped_hub_rbac():
    shipped = {(d["kind"], d["metadata"]["name"]): d.get("rules") for d in yaml.safe_load_all(RBAC_FILE.read_text())
               if d and d["kind"] in ("ClusterRole", "Role") and d["metadata"]["name"] != "fleetops-member-reader"}
    rendered = {(o["kind"], o["metadata"]["name"]): o.get("rules") for o in objects()
                if o["kind"] in ("ClusterRole", "Role")}
    assert rendered == shipped


def test_another_namespace_moves_the_service_account_not_the_revision_records():
    objs = objects("--namespace", "ops")
    assert one(objs, "ServiceAccount")["metadata"]["namespace"] == "ops"
    assert one(objs, "Deployment")["metadata"]["namespace"] == "ops"
    assert {o["metadata"]["name"] for o in objs if o["kind"] == "Namespace"} == {"ops", "fleetops-system"}
    assert one(objs, "Role", "fleetops-revisions")["metadata"]["namespace"] == "fleetops-system"
    subjects = [s for o in objs if o["kind"].endswith("Binding") for s in o["subjects"]]
    assert {s["namespace"] for s in subjects} == {"ops"}


def test_a_bad_namespace_is_one_line_saying_what_to_do():
    code, out, err = render("--namespace", "Not_A_Name")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1


def test_the_embedded_api_server_accepts_the_kinds_it_hosts(fresh):
    _, fleet = fresh
    hosted = [o for o in objects("--namespace", "ops") if o["kind"] in ("Namespace", "ConfigMap")]
    assert len(hosted) == 3
    for obj in hosted:
        assert fleet.hub.apply(obj)["metadata"]["name"] == obj["metadata"]["name"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_dry_run_server_accepts_the_kinds_the_embedded_server_hosts(fresh):
    emb, _ = fresh
    hosted = [o for o in objects() if o["kind"] in ("Namespace", "ConfigMap")]
    text = "".join("---\n" + yaml.safe_dump(o) for o in hosted)
    run = subprocess.run(["kubectl", "--kubeconfig", str(emb.kubeconfig_path), "--context", emb.hub, "apply",
                          "--dry-run=server", "-f", "-"], input=text, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "created (server dry run)" in run.stdout
