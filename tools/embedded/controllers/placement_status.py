"""ClusterResourcePlacement status as KubeFleet's placement controller writes it (FLEET_API §4.2).

Per cluster: Scheduled, RolloutStarted, Overridden, WorkSynchronized, Applied, Available, in that order
and cut after the first one that is not True (as KubeFleet does). Placement-wide: the same types with
the ``ClusterResourcePlacement`` prefix, aggregated over the scheduled clusters. A KAITO object is not
availability-trackable, so Available is True with reason ``NotAllWorkAreAvailabilityTrackable``.
"""
from __future__ import annotations

from tools.embedded.conditions import make, merge
from tools.messages import embedded as msg

ORDER = ("Scheduled", "RolloutStarted", "Overridden", "WorkSynchronized", "Applied", "Available")
PREFIX = "ClusterResourcePlacement"


def work_name(crp: str) -> str:
    return f"{crp}-work"


def applied(cluster: str, index: int, gen: int, crp: str, overrides: list[dict], now: str) -> dict:
    ps: dict = {"clusterName": cluster, "observedResourceIndex": str(index)}
    if overrides:
        ps["applicableResourceOverrides"] = [o for o in overrides if o.get("namespace")]
        cro = [o["name"] for o in overrides if not o.get("namespace")]
        if cro:
            ps["applicableClusterResourceOverrides"] = cro
        overridden = make("Overridden", "True", "OverriddenSucceeded", msg.KF_OVERRIDDEN, gen, now)
    else:
        overridden = make("Overridden", "True", "NoOverrideSpecified", msg.KF_NO_OVERRIDE, gen, now)
    ps["conditions"] = [
        make("Scheduled", "True", "Scheduled", msg.KF_SCHEDULED.format(cluster=cluster), gen, now),
        make("RolloutStarted", "True", "RolloutStarted", msg.KF_ROLLOUT_STARTED, gen, now),
        overridden,
        make("WorkSynchronized", "True", "AllWorkSynced", msg.KF_WORK_SYNCED, gen, now),
        make("Applied", "True", "AllWorkHaveBeenApplied", msg.KF_APPLIED, gen, now),
        make("Available", "True", "NotAllWorkAreAvailabilityTrackable",
             msg.KF_NOT_TRACKABLE.format(work=work_name(crp)), gen, now),
    ]
    return ps


def apply_failed(cluster: str, index: int, gen: int, failures: list[dict], message: str, now: str) -> dict:
    ps = applied(cluster, index, gen, "", [], now)
    ps["conditions"] = ps["conditions"][:4] + [
        make("Applied", "False", "NotAllWorkHaveBeenApplied", message, gen, now)]
    ps["failedPlacements"] = failures[:100]
    return ps


def pending(cluster: str, index: int, gen: int, crp: str, now: str) -> dict:
    """The member agent has not applied snapshot ``index`` yet."""
    ps = applied(cluster, index, gen, crp, [], now)
    ps["conditions"] = ps["conditions"][:4] + [
        make("Applied", "Unknown", "ApplyPending", msg.KF_APPLY_WAITING.format(work=work_name(crp)), gen, now)]
    return ps


def unreachable(cluster: str, index: int, gen: int, crp: str, minutes: int, now: str) -> dict:
    ps = applied(cluster, index, gen, crp, [], now)
    ps["conditions"] = ps["conditions"][:4] + [
        make("Applied", "Unknown", "ApplyInProgress",
             msg.KF_APPLY_PENDING.format(work=work_name(crp), cluster=cluster, minutes=minutes), gen, now)]
    return ps


def unscheduled(cluster: str, gen: int, message: str, now: str) -> dict:
    ps: dict = {"conditions": [make("Scheduled", "False", "ScheduleFailed", message, gen, now)]}
    if cluster:
        ps["clusterName"] = cluster
    return ps


def _aggregate(ctype: str, scheduled: list[dict], gen: int, now: str) -> dict:
    states = []
    for ps in scheduled:
        c = next((c for c in ps.get("conditions") or [] if c["type"] == ctype), None)
        states.append(c["status"] if c else "Unknown")
    n = len(scheduled)
    if all(s == "True" for s in states):
        reason, text = {
            "RolloutStarted": ("RolloutStarted", msg.KF_ALL_ROLLED),
            "Overridden": ("NoOverrideSpecified", msg.KF_ALL_OVERRIDDEN),
            "WorkSynchronized": ("WorkSynchronized", msg.KF_ALL_SYNCED),
            "Applied": ("ApplySucceeded", msg.KF_ALL_APPLIED.format(n=n)),
            "Available": ("ResourceAvailable", msg.KF_ALL_AVAILABLE.format(n=n)),
        }[ctype]
        return make(PREFIX + ctype, "True", reason, text, gen, now)
    bad = "False" if "False" in states else "Unknown"
    count = sum(1 for s in states if s != "True")
    reason = {"Applied": "ApplyFailed" if bad == "False" else "ApplyPending",
              "Available": "ResourceNotAvailableYet" if bad == "False" else "ResourceAvailableUnknown",
              "WorkSynchronized": "WorkNotSynchronizedYet", "Overridden": "OverriddenFailed",
              "RolloutStarted": "RolloutNotStartedYet"}[ctype]
    what = {"Applied": "applied", "Available": "available", "WorkSynchronized": "synchronized",
            "Overridden": "overridden", "RolloutStarted": "rolled out"}[ctype]
    return make(PREFIX + ctype, bad, reason, msg.KF_SOME_PENDING.format(what=what, n=count), gen, now)


def placement_conditions(statuses: list[dict], wanted: int, gen: int, now: str) -> list[dict]:
    scheduled = [ps for ps in statuses
                 if any(c["type"] == "Scheduled" and c["status"] == "True" for c in ps.get("conditions") or [])]
    failed = [ps for ps in statuses if ps not in scheduled]
    if failed:
        names = ", ".join(ps.get("clusterName") or "(unfilled)" for ps in failed)
        conds = [make(PREFIX + "Scheduled", "False", "ScheduleFailed",
                      msg.KF_SOME_UNSCHEDULED.format(failed=len(failed), wanted=wanted, names=names), gen, now)]
    else:
        conds = [make(PREFIX + "Scheduled", "True", "ScheduleSucceeded",
                      msg.KF_ALL_SCHEDULED.format(n=len(scheduled)), gen, now)]
    if not scheduled:
        return conds
    for ctype in ORDER[1:]:
        c = _aggregate(ctype, scheduled, gen, now)
        conds.append(c)
        if c["status"] != "True":
            break
    return conds


def with_transitions(old: dict, new: dict) -> dict:
    """Keep lastTransitionTime of conditions whose status did not change (placement-wide and per cluster)."""
    out = dict(new)
    out["conditions"] = merge(old.get("conditions"), new.get("conditions") or [])
    old_ps = {ps.get("clusterName"): ps for ps in old.get("placementStatuses") or [] if ps.get("clusterName")}
    merged = []
    for ps in new.get("placementStatuses") or []:
        prev = old_ps.get(ps.get("clusterName")) if ps.get("clusterName") else None
        merged.append({**ps, "conditions": merge((prev or {}).get("conditions"), ps.get("conditions") or [])})
    out["placementStatuses"] = merged
    return out
