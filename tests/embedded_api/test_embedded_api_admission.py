"""Admission over HTTP: schema errors, CEL rules, pruning, Strict field validation, metadata checks."""
from __future__ import annotations

import copy

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from tests.embedded_api.api_objects import crp, member_cluster, status_of, workspace
from tools.embedded import schema
from tools.embedded.crds import load_types

KAITO = ("kaito.sh", "v1beta1")
PLACEMENT = ("placement.kubernetes-fleet.io", "v1beta1")
CLUSTER = ("cluster.kubernetes-fleet.io", "v1beta1")


def _rejected(call) -> dict:
    with pytest.raises(ApiException) as err:
        call()
    body = status_of(err.value)
    assert err.value.status == body["code"]
    return body


def test_workspace_without_resource_is_invalid(member):
    co = client.CustomObjectsApi(member)
    bad = workspace("no-resource")
    del bad["resource"]
    body = _rejected(lambda: co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", bad))
    assert body["code"] == 422 and body["reason"] == "Invalid"
    assert body["message"].startswith('Workspace.kaito.sh "no-resource" is invalid: resource: Required value')
    assert body["details"]["causes"] == [{"reason": "FieldValueRequired", "message": "Required value",
                                          "field": "resource"}]
    assert body["details"]["kind"] == "Workspace" and body["details"]["group"] == "kaito.sh"


def test_workspace_resource_of_wrong_type(member):
    co = client.CustomObjectsApi(member)
    body = _rejected(lambda: co.create_namespaced_custom_object(
        *KAITO, "llm-serving", "workspaces", workspace("wrong-type", resource="x")))
    assert body["code"] == 422
    cause = body["details"]["causes"][0]
    assert cause["field"] == "resource" and cause["reason"] == "FieldValueTypeInvalid"
    assert cause["message"] == 'Invalid value: "string": resource in body must be of type object: "string"'
    assert 'resource: Invalid value: "string": resource in body must be of type object: "string"' in body["message"]


def test_required_nested_field_and_enum(member):
    co = client.CustomObjectsApi(member)
    bad = workspace("nested")
    del bad["resource"]["labelSelector"]
    bad["inference"]["preset"]["accessMode"] = "secret"
    body = _rejected(lambda: co.create_namespaced_custom_object(*KAITO, "llm-serving", "workspaces", bad))
    causes = {c["field"]: c["message"] for c in body["details"]["causes"]}
    assert causes["resource.labelSelector"] == "Required value"
    assert causes["inference.preset.accessMode"] == 'Unsupported value: "secret": supported values: "public", "private"'


def test_crp_cel_rule_pickfixed_with_number_of_clusters(hub):
    co = client.CustomObjectsApi(hub)
    bad = crp("cel-fixed", {"placementType": "PickFixed", "clusterNames": ["member-1"], "numberOfClusters": 2})
    body = _rejected(lambda: co.create_cluster_custom_object(*PLACEMENT, "clusterresourceplacements", bad))
    assert body["code"] == 422
    cause = body["details"]["causes"][0]
    assert cause["field"] == "spec.policy"
    assert cause["message"] == ('Invalid value: "object": affinity, numberOfClusters, topologySpreadConstraints, '
                                'and tolerations cannot be set when placementType is PickFixed')


def test_crp_placement_type_is_immutable(hub):
    co = client.CustomObjectsApi(hub)
    co.create_cluster_custom_object(*PLACEMENT, "clusterresourceplacements",
                                    crp("cel-immutable", {"placementType": "PickFixed", "clusterNames": ["member-1"]}))
    body = _rejected(lambda: co.patch_cluster_custom_object(
        *PLACEMENT, "clusterresourceplacements", "cel-immutable",
        {"spec": {"policy": {"placementType": "PickN", "numberOfClusters": 1, "clusterNames": None}}}))
    assert body["code"] == 422
    assert any(c["message"] == 'Invalid value: "object": placement type is immutable' and c["field"] == "spec.policy"
               for c in body["details"]["causes"])
    ok = co.patch_cluster_custom_object(*PLACEMENT, "clusterresourceplacements", "cel-immutable",
                                        {"spec": {"policy": {"clusterNames": ["member-1", "member-2"]}}})
    assert ok["spec"]["policy"]["clusterNames"] == ["member-1", "member-2"]


def test_pickn_needs_number_of_clusters(hub):
    co = client.CustomObjectsApi(hub)
    body = _rejected(lambda: co.create_cluster_custom_object(*PLACEMENT, "clusterresourceplacements",
                                                             crp("cel-pickn", {"placementType": "PickN"})))
    assert "clusterNames cannot be set and numberOfClusters must be set when placementType is PickN" in body["message"]


def test_member_cluster_root_cel_rule_and_defaults(hub):
    co = client.CustomObjectsApi(hub)
    body = _rejected(lambda: co.create_cluster_custom_object(*CLUSTER, "memberclusters", member_cluster("m" * 64)))
    assert "metadata.name max length is 63" in body["message"]
    ok = co.create_cluster_custom_object(*CLUSTER, "memberclusters", member_cluster("mc-defaults"))
    assert ok["spec"]["heartbeatPeriodSeconds"] == 60


def test_unknown_fields_strict_is_400_and_default_prunes(hub):
    co = client.CustomObjectsApi(hub)
    obj = member_cluster("mc-unknown")
    obj["spec"]["foo"] = 1
    body = _rejected(lambda: co.create_cluster_custom_object(*CLUSTER, "memberclusters", obj,
                                                             field_validation="Strict"))
    assert body["code"] == 400 and body["reason"] == "BadRequest"
    assert body["message"] == 'strict decoding error: unknown field "spec.foo"'
    created = co.create_cluster_custom_object(*CLUSTER, "memberclusters", obj)
    assert "foo" not in created["spec"]


def test_invalid_metadata_name(hub):
    v1 = client.CoreV1Api(hub)
    body = _rejected(lambda: v1.create_namespace({"metadata": {"name": "Bad.Name"}}))
    assert body["code"] == 422
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    assert "RFC 1123 label" in body["details"]["causes"][0]["message"]
    co = client.CustomObjectsApi(hub)
    body = _rejected(lambda: co.create_cluster_custom_object(*CLUSTER, "memberclusters", member_cluster("UPPER")))
    assert "RFC 1123 subdomain" in body["message"]


# --- the schema walkers as pure functions -----------------------------------------------------------


def _schema(**props) -> dict:
    return {"type": "object", "properties": props}


@pytest.mark.parametrize("value, schema_, message", [
    ("abc", {"type": "string", "pattern": "^a$"}, "x in body should match '^a$'"),
    ("", {"type": "string", "minLength": 1}, "x in body should be at least 1 chars long"),
    ("abcdef", {"type": "string", "maxLength": 3}, "Too long: may not be more than 3 bytes"),
    (0, {"type": "integer", "minimum": 1}, "x in body should be greater than or equal to 1"),
    (601, {"type": "integer", "maximum": 600}, "x in body should be less than or equal to 600"),
    (1, {"type": "integer", "minimum": 1, "exclusiveMinimum": True}, "x in body should be greater than 1"),
    (2 ** 40, {"type": "integer", "format": "int32"}, "x in body must be of type int32"),
    ("nope", {"type": "string", "format": "date-time"}, 'x in body must be of type date-time: "nope"'),
    ([1, 2, 3], {"type": "array", "maxItems": 2}, "Too many: 3: must have at most 2 items"),
    ([], {"type": "array", "minItems": 1}, "x in body should have at least 1 items"),
    (["a", "a"], {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
     'Duplicate value: "a"'),
    ([{"type": "A"}, {"type": "A"}], {"type": "array", "x-kubernetes-list-type": "map",
                                      "x-kubernetes-list-map-keys": ["type"], "items": {"type": "object"}},
     'Duplicate value: {"type":"A"}'),
    (True, {"x-kubernetes-int-or-string": True}, "x in body must be of type integer,string"),
    (None, {"type": "string"}, 'x in body must be of type string: "null"'),
    ({"a": 1, "b": 2}, {"type": "object", "maxProperties": 1}, "Too many: 2: must have at most 1 items"),
    ("x", {"type": "string", "not": {"enum": ["x"]}}, "x in body must not validate the schema (not)"),
    (3, {"oneOf": [{"minimum": 1}, {"maximum": 5}]}, "x in body must validate one and only one schema (oneOf)"),
    ({"kind": "Namespace"}, {"type": "object", "x-kubernetes-embedded-resource": True,
                             "x-kubernetes-preserve-unknown-fields": True}, "Required value: must not be empty"),
])
def test_schema_validation_messages(value, schema_, message):
    causes = schema.validate({"x": value}, _schema(x=schema_))
    assert any(message in c.message for c in causes), [c.message for c in causes]


@pytest.mark.parametrize("value, schema_", [
    ("10%", {"x-kubernetes-int-or-string": True}),
    (None, {"type": "string", "nullable": True}),
    ("2025-01-01T00:00:00Z", {"type": "string", "format": "date-time"}),
    ([{"type": "A"}, {"type": "B"}], {"type": "array", "x-kubernetes-list-type": "map",
                                      "x-kubernetes-list-map-keys": ["type"], "items": {"type": "object"}}),
    (1.5, {"type": "number", "maximum": 2}),
])
def test_schema_accepts_valid_values(value, schema_):
    assert schema.validate({"x": value}, _schema(x=schema_)) == []


def test_defaulting_and_pruning_are_recursive():
    s = _schema(spec=_schema(a={"type": "integer", "default": 3},
                             b={"type": "object", "default": {}, "properties": {"c": {"type": "string", "default": "z"}}},
                             keep={"type": "object", "x-kubernetes-preserve-unknown-fields": True}))
    obj = {"spec": {"keep": {"anything": 1}, "drop": True, "n": None}}
    unknown: list[str] = []
    schema.prune(obj, s, "", unknown)
    schema.default(obj, s)
    assert unknown == ["spec.drop", "spec.n"]
    assert obj == {"spec": {"keep": {"anything": 1}, "a": 3, "b": {"c": "z"}}}


def test_cel_rules_of_the_fleet_crds_all_run_in_celpy():
    types = load_types()
    rules: list[str] = []
    for plural in ("clusterresourceplacements", "memberclusters", "clusterresourcesnapshots"):
        group = "cluster.kubernetes-fleet.io" if plural == "memberclusters" else "placement.kubernetes-fleet.io"
        for s in types[(group, plural)].schemas.values():
            rules += schema._rules(s)
    assert len(rules) >= 20
    skipped = schema.skipped_rules()
    assert not [r for r in rules if r in skipped]


def test_every_fleet_rule_evaluates_on_a_rich_object():
    """Each CRP and MemberCluster rule runs in celpy (none lands in skipped_rules) on full objects."""
    types = load_types()
    rich = crp("rich", {"placementType": "PickN", "numberOfClusters": 2,
                        "tolerations": [{"key": "gpu", "operator": "Exists"}, {"key": "k", "value": "v"}],
                        "topologySpreadConstraints": [{"topologyKey": "region", "maxSkew": 1}]})
    rich["spec"]["resourceSelectors"].append({"group": "", "version": "v1", "kind": "Namespace",
                                              "labelSelector": {"matchLabels": {"a": "b"}}})
    rich["spec"]["strategy"] = {"type": "RollingUpdate",
                                "reportBackStrategy": {"type": "Mirror", "destination": "OriginalResource"}}
    checked = []
    for plural, group, obj in (("clusterresourceplacements", "placement.kubernetes-fleet.io", rich),
                               ("memberclusters", "cluster.kubernetes-fleet.io", member_cluster("rich-mc"))):
        s = types[(group, plural)].schemas["v1beta1"]
        obj = copy.deepcopy(obj)
        schema.default(obj, s, skip=("metadata",))
        assert schema.validate(obj, s, resource=True) == []
        assert schema.cel_errors(obj, s) == []
        assert schema.cel_errors(obj, s, old=copy.deepcopy(obj)) == []
        checked += schema._rules(s)
    assert not set(checked) & set(schema.skipped_rules())


def test_transition_rule_needs_old_value():
    types = load_types()
    s = types[("placement.kubernetes-fleet.io", "clusterresourceplacements")].schemas["v1beta1"]
    obj = crp("t", {"placementType": "PickAll"})
    old = copy.deepcopy(obj)
    old["spec"]["policy"]["placementType"] = "PickFixed"
    schema.default(obj, s)
    schema.default(old, s)
    assert schema.cel_errors(obj, s) == []
    assert [c.field for c in schema.cel_errors(obj, s, old=old)] == ["spec.policy"]
