"""Server-side apply and ``metadata.managedFields``: a faithful-enough model of structured-merge-diff.

Field sets are sets of paths in the real FieldsV1 notation (``("f:spec", "f:policy", "f:placementType")``,
``("f:status", "f:conditions", 'k:{"type":"Ready"}', ".")``). Every write through the HTTP server
records ownership: apply requests as ``operation: Apply`` (the set is exactly what was applied),
other writes as ``operation: Update`` (fields they added or changed move to that manager).

Apply semantics: create if absent; otherwise merge the applied configuration into the live object
(maps merge by key; lists are atomic unless ``x-kubernetes-list-type: map``, merged by their keys);
fields this manager applied before and omits now are removed unless another manager owns them; a field
another manager owns with a different value is a conflict (409) unless ``force``, which takes it over.
An object without managedFields gets a ``before-first-apply`` Update manager owning what it holds, as
kube-apiserver does. Simplified: ``metadata`` tracks only labels, annotations, ownerReferences and
finalizers (the latter two atomic); sets (``x-kubernetes-list-type: set``) are atomic; explicit
``null`` in an applied configuration just drops that field from the configuration; fields that
admission later prunes stay in the applier's set; only ``status`` is reset per subresource.
"""
from __future__ import annotations

import copy
import json
from typing import Any

from tools.embedded.errors import Cause, Conflict
from tools.embedded.schema import child, items, map_keys
from tools.messages import embedded_api as msg

Path = tuple[str, ...]
_MISSING = object()
_META_GRANULAR = ("labels", "annotations")
_META_ATOMIC = ("ownerReferences", "finalizers")
BEFORE_FIRST_APPLY = "before-first-apply"


# --- field sets --------------------------------------------------------------------------------------


def _key_element(item: dict, keys: list[str]) -> str:
    return "k:" + json.dumps({k: item[k] for k in keys if k in item}, separators=(",", ":"))


def _walk(value: Any, schema: dict | None, prefix: Path, out: set[Path], dots: bool) -> None:
    atomic_map = (schema or {}).get("x-kubernetes-map-type") == "atomic"
    if isinstance(value, dict) and value and not atomic_map:
        if dots and prefix:
            out.add(prefix + (".",))
        for k, v in value.items():
            _walk(v, child(schema, k), prefix + (f"f:{k}",), out, dots)
        return
    keys = map_keys(schema)
    if keys and isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        if dots:
            out.add(prefix + (".",))
        for item in value:
            kp = prefix + (_key_element(item, keys),)
            out.add(kp + (".",))
            for k, v in item.items():
                _walk(v, child(items(schema), k), kp + (f"f:{k}",), out, dots)
        return
    out.add(prefix)


def in_scope(key: str, scope: str) -> bool:
    """``scope``: ``all`` (no status subresource), ``main`` (status excluded) or ``status``."""
    if key in ("apiVersion", "kind"):
        return False
    if scope == "status":
        return key == "status"
    return not (scope == "main" and key == "status")


def fieldset(obj: dict, schema: dict | None, scope: str, *, dots: bool = False) -> set[Path]:
    out: set[Path] = set()
    for k, v in (obj or {}).items():
        if not in_scope(k, scope):
            continue
        if k == "metadata":
            if scope == "status" or not isinstance(v, dict):
                continue
            for mk in _META_GRANULAR:
                if isinstance(v.get(mk), dict) and v[mk]:
                    _walk(v[mk], None, ("f:metadata", f"f:{mk}"), out, dots)
            for mk in _META_ATOMIC:
                if v.get(mk):
                    out.add(("f:metadata", f"f:{mk}"))
            continue
        _walk(v, child(schema, k), (f"f:{k}",), out, dots)
    return out


def to_fields_v1(paths: set[Path]) -> dict:
    root: dict = {}
    for p in sorted(paths):
        cur = root
        for el in p:
            cur = cur.setdefault(el, {})
    return root


