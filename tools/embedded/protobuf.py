"""Decode the protobuf request bodies kubectl's typed clients send for built-ins (``kubectl create ns|cm|secret``).

kubectl writes built-in kinds as ``application/vnd.kubernetes.protobuf``: the 4-byte magic ``k8s\\0``,
then a ``runtime.Unknown`` (typeMeta=1, raw=2) whose ``raw`` is the typed message. Only the kinds the
embedded fleet hosts and kubectl creates imperatively are described here (Namespace, ConfigMap,
Secret; field numbers from k8s.io/api and apimachinery ``generated.proto``). Responses are always
JSON, which clients accept. Anything else is a 415 telling the client to send JSON.
"""
from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from tools.embedded.errors import BadRequest, UnsupportedMediaType
from tools.messages import embedded_api as msg

CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"

# field number -> (JSON name, kind): "str", "int", "bool", "bytes", "raw", "time", ("msg", Schema),
# ("map", kind), ("list", kind)
Schema = dict[int, tuple[str, Any]]

_TIME: Schema = {1: ("seconds", "int"), 2: ("nanos", "int")}
_OWNER_REF = {1: ("kind", "str"), 3: ("name", "str"), 4: ("uid", "str"), 5: ("apiVersion", "str"),
              6: ("controller", "bool"), 7: ("blockOwnerDeletion", "bool")}
_OBJECT_META = {1: ("name", "str"), 2: ("generateName", "str"), 3: ("namespace", "str"), 4: ("selfLink", "str"),
                5: ("uid", "str"), 6: ("resourceVersion", "str"), 7: ("generation", "int"),
                8: ("creationTimestamp", "time"), 9: ("deletionTimestamp", "time"),
                10: ("deletionGracePeriodSeconds", "int"), 11: ("labels", ("map", "str")),
                12: ("annotations", ("map", "str")), 13: ("ownerReferences", ("list", ("msg", _OWNER_REF))),
                14: ("finalizers", ("list", "str"))}
_META = ("metadata", ("msg", _OBJECT_META))
KINDS: dict[str, Schema] = {
    "Namespace": {1: _META, 2: ("spec", ("msg", {1: ("finalizers", ("list", "str"))})),
                  3: ("status", ("msg", {1: ("phase", "str")}))},
    "ConfigMap": {1: _META, 2: ("data", ("map", "str")), 3: ("binaryData", ("map", "bytes")),
                  4: ("immutable", "bool")},
    "Secret": {1: _META, 2: ("data", ("map", "bytes")), 3: ("type", "str"), 4: ("stringData", ("map", "str")),
               5: ("immutable", "bool")},
}
_UNKNOWN = {1: ("typeMeta", ("msg", {1: ("apiVersion", "str"), 2: ("kind", "str")})), 2: ("raw", "raw")}


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    out = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        out |= (b & 0x7F) << shift
        if not b & 0x80:
            return out, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value): an int for a varint, the bytes of any other wire type."""
    pos = 0
    while pos < len(buf):
        tag, pos = _varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            n, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, value


def _scalar(kind: Any, value: Any) -> Any:
    if kind == "str":
        return value.decode("utf-8")
    if kind == "bytes":
        return base64.b64encode(value).decode()
    if kind == "raw":
        return value
    if kind == "int":
        return value - (1 << 64) if value >= 1 << 63 else value
    if kind == "bool":
        return bool(value)
    if kind == "time":
        t = _message(value, _TIME)
        if not t.get("seconds"):
            return ""  # the zero Time: unset
        return datetime.fromtimestamp(t["seconds"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(kind, tuple) and kind[0] == "msg":
        return _message(value, kind[1])
    raise ValueError(f"unknown field kind {kind!r}")


def _message(buf: bytes, schema: Schema) -> dict:
    out: dict = {}
    for number, value in _fields(buf):
        if number not in schema:
            continue
        name, kind = schema[number]
        if isinstance(kind, tuple) and kind[0] == "map":
            if not isinstance(value, bytes):
                raise ValueError(f"field {number} ({name}): a map entry must be length-delimited")
            entry = dict(_fields(value))
            out.setdefault(name, {})[_scalar("str", entry.get(1, b""))] = _scalar(kind[1], entry.get(2, b""))
        elif isinstance(kind, tuple) and kind[0] == "list":
            out.setdefault(name, []).append(_scalar(kind[1], value))
        else:
            out[name] = _scalar(kind, value)
    # Go writes empty optional fields; JSON clients would have omitted them
    return {k: v for k, v in out.items() if v not in ("", 0, {}, []) or isinstance(v, bool)}


def decode(body: bytes) -> dict:
    """The JSON form of a protobuf-encoded Namespace, ConfigMap or Secret."""
    if not body.startswith(MAGIC):
        raise BadRequest(msg.BAD_PROTOBUF.format(error="missing the k8s protobuf prefix"))
    try:
        unknown = _message(body[len(MAGIC):], _UNKNOWN)
        type_meta = unknown.get("typeMeta") or {}
        kind = type_meta.get("kind", "")
        if kind not in KINDS:
            raise UnsupportedMediaType(msg.UNSUPPORTED_BODY)
        obj = _message(unknown.get("raw", b""), KINDS[kind])
    except ValueError as exc:
        raise BadRequest(msg.BAD_PROTOBUF.format(error=exc)) from exc
    return {"apiVersion": type_meta.get("apiVersion", "v1"), "kind": kind, **obj}
