"""Simulated KubeFleet hub + member agents: snapshots, scheduling, propagation, placement status.

For each ClusterResourcePlacement: cut a ClusterResourceSnapshot when the selected content changed;
pick clusters (PickFixed ``clusterNames``; PickAll / PickN over joined, heartbeating, untainted or
tolerated members); apply the selected Namespace(s) and their objects on every picked member that is
reachable (stripped of status and server fields, owned by the AppliedWork ``<crp>-work``, with
ResourceOverrides applied), remove them from members no longer picked, and write the CRP status.
A member whose agent stopped heart-beating is unreachable: work for it waits (Applied Unknown) and
its old objects stay until it is back. Deleting a CRP removes its objects from every member.
A placement with ``strategy.type: External`` is scheduled here but rolled out only by staged update runs
(``external``: bindings, policy snapshots; ``updaterun``: the run controller).

The work applier re-applies the hub's manifest whenever a placed object's spec drifts on a member
(``whenToApply: Always``), so a member-side change to a field the manifest sets is undone — e.g. an HPA's
``spec.replicas``. A field the manifest leaves out (a ResourceOverride ``remove``) is not Fleet's
(``comparisonOption: PartialComparison``): for ``spec.replicas`` (the scale subresource an HPA writes) the
member's value stays.
"""
from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from tools.embedded.conditions import find, parse_rfc3339, rfc3339
from tools.embedded.controllers import external as ext
from tools.embedded.controllers import overrides as ov
from tools.embedded.controllers import placement_status as pst
from tools.embedded.controllers import snapshots as snap
from tools.embedded.controllers.base import Activity, Controller, Key
from tools.embedded.controllers.faults import Faults
from tools.embedded.controllers.matching import affinity_matches, untolerated_taints
from tools.embedded.crds import by_kind, load_types
from tools.embedded.errors import ApiError, NotFound
from tools.embedded.store import NAMESPACE, Event, ResourceType, Store
from tools.fleet import conventions as cv
from tools.messages import embedded as msg

APPLIED_WORK_API = f"{cv.PLACEMENT_GROUP}/{cv.PLACEMENT_VERSION}"


