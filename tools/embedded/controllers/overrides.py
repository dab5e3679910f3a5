"""ResourceOverride / ClusterResourceOverride as KubeFleet applies them per member (FLEET_API §8).

``apply(obj, cluster, labels, overrides, crp)`` returns the object to place on that cluster (``None``
when a ``Delete`` rule says not to place it) and the names of the overrides that applied. JSON patch
``add``/``replace``/``remove`` with ``~1``/``~0`` escapes; variables ``${MEMBER-CLUSTER-NAME}`` and
``${MEMBER-CLUSTER-LABEL-KEY-<key>}``.
"""
from __future__ import annotations

import copy
import re

from tools.embedded.controllers.matching import selector_matches

_LABEL_VAR = re.compile(r"\$\{MEMBER-CLUSTER-LABEL-KEY-([^}]+)\}")


class OverrideError(ValueError):
    pass


def _targets(override: dict, obj: dict) -> bool:
    spec = override.get("spec") or {}
    meta = obj["metadata"]
    group = obj["apiVersion"].rpartition("/")[0]
    if override["kind"] == "ResourceOverride":
        if (override["metadata"].get("namespace") or "") != meta.get("namespace"):
            return False
        selectors = spec.get("resourceSelectors") or []
    else:
        if meta.get("namespace"):
            return False
        selectors = spec.get("clusterResourceSelectors") or []
    return any(s.get("group", "") == group and s.get("kind") == obj["kind"] and s.get("name") == meta["name"]
               for s in selectors)


def _rule_applies(rule: dict, labels: dict) -> bool:
    sel = rule.get("clusterSelector")
    if sel is None:
        return False
    terms = sel.get("clusterSelectorTerms") or []
    return not terms or any(selector_matches(t.get("labelSelector") or {}, labels) for t in terms)


def _substitute(value, cluster: str, labels: dict):
    if isinstance(value, str):
        value = value.replace("${MEMBER-CLUSTER-NAME}", cluster)

        def label(m: re.Match) -> str:
            if m.group(1) not in labels:
                raise OverrideError(f"cluster {cluster} has no label {m.group(1)}")
            return labels[m.group(1)]
        return _LABEL_VAR.sub(label, value)
    if isinstance(value, list):
        return [_substitute(v, cluster, labels) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, cluster, labels) for k, v in value.items()}
    return value


def _patch(doc: dict, op: str, path: str, value) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]
    if not parts or parts == [""]:
        raise OverrideError(f"invalid path {path!r}")
    cur = doc
    for p in parts[:-1]:
        if isinstance(cur, list):
            cur = cur[int(p)]
        else:
            if p not in cur and op == "add":
                cur[p] = {}
            cur = cur[p]
    last = parts[-1]
    if isinstance(cur, list):
        idx = len(cur) if last == "-" else int(last)
        if op == "add":
            cur.insert(idx, value)
        elif op == "replace":
            cur[idx] = value
        else:
            del cur[idx]
        return
    if op in ("add", "replace"):
        if op == "replace" and last not in cur:
            raise OverrideError(f"path {path} does not exist")
        cur[last] = value
    elif op == "remove":
        cur.pop(last, None)


def apply(obj: dict, cluster: str, labels: dict, overrides: list[dict], crp: str) -> tuple[dict | None, list[dict]]:
    out = copy.deepcopy(obj)
    used: list[dict] = []
    for ov in sorted(overrides, key=lambda o: o["metadata"]["name"]):
        placement = (ov.get("spec") or {}).get("placement")
        if placement and placement.get("name") != crp:
            continue
        if not _targets(ov, obj):
            continue
        for rule in ((ov.get("spec") or {}).get("policy") or {}).get("overrideRules") or []:
            if not _rule_applies(rule, labels):
                continue
            ref = {"name": ov["metadata"]["name"]}
            if ov["metadata"].get("namespace"):
                ref["namespace"] = ov["metadata"]["namespace"]
            if ref not in used:
                used.append(ref)
            if rule.get("overrideType") == "Delete":
                return None, used
            for p in rule.get("jsonPatchOverrides") or []:
                try:
                    _patch(out, p.get("op", "replace"), p.get("path", ""), _substitute(p.get("value"), cluster, labels))
                except (KeyError, IndexError, ValueError, TypeError) as e:
                    raise OverrideError(f"override {ov['metadata']['name']}: {e}") from e
    return out, used
