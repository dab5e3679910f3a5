"""What is wrong with the fleet now, and what changed since the last look: a pure function.

``detect(prev, cur, now, memory=...)`` compares two consecutive ``FleetSnapshot``s and returns the
``Detection``: every problem that deserves an incident now (``problems``), the ones that are new since the
last look (``openings``), the ones that went away (``recoveries``), and the ``Memory`` to pass to the next
call. No I/O; the watcher (``bot.incidents.watch``) takes the snapshots and persists the incidents.

Kinds (``Incident.kind``), one key per (kind, deployment, cluster); ``deployment`` is ``""`` for a
cluster-wide incident:

* ``deployment_not_ready``: a deployment is not Ready on one of its clusters for at least ``after``
  (default 5 min). How long is counted from the first look that saw it not ready (``Memory.since``). On the
  watch's very first look (``prev`` is None) nothing says how long a state has lasted: a ``Failed`` state
  (KAITO's verdict on the object the current revision applied) counts from that revision's applied time —
  the demo fleet's seed time for the seeded coder-assist failure, failing since the demo began — while
  anything still in progress counts from now and gets the whole threshold.
* ``cluster_ineligible``: a cluster holding deployments that KubeFleet no longer schedules to for a reason
  other than a taint (stale heartbeat, not joined, unhealthy, being deleted). A cordon is deliberate and is
  not an incident.
* ``cluster_left``: deployments still placed on a cluster that has no MemberCluster any more.
* ``cluster_degraded``: the storm guard. When ``storm_at`` or more deployments on one cluster go not
  ready at the same look, one summary per cluster is raised instead of one per deployment; deployments on
  that cluster that go not ready later join the summary until all of them are Ready again. A cluster-wide
  incident (ineligible, left) likewise covers the deployments on it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from bot.messages import incidents as M
from tools.fleet.conventions import HEARTBEAT_MAX_AGE_SECONDS
from tools.fleet.models import Cluster, ClusterDeploymentState, Deployment, FleetSnapshot

Kind = Literal["deployment_not_ready", "cluster_ineligible", "cluster_left", "cluster_degraded"]
KINDS: tuple[Kind, ...] = ("deployment_not_ready", "cluster_ineligible", "cluster_left", "cluster_degraded")
Key = tuple[str, str, str]  # (kind, deployment, cluster)
DEFAULT_AFTER = timedelta(minutes=5)
DEFAULT_STORM_AT = 3
_FINE = frozenset({"Ready", "Deleting"})


@dataclass(frozen=True)
class Incident:
    """One problem worth telling people about. ``what`` is the sentence saying what is wrong (the KAITO
    condition message, the heartbeat age); ``detail`` the facts behind it, for the card and the audit log."""

    kind: Kind
    cluster: str
    deployment: str = ""
    what: str = ""
    since: datetime | None = None
    deployments: tuple[str, ...] = ()  # cluster-wide kinds: the deployments on the cluster
    detail: Mapping[str, object] = field(default_factory=dict)

    @property
    def key(self) -> Key:
        return (self.kind, self.deployment, self.cluster)

    @property
    def title(self) -> str:
        return M.TITLES[self.kind].format(deployment=self.deployment, cluster=self.cluster,
                                          n=len(self.deployments))


@dataclass(frozen=True)
class Memory:
    """What one look hands to the next: since when each (deployment, cluster) has been not ready, which
    deployments each cluster's storm summary covers, and the problems seen."""

    since: Mapping[tuple[str, str], datetime] = field(default_factory=dict)
    summarised: Mapping[str, frozenset[str]] = field(default_factory=dict)
    problems: frozenset[Key] = frozenset()


@dataclass(frozen=True)
class Detection:
    problems: tuple[Incident, ...]
    openings: tuple[Incident, ...]
    recoveries: tuple[Key, ...]
    memory: Memory


# --- facts about one snapshot ---------------------------------------------------------------------------
def is_down(cluster: Cluster) -> bool:
    """KubeFleet would not schedule to it for a reason other than a taint (a cordon is deliberate)."""
    age = cluster.heartbeat_age_seconds
    if not cluster.joined or age is None or age > HEARTBEAT_MAX_AGE_SECONDS:
        return True
    return not cluster.eligible and not cluster.taints


def holders(snapshot: FleetSnapshot) -> dict[str, list[str]]:
    """cluster -> deployments placed on it (from the deployments' own cluster lists and the clusters' views)."""
    out: dict[str, set[str]] = defaultdict(set)
    for d in snapshot.deployments:
        if not d.removing:
            for c in d.clusters:
                out[c].add(d.name)
    for cl in snapshot.clusters:
        out[cl.name].update(cl.deployments)
    return {c: sorted(ds) for c, ds in out.items() if ds}


def _not_ready(d: Deployment, cluster: str) -> ClusterDeploymentState | None:
    st = d.state_on(cluster)
    if d.removing or st is None or st.state in _FINE:
        return None
    return st


def _applied_at(d: Deployment) -> datetime | None:
    rev = next((r for r in reversed(d.revisions) if r.revision == d.revision), None)
    if rev is None or not rev.applied_at:
        return None
    try:
        return datetime.fromisoformat(rev.applied_at.replace("Z", "+00:00"))
    except ValueError:
        return None


def _what(d: Deployment, st: ClusterDeploymentState) -> str:
    text = st.message or st.reason
    if not text:
        return M.NOT_READY_NO_MESSAGE.format(deployment=d.name, state=st.state.lower(), cluster=st.cluster)
    return M.NOT_READY.format(deployment=d.name, state=st.state.lower(), cluster=st.cluster, message=text)


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes < 120 else f"{seconds / 3600:.1f} h"