def from_fields_v1(tree: dict, prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for k, v in (tree or {}).items():
        p = prefix + (k,)
        if k == "." or not v:
            out.add(p)
        else:
            out |= from_fields_v1(v, p)
    return out


def path_string(path: Path) -> str:
    """``.spec.policy.placementType`` / ``.status.conditions[type="Ready"]``, as conflict messages print paths."""
    out = ""
    for el in path:
        if el == ".":
            continue
        if el.startswith("f:"):
            out += "." + el[2:]
        elif el.startswith("k:"):
            keys = json.loads(el[2:])
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
        else:
            out += f"[{el}]"
    return out


def lookup(obj: Any, path: Path) -> Any:
    cur = obj
    for el in path:
        if el == ".":
            return cur
        if el.startswith("f:") and isinstance(cur, dict):
            cur = cur.get(el[2:], _MISSING)
        elif el.startswith("k:") and isinstance(cur, list):
            want = json.loads(el[2:])
            cur = next((i for i in cur if isinstance(i, dict) and all(i.get(k) == v for k, v in want.items())),
                       _MISSING)
        else:
            return _MISSING
        if cur is _MISSING:
            return _MISSING
    return cur


def _delete(obj: dict, path: Path) -> None:
    if path and path[-1] == ".":
        path = path[:-1]
    if not path:
        return
    parent = lookup(obj, path[:-1])
    el = path[-1]
    if el.startswith("f:") and isinstance(parent, dict):
        parent.pop(el[2:], None)
    elif el.startswith("k:") and isinstance(parent, list):
        want = json.loads(el[2:])
        parent[:] = [i for i in parent if not (isinstance(i, dict) and all(i.get(k) == v for k, v in want.items()))]


# --- managedFields entries ------------------------------------------------------------------------


class Entry:
    def __init__(self, raw: dict):
        self.raw = dict(raw)
        self.fields = from_fields_v1(raw.get("fieldsV1") or {})
        self.before = set(self.fields)

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.raw.get("manager", ""), self.raw.get("operation", ""), self.raw.get("subresource", ""))

    def dump(self, now: str, api_version: str | None = None) -> dict:
        out = dict(self.raw)
        if self.fields != self.before or "time" not in out:
            out["time"] = now
            if api_version:
                out["apiVersion"] = api_version
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = to_fields_v1(self.fields)
        return out


def _entries(obj: dict | None) -> list[Entry]:
    return [Entry(e) for e in ((obj or {}).get("metadata") or {}).get("managedFields") or [] if isinstance(e, dict)]


def _own(entries: list[Entry], manager: str, operation: str, subresource: str, api_version: str) -> Entry:
    for e in entries:
        if e.ident == (manager, operation, subresource):
            return e
    raw = {"manager": manager, "operation": operation, "apiVersion": api_version}
    if subresource:
        raw["subresource"] = subresource
    e = Entry(raw)
    entries.append(e)
    return e


def _dump(entries: list[Entry], own: Entry, now: str, api_version: str) -> list[dict]:
    return [e.dump(now, api_version if e is own else None) for e in entries if e.fields]


# --- operations ---------------------------------------------------------------------------------


def record_update(old: dict | None, new: dict, *, manager: str, api_version: str, schema: dict | None,
                  scope: str, now: str, base: list[dict] | None = None) -> list[dict]:
    """managedFields after a non-apply write (create, update, merge/JSON patch) by ``manager``."""
    subresource = "status" if scope == "status" else ""
    entries = [Entry(e) for e in base] if base is not None else _entries(old)
    old_set = fieldset(old or {}, schema, scope, dots=True)
    new_set = fieldset(new, schema, scope, dots=True)
    removed = old_set - new_set
    changed = {p for p in new_set if p not in old_set or (p[-1] != "." and lookup(old, p) != lookup(new, p))}
    own = _own(entries, manager, "Update", subresource, api_version)
    for e in entries:
        e.fields -= removed
        if e is not own:
            e.fields = {q for q in e.fields if q[-1] == "." or q not in changed}
    own.fields |= changed
    return _dump(entries, own, now, api_version)


def _conflict_manager(e: Entry) -> str:
    name = json.dumps(e.raw.get("manager", ""))
    if e.raw.get("subresource"):
        name += f' with subresource {json.dumps(e.raw["subresource"])}'
    if e.raw.get("operation") == "Update":
        name += f' using {e.raw.get("apiVersion", "")}'
        if e.raw.get("time"):
            name += f' at {e.raw["time"]}'
    return name


