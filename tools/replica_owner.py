"""Who owns an autoscaled deployment's replica count on the members. Pure.

KubeFleet's work applier re-applies every field the placed manifest sets (``whenToApply: Always``; with the
default ``comparisonOption: PartialComparison`` only the fields the manifest *sets* are Fleet's). The hub
InferenceSet sets ``spec.replicas``, so Fleet would reset every scaling decision of the member's HPA. The
supported way out (KubeFleet ResourceOverride, ``jsonPatchOverrides`` ``op: remove``) is a rule for every
cluster (``clusterSelectorTerms: []``) removing ``spec.replicas`` from the manifest KubeFleet applies there;
the field is then unmanaged and left to the HPA. ``whenToApply: IfNotDrifted`` would instead stop applying the
whole object on a cluster once the HPA scaled it (later updates would never arrive there), and leaving
``spec.replicas`` off the hub copy does not work (the CRD defaults it to 1 on the hub).

KubeFleet accepts one ResourceOverride per resource, so the rule lives in the KAITO object's override
(``conventions.kaito_override_name``) beside its per-cluster instance-type rules.

``keep(plan, ...)``: an update of an autoscaled deployment (``change.build``) keeps the rule, and a blue/green
update points the HPA at the new InferenceSet once it serves (before the old one goes), so autoscaling goes on.

``hpa_manifest(...)``: the HorizontalPodAutoscaler itself (``autoscaling/v2``) on a KAITO InferenceSet.

``autoscale_at(revisions, n)``: autoscaling as revision ``n`` left it (the last revision up to ``n`` that
recorded it), so a rollback knows whether to remove or restore the HPA.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence

from tools import manifests as mf
from tools.fleet import conventions as cv
from tools.fleet.models import Deployment, Revision
from tools.plan import ObjectRef, Plan, Step

RULE = {"clusterSelector": {"clusterSelectorTerms": []},
        "jsonPatchOverrides": [{"op": "remove", "path": cv.REPLICAS_PATH}]}


def hpa_manifest(deployment: str, target: str, min_replicas: int, max_replicas: int) -> dict:
    return {"apiVersion": cv.HPA_API_VERSION, "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": cv.hpa_name(deployment), "namespace": deployment,
                         "labels": {cv.DEPLOYMENT_LABEL: deployment, cv.MANAGED_BY_LABEL: cv.MANAGED_BY_VALUE}},
            "spec": {"scaleTargetRef": {"apiVersion": f"{cv.KAITO_GROUP}/{cv.KAITO_VERSION}", "kind": "InferenceSet",
                                        "name": target},
                     "minReplicas": min_replicas, "maxReplicas": max_replicas,
                     "metrics": [{"type": "Pods", "pods": {
                         "metric": {"name": cv.AUTOSCALE_METRIC},
                         "target": {"type": "AverageValue", "averageValue": cv.AUTOSCALE_TARGET_AVERAGE}}}]}}


def is_rule(rule: dict) -> bool:
    return rule.get("overrideType", "JSONPatch") == "JSONPatch" and \
        [(p.get("op"), p.get("path")) for p in rule.get("jsonPatchOverrides") or []] == [("remove", cv.REPLICAS_PATH)]


def _rules(ro: dict | None) -> list[dict]:
    return list((((ro or {}).get("spec") or {}).get("policy") or {}).get("overrideRules") or [])


def has_rule(ro: dict | None) -> bool:
    return any(is_rule(r) for r in _rules(ro))


def with_rule(ro: dict | None, deployment: str, kaito_kind: str, kaito_name: str) -> dict:
    """``ro`` (the KAITO object's override, or None) with the rule added (once); a new override when None."""
    out: dict
    if ro is None:
        out = {"apiVersion": f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}", "kind": "ResourceOverride",
               "metadata": {"name": cv.kaito_override_name(kaito_name), "namespace": deployment,
                            "labels": {cv.DEPLOYMENT_LABEL: deployment, cv.MANAGED_BY_LABEL: cv.MANAGED_BY_VALUE}},
               "spec": {"placement": {"name": deployment, "scope": "Cluster"},
                        "resourceSelectors": [{"group": cv.KAITO_GROUP, "version": cv.KAITO_VERSION,
                                               "kind": kaito_kind, "name": kaito_name}],
                        "policy": {"overrideRules": []}}}
    else:
        out = mf.desired(ro)
    rules = [r for r in _rules(out) if not is_rule(r)] + [copy.deepcopy(RULE)]
    out["spec"].setdefault("policy", {})["overrideRules"] = rules
    return out


