"""The fleet adapter: the one way fleetops reads and changes a KubeFleet hub and its members.

``Fleet`` reads the hub (MemberClusters, deployment namespaces, KAITO objects, placements, revision
records) and, where a kubeconfig context exists for a member, that member's KAITO status and nodes; it
writes the hub with server-side apply (field manager ``fleetops``) and deletes; it waits for rollouts.
KubeFleet objects are read and written as ``v1beta1`` (FLEET_API §11).
"""
from __future__ import annotations

import contextvars
import json
import time
from collections.abc import Callable, Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.catalog import Catalog, default_catalog
from tools.fleet import assemble as asm
from tools.fleet import conventions as cv
from tools.fleet import inventory as inv
from tools.fleet import rollout
from tools.fleet.errors import FleetError, FleetNotFound, FleetUnreachable, FleetWriteTimeout
from tools.fleet.impersonation import headers_for
from tools.fleet.kube import Kube, KubeConfig, MemberClients, retry_conflicts
from tools.fleet.models import Cluster, ClusterDeploymentState, Deployment, FleetSnapshot, ObjectRef, Revision

if TYPE_CHECKING:
    from tools.fleet.cache import FleetCache


class Fleet:
    def __init__(self, hub: Kube, members: dict[str, Kube] | None = None, catalog: Catalog | None = None,
                 embedded: Any = None):
        self.hub = hub
        # built lazily when from a kubeconfig (``MemberClients``): a client is made when its member is first read
        self.members: MutableMapping[str, Kube] = members if isinstance(members, MemberClients) else dict(members or {})
        self.catalog = catalog or default_catalog()
        self.embedded = embedded  # the EmbeddedFleet behind this adapter, when it is the demo fleet
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fleet-read")
        self.cache: FleetCache | None = None  # set by start_cache (serve, chat); None: every read is direct

    # --- construction ---------------------------------------------------------------------------
    @classmethod
    def from_kubeconfig(cls, path: Path | str | None, hub_context: str | None = None,
                        member_contexts: str | dict[str, str] = "auto", in_cluster: bool = False,
                        catalog: Catalog | None = None, embedded: Any = None) -> Fleet:
        """Hub from ``hub_context`` (default: the current context); members per ``member_contexts``:
        ``"auto"`` (contexts named like member clusters), ``"none"``, ``"a=ctx,b=ctx"`` or a dict.

        The kubeconfig is parsed once; member clients are built when a member is first read, and the ``"auto"``
        names are resolved when first needed (from the fleet cache's MemberClusters once it is warm, else one
        list of the hub), so start-up costs no per-member work."""
        kc = KubeConfig(Path(path) if path else None, in_cluster=in_cluster)
        hub_ctx = hub_context or kc.current
        hub = kc.client(hub_ctx, hub_ctx or "hub")
        fleet = cls(hub, {}, catalog, embedded)
        if in_cluster:
            return fleet
        mapping: dict[str, str] | Callable[[], dict[str, str]]
        if isinstance(member_contexts, str):
            if member_contexts == "none":
                mapping = {}
            elif member_contexts == "auto":
                hub.probe("MemberCluster")  # a hub that refuses or cannot be reached fails now, in one small call
                contexts = [c for c in kc.contexts if c != hub_ctx]

                def auto() -> dict[str, str]:
                    names = fleet.member_cluster_names()
                    return {c: c for c in contexts if c in names}
                mapping = auto
            else:
                mapping = dict(p.split("=", 1) for p in member_contexts.split(",") if "=" in p)
        else:
            mapping = dict(member_contexts)
        fleet.members = MemberClients(kc, mapping)
        return fleet

    def member_cluster_names(self) -> set[str]:
        """Names of the hub's MemberClusters: the fleet cache's when it is warm (no call), else one list."""
        cache = self.cache
        if cache is not None and cache.warm:
            return cache.names("MemberCluster")
        return {mc["metadata"]["name"] for mc in self.hub.list("MemberCluster")}

    def close(self) -> None:
        self.stop_cache()
        self._pool.shutdown(wait=False)
        built = self.members.built() if isinstance(self.members, MemberClients) else list(self.members.values())
        for k in [self.hub, *built]:
            try:
                k.api.close()
            except Exception:
                pass

    # --- member reads (tolerant: one unreachable member must not break inventory) ---------------------
    def _member_kaito(self, cluster: str, namespace: str | None = None) -> list[dict] | None:
        kube = self.members.get(cluster)
        if kube is None:
            return None
        try:
            return kube.list("Workspace", namespace) + kube.list("InferenceSet", namespace)
        except FleetUnreachable:
            return None

    def _member_nodes(self, cluster: str) -> list[dict] | None:
        kube = self.members.get(cluster)
        if kube is None:
            return None
        try:
            return kube.list("Node")
        except FleetError:
            return None

    # --- reads ----------------------------------------------------------------------------------
    def snapshot(self, now: datetime | None = None) -> FleetSnapshot:
        """Clusters with GPU inventory and every deployment with per-cluster state, read at once.

        From the fleet cache when it runs and is warm (no hub call; see ``tools.fleet.cache``), else read
        directly. Requests made as a person (``tools.fleet.impersonation``) always read directly: the hub's
        RBAC decides what that person sees, not the bot's cache."""
        now = now or datetime.now(UTC)
        cache = self.cache
        if cache is not None and cache.warm and not headers_for(self.hub.cluster):
            return cache.snapshot(now)
        return self.snapshot_direct(now)

    def snapshot_direct(self, now: datetime | None = None) -> FleetSnapshot:
        """The snapshot read straight from the hub (7 lists) and the members that hold deployments."""
        now = now or datetime.now(UTC)
        futures = {kind: self._pool.submit(contextvars.copy_context().run, self.hub.list, kind, ns, label)
                   for kind, ns, label in asm.HUB_KINDS}
        hub = asm.HubObjects({kind: f.result() for kind, f in futures.items()})
        placed = sorted(asm.placed_clusters(hub))
        member_kaito = dict(zip(placed, self._pool.map(self._member_kaito, placed), strict=True))
        need_nodes = asm.clusters_needing_nodes(hub)
        member_nodes = dict(zip(need_nodes, self._pool.map(self._member_nodes, need_nodes), strict=True))
        return asm.assemble(hub, member_kaito, member_nodes, self.catalog, now)

    # --- the fleet cache (tools.fleet.cache) --------------------------------------------------------
    def start_cache(self, wait: float | None = 60.0, **options: Any) -> FleetCache:
        """Serve snapshots from a watch-fed cache from now on (``serve`` and ``chat`` do this at start-up).
        Waits up to ``wait`` s for the first lists; until they land, snapshots are read directly."""
        from tools.fleet.cache import FleetCache

        if self.cache is None:
            self.cache = FleetCache(self, **options).start()
        if wait:
            self.cache.wait_warm(wait)
        return self.cache

    def stop_cache(self) -> None:
        cache, self.cache = self.cache, None
        if cache is not None:
            cache.stop()

    def list_clusters(self) -> list[Cluster]:
        return self.snapshot().clusters

    def get_cluster(self, name: str) -> Cluster | None:
        return self.snapshot().cluster(name)

    def list_deployments(self) -> list[Deployment]:
        return self.snapshot().deployments

    def get_deployment(self, name: str) -> Deployment | None:
        return self.snapshot().deployment(name)

    def recorded_revisions(self, deployment: str) -> list[Revision]:
        """The revisions fleetops itself recorded (``fleetops-system/rev-<deployment>``), nothing else."""
        cm = self.hub.get("ConfigMap", cv.revisions_configmap_name(deployment), cv.REVISIONS_NAMESPACE)
        return inv.revisions_from_configmap(cm)

    def revisions(self, deployment: str) -> list[Revision]:
        """Recorded revisions; for a deployment fleetops did not create, KubeFleet's resource snapshots."""
        revs = self.recorded_revisions(deployment)
        if revs:
            return revs
        snaps = self.hub.list("ClusterResourceSnapshot", None, f"{cv.PARENT_CRP_LABEL}={deployment}")
        return inv.revisions_from_snapshots(snaps)

    def get(self, ref: ObjectRef) -> dict | None:
        return self.hub.get(ref.kind, ref.name, ref.namespace)

    def resource_versions(self, refs: Iterable[str]) -> dict[str, str | None]:
        """Current version tokens (``inventory.version_token``) for plan-base keys ``Kind/name`` or
        ``Kind/namespace/name``."""
        return {key: inv.version_token(self.get(ObjectRef.from_key(key))) for key in refs}

    # --- writes ---------------------------------------------------------------------------------
    def _wrote(self, obj: dict) -> dict:
        """Tell the cache (when it runs) what was just written, so the next snapshot shows it."""
        if self.cache is not None and obj:
            self.cache.expect(obj.get("kind") or "", obj)
        return obj

    def apply(self, obj: dict, dry_run: bool = False) -> dict:
        """Server-side apply one hub object (field manager ``fleetops``, conflicts retried)."""
        out = _retry_timeouts(lambda: retry_conflicts(lambda: self.hub.apply(obj, dry_run=dry_run)))
        if not dry_run:
            self._wrote(out)
        return out

    def delete(self, ref: ObjectRef) -> bool:
        """Delete (idempotent). A Namespace may stay Terminating a while after this returns."""
        gone = bool(_retry_timeouts(lambda: self.hub.delete(ref.kind, ref.name, ref.namespace)))
        if self.cache is not None:
            self.cache.expect(ref.kind, None, deleted=(ref.namespace or "", ref.name))
        return gone

    def merge_patch(self, ref: ObjectRef, patch: dict) -> dict:
        """JSON merge patch of one hub object (``null`` removes a key; a list is replaced whole)."""
        return self._wrote(self.hub.merge_patch(ref.kind, ref.name, patch, ref.namespace))

    def record_revision(self, deployment: str, revision: Revision) -> None:
        """Store a revision with its full manifests on the hub (``fleetops-system/rev-<deployment>``)."""
        name = cv.revisions_configmap_name(deployment)
        ns = {"apiVersion": "v1", "kind": "Namespace",
              "metadata": {"name": cv.REVISIONS_NAMESPACE, "labels": {cv.MANAGED_BY_LABEL: cv.MANAGED_BY_VALUE}}}
        if self.hub.get("Namespace", cv.REVISIONS_NAMESPACE) is None:
            self.apply(ns)
        payload = json.dumps(revision.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

        def write() -> None:
            if self.hub.get("ConfigMap", name, cv.REVISIONS_NAMESPACE) is None:
                self._wrote({**self.hub.create({"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": name, "namespace": cv.REVISIONS_NAMESPACE,
                                              "labels": {cv.DEPLOYMENT_LABEL: deployment,
                                                         cv.MANAGED_BY_LABEL: cv.MANAGED_BY_VALUE}},
                                 "data": {str(revision.revision): payload}}), "kind": "ConfigMap"})
            else:
                self._wrote(self.hub.merge_patch("ConfigMap", name, {"data": {str(revision.revision): payload}},
                                                 cv.REVISIONS_NAMESPACE))
        retry_conflicts(write)

    # --- the one-writer lease (bot/lease.py decides; these are its only hub calls) ------------------------
    def read_lease(self, name: str, namespace: str) -> dict | None:
        """The ``coordination.k8s.io/v1`` Lease, or None."""
        return self.hub.get("Lease", name, namespace)

    def write_lease(self, lease: dict) -> dict:
        """Create the Lease (no resourceVersion) or replace it (its resourceVersion must still be current,
        else ``FleetConflict``: another copy wrote it first). Creates its namespace when the hub has none."""
        if (lease.get("metadata") or {}).get("resourceVersion"):
            return self.hub.replace(lease)
        try:
            return self.hub.create(lease)
        except FleetNotFound:
            ns = lease["metadata"]["namespace"]
            self.apply({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": ns, "labels": {cv.MANAGED_BY_LABEL: cv.MANAGED_BY_VALUE}}})
            return self.hub.create(lease)

    def forget_revision(self, deployment: str, revision: int) -> None:
        """Drop one revision record (a change's intent that was never carried out, or was undone)."""
        name = cv.revisions_configmap_name(deployment)
        if self.hub.get("ConfigMap", name, cv.REVISIONS_NAMESPACE) is None:
            return
        retry_conflicts(lambda: self._wrote(self.hub.merge_patch("ConfigMap", name, {"data": {str(revision): None}},
                                                                 cv.REVISIONS_NAMESPACE)))

    # --- rollout ---------------------------------------------------------------------------------
    def member_state(self, cluster: str, deployment: str, kind: str, name: str) -> ClusterDeploymentState:
        """State of one KAITO object on one member (Unknown without a context for that member)."""
        kube = self.members.get(cluster)
        if self.cache is not None:  # a rollout is looking at this member: the next snapshot reads it again
            self.cache.touch_member(cluster)
        if kube is None:
            crp = self.hub.get("ClusterResourcePlacement", deployment)
            return inv.state_from_placement(crp, cluster)
        try:
            obj = kube.get(kind, name, deployment)
        except FleetUnreachable as e:
            return ClusterDeploymentState(cluster=cluster, state="Unknown", reason="Unreachable", message=str(e))
        return inv.state_of(obj, cluster)

    def rollout_state(self, deployment: str, ref: ObjectRef, clusters: list[str]
                      ) -> dict[str, ClusterDeploymentState]:
        """Per cluster: has the hub object ``ref`` (as it is now) rolled out there? The placement status
        must refer to a snapshot holding it, applied and available (``tools.fleet.rollout``); where a member
        context exists, KAITO must also report the object ready there."""
        crp = self.hub.get("ClusterResourcePlacement", deployment)
        obj = self.get(ref)
        snaps = self.hub.list("ClusterResourceSnapshot", None, f"{cv.PARENT_CRP_LABEL}={deployment}") if obj else []
        index = rollout.snapshot_index(snaps, obj)
        out = {}
        for c in clusters:
            hub_view = rollout.placement_state(crp, c, index, ref.name)
            if hub_view.state != "Ready" or c not in self.members:
                out[c] = hub_view
            else:
                out[c] = self.member_state(c, deployment, ref.kind, ref.name)
        return out

    # --- staged rollouts (tools/staged.py; FLEET_API §7) --------------------------------------------------
    def resource_snapshots(self, deployment: str) -> list[dict]:
        """Every ClusterResourceSnapshot of the deployment's placement (all indices KubeFleet still keeps)."""
        return self.hub.list("ClusterResourceSnapshot", None, f"{cv.PARENT_CRP_LABEL}={deployment}")

    def update_runs(self, deployment: str) -> list[str]:
        """Names of the ClusterStagedUpdateRuns fleetops made for the deployment."""
        return [r["metadata"]["name"] for r in
                self.hub.list("ClusterStagedUpdateRun", None, f"{cv.DEPLOYMENT_LABEL}={deployment}")]

    def approval_request(self, name: str) -> dict | None:
        return self.hub.get("ClusterApprovalRequest", name)

    def approve_request(self, name: str, who: str, message: str) -> dict:
        """Approve a stage gate the way ``kubectl fleet approve`` does: GET, set the ``Approved`` condition
        (``observedGeneration`` = the object's generation), replace the status subresource; retried on a
        conflict. Approving an approved request again changes nothing."""
        def write() -> dict:
            obj = self.hub.get("ClusterApprovalRequest", name)
            if obj is None:
                raise FleetNotFound(self.hub.cluster, "clusterapprovalrequests", name)
            conds = [c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") != "Approved"]
            conds.append({"type": "Approved", "status": "True", "reason": "ApprovedViaFleetops",
                          "message": message[:1000], "observedGeneration": int(obj["metadata"].get("generation") or 1),
                          "lastTransitionTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
            obj.setdefault("status", {})["conditions"] = conds
            return self.hub.replace_status(obj)
        return _retry_timeouts(lambda: retry_conflicts(write))

    def stop_run(self, name: str, why: str) -> dict:
        """Stop a staged update run (``state: Stop``; the stages already rolled stay as they are), saying why
        in its ``fleetops.dev/stop-reason`` annotation (the executor following the run reports it)."""
        return self.hub.merge_patch("ClusterStagedUpdateRun", name, {
            "metadata": {"annotations": {cv.STOP_REASON_ANNOTATION: why[:1000]}}, "spec": {"state": "Stop"}})

    def hub_summary(self, deployment: str) -> str:
        """One sentence: what of ``deployment`` is on the hub now (namespace, KAITO objects, placement)."""
        try:
            ns = self.hub.get("Namespace", deployment)
            kaito = (self.hub.list("Workspace", deployment) + self.hub.list("InferenceSet", deployment)) if ns else []
            crp = self.hub.get("ClusterResourcePlacement", deployment)
        except FleetError as e:
            return str(e)
        return rollout.hub_summary(deployment, ns, crp, kaito)

    def member_absent(self, cluster: str, deployment: str, kind: str, name: str) -> bool:
        kube = self.members.get(cluster)
        if kube is None:
            return True
        try:
            return kube.get(kind, name, deployment) is None
        except FleetUnreachable:
            return False

    def wait(self, check: Callable[[], dict[str, ClusterDeploymentState]],
             done: Callable[[dict[str, ClusterDeploymentState]], bool], timeout: float,
             on_change: Callable[[dict[str, ClusterDeploymentState]], None] | None = None,
             interval: float = 0.1, max_interval: float = 1.0) -> dict[str, ClusterDeploymentState]:
        """Poll ``check`` until ``done`` or timeout; call ``on_change`` whenever any state changes.

        Polling (not watch) because a real fleet's members may be reachable only for short reads, and a
        rollout lasts minutes: a poll every ≤1 s costs little and survives reconnects.
        """
        deadline = time.monotonic() + timeout
        last: dict[str, tuple] = {}
        states = check()
        while True:
            sig = {c: (s.state, s.reason, s.message) for c, s in states.items()}
            if sig != last:
                last = sig
                if on_change:
                    on_change(states)
                interval = 0.05
            if done(states) or time.monotonic() >= deadline:
                return states
            time.sleep(interval)
            interval = min(max_interval, interval * 1.5)
            states = check()


def _retry_timeouts(fn: Callable[[], Any], attempts: int = 3) -> Any:
    """Run a hub write; after a 504 (the write may still land later) run it again: every write fleetops
    makes is idempotent (server-side apply, delete of an absent object)."""
    for i in range(attempts):
        try:
            return fn()
        except FleetWriteTimeout:
            if i == attempts - 1:
                raise
            time.sleep(0.2 * (i + 1))
    return None  # pragma: no cover