def _owner(obj: dict) -> str | None:
    """Name of the CRP whose AppliedWork owns a member object."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == "AppliedWork" and ref.get("name", "").endswith("-work"):
            return ref["name"][: -len("-work")]
    return None


def failure(obj: dict, message: str, gen: int, now: str) -> dict:
    """A ``failedPlacements`` entry: ``obj`` could not be applied on the member."""
    meta = obj["metadata"]
    group, _, version = obj["apiVersion"].rpartition("/")
    return {"group": group, "version": version, "kind": obj["kind"], "name": meta["name"],
            **({"namespace": meta["namespace"]} if meta.get("namespace") else {}),
            "condition": {"type": "Applied", "status": "False", "reason": "ManifestApplyFailed",
                          "message": message, "observedGeneration": gen, "lastTransitionTime": now}}


def _spec_changed(ev: Event) -> bool:
    if ev.type != "MODIFIED" or ev.old is None:
        return True
    return snap.strip(ev.obj, share=True) != snap.strip(ev.old, share=True)


class KubeFleetController(Controller):
    name = "kubefleet"

    def __init__(self, store: Store, activity: Activity, hub: str, reader=None, faults: Faults | None = None):
        super().__init__(store, activity, reader)
        self.hub = hub
        self.faults = faults
        self.binding_rt = ext.binding_type()
        self.crp_rt = snap.placement_type()
        self.mc_rt = by_kind("MemberCluster", cv.CLUSTER_GROUP)
        self.ro_rt = by_kind("ResourceOverride", cv.PLACEMENT_GROUP)
        self.cro_rt = by_kind("ClusterResourceOverride", cv.PLACEMENT_GROUP)
        self._placed: dict[str, set[str]] = {}
        self._heartbeat_age: dict[str, float | None] = {}
        self._mcs: dict[str, dict] = {}  # MemberClusters, kept current from events (read-only copies)
        self._parsed: dict[str, tuple[dict, datetime | None]] = {}  # member -> (its MemberCluster, heartbeat)
        # a member applies a new resource snapshot ``status_lag`` s after it is cut; until then its
        # placement status keeps referring to the index it had (FLEET_API §4.2 observedResourceIndex)
        self.status_lag = 0.0
        self._due: dict[tuple[str, str, int], float] = {}

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self, resync: bool = True) -> None:
        """``resync``: reconcile every placement once started (False: a settled seed, nothing to do)."""
        self._mcs = {m["metadata"]["name"]: m for m in self.reader.scan(self.hub, self.mc_rt)[0]}
        for cluster in self._member_names():
            for ns in self.reader.scan(cluster, NAMESPACE)[0]:
                owner = _owner(ns)
                if owner:
                    self._placed.setdefault(owner, set()).add(cluster)
        self._heartbeat_age = self._ages()
        super().start()
        if resync:
            self.enqueue(("resync",))

    def _member_names(self) -> list[str]:
        return [c for c in self.store.clusters if c != self.hub]

    # --- events -------------------------------------------------------------------------------
    def on_event(self, ev: Event) -> None:
        rt = ev.rtype
        meta = ev.obj.get("metadata") or {}
        if ev.cluster != self.hub:
            drifted = ev.type == "DELETED" or (
                ev.type == "MODIFIED" and ev.old is not None and ev.obj.get("spec") != ev.old.get("spec"))
            owner = _owner(ev.obj) if drifted else None
            if owner:
                self.enqueue(("crp", owner))  # the member agent re-applies what was removed or changed
            return
        if rt == self.crp_rt:
            if _spec_changed(ev):
                self.enqueue(("crp", meta["name"]))
        elif rt == self.mc_rt:
            if ev.type == "DELETED":
                self._mcs.pop(meta["name"], None)
                self._parsed.pop(meta["name"], None)
            else:
                self._mcs[meta["name"]] = ev.obj
            self.enqueue(("members",))
        elif rt == NAMESPACE:
            if _spec_changed(ev):
                self.enqueue(("ns", meta["name"]))
        elif rt == self.cro_rt:
            self.enqueue(("resync",))
        elif rt == self.binding_rt:
            parent = (meta.get("labels") or {}).get(cv.PARENT_CRP_LABEL)
            if parent and (ev.type == "DELETED" or _spec_changed(ev)):
                self.enqueue(("crp", parent))  # an update run moved or deleted it (External placements)
        elif rt.namespaced and (rt.group not in snap.FLEET_GROUPS or rt == self.ro_rt) and _spec_changed(ev):
            self.enqueue(("ns", meta.get("namespace", "")))

    def check_members(self) -> None:
        """Re-evaluate heartbeats (time passes without events); called by the heartbeat ticker."""
        self.enqueue(("members",))

    # --- reconcile ----------------------------------------------------------------------------
    def reconcile(self, key: Key) -> None:
        kind = key[0]
        if kind == "resync":
            for crp in self.reader.scan(self.hub, self.crp_rt)[0]:
                self.enqueue(("crp", crp["metadata"]["name"]))
        elif kind == "members":
            ages, old = self._ages(), self._heartbeat_age
            changed = {c for c in ages.keys() | old.keys()
                       if c not in ages or c not in old or self._fresh(ages[c]) != self._fresh(old[c])}
            self._heartbeat_age = ages
            if changed:
                self._resync_for(changed)
        elif kind == "ns":
            for crp in self.reader.scan(self.hub, self.crp_rt)[0]:  # (read only: no copy of every placement)
                if self._selects(crp, key[1]):
                    self.enqueue(("crp", crp["metadata"]["name"]))
        elif kind == "crp":
            self._reconcile_crp(key[1])

    def _resync_for(self, clusters: set[str]) -> None:
        """Reconcile the placements that members joining, leaving or changing heartbeat freshness can change:
        fixed lists naming one of them or placed on one, and every other policy (not all placements: on a
        large fleet a few stale members made every placement reconcile again)."""
        for crp in self.reader.scan(self.hub, self.crp_rt)[0]:
            name = crp["metadata"]["name"]
            policy = (crp.get("spec") or {}).get("policy") or {}
            if ext.is_external(crp) or (policy.get("placementType") or "PickAll") != "PickFixed" \
                    or not clusters.isdisjoint(policy.get("clusterNames") or []) \
                    or not clusters.isdisjoint(self._placed.get(name, ())):
                self.enqueue(("crp", name))

    def _selects(self, crp: dict, namespace: str) -> bool:
        """Whether the placement selects ``namespace`` now, or names it (it may just have been deleted)."""
        if any(s.get("kind") == "Namespace" and s.get("name") == namespace
               for s in crp["spec"].get("resourceSelectors") or []):
            return True
        return any(ns == namespace for ns, _ in snap.selected_namespaces(self.store, self.hub, crp, self.reader))

    # --- heartbeats ---------------------------------------------------------------------------
    def _ages(self) -> dict[str, float | None]:
        now = datetime.now(UTC)
        out: dict[str, float | None] = {}
        for mc in list(self._mcs.values()):
            hb = self._heartbeat_of(mc)
            out[mc["metadata"]["name"]] = (now - hb).total_seconds() if hb is not None else None
        return out

    def _heartbeat_of(self, mc: dict) -> datetime | None:
        """The member agent's last heartbeat if it joined (None otherwise), parsed once per MemberCluster
        version: every heartbeat round re-evaluates all members, thousands of times over on a large fleet."""
        name = mc["metadata"]["name"]
        cached = self._parsed.get(name)
        if cached is not None and cached[0] is mc:
            return cached[1]
        agent = next((a for a in (mc.get("status") or {}).get("agentStatus") or []
                      if a.get("type") == "MemberAgent"), None)
        hb = parse_rfc3339((agent or {}).get("lastReceivedHeartbeat"))
        joined = find((agent or {}).get("conditions"), "Joined")
        joined_ok = joined is not None and joined.get("status") == "True"
        out = hb if joined_ok else None
        self._parsed[name] = (mc, out)
        return out

    @staticmethod
    def _fresh(age: float | None) -> bool:
        return age is not None and age <= cv.HEARTBEAT_MAX_AGE_SECONDS

    def _reachable(self, cluster: str) -> bool:
        return cluster in self.store.clusters and self._fresh(self._heartbeat_age.get(cluster))

    def _stale_minutes(self, cluster: str) -> int:
        return int((self._heartbeat_age.get(cluster) or 0) // 60)

    # --- one placement ------------------------------------------------------------------------
    def _reconcile_crp(self, name: str) -> None:
        try:
            crp = self.store.get(self.hub, self.crp_rt, None, name)
        except NotFound:
            crp = None
        if crp is None or crp["metadata"].get("deletionTimestamp"):
            for cluster in sorted(self._placed.pop(name, set())):
                self._remove(cluster, name)
            snap.delete_snapshots(self.store, self.hub, name, self.reader)
            ext.delete_all(self.store, self.hub, name, self.reader)
            return
        if ext.is_external(crp):  # rolled out only by ClusterStagedUpdateRuns
            ext.reconcile_external(self, crp)
            return
        gen = int(crp["metadata"].get("generation", 1))
        now = rfc3339()
        selected = snap.select(self.store, self.hub, crp, self.reader)
        index = snap.ensure_snapshot(self.store, self.hub, crp, selected, self.reader)
        policy = (crp.get("spec") or {}).get("policy") or {}
        if (policy.get("placementType") or "PickAll") == "PickFixed":  # (not a copy of every member for each)
            live = self._mcs
            mcs = {c: mc for c in {*(policy.get("clusterNames") or []), *self._placed.get(name, ())}
                   if (mc := live.get(c)) is not None}
        else:
            mcs = dict(self._mcs)
        old_status = crp.get("status") or {}
        old_ps = {ps.get("clusterName"): ps for ps in old_status.get("placementStatuses") or []
                  if ps.get("clusterName")}
        targets, failed, wanted = self._schedule(crp, mcs, old_ps)
        overrides = self._overrides(selected)
        statuses: list[dict] = []
        for cluster in targets:
            if not self._reachable(cluster):
                prev = old_ps.get(cluster)
                if prev and prev.get("observedResourceIndex") == str(index) and \
                        (find(prev.get("conditions"), "Applied") or {}).get("status") == "True":
                    statuses.append(prev)
                else:
                    statuses.append(pst.unreachable(cluster, index, gen, name, self._stale_minutes(cluster), now))
                continue
            wait = self._lagging(name, cluster, index, old_ps.get(cluster))
            if wait is not None:
                statuses.append(old_ps.get(cluster) or pst.pending(cluster, index, gen, name, now))
                self.enqueue_after(wait, ("crp", name))
                continue
            labels = mcs[cluster]["metadata"].get("labels") or {}
            failures, used = self._apply(cluster, name, selected, labels, overrides, now, gen)
            self._placed.setdefault(name, set()).add(cluster)
            if failures:
                statuses.append(pst.apply_failed(cluster, index, gen, failures,
                                                 failures[0]["condition"]["message"], now))
            else:
                statuses.append(pst.applied(cluster, index, gen, name, used, now))
        for cluster in sorted(self._placed.get(name, set()) - set(targets)):
            if cluster not in mcs or self._reachable(cluster):
                self._remove(cluster, name)
                self._placed[name].discard(cluster)
        statuses += [pst.unscheduled(c, gen, message, now) for c, message in failed]
        new_status = {
            "selectedResources": snap.identifiers(selected),
            "observedResourceIndex": str(index),
            "placementStatuses": statuses,
            "conditions": pst.placement_conditions(statuses, wanted, gen, now),
        }
        new_status = pst.with_transitions(old_status, new_status)
        if new_status != old_status:
            crp["status"] = new_status
            self.store.replace(self.hub, self.crp_rt, None, name, crp, subresource="status")

    def _lagging(self, crp: str, cluster: str, index: int, prev: dict | None) -> float | None:
        """Seconds until ``cluster``'s member agent picks up snapshot ``index`` (None: it has)."""
        if self.status_lag <= 0 or (prev and prev.get("observedResourceIndex") == str(index)):
            return None
        now = time.monotonic()
        due = self._due.setdefault((crp, cluster, index), now + self.status_lag)
        if now >= due:
            self._due.pop((crp, cluster, index), None)
            return None
        return due - now

    def _schedule(self, crp: dict, mcs: dict[str, dict], old_ps: dict[str, dict]
                  ) -> tuple[list[str], list[tuple[str, str]], int]:
        policy = (crp.get("spec") or {}).get("policy") or {}
        ptype = policy.get("placementType") or "PickAll"

        def was_scheduled(c: str) -> bool:
            return (find((old_ps.get(c) or {}).get("conditions"), "Scheduled") or {}).get("status") == "True"

        if ptype == "PickFixed":
            targets, failed = [], []
            for c in policy.get("clusterNames") or []:
                if c not in mcs or c not in self.store.clusters:
                    failed.append((c, msg.KF_NOT_MEMBER.format(cluster=c)))
                elif self._heartbeat_age.get(c) is None and c in self._heartbeat_age:
                    failed.append((c, msg.KF_NOT_JOINED.format(cluster=c)))
                elif not self._reachable(c) and not was_scheduled(c):
                    failed.append((c, msg.KF_NO_HEARTBEAT.format(cluster=c, minutes=self._stale_minutes(c))))
                else:
                    targets.append(c)
            return targets, failed, len(policy.get("clusterNames") or [])
        tolerations = policy.get("tolerations")
        candidates = [c for c in sorted(mcs) if c in self.store.clusters
                      and (self._reachable(c) or was_scheduled(c))
                      and not untolerated_taints(mcs[c], tolerations) and affinity_matches(policy, mcs[c])]
        if ptype == "PickN":
            n = int(policy.get("numberOfClusters") or 0)
            candidates.sort(key=lambda c: (not was_scheduled(c), c))
            chosen = sorted(candidates[:n])
            failed = [("", msg.KF_NOT_SELECTED.format(cluster="(slot)"))] * max(0, n - len(chosen))
            return chosen, failed, n
        return candidates, [], len(candidates)

    def _overrides(self, selected: list[dict]) -> list[dict]:
        namespaces = {o["metadata"]["name"] for o in selected if o["kind"] == "Namespace"}
        found = [r for ns in sorted(namespaces) for r in self.reader.list(self.hub, self.ro_rt, namespace=ns)[0]]
        return found + self.reader.list(self.hub, self.cro_rt)[0]

    def _type_of(self, obj: dict) -> ResourceType:
        group = obj["apiVersion"].rpartition("/")[0]
        return next(rt for rt in load_types().values() if rt.group == group and rt.kind == obj["kind"])

    def _apply(self, cluster: str, crp: str, selected: list[dict], labels: dict, overrides: list[dict],
               now: str, gen: int) -> tuple[list[dict], list[dict]]:
        """Create/update the selected objects on the member; remove what this CRP placed before but no
        longer selects. Returns (failed placements, overrides used)."""
        work = pst.work_name(crp)
        owner = {"apiVersion": APPLIED_WORK_API, "kind": "AppliedWork", "name": work,
                 "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{cluster}/{work}")), "blockOwnerDeletion": False}
        failures: list[dict] = []
        used: list[dict] = []
        wanted: set[tuple] = set()
        injected = self.faults.apply_failure(cluster, crp) if self.faults else None
        if injected and selected:
            return [failure(selected[0], injected, gen, now)], []
        for obj in selected:
            rt = self._type_of(obj)
            meta = obj["metadata"]
            wanted.add((rt.group, rt.plural, meta.get("namespace", ""), meta["name"]))
            try:
                desired, applied = ov.apply(obj, cluster, labels, overrides, crp)
                used += [a for a in applied if a not in used]
                if desired is None:
                    wanted.discard((rt.group, rt.plural, meta.get("namespace", ""), meta["name"]))
                    continue
                desired["metadata"]["ownerReferences"] = [owner]
                self._upsert(cluster, rt, desired)
            except (ApiError, ov.OverrideError) as e:
                failures.append(failure(obj, getattr(e, "message", str(e)), gen, now))
        self._prune(cluster, crp, wanted, {o["metadata"]["name"] for o in selected if o["kind"] == "Namespace"})
        return failures, used

    def _upsert(self, cluster: str, rt: ResourceType, desired: dict) -> None:
        meta = desired["metadata"]
        ns = meta.get("namespace")
        try:
            cur = self.store.peek(cluster, rt, ns, meta["name"])  # read only: ``new`` below is a new dict
        except NotFound:
            self.store.create(cluster, rt, ns, desired)
            return
        unmanaged = (cur.get("spec") or {}).get("replicas")
        if unmanaged is not None and isinstance(desired.get("spec"), dict) and "replicas" not in desired["spec"]:
            desired = {**desired, "spec": {**desired["spec"], "replicas": unmanaged}}  # not Fleet's: the HPA's
        same = snap.strip(cur, rt, share=True) == snap.strip(desired, rt, share=True) and \
            (cur["metadata"].get("ownerReferences") == meta.get("ownerReferences"))
        if same:
            return
        new = {k: v for k, v in desired.items() if k != "metadata"}
        new["metadata"] = {**cur["metadata"], "ownerReferences": meta["ownerReferences"]}
        for k in ("labels", "annotations"):
            if meta.get(k):
                new["metadata"][k] = meta[k]
            else:
                new["metadata"].pop(k, None)
        if "status" in cur:
            new["status"] = cur["status"]
        self.store.replace(cluster, rt, ns, meta["name"], new)

    def _prune(self, cluster: str, crp: str, wanted: set[tuple], namespaces: set[str]) -> None:
        # (read only, no copies: this runs for every placement on every member it applies to)
        for ns_obj in self.reader.scan(cluster, NAMESPACE)[0]:
            name = ns_obj["metadata"]["name"]
            if _owner(ns_obj) == crp and ("", "namespaces", "", name) not in wanted:
                self._delete(cluster, NAMESPACE, None, name)
        for ns in namespaces:
            for rt in snap.selectable_types():
                for obj in self.reader.scan(cluster, rt, namespace=ns)[0]:
                    key = (rt.group, rt.plural, ns, obj["metadata"]["name"])
                    if _owner(obj) == crp and key not in wanted:
                        self._delete(cluster, rt, ns, obj["metadata"]["name"])

    def _remove(self, cluster: str, crp: str) -> None:
        if cluster not in self.store.clusters:
            return
        for ns in self.reader.scan(cluster, NAMESPACE)[0]:
            if _owner(ns) == crp:
                self._delete(cluster, NAMESPACE, None, ns["metadata"]["name"])

    def _delete(self, cluster: str, rt: ResourceType, ns: str | None, name: str) -> None:
        try:
            self.store.delete(cluster, rt, ns, name)
        except NotFound:
            pass
