"""Patch formats of the Kubernetes API as pure functions: JSON merge patch, JSON patch, "strategic" merge.

- ``application/merge-patch+json``: RFC 7386 (:func:`merge_patch`).
- ``application/json-patch+json``: RFC 6902 add/remove/replace/move/copy/test (:func:`json_patch`).
- ``application/strategic-merge-patch+json``: built-ins only, applied as a merge patch with the
  ``$patch``/``$setElementOrder``/``$retainKeys``/``$deleteFromPrimitiveList`` directives dropped
  (:func:`strategic_merge_patch`; lists are replaced, not merged by key - a simplification).
- ``application/apply-patch+yaml``: server-side apply, in :mod:`tools.embedded.ssa`.
"""
from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from tools.embedded.errors import BadRequest, Cause, Invalid, UnsupportedMediaType
from tools.messages import embedded_api as msg

MERGE = "application/merge-patch+json"
JSON = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
CRD_PATCH_TYPES = (JSON, MERGE, APPLY)
BUILTIN_PATCH_TYPES = (JSON, MERGE, STRATEGIC, APPLY)


class PatchError(Exception):
    """A JSON patch that does not apply to the document (422, as kube-apiserver answers)."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _strip_directives(patch: Any) -> Any:
    if isinstance(patch, dict):
        if patch.get("$patch") == "delete":
            return None
        return {k: _strip_directives(v) for k, v in patch.items() if not k.startswith("$")}
    if isinstance(patch, list):
        return [_strip_directives(v) for v in patch if not (isinstance(v, dict) and "$patch" in v and len(v) == 1)]
    return patch


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """Strategic merge patch, simplified to a merge patch (built-ins only)."""
    return merge_patch(target, _strip_directives(patch))


# --- RFC 6902 ---------------------------------------------------------------------------------------


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"invalid JSON pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _index(container: list, token: str, *, for_add: bool = False) -> int:
    if for_add and token == "-":
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise PatchError(f"invalid array index: {token!r}")
    i = int(token)
    if i > len(container) or (i == len(container) and not for_add):
        raise PatchError(f"array index out of bounds: {i}")
    return i


def _parent(doc: Any, tokens: list[str], pointer: str) -> Any:
    cur = doc
    for t in tokens[:-1]:
        if isinstance(cur, dict) and t in cur:
            cur = cur[t]
        elif isinstance(cur, list):
            cur = cur[_index(cur, t)]
        else:
            raise PatchError(f'doc is missing path: "{pointer}": missing value')
    return cur


def _get(doc: Any, pointer: str) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        return doc
    parent = _parent(doc, tokens, pointer)
    last = tokens[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last)]
    raise PatchError(f'doc is missing path: "{pointer}": missing value')


def _add(doc: Any, pointer: str, value: Any) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        return value
    parent = _parent(doc, tokens, pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, for_add=True), value)
    else:
        raise PatchError(f'doc is missing path: "{pointer}": missing value')
    return doc


def _remove(doc: Any, pointer: str) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        raise PatchError("cannot remove the whole document")
    parent = _parent(doc, tokens, pointer)
    last = tokens[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list):
        del parent[_index(parent, last)]
    else:
        raise PatchError(f'unable to remove nonexistent key: {last}: missing value')
    return doc


def json_patch(doc: Any, ops: Any) -> Any:
    """Apply an RFC 6902 operation list to a copy of ``doc``; raises :class:`PatchError`."""
    if not isinstance(ops, list):
        raise PatchError("a JSON patch must be a list of operations")
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"invalid JSON patch operation: {json.dumps(op)}")
        kind, path = op["op"], op["path"]
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            doc = _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)
            doc = _add(_remove(doc, path), path, copy.deepcopy(op.get("value"))) if _tokens(path) else op.get("value")
        elif kind == "move":
            value = _get(doc, op["from"])
            doc = _add(_remove(doc, op["from"]), path, value)
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(_get(doc, op["from"])))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise PatchError(f"testing value {path} failed: test failed")
        else:
            raise PatchError(f"unexpected kind: {kind}")
    return doc


# --- request bodies ------------------------------------------------------------------------------


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(msg.BAD_JSON.format(error=exc)) from exc


def parse_yaml_or_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        pass
    try:
        return yaml.safe_load(raw.decode("utf-8", "replace"))
    except yaml.YAMLError as exc:
        raise BadRequest(msg.BAD_YAML.format(error=exc)) from exc


def apply_patch(patch_type: str, target: dict, raw: bytes, *, builtin: bool) -> dict:
    """Apply a merge/JSON/strategic patch body to ``target`` (apply patches go to :mod:`ssa`)."""
    allowed = BUILTIN_PATCH_TYPES if builtin else CRD_PATCH_TYPES
    if patch_type not in allowed or patch_type == APPLY:
        raise UnsupportedMediaType(msg.UNSUPPORTED_PATCH.format(accepted=", ".join(allowed)))
    body = parse_json(raw)
    if patch_type == JSON:
        try:
            out = json_patch(target, body)
        except PatchError as exc:
            raise Invalid(msg.JSON_PATCH_INVALID.format(error=exc),
                          causes=[Cause("", str(exc), "UnexpectedServerResponse")]) from exc
    elif patch_type == MERGE:
        if not isinstance(body, dict):
            raise BadRequest(msg.BODY_NOT_OBJECT)
        out = merge_patch(target, body)
    else:
        if not isinstance(body, dict):
            raise BadRequest(msg.BODY_NOT_OBJECT)
        out = strategic_merge_patch(target, body)
    if not isinstance(out, dict):
        raise BadRequest(msg.BODY_NOT_OBJECT)
    return out