def _conflict_error(conflicts: list[tuple[Entry, Path]]) -> Conflict:
    causes = [Cause(path_string(p), msg.APPLY_CONFLICT_CAUSE.format(manager=_conflict_manager(e)),
                    "FieldManagerConflict") for e, p in conflicts]
    if len(conflicts) == 1:
        e, p = conflicts[0]
        text = msg.APPLY_CONFLICT_ONE.format(manager=_conflict_manager(e), path=path_string(p))
    else:
        by: dict[str, list[str]] = {}
        for e, p in conflicts:
            by.setdefault(_conflict_manager(e), []).append(path_string(p))
        lines = []
        for m in sorted(by):
            lines.append(f"conflicts with {m}:")
            lines += [f"- {p}" for p in by[m]]
        text = msg.APPLY_CONFLICT_MANY.format(n=len(conflicts), details="\n".join(lines))
    return Conflict(text, causes=causes)


def _drop_nulls(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_drop_nulls(x) for x in v]
    return v


def _merge(live: Any, applied: Any, schema: dict | None) -> Any:
    if isinstance(applied, dict) and isinstance(live, dict) and (schema or {}).get("x-kubernetes-map-type") != "atomic":
        merged = dict(live)
        for k, v in applied.items():
            merged[k] = _merge(live.get(k, _MISSING), v, child(schema, k))
        return merged
    keys = map_keys(schema)
    if keys and isinstance(applied, list) and isinstance(live, list):
        out = list(live)
        for item in applied:
            el = _key_element(item, keys) if isinstance(item, dict) else None
            idx = next((i for i, x in enumerate(out) if isinstance(x, dict) and el and _key_element(x, keys) == el),
                       None)
            if idx is None:
                out.append(copy.deepcopy(item))
            else:
                out[idx] = _merge(out[idx], item, items(schema))
        return out
    return copy.deepcopy(applied)


def _scoped(applied: dict, scope: str) -> dict:
    out = {}
    for k, v in applied.items():
        if not in_scope(k, scope):
            continue
        if k == "metadata":
            v = {mk: v[mk] for mk in _META_GRANULAR + _META_ATOMIC if isinstance(v, dict) and mk in v}
            if not v:
                continue
        out[k] = v
    return out


def apply(live: dict | None, applied: dict, *, manager: str, api_version: str, schema: dict | None,
          scope: str, force: bool, now: str) -> dict:
    """The object after ``manager`` applies ``applied`` (``live`` None: the object to create).

    Raises :class:`Conflict` (409) listing the fields other managers own with different values.
    """
    subresource = "status" if scope == "status" else ""
    applied = _drop_nulls(copy.deepcopy(applied))
    applied_set = fieldset(applied, schema, scope)
    if live is None:
        new = {k: v for k, v in applied.items() if k == "metadata" or in_scope(k, scope) or k in ("apiVersion", "kind")}
        new.setdefault("metadata", {})
        own = Entry({"manager": manager, "operation": "Apply", "apiVersion": api_version})
        own.fields = applied_set
        new["metadata"]["managedFields"] = _dump([own], own, now, api_version)
        return new
    entries = _entries(live)
    if not entries:
        first = Entry({"manager": BEFORE_FIRST_APPLY, "operation": "Update", "apiVersion": api_version})
        first.fields = fieldset(live, schema, scope)
        entries = [first]
    own = _own(entries, manager, "Apply", subresource, api_version)
    work = copy.deepcopy(live)
    others = set().union(*(e.fields for e in entries if e is not own))
    keep = others | applied_set
    gone = {p[:-1] if p[-1] == "." else p for p in own.fields - applied_set}
    gone = {n for n in gone if not any(q[:len(n)] == n for q in keep)}
    for node in gone:
        if not any(len(m) < len(node) and node[:len(m)] == m for m in gone):  # parents go whole
            _delete(work, node)
    new = _merge(work, _scoped(applied, scope), schema)
    # a conflict: a field another manager owns whose value this apply would change
    conflicts = [(e, q) for e in entries if e is not own and e.raw.get("manager") != manager
                 for q in sorted(e.fields) if q[-1] != "." and lookup(live, q) != lookup(new, q)]
    if conflicts and not force:
        raise _conflict_error(conflicts)
    for e, q in conflicts:
        e.fields.discard(q)
    own.fields = applied_set
    new.setdefault("metadata", {})["managedFields"] = _dump(entries, own, now, api_version)
    return new
