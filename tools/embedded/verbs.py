"""The resource verbs of the embedded API server (get, list, create, update, patch, apply, delete, scale).

Each function takes a :class:`Call` (one parsed request) and returns ``(http_code, body)``. Objects are
stored at the storage version and served at the requested one (conversion ``None``: only ``apiVersion``
changes). Every write records ``metadata.managedFields`` (:mod:`tools.embedded.ssa`); ``dryRun=All``
runs admission and returns the result without storing it.
"""
from __future__ import annotations

import base64
import copy
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from tools.embedded import patch as patches
from tools.embedded import protobuf, ssa, table
from tools.embedded.errors import (
    AlreadyExists,
    ApiError,
    BadRequest,
    Cause,
    Conflict,
    NotFound,
    UnsupportedMediaType,
    invalid,
)
from tools.embedded.objectmeta import fold_string_data
from tools.embedded.schema import prune
from tools.embedded.store import NAMESPACE, ResourceType, Store, now_rfc3339, spec_part
from tools.messages import embedded_api as msg

_RETRIES = 8


@dataclass
class Call:
    store: Store
    cluster: str
    rt: ResourceType
    version: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    accept: str = ""
    user_agent: str = ""
    body: bytes = b""

    @property
    def item(self) -> str:
        """The object's name: the router calls the verbs on one object only for a path that names one."""
        if self.name is None:
            raise NotFound(msg.NOT_FOUND_PATH)
        return self.name

    @property
    def api_version(self) -> str:
        return self.rt.api_version(self.version)

    @property
    def schema(self) -> dict | None:
        return self.rt.schemas.get(self.version)

    @property
    def dry_run(self) -> bool:
        return self.params.get("dryRun") == "All"

    @property
    def manager(self) -> str:
        return self.params.get("fieldManager") or (self.user_agent.split("/", 1)[0] if self.user_agent else "unknown")

    @property
    def scope(self) -> str:
        if self.subresource == "status":
            return "status"
        return "main" if self.rt.status_subresource else "all"

    def serve(self, obj: dict) -> dict:
        out = copy.deepcopy(obj)
        out["apiVersion"] = self.api_version
        out["kind"] = self.rt.kind
        return out

    def view(self, obj: dict) -> dict:
        """``serve`` for a response that is only encoded: shares ``obj``'s values (a stored object lent by
        ``Store.scan`` or an event), never to be changed. Lists and watches of thousands of objects copied
        each one twice, the first time under the store's lock."""
        return {**obj, "apiVersion": self.api_version, "kind": self.rt.kind}


# --- reads ------------------------------------------------------------------------------------------


def get(call: Call) -> tuple[int, dict]:
    obj = call.serve(call.store.get(call.cluster, call.rt, call.namespace, call.item))
    if table.wants_table(call.accept):
        return 200, table.table(call.rt, call.version, [obj], obj["metadata"].get("resourceVersion", ""),
                                include_object=call.params.get("includeObject", "Metadata"))
    return 200, obj


def list_(call: Call) -> tuple[int, dict]:
    """A list; with ``limit``, one page of it and ``metadata.continue`` for the next (as the real server: the
    token carries the first page's resourceVersion, which every page reports; unlike it, a later page shows the
    objects as they are then — a client that watches from that resourceVersion sees any change since anyway)."""
    objs, rv = call.store.scan(call.cluster, call.rt, call.namespace, call.params.get("labelSelector"),
                               call.params.get("fieldSelector"))
    meta: dict[str, Any] = {"resourceVersion": rv}
    token = call.params.get("continue")
    limit = call.params.get("limit")
    if token or limit:
        objs, meta = _page(objs, rv, token, limit)
    items = [call.view(o) for o in objs]  # (encoded, never changed: table rows and JSON only read them)
    if table.wants_table(call.accept):
        return 200, table.table(call.rt, call.version, items, meta["resourceVersion"],
                                include_object=call.params.get("includeObject", "Metadata"))
    return 200, {"kind": f"{call.rt.kind}List", "apiVersion": call.api_version, "metadata": meta, "items": items}