# --- the detector -----------------------------------------------------------------------------------------
def detect(prev: FleetSnapshot | None, cur: FleetSnapshot, now: datetime, *, after: timedelta = DEFAULT_AFTER,
           memory: Memory | None = None, storm_at: int = DEFAULT_STORM_AT) -> Detection:
    """The incidents ``cur`` calls for at ``now``, given the previous look (``prev`` and its ``memory``)."""
    memory = memory or Memory()
    held = holders(cur)
    names = {c.name for c in cur.clusters}
    cluster_wide: dict[str, Incident] = {}
    for c in cur.clusters:
        if c.name in held and is_down(c):
            reason = c.ineligible_reason or M.NOT_JOINED
            if c.heartbeat_age_seconds is not None and "heartbeat" not in reason:
                reason += M.CLUSTER_DOWN_AGE.format(age=_age(c.heartbeat_age_seconds))
            what = M.CLUSTER_DOWN.format(cluster=c.name, reason=reason, deployments=", ".join(held[c.name]))
            cluster_wide[c.name] = Incident("cluster_ineligible", c.name, what=what, deployments=tuple(held[c.name]),
                                            detail={"reason": c.ineligible_reason,
                                                    "heartbeat_age_seconds": c.heartbeat_age_seconds,
                                                    "joined": c.joined})
    for name in sorted(set(held) - names):
        what = M.CLUSTER_LEFT.format(cluster=name, deployments=", ".join(held[name]))
        cluster_wide[name] = Incident("cluster_left", name, what=what, deployments=tuple(held[name]))

    since: dict[tuple[str, str], datetime] = {}
    due: dict[str, list[Incident]] = defaultdict(list)  # cluster -> deployment incidents past the threshold
    for d in cur.deployments:
        for cluster in d.clusters:
            st = _not_ready(d, cluster)
            if st is None:
                continue
            first = memory.since.get((d.name, cluster))
            if first is None:
                first = now
                applied = _applied_at(d) if prev is None and st.state == "Failed" else None
                if applied is not None and applied < now:
                    first = applied
            since[(d.name, cluster)] = first
            if now - first >= after and cluster not in cluster_wide:
                due[cluster].append(Incident("deployment_not_ready", cluster, d.name, what=_what(d, st), since=first,
                                             detail={"state": st.state, "reason": st.reason, "message": st.message,
                                                     "kaito_object": st.kaito_object}))

    problems: list[Incident] = list(cluster_wide.values())
    summarised: dict[str, frozenset[str]] = {}
    for cluster, items in sorted(due.items()):
        fresh = {i.key for i in items if i.key not in memory.problems}
        covered = memory.summarised.get(cluster, frozenset())
        if covered or len(fresh) >= storm_at:
            folded = [i for i in items if i.key in fresh or i.deployment in covered]
            problems += [i for i in items if i.key not in fresh and i.deployment not in covered]
            summarised[cluster] = frozenset(i.deployment for i in folded)
            problems.append(_summary(cluster, folded))
        else:
            problems += items
    keys = frozenset(p.key for p in problems)
    return Detection(problems=tuple(problems), openings=tuple(p for p in problems if p.key not in memory.problems),
                     recoveries=tuple(sorted(memory.problems - keys)),
                     memory=Memory(since=since, summarised=summarised, problems=keys))


def _summary(cluster: str, items: list[Incident]) -> Incident:
    parts = [M.SUMMARY_ITEM.format(deployment=i.deployment, state=str(i.detail.get("state", "")).lower(),
                                   message=i.detail.get("message") or i.detail.get("reason") or "")
             for i in items]
    what = M.SUMMARY.format(n=len(items), cluster=cluster, items="; ".join(parts))
    starts = [i.since for i in items if i.since is not None]
    return Incident("cluster_degraded", cluster, what=what, since=min(starts) if starts else None,
                    deployments=tuple(i.deployment for i in items),
                    detail={"deployments": {i.deployment: dict(i.detail) for i in items}})


def resolved(kind: str, deployment: str, cluster: str, cur: FleetSnapshot) -> bool:
    """True when ``cur`` shows the incident (kind, deployment, cluster) is over: what it was about is fine
    again or gone. Used to close persisted incidents, whichever process or earlier run opened them."""
    return resolver(cur)(kind, deployment, cluster)


def resolver(cur: FleetSnapshot) -> Callable[[str, str, str], bool]:
    """``resolved`` for many incidents against one snapshot: the snapshot is indexed once (a look with hundreds
    of open incidents on a fleet of thousands stays linear)."""
    held = holders(cur)
    clusters = {c.name: c for c in cur.clusters}
    deployments = {d.name: d for d in cur.deployments}
    on: dict[str, list[Deployment]] = defaultdict(list)
    for d in cur.deployments:
        for c in d.clusters:
            on[c].append(d)

    def over(kind: str, deployment: str, cluster: str) -> bool:
        if kind == "deployment_not_ready":
            d = deployments.get(deployment)
            return d is None or cluster not in d.clusters or _not_ready(d, cluster) is None
        if kind == "cluster_degraded":
            return not any(_not_ready(d, cluster) for d in on.get(cluster, ()))
        c = clusters.get(cluster)
        if kind == "cluster_left":
            return c is not None or cluster not in held
        return c is None or cluster not in held or not is_down(c)

    return over
