"""OpenAPI v3 value validation of CRD objects, with field errors shaped like kube-apiserver's.

Covers type (incl. ``nullable``, ``x-kubernetes-int-or-string``), enum, format (date-time, date, uuid,
ipv4, byte, int32/int64 ranges), pattern, min/maxLength, minimum/maximum (exclusive too), multipleOf,
min/maxItems, uniqueItems, ``x-kubernetes-list-type`` set/map uniqueness, required, min/maxProperties,
``x-kubernetes-embedded-resource`` (apiVersion/kind present) and allOf/anyOf/oneOf/not. CEL rules are
elsewhere (:mod:`tools.embedded.schema`).
"""
from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any

from tools.embedded.errors import Cause
from tools.embedded.objectmeta import quote
from tools.messages import embedded_api as msg

_RESOURCE_KEYS = ("apiVersion", "kind", "metadata")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _items(schema: dict) -> dict | None:
    return schema.get("items") if isinstance(schema.get("items"), dict) else None


def _map_keys(schema: dict) -> list[str] | None:
    if schema.get("x-kubernetes-list-type") == "map":
        return list(schema.get("x-kubernetes-list-map-keys") or [])
    return None

_TYPE_NAMES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (dict, "object"),
               (list, "array"))
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$")
_INT_RANGES = {"int32": (-(2 ** 31), 2 ** 31 - 1), "int64": (-(2 ** 63), 2 ** 63 - 1)}
BLOCKING = {"FieldValueNotSupported", "FieldValueRequired", "FieldValueTooLong", "FieldValueTooMany",
            "FieldValueTypeInvalid"}


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    for t, name in _TYPE_NAMES:
        if isinstance(value, t):
            return name
    return type(value).__name__


def _type_ok(value: Any, t: str) -> bool:
    actual = type_name(value)
    return actual == t or (t == "number" and actual == "integer")


def _format_ok(value: Any, fmt: str) -> bool:
    if fmt in _INT_RANGES and isinstance(value, int):
        lo, hi = _INT_RANGES[fmt]
        return lo <= value <= hi
    if not isinstance(value, str):
        return True
    if fmt in ("date-time", "datetime"):
        if not _DATE_TIME.match(value):
            return False
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return False
        return True
    if fmt == "date":
        try:
            datetime.strptime(value, "%Y-%m-%d")
            return bool(_DATE.match(value))
        except ValueError:
            return False
    if fmt == "uuid":
        return bool(_UUID.match(value))
    if fmt == "ipv4":
        return bool(_IPV4.match(value))
    if fmt == "byte":
        try:
            base64.b64decode(value, validate=True)
            return True
        except (binascii.Error, ValueError):
            return False
    return True


def cause(path: str, message: str, reason: str = "FieldValueInvalid") -> Cause:
    return Cause(path or "<nil>", message, reason)


def _invalid(path: str, value: Any, detail: str) -> Cause:
    return cause(path, msg.INVALID.format(value=quote(value), detail=detail))