def _page(objs: list[dict], rv: str, token: str | None, limit: str | None) -> tuple[list[dict], dict[str, Any]]:
    try:
        size = int(limit) if limit else 0
        start = json.loads(base64.urlsafe_b64decode(token.encode())) if token else None
    except ValueError:
        raise BadRequest(msg.BAD_CONTINUE) from None
    if start is not None:
        if not (isinstance(start, dict) and isinstance(start.get("after"), list)):
            raise BadRequest(msg.BAD_CONTINUE)
        rv, after = str(start.get("rv", rv)), tuple(start["after"])
        objs = [o for o in objs if (o["metadata"].get("namespace", ""), o["metadata"]["name"]) > after]
    meta: dict[str, Any] = {"resourceVersion": rv}
    if size > 0 and len(objs) > size:
        last = objs[size - 1]["metadata"]
        meta["continue"] = base64.urlsafe_b64encode(json.dumps(
            {"rv": rv, "after": [last.get("namespace", ""), last["name"]]}).encode()).decode()
        meta["remainingItemCount"] = len(objs) - size
        objs = objs[:size]
    return objs, meta


# --- helpers ----------------------------------------------------------------------------------------


def _body(call: Call) -> dict:
    ctype = call.content_type
    if ctype == protobuf.CONTENT_TYPE:
        data = protobuf.decode(call.body)
    elif "yaml" in ctype:
        data = patches.parse_yaml_or_json(call.body)
    elif ctype in ("application/json", "", "*/*", "text/plain"):
        data = patches.parse_json(call.body)
    else:
        raise UnsupportedMediaType(msg.UNSUPPORTED_BODY)
    if not isinstance(data, dict):
        raise BadRequest(msg.BODY_NOT_OBJECT)
    return fold_string_data(call.rt, data)


def _gr(rt: ResourceType) -> str:
    return f"{rt.plural}.{rt.group}" if rt.group else rt.plural


