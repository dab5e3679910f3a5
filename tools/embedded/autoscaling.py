"""``autoscaling/v2`` HorizontalPodAutoscaler for the embedded server: a structural schema (so that
admission prunes, rejects unknown fields under ``fieldValidation=Strict`` and checks types) and, as CEL
rules, the checks of Kubernetes' own HPA validation (pkg/apis/autoscaling/validation) that matter for
what fleetops writes: maxReplicas ≥ 1, 1 ≤ minReplicas ≤ maxReplicas, scaleTargetRef kind and name, each
metric carrying the source its type names, Pods/Object targets typed AverageValue/Value with a value.
Status is kept as written (the embedded fleet runs no HPA controller). Pure data: no imports from the
store, which lists this kind among its built-ins.
"""
from __future__ import annotations

_QUANTITY = {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True,
             "pattern": r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"}

_SELECTOR = {"type": "object", "properties": {
    "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
    "matchExpressions": {"type": "array", "items": {"type": "object", "required": ["key", "operator"], "properties": {
        "key": {"type": "string"}, "operator": {"type": "string"},
        "values": {"type": "array", "items": {"type": "string"}}}}}}}

_TARGET = {"type": "object", "required": ["type"], "properties": {
    "type": {"type": "string", "enum": ["Utilization", "Value", "AverageValue"]},
    "value": _QUANTITY, "averageValue": _QUANTITY,
    "averageUtilization": {"type": "integer", "format": "int32", "minimum": 1}},
    "x-kubernetes-validations": [
        {"rule": "self.type != 'Value' || has(self.value)", "message": "must set value when type is Value"},
        {"rule": "self.type != 'AverageValue' || has(self.averageValue)",
         "message": "must set averageValue when type is AverageValue"},
        {"rule": "self.type != 'Utilization' || has(self.averageUtilization)",
         "message": "must set averageUtilization when type is Utilization"}]}

_METRIC_ID = {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "minLength": 1}, "selector": _SELECTOR}}

_TARGET_REF = {"type": "object", "required": ["kind", "name"], "properties": {
    "apiVersion": {"type": "string"}, "kind": {"type": "string", "minLength": 1},
    "name": {"type": "string", "minLength": 1}}}

_NO_UTILIZATION = "self.target.type != 'Utilization'"

_METRIC = {"type": "object", "required": ["type"], "properties": {
    "type": {"type": "string", "enum": ["Object", "Pods", "Resource", "ContainerResource", "External"]},
    "pods": {"type": "object", "required": ["metric", "target"], "properties": {"metric": _METRIC_ID, "target": _TARGET},
             "x-kubernetes-validations": [{"rule": "self.target.type == 'AverageValue'",
                                           "message": "must be AverageValue for a Pods metric"}]},
    "object": {"type": "object", "required": ["describedObject", "metric", "target"], "properties": {
        "describedObject": _TARGET_REF, "metric": _METRIC_ID, "target": _TARGET},
        "x-kubernetes-validations": [{"rule": _NO_UTILIZATION, "message": "must be Value or AverageValue"}]},
    "external": {"type": "object", "required": ["metric", "target"], "properties": {"metric": _METRIC_ID,
                                                                                    "target": _TARGET},
                 "x-kubernetes-validations": [{"rule": _NO_UTILIZATION, "message": "must be Value or AverageValue"}]},
    "resource": {"type": "object", "required": ["name", "target"], "properties": {
        "name": {"type": "string", "minLength": 1}, "target": _TARGET}},
    "containerResource": {"type": "object", "required": ["name", "container", "target"], "properties": {
        "name": {"type": "string", "minLength": 1}, "container": {"type": "string", "minLength": 1},
        "target": _TARGET}}},
    "x-kubernetes-validations": [
        {"rule": "self.type != 'Pods' || has(self.pods)", "message": "must populate pods for a Pods metric"},
        {"rule": "self.type != 'Object' || has(self.object)", "message": "must populate object for an Object metric"},
        {"rule": "self.type != 'Resource' || has(self.resource)",
         "message": "must populate resource for a Resource metric"},
        {"rule": "self.type != 'External' || has(self.external)",
         "message": "must populate external for an External metric"},
        {"rule": "self.type != 'ContainerResource' || has(self.containerResource)",
         "message": "must populate containerResource for a ContainerResource metric"}]}

_RULES = {"type": "object", "properties": {
    "stabilizationWindowSeconds": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 3600},
    "selectPolicy": {"type": "string", "enum": ["Max", "Min", "Disabled"]},
    "tolerance": _QUANTITY,
    "policies": {"type": "array", "items": {"type": "object", "required": ["type", "value", "periodSeconds"],
                                            "properties": {
                                                "type": {"type": "string", "enum": ["Pods", "Percent"]},
                                                "value": {"type": "integer", "format": "int32", "minimum": 1},
                                                "periodSeconds": {"type": "integer", "format": "int32",
                                                                  "minimum": 1, "maximum": 1800}}}}}}

HPA_V2_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "required": ["scaleTargetRef", "maxReplicas"],
            "properties": {
                "scaleTargetRef": _TARGET_REF,
                "minReplicas": {"type": "integer", "format": "int32", "minimum": 1},
                "maxReplicas": {"type": "integer", "format": "int32", "minimum": 1},
                "metrics": {"type": "array", "items": _METRIC},
                "behavior": {"type": "object", "properties": {"scaleUp": _RULES, "scaleDown": _RULES}},
            },
            "x-kubernetes-validations": [
                {"rule": "!has(self.minReplicas) || self.minReplicas <= self.maxReplicas",
                 "message": "minReplicas must be less than or equal to maxReplicas"}],
        },
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    },
}
