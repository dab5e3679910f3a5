"""Admission for CRD objects, as kube-apiserver does it for structural ``openAPIV3Schema``s.

Order per write: prune unknown fields (or reject them under ``fieldValidation=Strict``), apply
``default:`` values, validate against the schema (field errors shaped like kube-apiserver's), then run
the CEL ``x-kubernetes-validations`` rules (skipped when a "blocking" schema error was found, as the
real server does), then the KAITO webhook subset (:mod:`tools.embedded.webhooks`).

Request options reach the hook through a context variable: the HTTP server wraps each request in
``with admission_options("Strict") as opts:``; writes from other threads (seed, controllers) prune
silently. Warnings for ``fieldValidation=Warn`` are collected on ``opts.warnings``.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from tools.embedded import cel, objectmeta, webhooks
from tools.embedded.errors import BadRequest, Cause, invalid
from tools.embedded.store import AdmitHook, ResourceType
from tools.embedded.validation import BLOCKING, validate
from tools.embedded.validation import cause as _cause
from tools.messages import embedded_api as msg

# --- request options ------------------------------------------------------------------------------


@dataclass
class AdmitOptions:
    field_validation: str = "Ignore"  # Strict | Warn | Ignore
    warnings: list[str] = field(default_factory=list)
    cel: bool = True  # False only while a synthetic fleet is seeded (tools.embedded.fleet): its builders are the
    # demo fleet's, whose every object passes CEL, and celpy costs ~3 ms a rule (minutes at 1,000 clusters)


_options: ContextVar[AdmitOptions | None] = ContextVar("embedded_admit_options", default=None)


@contextmanager
def admission_options(field_validation: str = "Ignore", *, cel: bool = True) -> Iterator[AdmitOptions]:
    """Set the options of the writes made inside the block (one HTTP request, or a synthetic fleet's seed)."""
    opts = AdmitOptions(field_validation, cel=cel)
    token = _options.set(opts)
    try:
        yield opts
    finally:
        _options.reset(token)


def current_options() -> AdmitOptions:
    return _options.get() or AdmitOptions()


# --- schema navigation ------------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def child(schema: dict | None, key: str) -> dict | None:
    """Schema of ``key`` in an object (``None`` when unknown)."""
    if not schema:
        return None
    props = schema.get("properties") or {}
    if key in props:
        return props[key]
    addl = schema.get("additionalProperties")
    if isinstance(addl, dict):
        return addl
    return None


def items(schema: dict | None) -> dict | None:
    return (schema or {}).get("items") if isinstance((schema or {}).get("items"), dict) else None


def map_keys(schema: dict | None) -> list[str] | None:
    """List-map keys if the array is ``x-kubernetes-list-type: map``."""
    if schema and schema.get("x-kubernetes-list-type") == "map":
        return list(schema.get("x-kubernetes-list-map-keys") or [])
    return None


# --- pruning and defaulting -----------------------------------------------------------------------------


def prune(value: Any, schema: dict | None, path: str, unknown: list[str], *, resource: bool = False,
          skip: tuple[str, ...] = ()) -> None:
    """Drop fields the schema does not declare (in place); their paths go to ``unknown``."""
    if schema is None:
        return
    if isinstance(value, dict):
        resource = resource or bool(schema.get("x-kubernetes-embedded-resource"))
        props = schema.get("properties") or {}
        addl = schema.get("additionalProperties")
        keep_all = bool(schema.get("x-kubernetes-preserve-unknown-fields")) or addl is True
        for k in list(value):
            p = _join(path, k)
            if k in skip:
                continue
            if resource and k in ("apiVersion", "kind"):
                continue
            if resource and k == "metadata" and isinstance(value[k], dict):
                for mk in list(value[k]):
                    if mk not in objectmeta.OBJECT_META_FIELDS:
                        unknown.append(_join(p, mk))
                        del value[k][mk]
                continue
            if k in props:
                prune(value[k], props[k], p, unknown)
            elif isinstance(addl, dict):
                prune(value[k], addl, p, unknown)
            elif not keep_all:
                unknown.append(p)
                del value[k]
    elif isinstance(value, list):
        sub = items(schema)
        for i, item in enumerate(value):
            prune(item, sub, f"{path}[{i}]", unknown)


def default(value: Any, schema: dict | None, *, skip: tuple[str, ...] = ()) -> None:
    """Apply ``default:`` values in place; drop nulls of non-nullable fields without a default."""
    if not schema:
        return
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for k, ps in props.items():
            if k in skip:
                continue
            if k not in value:
                if "default" in ps:
                    value[k] = copy.deepcopy(ps["default"])
            elif value[k] is None and not ps.get("nullable"):
                if "default" in ps:
                    value[k] = copy.deepcopy(ps["default"])
                else:
                    del value[k]
        addl = schema.get("additionalProperties")
        for k, v in value.items():
            if k in skip:
                continue
            cs = props.get(k) or (addl if isinstance(addl, dict) else None)
            if cs:
                default(v, cs)
    elif isinstance(value, list):
        sub = items(schema)
        for item in value:
            default(item, sub)


def defaults(rt: ResourceType, obj: dict, part: str | None = None) -> dict:
    """What admission's defaulting does to a new ``obj`` of ``rt`` (in place), without pruning or validation:
    for objects built by the embedded fleet itself, known valid and without nulls (``tools.embedded.settled``).
    Visits only the fields on a path to a ``default:`` (``default`` walks every field of the object against the
    schema: for every object of a large fleet that cost more than building them). ``part``: only that top-level
    field (``status``, just written)."""
    schema = rt.schemas.get(rt.storage_version)
    if schema is None:
        return objectmeta.builtin_defaults(rt, obj, None, None)
    key = (id(schema), part)
    if key not in _DEFAULTING:
        sub = child(schema, part) if part else schema
        _DEFAULTING[key] = (schema, _defaulter(sub, skip=() if part else ("metadata",)))  # (schema kept: its id)
    apply = _DEFAULTING[key][1]
    if apply is not None:
        if part is None:
            apply(obj)
        elif part in obj:
            apply(obj[part])
    return obj


_SCALARS = (str, int, float, bool, type(None))
_DEFAULTING: dict[tuple[int, str | None], tuple[dict, Callable[[Any], None] | None]] = {}


def _defaulter(schema: dict | None, skip: tuple[str, ...] = ()) -> Callable[[Any], None] | None:
    """``default(value, schema)`` for values without nulls, as a function that visits only the fields on a path to
    a ``default:`` (None: the schema has none)."""
    if not isinstance(schema, dict):
        return None
    fields = []  # (name, default or _MISSING, defaulter of the value)
    props = schema.get("properties") or {}
    for k, ps in props.items():
        if k in skip or not isinstance(ps, dict):
            continue
        sub = _defaulter(ps)
        if "default" in ps or sub is not None:
            fields.append((k, ps.get("default", _MISSING), sub))
    addl = schema.get("additionalProperties")
    values = _defaulter(addl) if isinstance(addl, dict) else None
    each = _defaulter(items(schema))
    if not fields and values is None and each is None:
        return None

    def apply(value: Any) -> None:
        if isinstance(value, dict):
            for k, dflt, sub in fields:
                if k not in value:
                    if dflt is not _MISSING:
                        value[k] = dflt if isinstance(dflt, _SCALARS) else copy.deepcopy(dflt)
                    else:
                        continue
                if sub is not None:
                    sub(value[k])
            if values is not None:
                for k, v in value.items():
                    if k not in skip and k not in props:
                        values(v)
        elif isinstance(value, list) and each is not None:
            for v in value:
                each(v)

    return apply


# --- CEL ---------------------------------------------------------------------------------------------

_MISSING = object()


def _cel_cause(rule: dict, path: str, schema: dict, message: str) -> Cause:
    fp = rule.get("fieldPath") or ""
    if fp:
        path = (path + fp) if fp.startswith("[") else _join(path, fp.lstrip("."))
    reason = rule.get("reason") or "FieldValueInvalid"
    value_type = f'"{schema.get("type") or "object"}"'
    if reason == "FieldValueRequired":
        body = msg.REQUIRED_DETAIL.format(detail=message)
    elif reason == "FieldValueForbidden":
        body = msg.FORBIDDEN.format(detail=message)
    elif reason == "FieldValueDuplicate":
        body = msg.DUPLICATE.format(value=value_type)
    else:
        body = msg.INVALID.format(value=value_type, detail=message)
    return _cause(path, body, reason)


def cel_errors(value: Any, schema: dict | None, path: str = "", old: Any = _MISSING, *,
               skip: tuple[str, ...] = ()) -> list[Cause]:
    """Failures of the ``x-kubernetes-validations`` rules in ``schema`` for ``value`` (``old`` correlated)."""
    out: list[Cause] = []
    _cel_walk(value, schema, path, old, out, skip)
    return out


def _cel_walk(v: Any, s: dict | None, path: str, old: Any, out: list[Cause], skip: tuple[str, ...] = ()) -> None:
    if not s or v is None:
        return
    has_old = old is not _MISSING
    for rule in s.get("x-kubernetes-validations") or []:
        res = cel.check(rule, v, old if has_old else None, has_old)
        if not res.ok:
            out.append(_cel_cause(rule, path, s, res.message))
    if isinstance(v, dict):
        for k, cv in v.items():
            if k in skip:
                continue
            cs = child(s, k)
            if cs is None:
                continue
            co = old[k] if has_old and isinstance(old, dict) and k in old else _MISSING
            _cel_walk(cv, cs, _join(path, k), co, out)
    elif isinstance(v, list):
        keys = map_keys(s)
        olds: dict = {}
        if keys and has_old and isinstance(old, list):
            olds = {_key_of(o, keys): o for o in old if isinstance(o, dict)}
        for i, item in enumerate(v):
            co = olds.get(_key_of(item, keys), _MISSING) if keys and isinstance(item, dict) else _MISSING
            _cel_walk(item, items(s), f"{path}[{i}]", co, out)


def _key_of(item: dict, keys: list[str]) -> tuple:
    return tuple(repr(item.get(k)) for k in keys)


_HAS_RULES: dict[int, bool] = {}


def _has_rules(schema: dict) -> bool:
    key = id(schema)
    if key not in _HAS_RULES:
        _HAS_RULES[key] = bool(_rules(schema))
    return _HAS_RULES[key]


def _rules(schema: Any) -> list[str]:
    out: list[str] = []
    if isinstance(schema, dict):
        out += [r.get("rule", "") for r in schema.get("x-kubernetes-validations") or []]
        for v in schema.values():
            out += _rules(v)
    elif isinstance(schema, list):
        for v in schema:
            out += _rules(v)
    return out


# --- the hook --------------------------------------------------------------------------------------


def _unknown_fields(paths: list[str], opts: AdmitOptions) -> None:
    if not paths:
        return
    if opts.field_validation == "Strict":
        raise BadRequest(msg.STRICT_UNKNOWN.format(
            fields=", ".join(msg.UNKNOWN_FIELD.format(path=p) for p in paths)))
    if opts.field_validation == "Warn":
        opts.warnings += [msg.WARN_UNKNOWN.format(path=p) for p in paths]


def admit_crd(rt: ResourceType, obj: dict, old: dict | None, subresource: str | None, schema: dict,
              opts: AdmitOptions) -> list[Cause]:
    """Prune, default and validate one CRD object in place; returns the field errors."""
    if subresource == "status":
        ss = child(schema, "status")
        if not ss or "status" not in obj:
            return []
        unknown: list[str] = []
        prune(obj["status"], ss, "status", unknown)
        _unknown_fields(unknown, opts)
        default(obj["status"], ss)
        causes = validate(obj["status"], ss, "status")
        if opts.cel and not any(c.reason in BLOCKING for c in causes):
            old_status = (old or {}).get("status", _MISSING) if old is not None else _MISSING
            causes += cel_errors(obj["status"], ss, "status", old_status)
        return causes
    # main resource: status is the stored one (already admitted) when the kind has a status subresource
    skip = ("status",) if (rt.status_subresource and old is not None) else ()
    unknown = []
    prune(obj, schema, "", unknown, resource=True, skip=skip)
    _unknown_fields(unknown, opts)
    default(obj, schema, skip=skip + ("metadata",))
    causes = validate(obj, schema, "", resource=True, skip=skip)
    if any(c.reason in BLOCKING for c in causes):
        if _has_rules(schema):
            causes.append(_cause("", msg.INVALID.format(value='"null"', detail=msg.CEL_NOT_CHECKED)))
        return causes
    if opts.cel:
        causes += cel_errors(obj, schema, "", old if old is not None else _MISSING, skip=skip)
    return causes


def make_admit(types: dict[tuple[str, str], ResourceType], *,
               kaito_webhook: bool | Callable[[str], bool] = True) -> AdmitHook:
    """The ``Store.admit`` hook: metadata checks for every kind, full schema admission for CRDs.

    Objects are validated against the schema of the version they arrive with, then stored at the
    storage version (conversion ``None``: only ``apiVersion`` changes). ``kaito_webhook`` says on
    which clusters KAITO's webhook subset runs (a bool, or ``cluster -> bool``; real fleets run it
    on members only).
    """
    webhook_on = kaito_webhook if callable(kaito_webhook) else (lambda cluster, on=kaito_webhook: on)
    for rt in types.values():
        for s in rt.schemas.values():
            cel.compile_all(_rules(s))

    def admit(cluster: str, rt: ResourceType, obj: dict, old: dict | None, subresource: str | None) -> dict:
        opts = current_options()
        causes: list[Cause] = []
        if subresource is None:
            causes += objectmeta.validate(rt, obj)
        version = str(obj.get("apiVersion") or rt.api_version()).rsplit("/", 1)[-1]
        if version not in rt.versions:
            version = rt.storage_version
        schema = rt.schemas.get(version)
        if schema is None:
            objectmeta.builtin_defaults(rt, obj, old, subresource)
        else:
            causes += admit_crd(rt, obj, old, subresource, schema, opts)
            if subresource is None and webhook_on(cluster):
                causes += webhooks.check(rt, obj, old)
            elif subresource is None and old is None:
                # KAITO's creation checks (a Workspace needs `resource`, one of inference/tuning) run on
                # the hub too, so a broken object is refused where it is written rather than minutes
                # later on every member; a real hub without KAITO's webhook would accept it.
                causes += webhooks.check(rt, obj, None)
        if causes:
            raise invalid(rt.kind, (obj.get("metadata") or {}).get("name", ""), rt.group, causes)
        obj["apiVersion"] = rt.api_version()
        return obj

    return admit


def skipped_rules() -> dict[str, str]:
    """CEL rules celpy could not run (see :mod:`tools.embedded.cel`)."""
    return cel.skipped_rules()