class _Validator:
    def __init__(self) -> None:
        self.causes: list[Cause] = []

    def add(self, c: Cause) -> None:
        self.causes.append(c)

    def run(self, v: Any, s: dict | None, path: str, *, resource: bool = False, skip: tuple[str, ...] = ()) -> None:
        if not s:
            return
        shown = path or "body"
        if v is None:
            if not s.get("nullable") and (s.get("type") or s.get("x-kubernetes-int-or-string")):
                t = s.get("type") or "integer,string"
                self.add(cause(path, msg.INVALID.format(value='"null"', detail=msg.TYPE.format(
                    path=shown, type=t, actual='"null"')), "FieldValueTypeInvalid"))
            return
        t = s.get("type")
        if s.get("x-kubernetes-int-or-string"):
            if type_name(v) not in ("integer", "string"):
                actual = f'"{type_name(v)}"'
                self.add(cause(path, msg.INVALID.format(value=actual, detail=msg.TYPE.format(
                    path=shown, type="integer,string", actual=actual)), "FieldValueTypeInvalid"))
                return
        elif t and not _type_ok(v, t):
            actual = f'"{type_name(v)}"'
            self.add(cause(path, msg.INVALID.format(value=actual, detail=msg.TYPE.format(
                path=shown, type=t, actual=actual)), "FieldValueTypeInvalid"))
            return
        self._value(v, s, path, shown)
        if isinstance(v, dict):
            self._object(v, s, path, shown, resource or bool(s.get("x-kubernetes-embedded-resource")), skip)
        elif isinstance(v, list):
            self._array(v, s, path, shown)
        self._combinators(v, s, path, shown)

    def _value(self, v: Any, s: dict, path: str, shown: str) -> None:
        if "enum" in s and v not in s["enum"]:
            supported = ", ".join(quote(e) for e in s["enum"])
            self.add(cause(path, msg.NOT_SUPPORTED.format(value=quote(v), supported=supported),
                            "FieldValueNotSupported"))
        fmt = s.get("format")
        if fmt and not _format_ok(v, fmt):
            self.add(_invalid(path, v, msg.FORMAT.format(path=shown, format=fmt, value=quote(v))))
        if isinstance(v, str):
            if "maxLength" in s and len(v) > s["maxLength"]:
                self.add(cause(path, msg.TOO_LONG.format(max=s["maxLength"]), "FieldValueTooLong"))
            if "minLength" in s and len(v) < s["minLength"]:
                self.add(_invalid(path, v, msg.MIN_LENGTH.format(path=shown, min=s["minLength"])))
            if "pattern" in s and not re.search(s["pattern"], v):
                self.add(_invalid(path, v, msg.PATTERN.format(path=shown, pattern=s["pattern"])))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            self._number(v, s, path, shown)

    def _number(self, v: float, s: dict, path: str, shown: str) -> None:
        if "minimum" in s:
            lo = s["minimum"]
            if s.get("exclusiveMinimum") and v <= lo:
                self.add(_invalid(path, v, msg.MINIMUM_EXCLUSIVE.format(path=shown, min=lo)))
            elif v < lo:
                self.add(_invalid(path, v, msg.MINIMUM.format(path=shown, min=lo)))
        if "maximum" in s:
            hi = s["maximum"]
            if s.get("exclusiveMaximum") and v >= hi:
                self.add(_invalid(path, v, msg.MAXIMUM_EXCLUSIVE.format(path=shown, max=hi)))
            elif v > hi:
                self.add(_invalid(path, v, msg.MAXIMUM.format(path=shown, max=hi)))
        if s.get("multipleOf") and (v / s["multipleOf"]) % 1:
            self.add(_invalid(path, v, msg.MULTIPLE_OF.format(path=shown, factor=s["multipleOf"])))

    def _object(self, v: dict, s: dict, path: str, shown: str, resource: bool, skip: tuple[str, ...]) -> None:
        for r in s.get("required") or []:
            if r not in v and r not in skip:
                self.add(cause(_join(path, r), msg.REQUIRED, "FieldValueRequired"))
        if "maxProperties" in s and len(v) > s["maxProperties"]:
            self.add(cause(path, msg.TOO_MANY.format(actual=len(v), max=s["maxProperties"]), "FieldValueTooMany"))
        if "minProperties" in s and len(v) < s["minProperties"]:
            self.add(_invalid(path, len(v), msg.MIN_PROPERTIES.format(path=shown, min=s["minProperties"])))
        if s.get("x-kubernetes-embedded-resource"):
            self._embedded(v, path)
        props = s.get("properties") or {}
        addl = s.get("additionalProperties")
        for k, cv in v.items():
            if k in skip or (resource and k in _RESOURCE_KEYS):
                continue
            cs = props.get(k) or (addl if isinstance(addl, dict) else None)
            self.run(cv, cs, _join(path, k))

    def _embedded(self, v: dict, path: str) -> None:
        for k in ("apiVersion", "kind"):
            if k not in v:
                self.add(cause(_join(path, k), msg.REQUIRED_DETAIL.format(detail=msg.EMBEDDED_EMPTY),
                                "FieldValueRequired"))
            elif not isinstance(v[k], str):
                self.add(_invalid(_join(path, k), v[k], msg.EMBEDDED_STRING))
            elif not v[k]:
                self.add(_invalid(_join(path, k), v[k], msg.EMBEDDED_EMPTY))

    def _array(self, v: list, s: dict, path: str, shown: str) -> None:
        if "maxItems" in s and len(v) > s["maxItems"]:
            self.add(cause(path, msg.TOO_MANY.format(actual=len(v), max=s["maxItems"]), "FieldValueTooMany"))
        if "minItems" in s and len(v) < s["minItems"]:
            self.add(_invalid(path, len(v), msg.MIN_ITEMS.format(path=shown, min=s["minItems"])))
        if s.get("uniqueItems") and _has_duplicates(v):
            self.add(_invalid(path, v, msg.UNIQUE_ITEMS.format(path=shown)))
        list_type = s.get("x-kubernetes-list-type")
        keys = _map_keys(s)
        seen: list = []
        for i, item in enumerate(v):
            ident = ({k: item.get(k) for k in keys} if isinstance(item, dict) else item) if keys else item
            if list_type in ("set", "map") and ident in seen:
                self.add(cause(f"{path}[{i}]", msg.DUPLICATE.format(value=quote(ident)), "FieldValueDuplicate"))
            seen.append(ident)
            self.run(item, _items(s), f"{path}[{i}]")

    def _combinators(self, v: Any, s: dict, path: str, shown: str) -> None:
        for sub in s.get("allOf") or []:
            self.run(v, sub, path)
        if s.get("anyOf"):
            results = [_errors_of(v, sub, path) for sub in s["anyOf"]]
            if all(results):
                self.add(_invalid(path, v, msg.ANY_OF.format(path=shown)))
                for r in results:
                    self.causes += r
        if s.get("oneOf"):
            results = [_errors_of(v, sub, path) for sub in s["oneOf"]]
            if sum(1 for r in results if not r) != 1:
                self.add(_invalid(path, v, msg.ONE_OF.format(path=shown)))
        if isinstance(s.get("not"), dict) and not _errors_of(v, s["not"], path):
            self.add(_invalid(path, v, msg.NOT.format(path=shown)))


def _errors_of(v: Any, s: dict, path: str) -> list[Cause]:
    sub = _Validator()
    sub.run(v, s, path)
    return sub.causes


def _has_duplicates(v: list) -> bool:
    seen: list = []
    for item in v:
        if item in seen:
            return True
        seen.append(item)
    return False


def validate(value: Any, schema: dict | None, path: str = "", *, resource: bool = False,
             skip: tuple[str, ...] = ()) -> list[Cause]:
    """Schema field errors of ``value`` (no CEL)."""
    v = _Validator()
    v.run(value, schema, path, resource=resource, skip=skip)
    return v.causes
