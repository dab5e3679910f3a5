"""Initialization of a ClusterStagedUpdateRun, as KubeFleet's ``updaterun/initialization.go`` does it.

Resolve the placement (it must use ``strategy.type: External``), its latest policy snapshot and bindings
(scheduled ones are updated by the stages, ``Unscheduled`` ones go to the deletion stage), the strategy
(frozen into the status), and the resource snapshot index (``""`` = what the placement selects on the hub now:
the snapshot holding it, cut at once when the hub agent has not cut it yet; ``"N"`` = that index, which must still
exist). The latest policy snapshot must be scheduled and have a binding for every cluster it counts ("not fully
scheduled" and a count mismatch are validation failures, final, as in KubeFleet). Each stage's clusters are the scheduled clusters its label selector
matches, ordered by ``sortingLabelKey`` (integer) then name; every scheduled cluster must be in exactly one
stage. Failures raise :class:`InitError` with KubeFleet's message.
"""
from __future__ import annotations

from tools.embedded.conditions import find
from tools.embedded.controllers import external as ext
from tools.embedded.controllers import snapshots as snap
from tools.embedded.controllers.matching import selector_matches
from tools.embedded.controllers.updaterun_status import DELETE_STAGE
from tools.embedded.crds import by_kind
from tools.embedded.errors import AlreadyExists, Conflict, NotFound
from tools.embedded.store import Store
from tools.fleet import conventions as cv
from tools.messages import embedded_staged as msg


class InitError(Exception):
    def __init__(self, detail: str):
        super().__init__(msg.ABORTED.format(detail=detail))
        self.message = str(self)


def strategy_type():
    return by_kind("ClusterStagedUpdateStrategy", cv.PLACEMENT_GROUP)


def snapshot_name(placement: str, index: int | str) -> str:
    return f"{placement}-{index}-snapshot"


def resolve_index(store: Store, hub: str, crp: dict, wanted: str, reader) -> int:
    name = crp["metadata"]["name"]
    if wanted:
        try:
            index = int(wanted)
            if index < 0:
                raise ValueError(wanted)
        except ValueError:
            raise InitError(msg.BAD_INDEX.format(index=wanted)) from None
        if not any(s["metadata"]["labels"].get(cv.RESOURCE_INDEX_LABEL) == str(index)
                   for s in snap.list_snapshots(store, hub, name, reader)):
            raise InitError(msg.NO_INDEX.format(index=index, placement=f"/{name}"))
        return index
    # No index: select what the placement selects on the hub *now* and get or cut its snapshot, without waiting
    # for the hub agent (KubeFleet's getResourceSnapshotObjs): the run rolls what is on the hub when it starts,
    # never an older snapshot the hub agent has not replaced yet.
    selected = snap.select(store, hub, crp, reader)
    try:
        return snap.ensure_snapshot(store, hub, crp, selected, reader)
    except (AlreadyExists, Conflict):  # the hub agent cut the same snapshot at the same moment: take it
        return snap.ensure_snapshot(store, hub, crp, selected, reader)


