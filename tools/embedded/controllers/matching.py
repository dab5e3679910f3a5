"""metav1.LabelSelector matching and taint toleration, as KubeFleet's scheduler applies them."""
from __future__ import annotations


def selector_matches(selector: dict | None, labels: dict | None) -> bool:
    """``None`` selects nothing; ``{}`` selects everything (the Kubernetes convention)."""
    if selector is None:
        return False
    labels = labels or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), set(expr.get("values") or [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def tolerated(taint: dict, tolerations: list[dict] | None) -> bool:
    for t in tolerations or []:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("operator") == "Exists" and (not t.get("key") or t.get("key") == taint.get("key")):
            return True
        if t.get("key") == taint.get("key") and (t.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def untolerated_taints(member_cluster: dict, tolerations: list[dict] | None) -> list[dict]:
    return [t for t in (member_cluster.get("spec") or {}).get("taints") or [] if not tolerated(t, tolerations)]


def affinity_matches(policy: dict, member_cluster: dict) -> bool:
    """Required cluster affinity (label part; property selectors are ignored by the simulation)."""
    req = (((policy.get("affinity") or {}).get("clusterAffinity") or {})
           .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if not req:
        return True
    labels = (member_cluster.get("metadata") or {}).get("labels") or {}
    terms = req.get("clusterSelectorTerms") or []
    return not terms or any(selector_matches(t.get("labelSelector") or {}, labels) for t in terms)
