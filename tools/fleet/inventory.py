"""Pure functions that turn raw KubeFleet/KAITO objects into the typed read models.

No I/O: the adapter fetches, these compute. Eligibility mirrors KubeFleet's scheduler
(pkg/scheduler/clustereligibilitychecker): not being deleted; a MemberAgent status; last heartbeat
less than 5 minutes old; MemberAgent Joined=True; Healthy not non-True for more than 5 minutes. Taints
are checked separately by the scheduler; fleetops reports a tainted cluster as not eligible for placement,
naming the taint. GPU numbers follow demo-fleet.yaml's rules (see ``tools.fleet.models``).
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from tools.catalog import Catalog
from tools.fleet import conventions as cv
from tools.fleet import rollout
from tools.fleet.models import (
    Cluster,
    ClusterDeploymentState,
    Cordon,
    Deployment,
    GpuPool,
    Revision,
    RevisionHistory,
    Taint,
)
from tools.messages import fleet as text


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _cond(conds: list[dict] | None, ctype: str) -> dict | None:
    return next((c for c in conds or [] if c.get("type") == ctype), None)


def _fmt_age(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 120:
        return f"{int(minutes)} min"
    return f"{minutes / 60:.1f} h"


def _json_annotation(meta: dict, key: str) -> Mapping[str, Any]:
    """A JSON object annotation (empty when absent or not one), read-only: parsed once per distinct text (a
    large fleet's MemberClusters change at every heartbeat, their capacity and price annotations seldom)."""
    raw = (meta.get("annotations") or {}).get(key)
    return _json_object(raw) if raw else {}


@lru_cache(maxsize=65536)
def _json_object(raw: str) -> Mapping[str, Any]:
    try:
        val = json.loads(raw)
    except ValueError:
        return MappingProxyType({})
    return MappingProxyType(val) if isinstance(val, dict) else MappingProxyType({})


@dataclass(frozen=True)
class Standing:
    """What a MemberCluster says of its member agent, parsed (``standing_of``): its eligibility at any time is
    then ``eligibility_at`` (no parsing: a large fleet's clusters are brought to the time of each snapshot)."""

    deleting: bool
    heartbeat: datetime | None  # None: no member agent status, or no heartbeat in it
    joined: bool
    joined_status: str
    unhealthy_since: datetime | None  # when its Healthy condition stopped being True (None: healthy or unknown)
    unhealthy: bool


def standing_of(mc: dict) -> Standing:
    meta, status = mc.get("metadata") or {}, mc.get("status") or {}
    agent = next((a for a in status.get("agentStatus") or [] if a.get("type") == "MemberAgent"), None)
    joined_c = _cond((agent or {}).get("conditions"), "Joined") or _cond(status.get("conditions"), "Joined")
    healthy = _cond((agent or {}).get("conditions"), "Healthy")
    unhealthy = bool(healthy and healthy.get("status") != "True")
    return Standing(deleting=bool(meta.get("deletionTimestamp")),
                    heartbeat=parse_time((agent or {}).get("lastReceivedHeartbeat")) if agent is not None else None,
                    joined=bool(joined_c and joined_c.get("status") == "True"),
                    joined_status=(joined_c or {}).get("status", "absent"),
                    unhealthy_since=parse_time((healthy or {}).get("lastTransitionTime")) if unhealthy else None,
                    unhealthy=unhealthy)


def eligibility_at(st: Standing, now: datetime) -> tuple[bool, str | None, bool, float | None]:
    """(eligible before taints, reason, joined, heartbeat age in seconds) of a member standing ``st`` at ``now``."""
    hb, joined = st.heartbeat, st.joined
    age = (now - hb).total_seconds() if hb else None
    if st.deleting:
        return False, text.BEING_DELETED, joined, age
    if hb is None:
        return False, text.NO_HEARTBEAT, joined, age
    if age is not None and age > cv.HEARTBEAT_MAX_AGE_SECONDS:
        return False, text.HEARTBEAT_STALE.format(age=_fmt_age(age)), joined, age
    if not joined:
        return False, text.NOT_JOINED.format(status=st.joined_status), joined, age
    since = st.unhealthy_since
    if st.unhealthy and since and (now - since).total_seconds() > cv.HEARTBEAT_MAX_AGE_SECONDS:
        return False, text.UNHEALTHY, joined, age
    return True, None, joined, age


def eligibility(mc: dict, now: datetime) -> tuple[bool, str | None, bool, float | None]:
    """(eligible before taints, reason, joined, heartbeat age in seconds)."""
    return eligibility_at(standing_of(mc), now)


def _quantity(value: str | None) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def capacity_of(mc: dict, nodes: list[dict] | None = None) -> dict[str, int]:
    """GPU nodes per instance type: the capacity annotation; else Azure per-VM-size counts; else Nodes."""
    meta, status = mc.get("metadata") or {}, mc.get("status") or {}
    cap = {k: int(v) for k, v in _json_annotation(meta, cv.GPU_CAPACITY_ANNOTATION).items()}
    if cap:
        return cap
    props = status.get("properties") or {}
    prefix, suffix = "kubernetes.azure.com/vm-sizes/", "/count"
    for key, val in props.items():
        if key.startswith(prefix) and key.endswith(suffix):
            n = _quantity((val or {}).get("value"))
            if n:
                cap[key[len(prefix):-len(suffix)]] = n
    if cap:
        return cap
    for node in nodes or []:
        labels = (node.get("metadata") or {}).get("labels") or {}
        gpus = ((node.get("status") or {}).get("allocatable") or {}).get(cv.GPU_RESOURCE)
        sku = labels.get(cv.INSTANCE_TYPE_LABEL)
        if sku and gpus and str(gpus) != "0":
            cap[sku] = cap.get(sku, 0) + 1
    return cap


def kaito_spec(obj: dict) -> tuple[str, str, int]:
    """(model preset, instance type, replicas) of a Workspace or InferenceSet."""
    if obj.get("kind") == "InferenceSet":
        spec = obj.get("spec") or {}
        tmpl = spec.get("template") or {}
        model = (((tmpl.get("inference") or {}).get("preset")) or {}).get("name", "")
        sku = (tmpl.get("resource") or {}).get("instanceType", "")
        return model, sku, int(spec.get("replicas", 1))
    model = (((obj.get("inference") or {}).get("preset")) or {}).get("name", "")
    sku = (obj.get("resource") or {}).get("instanceType", "")
    return model, sku, 1


def sku_overrides(kaito_obj: dict, overrides: list[dict]) -> dict[str, str]:
    """Per-cluster instance types that ResourceOverrides in the object's namespace set for it."""
    meta = kaito_obj.get("metadata") or {}
    out: dict[str, str] = {}
    for ro in overrides:
        if (ro.get("metadata") or {}).get("namespace") != meta.get("namespace"):
            continue
        spec = ro.get("spec") or {}
        if not any(sel.get("kind") == kaito_obj.get("kind") and sel.get("name") == meta.get("name")
                   for sel in spec.get("resourceSelectors") or []):
            continue
        for rule in (spec.get("policy") or {}).get("overrideRules") or []:
            sku = next((p.get("value") for p in rule.get("jsonPatchOverrides") or []
                        if p.get("op") in ("replace", "add") and str(p.get("path", "")).endswith("/resource/instanceType")),
                       None)
            if not sku:
                continue
            for term in (rule.get("clusterSelector") or {}).get("clusterSelectorTerms") or []:
                member = ((term.get("labelSelector") or {}).get("matchLabels") or {}).get(cv.MEMBER_NAME_LABEL)
                if member:
                    out[member] = sku
    return out


def used_nodes(placed: list[tuple[str, dict]], catalog: Catalog,
               overrides: list[dict] | None = None) -> dict[tuple[str, str], int]:
    """Nodes in use per (cluster, instance type): Σ nodes-per-replica × replicas over placed KAITO objects."""
    used: dict[tuple[str, str], int] = defaultdict(int)
    for cluster, obj in placed:
        model, sku, replicas = kaito_spec(obj)
        sku = sku_overrides(obj, overrides or []).get(cluster, sku) if overrides else sku
        m = catalog.get(model) if model else None
        per = (m.nodes_on(sku) if m else None) or int((obj.get("status") or {}).get("targetNodeCount") or 1)
        used[(cluster, sku)] += per * replicas
    return dict(used)


def cluster_from(mc: dict, catalog: Catalog, used: dict[tuple[str, str], int], deployments: list[str],
                 now: datetime | None = None, nodes: list[dict] | None = None) -> Cluster:
    now = now or datetime.now(UTC)
    meta, spec, status = mc.get("metadata") or {}, mc.get("spec") or {}, mc.get("status") or {}
    labels = meta.get("labels") or {}
    name = meta["name"]
    taints = [Taint(key=t.get("key", ""), value=t.get("value", "") or "", effect=t.get("effect", "NoSchedule"))
              for t in spec.get("taints") or []]
    ok, reason, joined, age = _standing(standing_of(mc), taints, now)
    cordon = cordon_of(mc)
    prices = _json_annotation(meta, cv.GPU_PRICE_ANNOTATION)
    pools = []
    for sku, cap in sorted(capacity_of(mc, nodes).items()):
        s = catalog.sku(sku)
        pools.append(GpuPool(
            instance_type=sku, gpu=s.gpu if s else "unknown", gpus_per_node=s.gpus if s else 0,
            capacity_nodes=cap, used_nodes=used.get((name, sku), 0),
            price_per_node_hour=float(prices[sku]) if sku in prices else None))
    props = status.get("properties") or {}
    return Cluster(
        name=name,
        region=labels.get(cv.LABELS["region"]),
        geo=labels.get(cv.LABELS["geo"]),
        environment=labels.get(cv.LABELS["environment"]),
        provider=labels.get(cv.LABELS["provider"]),
        labels=labels,
        kubernetes_version=(props.get(cv.K8S_VERSION_PROPERTY) or {}).get("value"),
        node_count=_quantity((props.get(cv.NODE_COUNT_PROPERTY) or {}).get("value")),
        joined=joined,
        heartbeat_age_seconds=_age(age),
        taints=taints,
        cordon=cordon,
        eligible=ok,
        ineligible_reason=reason,
        gpus=pools,
        deployments=sorted(deployments),
        resource_version=version_token(mc),
    )


def _standing(st: Standing, taints: list[Taint], now: datetime) -> tuple[bool, str | None, bool, float | None]:
    """``eligibility_at``, with taints making an eligible cluster ineligible."""
    ok, reason, joined, age = eligibility_at(st, now)
    if ok and taints:
        ok, reason = False, text.TAINTED.format(taints=", ".join(str(t) for t in taints))
    return ok, reason, joined, age


def _age(age: float | None) -> float | None:
    return round(age, 1) if age is not None else None


def cluster_at(cluster: Cluster, st: Standing, now: datetime) -> Cluster:
    """``cluster``, made by ``cluster_from`` from a MemberCluster of standing ``st`` (``standing_of``; and the same
    usage), as it stands at ``now``: only what time changes (heartbeat age, eligibility) is worked out again; the
    rest (GPU pools, labels, taints, cordon) is reused."""
    ok, reason, joined, age = _standing(st, cluster.taints, now)
    return cluster.model_copy(update={"eligible": ok, "ineligible_reason": reason, "joined": joined,
                                      "heartbeat_age_seconds": _age(age)})


def cordon_of(mc: dict) -> Cordon | None:
    """The fleetops cordon of a MemberCluster: its taint plus who/why/when from the annotations (the
    taint's value is the reason when the annotation is missing, e.g. a cordon set by hand)."""
    meta, spec = mc.get("metadata") or {}, mc.get("spec") or {}
    taint = next((t for t in spec.get("taints") or [] if t.get("key") == cv.CORDON_TAINT_KEY), None)
    if taint is None:
        return None
    ann = meta.get("annotations") or {}
    return Cordon(reason=ann.get(cv.CORDON_REASON_ANNOTATION) or taint.get("value") or None,
                  by=ann.get(cv.CORDON_BY_ANNOTATION) or None, at=ann.get(cv.CORDON_AT_ANNOTATION) or None,
                  change_id=ann.get(cv.CORDON_CHANGE_ANNOTATION) or None)


# the conditions of a member's KAITO object ``state_of`` reads: the summary of its kind, and the two that say
# what fails (read only when False)
SUMMARY_CONDITIONS = ("WorkspaceSucceeded", "InferenceSetReady")
FAILING_CONDITIONS = ("ResourceReady", "InferenceReady")


def state_of(obj: dict | None, cluster: str) -> ClusterDeploymentState:
    """A member's KAITO object → Ready | Progressing | Failed | Pending (absent) with reason and message."""
    if obj is None:
        return ClusterDeploymentState(cluster=cluster, state="Pending", reason="NotPlacedYet",
                                      message="the KAITO object has not reached this cluster yet")
    name = obj["metadata"]["name"]
    if obj["metadata"].get("deletionTimestamp"):
        return ClusterDeploymentState(cluster=cluster, state="Deleting", kaito_object=name)
    gen = int(obj["metadata"].get("generation") or 0)
    conds = [c for c in (obj.get("status") or {}).get("conditions") or []  # drop what predates the spec
             if int(c.get("observedGeneration", gen)) >= gen]
    ready_replicas = None
    if obj.get("kind") == "InferenceSet":
        summary = _cond(conds, "InferenceSetReady")
        ready_replicas = (obj.get("status") or {}).get("readyReplicas")
    else:
        summary = _cond(conds, "WorkspaceSucceeded")
    if summary and summary.get("status") == "True":
        return ClusterDeploymentState(cluster=cluster, state="Ready", reason=summary.get("reason"),
                                      message=summary.get("message"), kaito_object=name,
                                      ready_replicas=ready_replicas)
    failing = next((c for c in (_cond(conds, t) for t in FAILING_CONDITIONS) if c
                    and c.get("status") == "False"), None)
    if summary and summary.get("status") == "False":
        src = failing if failing and not summary.get("message") else summary
        return ClusterDeploymentState(cluster=cluster, state="Failed", reason=src.get("reason"),
                                      message=src.get("message"), kaito_object=name, ready_replicas=ready_replicas)
    src = failing or summary or {}
    return ClusterDeploymentState(cluster=cluster, state="Progressing", reason=src.get("reason") or "Pending",
                                  message=src.get("message"), kaito_object=name, ready_replicas=ready_replicas)


def state_from_placement(crp: dict | None, cluster: str) -> ClusterDeploymentState:
    """Without member access: what the hub's placement status says about the latest resource snapshot
    (``Ready`` with reason ``HubView`` when applied and available there; KAITO readiness unknown)."""
    try:
        latest = int(((crp or {}).get("status") or {}).get("observedResourceIndex", ""))
    except ValueError:
        latest = None
    name = ((crp or {}).get("metadata") or {}).get("name", "")
    st = rollout.placement_state(crp, cluster, latest, name)
    if st.reason == "NoSnapshotYet":
        return ClusterDeploymentState(cluster=cluster, state="Pending", reason="NotScheduled", message=st.message)
    return st


def _record(raw: str) -> Revision | None:
    try:
        return Revision.model_validate(json.loads(raw))
    except ValueError:
        return None


def revisions_from_configmap(cm: dict | None) -> list[Revision]:
    out = [r for r in map(_record, ((cm or {}).get("data") or {}).values()) if r is not None]
    return sorted(out, key=lambda r: r.revision)


def _shown_record(raw: str) -> Revision:
    rec = _record(raw)
    assert rec is not None  # (``revision_history`` kept only the records that parse)
    return _shown(rec)


def revision_history(cm: dict | None) -> RevisionHistory:
    """The records of revision ConfigMap ``cm`` as a deployment shows them (``_shown``), each record parsed
    again only when read (``RevisionHistory``): every record is validated here, and only its number and
    whether it was carried out are kept besides its text."""
    entries = []
    for raw in ((cm or {}).get("data") or {}).values():
        rec = _record(raw)
        if rec is not None:
            entries.append((rec.revision, rec.carried_out, raw))
    entries.sort(key=lambda e: e[0])
    return RevisionHistory(entries, _shown_record)


def revisions_from_snapshots(snapshots: list[dict]) -> list[Revision]:
    """Fallback for deployments fleetops did not create: one revision per resource snapshot index."""
    out = []
    for snap in snapshots:
        labels = (snap.get("metadata") or {}).get("labels") or {}
        try:
            idx = int(labels.get(cv.RESOURCE_INDEX_LABEL, ""))
        except ValueError:
            continue
        kaito = [r for r in (snap.get("spec") or {}).get("selectedResources") or []
                 if r.get("kind") in ("Workspace", "InferenceSet")]
        if not kaito:
            continue
        model, sku, replicas = kaito_spec(kaito[-1])
        out.append(Revision(revision=idx + 1, model=model, instance_type=sku, replicas=replicas,
                            manifests=(snap.get("spec") or {}).get("selectedResources") or [],
                            applied_at=(snap.get("metadata") or {}).get("creationTimestamp")))
    return sorted(out, key=lambda r: r.revision)


def primary_kaito(objs: list[dict]) -> dict | None:
    """The KAITO object that represents a deployment now: the highest fleetops revision label."""
    def rev(o: dict) -> int:
        try:
            return int(((o.get("metadata") or {}).get("labels") or {}).get(cv.REVISION_LABEL, "0"))
        except ValueError:
            return 0
    return max(objs, key=lambda o: (rev(o), o["metadata"].get("creationTimestamp", ""))) if objs else None


def _revision_label(obj: dict) -> int:
    try:
        return int(((obj.get("metadata") or {}).get("labels") or {}).get(cv.REVISION_LABEL, "0"))
    except ValueError:
        return 0


def _shown(r: Revision) -> Revision:
    """A record as a person reads it: one whose change did not finish says so in its note."""
    if r.status is None:
        return r
    what = text.REVISION_IN_PROGRESS if r.status == "in_progress" else text.REVISION_FAILED
    note = what.format(change=r.change_id or "?") + (f"; {r.note}" if r.note else "")
    return r.model_copy(update={"note": note})


# MemberCluster: member agents rewrite its status at every heartbeat; HorizontalPodAutoscaler: the HPA
# controller rewrites its status at every sync
STATUS_WRITTEN_KINDS = ("ClusterResourcePlacement", "Workspace", "InferenceSet", "MemberCluster",
                        "HorizontalPodAutoscaler")


def version_token(obj: dict | None) -> str | None:
    """What a plan records as its base for an object: the generation for kinds whose status controllers
    rewrite all the time (a CRP's placement status must not make every plan stale), else the
    resourceVersion. None when the object does not exist."""
    if obj is None:
        return None
    meta = obj.get("metadata") or {}
    if obj.get("kind") in STATUS_WRITTEN_KINDS:
        return f"g{meta.get('generation', 0)}:" + ",".join(
            f"{k}={v}" for k, v in sorted((meta.get("labels") or {}).items()))
    return meta.get("resourceVersion")


def deployment_from(name: str, kaito_objs: list[dict], crp: dict | None, revisions: RevisionHistory,
                    states: list[ClusterDeploymentState], namespace_obj: dict | None = None,
                    revisions_rv: str | None = None, overrides: list[dict] | None = None) -> Deployment:
    # a revision whose change is still in progress (or was interrupted) is not claimed: the deployment is
    # at its last carried-out revision, represented by an object that revision labelled
    pending = revisions.pending()
    primary = primary_kaito([o for o in kaito_objs if _revision_label(o) not in pending]) or \
        primary_kaito(kaito_objs)
    model, sku, replicas = kaito_spec(primary) if primary else ("", "", 1)
    clusters = list(((crp or {}).get("spec") or {}).get("policy", {}).get("clusterNames") or [])
    rev = revisions.last_carried_out()
    if primary and _revision_label(primary) not in pending:
        rev = max(rev, _revision_label(primary))
    rvs: dict[str, str | None] = {f"Namespace/{name}": version_token(namespace_obj),
                                  f"ClusterResourcePlacement/{name}": version_token(crp)}
    for o in kaito_objs:
        rvs[f"{o['kind']}/{name}/{o['metadata']['name']}"] = version_token(o)
    for ro in overrides or []:
        rvs[f"ResourceOverride/{name}/{ro['metadata']['name']}"] = version_token(ro)
    rvs[f"ConfigMap/{cv.REVISIONS_NAMESPACE}/{cv.revisions_configmap_name(name)}"] = revisions_rv
    removing = bool(((namespace_obj or {}).get("metadata") or {}).get("deletionTimestamp"))
    return Deployment(
        removing=removing, name=name, model=model, instance_type=sku, replicas=replicas, revision=rev, clusters=clusters,
        states=states, revisions=revisions, kaito_kind=(primary or {}).get("kind", "Workspace"),
        kaito_name=(primary or {}).get("metadata", {}).get("name"), resource_versions=rvs,
        instance_types={c: t for c, t in (sku_overrides(primary, overrides or []) if primary else {}).items()
                        if t != sku and c in clusters},
        other_kaito=[f"{o['kind']}/{o['metadata']['name']}" for o in kaito_objs if o is not primary],
        labels=dict(((namespace_obj or {}).get("metadata") or {}).get("labels") or {}))