def initialize(store: Store, hub: str, run: dict, reader) -> tuple[dict, list[dict], list[dict]]:
    """The run's initial status fields, its to-be-updated and its to-be-deleted bindings."""
    spec = run["spec"]
    placement = spec["placementName"]
    try:
        crp = store.get(hub, snap.placement_type(), None, placement)
    except NotFound:
        raise InitError(msg.NO_PLACEMENT) from None
    if not ext.is_external(crp):
        raise InitError(msg.NOT_EXTERNAL.format(placement=f"/{placement}"))
    policy = ext.latest_policy_snapshot(reader, hub, placement)
    if policy is None:
        raise InitError(msg.NO_POLICY_SNAPSHOT.format(placement=f"/{placement}"))
    if (find((policy.get("status") or {}).get("conditions"), "Scheduled") or {}).get("status") != "True":
        raise InitError(msg.NOT_SCHEDULED.format(policy=policy["metadata"]["name"]))
    scheduled, doomed = split_bindings(reader, hub, placement, policy["metadata"]["name"])
    if not scheduled and not doomed:
        raise InitError(msg.NO_BINDINGS.format(policy=f'/{policy["metadata"]["name"]}'))
    ptype = ((crp["spec"].get("policy") or {}).get("placementType")) or "PickAll"
    if ptype == "PickAll":
        count = -1
    elif ptype == "PickFixed":
        count = len(crp["spec"]["policy"].get("clusterNames") or [])
    else:
        count = int((policy["metadata"].get("annotations") or {}).get(ext.NUMBER_OF_CLUSTERS_ANNOTATION, "0"))
    if count != -1 and count != len(scheduled):
        raise InitError(msg.COUNT_MISMATCH.format(n=len(scheduled), count=count))
    try:
        strategy = store.get(hub, strategy_type(), None, spec["stagedRolloutStrategyName"])
    except NotFound:
        raise InitError(msg.NO_STRATEGY.format(strategy=f'/{spec["stagedRolloutStrategyName"]}')) from None
    index = resolve_index(store, hub, crp, spec.get("resourceSnapshotIndex") or "", reader)
    mcs = {m["metadata"]["name"]: m for m in reader.list(hub, by_kind("MemberCluster", cv.CLUSTER_GROUP))[0]}
    stages = compute_stages(run["metadata"]["name"], strategy["spec"], sorted(b["spec"]["targetCluster"]
                                                                               for b in scheduled), mcs)
    status: dict = {
        "policySnapshotIndexUsed": str(ext.policy_index(policy)),
        "policyObservedClusterCount": count,
        "resourceSnapshotIndexUsed": str(index),
        "stagedUpdateStrategySnapshot": strategy["spec"],
        "stagesStatus": stages,
        "deletionStageStatus": {"stageName": DELETE_STAGE,
                                "clusters": [{"clusterName": c} for c in
                                             sorted(b["spec"]["targetCluster"] for b in doomed)]},
    }
    apply_strategy = (crp["spec"].get("strategy") or {}).get("applyStrategy")
    if apply_strategy:
        status["appliedStrategy"] = apply_strategy
    return status, scheduled, doomed


def split_bindings(reader, hub: str, placement: str, policy_name: str) -> tuple[list[dict], list[dict]]:
    scheduled, doomed = [], []
    for b in ext.list_bindings(reader, hub, placement):
        state = b["spec"].get("state")
        if state == "Unscheduled":
            doomed.append(b)
        elif b["spec"].get("schedulingPolicySnapshotName") == policy_name and not b["metadata"].get("deletionTimestamp"):
            scheduled.append(b)
    return scheduled, doomed


def compute_stages(run_name: str, strategy: dict, clusters: list[str], mcs: dict[str, dict]) -> list[dict]:
    placed: set[str] = set()
    out = []
    for stage in strategy.get("stages") or []:
        name = stage["name"]
        key = stage.get("sortingLabelKey")
        members = []
        for c in clusters:
            labels = (mcs.get(c) or {}).get("metadata", {}).get("labels") or {}
            if not selector_matches(stage.get("labelSelector"), labels):
                continue
            if c in placed:
                raise InitError(msg.DUPLICATE.format(cluster=c))
            if key:
                try:
                    int(labels.get(key, ""))
                except ValueError:
                    raise InitError(msg.BAD_SORT_LABEL.format(key=key, value=labels.get(key, ""), cluster=c)) from None
            placed.add(c)
            members.append((int(labels[key]) if key else 0, c))
        status: dict = {"stageName": name, "clusters": [{"clusterName": c} for _, c in sorted(members)]}
        if stage.get("beforeStageTasks"):
            status["beforeStageTaskStatus"] = [
                {"type": t["type"], "approvalRequestName": f"{run_name}-before-{name}"}
                for t in stage["beforeStageTasks"]]
        if stage.get("afterStageTasks"):
            status["afterStageTaskStatus"] = [
                {"type": t["type"], **({"approvalRequestName": f"{run_name}-after-{name}"}
                                       if t["type"] == "Approval" else {})}
                for t in stage["afterStageTasks"]]
        out.append(status)
    missing = sorted(set(clusters) - placed)
    if missing:
        raise InitError(msg.UNSTAGED.format(n=len(missing), names=", ".join(missing[:10])))
    return out


def max_concurrency(value: object, n: int) -> int:
    """``maxConcurrency`` (int or "NN%", default 1) for a stage of ``n`` clusters: fractions round down, min 1."""
    if value is None:
        return 1
    if isinstance(value, str) and value.endswith("%"):
        try:
            pct = int(value[:-1])
        except ValueError:
            raise InitError(msg.BAD_CONCURRENCY.format(value=value)) from None
        return max(1, n * pct // 100)
    try:
        return max(1, int(str(value)))
    except ValueError:
        raise InitError(msg.BAD_CONCURRENCY.format(value=value)) from None