def _check_identity(call: Call, obj: dict) -> None:
    """apiVersion/kind of the body must be the URL's; the name too, when both are given."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if (api_version and api_version != call.api_version) or (kind and kind != call.rt.kind):
        raise BadRequest(msg.KIND_MISMATCH.format(body=f"{api_version}, Kind={kind}",
                                                  url=f"{call.api_version}, Kind={call.rt.kind}"))
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise BadRequest(msg.BODY_NOT_OBJECT)
    if call.name and meta.get("name") and meta["name"] != call.name:
        raise BadRequest(msg.NAME_MISMATCH.format(body=meta["name"], url=call.name))
    if call.name:
        meta["name"] = call.name
    obj["apiVersion"], obj["kind"] = call.api_version, call.rt.kind


def _dry_create(call: Call, obj: dict) -> dict:
    store, rt = call.store, call.rt
    meta = obj.setdefault("metadata", {})
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
    if rt.namespaced:
        meta["namespace"] = call.namespace
        store.get(call.cluster, NAMESPACE, None, call.namespace or "")
    try:
        store.get(call.cluster, rt, call.namespace, meta.get("name", ""))
        raise AlreadyExists(msg.ALREADY_EXISTS.format(resource=_gr(rt), name=meta["name"]),
                            kind=rt.plural, name=meta["name"], group=rt.group)
    except NotFound:
        pass
    if store.admit:
        obj = store.admit(call.cluster, rt, obj, None, None)
    obj["metadata"].update(uid=str(uuid.uuid4()), creationTimestamp=now_rfc3339(), generation=1)
    return obj


def _dry_replace(call: Call, old: dict, new: dict) -> dict:
    new = copy.deepcopy(new)
    if call.subresource == "status":
        status, mf = new.get("status"), (new.get("metadata") or {}).get("managedFields")
        new = copy.deepcopy(old)
        new.pop("status", None)
        if status is not None:
            new["status"] = status
        if mf is not None:
            new["metadata"]["managedFields"] = mf
    else:
        if call.rt.status_subresource:
            new.pop("status", None)
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
        for k in ("uid", "creationTimestamp", "namespace", "name", "generation", "resourceVersion"):
            if k in old["metadata"]:
                new["metadata"][k] = old["metadata"][k]
    if call.store.admit:
        new = call.store.admit(call.cluster, call.rt, new, copy.deepcopy(old), call.subresource)
    if call.subresource != "status" and spec_part(new) != spec_part(old):
        new["metadata"]["generation"] = int(old["metadata"].get("generation", 1)) + 1
    return new


def _write(call: Call, old: dict, new: dict, *, check_rv: bool = True) -> dict:
    if call.dry_run:
        return _dry_replace(call, old, new)
    return call.store.replace(call.cluster, call.rt, call.namespace, call.item, new,
                              subresource=call.subresource, check_rv=check_rv)


def _create(call: Call, obj: dict) -> dict:
    if call.dry_run:
        return _dry_create(call, obj)
    return call.store.create(call.cluster, call.rt, call.namespace, obj)


# --- writes ----------------------------------------------------------------------------------------


def create(call: Call) -> tuple[int, dict]:
    obj = _body(call)
    _check_identity(call, obj)
    if call.rt.status_subresource:
        obj.pop("status", None)
    meta = obj["metadata"]
    meta.pop("managedFields", None)
    meta["managedFields"] = ssa.record_update(None, obj, manager=call.manager, api_version=call.api_version,
                                              schema=call.schema, scope=call.scope, now=now_rfc3339())
    return 201, call.serve(_create(call, obj))


def update(call: Call) -> tuple[int, dict]:
    obj = _body(call)
    _check_identity(call, obj)
    old = call.serve(call.store.get(call.cluster, call.rt, call.namespace, call.item))
    base = obj["metadata"].get("managedFields")
    base = base if isinstance(base, list) else old["metadata"].get("managedFields") or []
    obj["metadata"]["managedFields"] = ssa.record_update(
        old, obj, manager=call.manager, api_version=call.api_version, schema=call.schema, scope=call.scope,
        now=now_rfc3339(), base=base)
    return 200, call.serve(_write(call, old, obj))


def patch(call: Call) -> tuple[int, dict]:
    ctype = call.content_type
    if ctype == patches.APPLY:
        return apply(call)
    if "force" in call.params:
        raise invalid("PatchOptions", "", "meta.k8s.io",
                      [Cause("force", msg.FORBIDDEN.format(detail=msg.FORCE_NON_APPLY), "FieldValueForbidden")])
    for attempt in range(_RETRIES):
        old = call.serve(call.store.get(call.cluster, call.rt, call.namespace, call.item))
        new = fold_string_data(call.rt, patches.apply_patch(ctype, old, call.body, builtin=call.rt.group == ""))
        meta = new.setdefault("metadata", {})
        meta.update(name=old["metadata"]["name"])
        if call.rt.namespaced:
            meta["namespace"] = call.namespace
        new["apiVersion"], new["kind"] = call.api_version, call.rt.kind
        explicit_rv = meta.get("resourceVersion") not in (None, old["metadata"].get("resourceVersion"))
        if not explicit_rv:
            meta["resourceVersion"] = old["metadata"].get("resourceVersion")
        meta["managedFields"] = ssa.record_update(
            old, new, manager=call.manager, api_version=call.api_version, schema=call.schema, scope=call.scope,
            now=now_rfc3339(), base=old["metadata"].get("managedFields") or [])
        try:
            return 200, call.serve(_write(call, old, new))
        except Conflict:
            if explicit_rv or attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def apply(call: Call) -> tuple[int, dict]:
    if not call.params.get("fieldManager"):
        raise invalid("PatchOptions", "", "meta.k8s.io",
                      [Cause("fieldManager", msg.REQUIRED_DETAIL.format(detail=msg.FIELD_MANAGER_REQUIRED),
                             "FieldValueRequired")])
    applied = patches.parse_yaml_or_json(call.body)
    if not isinstance(applied, dict) or not applied.get("apiVersion") or not applied.get("kind"):
        raise BadRequest(msg.APPLY_NEEDS_OBJECT)
    _check_identity(call, applied)
    _undeclared_fields(call, applied)
    fold_string_data(call.rt, applied)
    if call.rt.namespaced:
        applied["metadata"]["namespace"] = call.namespace
    force = call.params.get("force", "").lower() == "true"

    def merged(live: dict | None) -> dict:
        return ssa.apply(live, applied, manager=call.manager, api_version=call.api_version, schema=call.schema,
                         scope=call.scope, force=force, now=now_rfc3339())

    for attempt in range(_RETRIES):
        try:
            live = call.serve(call.store.get(call.cluster, call.rt, call.namespace, call.item))
        except NotFound:
            if call.subresource:
                raise
            new = merged(None)
            try:
                return 201, call.serve(_create(call, new))
            except AlreadyExists:
                continue
        new = merged(live)
        new["metadata"]["resourceVersion"] = live["metadata"].get("resourceVersion")
        try:
            return 200, call.serve(_write(call, live, new))
        except Conflict as exc:
            if exc.causes or attempt == _RETRIES - 1:
                raise
    raise Conflict(msg.APPLY_RETRIES)


def _undeclared_fields(call: Call, applied: dict) -> None:
    """kube-apiserver builds a typed object from an apply configuration before anything else; a field the
    schema does not declare fails that step with a 500 (not the 400 of a strict create or update)."""
    if call.schema is None:
        return
    unknown: list[str] = []
    prune(copy.deepcopy(applied), call.schema, "", unknown, resource=True)
    unknown = [p for p in unknown if not p.startswith("metadata.")]
    if unknown:
        gvk = f"{call.api_version}, Kind={call.rt.kind}"
        raise ApiError(msg.SSA_UNDECLARED.format(
            gvk=gvk, fields=", ".join(msg.SSA_UNDECLARED_FIELD.format(path=p) for p in unknown)))


def delete(call: Call) -> tuple[int, dict]:
    opts: Any = {}  # DeleteOptions as sent: JSON, checked below
    if call.body.strip():
        opts = patches.parse_json(call.body) or {}
    old = call.store.get(call.cluster, call.rt, call.namespace, call.item)
    pre = (opts.get("preconditions") or {}) if isinstance(opts, dict) else {}
    for k in ("uid", "resourceVersion"):
        if pre.get(k) and pre[k] != old["metadata"].get(k):
            raise Conflict(msg.PRECONDITION_FAILED.format(resource=_gr(call.rt), name=call.name, key=k, want=pre[k],
                                                          have=old["metadata"].get(k)),
                           kind=call.rt.plural, name=call.name or "", group=call.rt.group)
    dry = call.dry_run or (isinstance(opts, dict) and "All" in (opts.get("dryRun") or []))
    gone = old if dry else call.store.delete(call.cluster, call.rt, call.namespace, call.item)
    if call.rt.group == "" and call.rt.plural != "namespaces":
        return 200, success(call.rt, gone)
    return 200, call.serve(gone)


def delete_collection(call: Call) -> tuple[int, dict]:
    objs, _ = call.store.list(call.cluster, call.rt, call.namespace, call.params.get("labelSelector"),
                              call.params.get("fieldSelector"))
    if not call.dry_run:
        for o in objs:
            try:
                call.store.delete(call.cluster, call.rt, o["metadata"].get("namespace"), o["metadata"]["name"])
            except NotFound:
                pass
    return 200, success(call.rt, None)


def success(rt: ResourceType, obj: dict | None) -> dict:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": msg.DELETED_STATUS_OK}
    if obj is not None:
        body["details"] = {"name": obj["metadata"]["name"], "kind": rt.plural, "uid": obj["metadata"].get("uid")}
        if rt.group:
            body["details"]["group"] = rt.group
    return body


# --- /scale -------------------------------------------------------------------------------------------


def _scale_of(obj: dict) -> dict:
    meta = obj["metadata"]
    keep = {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta}
    status = obj.get("status") or {}
    return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": keep,
            "spec": {"replicas": int((obj.get("spec") or {}).get("replicas", 0))},
            "status": {"replicas": int(status.get("replicas", 0)), "selector": status.get("selector", "")}}


def scale(call: Call, method: str) -> tuple[int, dict]:
    """``/scale`` maps to ``.spec.replicas`` / ``.status.replicas`` / ``.status.selector``."""
    obj = call.serve(call.store.get(call.cluster, call.rt, call.namespace, call.item))
    if method == "GET":
        return 200, _scale_of(obj)
    current = _scale_of(obj)
    if method == "PUT":
        wanted = _body(call)
    else:
        wanted = patches.apply_patch(call.content_type, current, call.body, builtin=True)
    replicas = (wanted.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise invalid("Scale", call.name or "", "autoscaling",
                      [Cause("spec.replicas", msg.INVALID.format(value=replicas, detail=msg.SCALE_NEGATIVE))])
    obj.setdefault("spec", {})["replicas"] = replicas
    main = Call(**{**call.__dict__, "subresource": None})
    new = _write(main, obj, obj, check_rv=False)
    return 200, _scale_of(new)
