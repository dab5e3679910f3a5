"""``metadata`` checks and built-in defaults, as kube-apiserver applies them to every object.

Names: DNS-1123 subdomain (label for Namespaces); label keys/values and annotation keys as
k8s.io/apimachinery validates them. Built-ins get the few defaults clients rely on (Namespace
``status.phase: Active``, Secret ``stringData`` folded into base64 ``data`` and ``type: Opaque``).
"""
from __future__ import annotations

import base64
import json
import re

from tools.embedded.errors import Cause
from tools.embedded.store import ResourceType
from tools.messages import embedded_api as msg

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

# ObjectMeta's fields: anything else under metadata is unknown (pruned, or rejected when Strict).
OBJECT_META_FIELDS = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields",
})


def quote(value) -> str:
    """A value as field errors print it (Go's %q for strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=isinstance(value, dict))


def _invalid(path: str, value, detail: str) -> Cause:
    return Cause(path, msg.INVALID.format(value=quote(value), detail=detail), "FieldValueInvalid")


def name_errors(name: str, *, label: bool) -> list[str]:
    out = []
    limit = 63 if label else 253
    if len(name) > limit:
        out.append(msg.MAX_CHARS.format(max=limit))
    if not (_DNS1123_LABEL if label else _DNS1123_SUBDOMAIN).match(name):
        out.append(msg.DNS1123_LABEL if label else msg.DNS1123_SUBDOMAIN)
    return out


def qualified_name_errors(key: str) -> list[str]:
    prefix, _, name = key.rpartition("/")
    out = []
    if "/" in key and not prefix:
        out.append(msg.QUALIFIED_PREFIX_EMPTY)
    elif prefix:
        out += [f"prefix part {e}" for e in name_errors(prefix, label=False)]
    if not name:
        out.append(msg.QUALIFIED_NAME_EMPTY)
    elif len(name) > 63:
        out.append(msg.QUALIFIED_NAME_LONG)
    if name and not _QUALIFIED_NAME.match(name):
        out.append(msg.QUALIFIED_NAME)
    return out


def validate(rt: ResourceType, obj: dict, path: str = "metadata") -> list[Cause]:
    """Field errors in ``obj['metadata']`` (name, labels, annotations)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return [Cause(path, msg.REQUIRED, "FieldValueRequired")]
    causes: list[Cause] = []
    name = meta.get("name")
    if not name:
        causes.append(Cause(f"{path}.name", msg.REQUIRED_DETAIL.format(detail="name or generateName is required"),
                            "FieldValueRequired"))
    elif not isinstance(name, str):
        causes.append(_invalid(f"{path}.name", name, msg.EMBEDDED_STRING))
    else:
        label = rt.group == "" and rt.plural == "namespaces"
        errs = name_errors(name, label=label)
        if errs:
            causes.append(_invalid(f"{path}.name", name, ", ".join(errs)))
    labels = meta.get("labels") or {}
    if isinstance(labels, dict):
        for k, v in labels.items():
            errs = qualified_name_errors(str(k))
            if errs:
                causes.append(_invalid(f"{path}.labels", k, ", ".join(errs)))
            v = "" if v is None else v
            if not isinstance(v, str):
                causes.append(_invalid(f"{path}.labels", v, msg.EMBEDDED_STRING))
            elif len(v) > 63 or not _LABEL_VALUE.match(v):
                detail = [msg.MAX_CHARS.format(max=63)] if len(v) > 63 else []
                if not _LABEL_VALUE.match(v):
                    detail.append(msg.LABEL_VALUE)
                causes.append(_invalid(f"{path}.labels", v, ", ".join(detail)))
    annotations = meta.get("annotations") or {}
    if isinstance(annotations, dict):
        for k in annotations:
            errs = qualified_name_errors(str(k).lower())
            if errs:
                causes.append(_invalid(f"{path}.annotations", k, ", ".join(errs)))
    return causes


def builtin_defaults(rt: ResourceType, obj: dict, old: dict | None, subresource: str | None) -> dict:
    """The defaults kube-apiserver gives the built-ins the embedded fleet hosts."""
    if rt.group != "":
        return obj
    if rt.plural == "namespaces" and subresource is None and isinstance(obj.get("metadata"), dict):
        # kube-apiserver labels every namespace with its own name
        labels = obj["metadata"].get("labels") or {}
        labels["kubernetes.io/metadata.name"] = obj["metadata"].get("name", "")
        obj["metadata"]["labels"] = labels
    if rt.plural == "namespaces" and old is None:
        spec = obj.setdefault("spec", {}) or {}
        spec.setdefault("finalizers", ["kubernetes"])
        obj["spec"] = spec
        status = obj.setdefault("status", {}) or {}
        status.setdefault("phase", "Active")
        obj["status"] = status
    elif rt.plural == "secrets" and subresource is None:
        fold_string_data(rt, obj)
        obj.setdefault("type", "Opaque")
    return obj


def fold_string_data(rt: ResourceType, obj: dict) -> dict:
    """A Secret's write-only ``stringData`` merged into base64 ``data`` (as the API server stores it)."""
    if rt.group == "" and rt.plural == "secrets" and isinstance(obj, dict):
        string_data = obj.pop("stringData", None) or {}
        if string_data:
            data = obj.get("data") or {}
            for k, v in string_data.items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            obj["data"] = data
    return obj