def without_rule(ro: dict) -> dict | None:
    """``ro`` without the rule; None when nothing else is left in it (then it goes)."""
    out = mf.desired(ro)
    rules = [r for r in _rules(out) if not is_rule(r)]
    if not rules:
        return None
    out["spec"]["policy"]["overrideRules"] = rules
    return out


def state(min_replicas: int, max_replicas: int) -> dict[str, int]:
    return {"min_replicas": min_replicas, "max_replicas": max_replicas}


def autoscale_at(revisions: Sequence[Revision], revision: int) -> dict[str, int]:
    """Autoscaling as ``revision`` left it: the last recorded state up to it ({} = off, also when none was)."""
    for r in sorted(revisions, key=lambda r: r.revision, reverse=True):
        if r.revision <= revision and r.autoscaling is not None:
            return dict(r.autoscaling)
    return {}


def live_state(hpa: dict | None) -> dict[str, int]:
    """What a live HPA says ({} without one)."""
    if hpa is None:
        return {}
    spec = hpa.get("spec") or {}
    return state(int(spec.get("minReplicas") or 1), int(spec.get("maxReplicas") or 1))


def keep(p: Plan, deployment: str, live_override: dict | None, current: Deployment | None = None) -> None:
    """An update of an autoscaled deployment (its override has the rule) keeps the rule on the InferenceSet it
    leaves running: every override of that object the plan applies gets it, and an override the plan would
    delete (no instance-type rules left) stays as it is. Without this, the next update would hand the replica
    count back to KubeFleet and undo the HPA again."""
    if live_override is None or not has_rule(live_override) or p.strategy not in ("in_place", "blue_green"):
        return
    final = next((m for m in reversed(p.manifests) if m["kind"] in ("Workspace", "InferenceSet")), None)
    if final is None or final["kind"] != "InferenceSet":
        return
    name = final["metadata"]["name"]
    ro_name = cv.kaito_override_name(name)

    def ours(m: dict | None) -> bool:
        return m is not None and m.get("kind") == "ResourceOverride" and m["metadata"]["name"] == ro_name

    p.manifests = [with_rule(m, deployment, "InferenceSet", name) if ours(m) else m for m in p.manifests]
    for s in p.steps:
        if s.kind == "apply" and ours(s.manifest):
            s.manifest = with_rule(s.manifest, deployment, "InferenceSet", name)
    p.deletes = [d for d in p.deletes if not (d.kind == "ResourceOverride" and d.name == ro_name)]
    p.steps = [s for s in p.steps if not (s.kind == "delete" and s.ref is not None
                                          and s.ref.kind == "ResourceOverride" and s.ref.name == ro_name)]
    if not any(ours(m) for m in p.manifests) and live_override["metadata"]["name"] != ro_name:
        ro = with_rule(None, deployment, "InferenceSet", name)  # a new InferenceSet (blue/green): its own
        p.manifests.append(ro)
        p.steps.append(Step(kind="apply", manifest=ro))
    _retarget_hpa(p, deployment, name, current)


def _retarget_hpa(p: Plan, deployment: str, new_name: str, current: Deployment | None) -> None:
    """Blue/green of an autoscaled deployment: the HPA follows the new InferenceSet. It is pointed there right
    after the new side is ready and before the old side is deleted (the undo points it back)."""
    if p.strategy != "blue_green" or current is None or current.kaito_name in (None, new_name):
        return
    scaled = autoscale_at(current.revisions, current.revision)
    if not scaled:
        return
    lo, hi = scaled["min_replicas"], scaled["max_replicas"]
    hpa = hpa_manifest(deployment, new_name, lo, hi)
    ready = next((i for i, s in enumerate(p.steps) if s.kind == "wait_ready"), len(p.steps) - 1)
    p.steps.insert(ready + 1, Step(kind="apply", manifest=hpa))
    p.manifests.append(hpa)
    p.undo.insert(0, Step(kind="apply", manifest=hpa_manifest(deployment, str(current.kaito_name), lo, hi)))
    ref = ObjectRef(apiVersion=cv.HPA_API_VERSION, kind="HorizontalPodAutoscaler", name=cv.hpa_name(deployment),
                    namespace=deployment)
    p.deletes = [d for d in p.deletes if d != ref]
