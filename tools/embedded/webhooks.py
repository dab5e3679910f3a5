"""The part of KAITO's validating webhook (``api/v1beta1/workspace_validation.go``) the embedded fleet enforces.

Real clusters run it on members only (the hub has KAITO's CRDs but no operator, FLEET_API.md §2); the
embedded fleet runs all of it wherever :func:`tools.embedded.schema.make_admit` is told to (members), and
its creation checks everywhere else (the hub), so an invalid Workspace is refused where it is written. Checked here:
create: ``resource`` present (the webhook rejects an empty resource: no instance type, no selector),
exactly one of ``inference``/``tuning``, not both ``inference.preset`` and ``inference.template``;
update: ``resource.instanceType/labelSelector/count/partition`` and ``inference.preset`` immutable,
``inference``/``tuning`` cannot be added or removed. SKU lists and GPU-fit checks are not modelled.
"""
from __future__ import annotations

from tools.embedded.errors import Cause
from tools.embedded.store import ResourceType
from tools.messages import embedded_api as msg

_IMMUTABLE_RESOURCE = ("instanceType", "labelSelector", "count", "partition")


def _is_workspace(rt: ResourceType) -> bool:
    return rt.group == "kaito.sh" and rt.kind == "Workspace"


def check(rt: ResourceType, obj: dict, old: dict | None) -> list[Cause]:
    """Field errors of the KAITO webhook subset for ``obj`` (empty for other kinds)."""
    if not _is_workspace(rt):
        return []
    return _create(obj) if old is None else _update(obj, old)


def _create(obj: dict) -> list[Cause]:
    causes = []
    if not obj.get("resource"):
        causes.append(Cause("resource", msg.REQUIRED, "FieldValueRequired"))
    has_inf, has_tune = obj.get("inference") is not None, obj.get("tuning") is not None
    if not has_inf and not has_tune:
        causes.append(Cause("inference", msg.REQUIRED_DETAIL.format(detail=msg.KAITO_NEITHER), "FieldValueRequired"))
    elif has_inf and has_tune:
        causes.append(Cause("tuning", msg.FORBIDDEN.format(detail=msg.KAITO_BOTH), "FieldValueForbidden"))
    inf = obj.get("inference") or {}
    if inf.get("preset") is not None and inf.get("template") is not None:
        causes.append(Cause("inference.template", msg.FORBIDDEN.format(detail=msg.KAITO_PRESET_AND_TEMPLATE),
                            "FieldValueForbidden"))
    return causes


def _update(obj: dict, old: dict) -> list[Cause]:
    causes = []
    new_res, old_res = obj.get("resource") or {}, old.get("resource") or {}
    for f in _IMMUTABLE_RESOURCE:
        if new_res.get(f) != old_res.get(f):
            causes.append(Cause(f"resource.{f}", msg.FORBIDDEN.format(detail=msg.KAITO_IMMUTABLE),
                                "FieldValueForbidden"))
    for f in ("inference", "tuning"):
        if (obj.get(f) is None) != (old.get(f) is None):
            causes.append(Cause(f, msg.FORBIDDEN.format(detail=msg.KAITO_TOGGLED.format(field=f.capitalize())),
                                "FieldValueForbidden"))
    new_inf, old_inf = obj.get("inference") or {}, old.get("inference") or {}
    if new_inf.get("preset") != old_inf.get("preset"):
        causes.append(Cause("inference.preset", msg.FORBIDDEN.format(detail=msg.KAITO_IMMUTABLE),
                            "FieldValueForbidden"))
    return causes
