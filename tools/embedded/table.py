"""``meta.k8s.io/v1`` Table responses, what ``kubectl get`` asks for (``Accept: ...;as=Table;...``).

CRDs use their ``additionalPrinterColumns`` (simple JSONPath: ``.a.b``, ``[0]``, ``[*]`` and
``[?(@.type=="Ready")]`` filters); built-ins get the columns kubectl users know (Namespace STATUS,
Node STATUS/ROLES/VERSION, ConfigMap DATA, Secret TYPE/DATA). NAME first and AGE as kubectl prints it.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from tools.embedded.store import ResourceType

_NAME = {"name": "Name", "type": "string", "format": "name", "priority": 0,
         "description": "Name must be unique within a namespace."}
_AGE = {"name": "Age", "type": "string", "format": "", "priority": 0,
        "description": "CreationTimestamp is a timestamp representing the server time when this object was created."}
_TOKEN = re.compile(r"""\.((?:\\\.|[A-Za-z0-9_\-/])+)|\[(\*|\d+)\]|\[\?\(@\.([A-Za-z0-9_.\-]+)\s*==\s*["']([^"']*)["']\)\]""")


def wants_table(accept: str | None) -> bool:
    return accept is not None and "as=Table" in accept


def human_age(ts: str | None, now: datetime | None = None) -> str:
    """kubectl's ``duration.HumanDuration`` of the time since ``ts``."""
    if not ts:
        return "<unknown>"
    try:
        then = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return "<invalid>"
    secs = int(((now or datetime.now(UTC)) - then).total_seconds())
    if secs < -1:
        return "<invalid>"
    secs = max(secs, 0)
    mins, hours, days = secs // 60, secs // 3600, secs // 86400
    if secs < 120:
        return f"{secs}s"
    if mins < 10:
        return f"{mins}m{secs % 60}s" if secs % 60 else f"{mins}m"
    if hours < 3:
        return f"{mins}m"
    if hours < 8:
        return f"{hours}h{mins % 60}m" if mins % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    years = days // 365
    return f"{years}y{days % 365}d" if years < 8 and days % 365 else f"{years}y"


def jsonpath(obj: Any, expr: str) -> list[Any]:
    """Evaluate the JSONPath subset printer columns use; returns every match."""
    expr = expr.strip()
    if expr.startswith("{") and expr.endswith("}"):
        expr = expr[1:-1]
    if expr.startswith("$"):
        expr = expr[1:]
    current = [obj]
    pos = 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            return []
        pos = m.end()
        field, index, fkey, fval = m.groups()
        nxt: list[Any] = []
        for cur in current:
            if field is not None:
                key = field.replace("\\.", ".")
                if isinstance(cur, dict) and key in cur:
                    nxt.append(cur[key])
            elif index is not None:
                if isinstance(cur, list):
                    if index == "*":
                        nxt.extend(cur)
                    elif int(index) < len(cur):
                        nxt.append(cur[int(index)])
                elif isinstance(cur, dict) and index == "*":
                    nxt.extend(cur.values())
            else:
                for item in cur if isinstance(cur, list) else []:
                    v = jsonpath(item, "." + fkey)
                    if v and str(v[0]) == fval:
                        nxt.append(item)
        current = nxt
    return current


def _cell(value: Any, col_type: str) -> Any:
    if col_type == "date":
        return human_age(value if isinstance(value, str) else None)
    if col_type in ("integer", "number") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if col_type == "boolean" and isinstance(value, bool):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _crd_columns(rt: ResourceType, version: str) -> list[dict]:
    cols = rt.printer_columns.get(version) or rt.printer_columns.get(rt.storage_version) or []
    out = []
    for c in cols:
        if c.get("jsonPath") == ".metadata.creationTimestamp" and c.get("name", "").lower() == "age":
            continue
        out.append({"name": c["name"], "type": "string" if c.get("type") == "date" else c.get("type", "string"),
                    "format": c.get("format", ""), "description": c.get("description", ""),
                    "priority": int(c.get("priority", 0)), "_path": c["jsonPath"], "_type": c.get("type", "string")})
    return out


def _node_status(o: dict) -> str:
    ready = jsonpath(o, '.status.conditions[?(@.type=="Ready")].status')
    status = "Ready" if ready and ready[0] == "True" else ("NotReady" if ready else "Unknown")
    return status + (",SchedulingDisabled" if (o.get("spec") or {}).get("unschedulable") else "")


def _node_roles(o: dict) -> str:
    labels = (o.get("metadata") or {}).get("labels") or {}
    roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/") and "/" in k)
    return ",".join(r for r in roles if r) or "<none>"


_BUILTIN = {
    "namespaces": [("Status", "string", lambda o: (o.get("status") or {}).get("phase", ""))],
    "nodes": [("Status", "string", _node_status), ("Roles", "string", _node_roles)],
    "configmaps": [("Data", "integer", lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {}))],
    "secrets": [("Type", "string", lambda o: o.get("type", "")),
                ("Data", "integer", lambda o: len(o.get("data") or {}))],
}
_BUILTIN_TAIL = {"nodes": [("Version", "string", lambda o: ((o.get("status") or {}).get("nodeInfo") or {})
                            .get("kubeletVersion", ""))]}


def _builtin_row(rt: ResourceType, o: dict) -> tuple[list[dict], list[Any]]:
    head = [(n, t, f) for n, t, f in _BUILTIN.get(rt.plural, [])]
    tail = _BUILTIN_TAIL.get(rt.plural, [])
    cols = [dict(_NAME)] + [{"name": n, "type": t, "format": "", "description": n, "priority": 0}
                            for n, t, _ in head] + [dict(_AGE)] + \
        [{"name": n, "type": t, "format": "", "description": n, "priority": 0} for n, t, _ in tail]
    meta = o.get("metadata") or {}
    cells = [meta.get("name", "")] + [f(o) for _, _, f in head] + [human_age(meta.get("creationTimestamp"))] + \
        [f(o) for _, _, f in tail]
    return cols, cells


def columns(rt: ResourceType, version: str) -> list[dict]:
    if rt.group == "":
        return _builtin_row(rt, {})[0]
    return [dict(_NAME)] + [{k: v for k, v in c.items() if not k.startswith("_")}
                            for c in _crd_columns(rt, version)] + [dict(_AGE)]


def row(rt: ResourceType, version: str, obj: dict, include_object: str = "Metadata") -> dict:
    meta = obj.get("metadata") or {}
    if rt.group == "":
        cells = _builtin_row(rt, obj)[1]
    else:
        cells = [meta.get("name", "")]
        for c in _crd_columns(rt, version):
            found = jsonpath(obj, c["_path"])
            cells.append(_cell(found[0], c["_type"]) if found else None)
        cells.append(human_age(meta.get("creationTimestamp")))
    out: dict = {"cells": cells}
    if include_object == "Object":
        out["object"] = obj
    elif include_object != "None":
        out["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    return out


def table(rt: ResourceType, version: str, objs: list[dict], resource_version: str, *,
          include_object: str = "Metadata", headers: bool = True) -> dict:
    """A ``meta.k8s.io/v1`` Table of ``objs`` (already served at ``version``)."""
    out = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
           "rows": [row(rt, version, o, include_object) for o in objs]}
    if headers:
        out["columnDefinitions"] = columns(rt, version)
    return out
