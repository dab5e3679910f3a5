"""Simulated KAITO operator on every member: GPU nodes, Workspace lifecycle, InferenceSet replicas.

A Workspace gets ``catalog nodes_on(instanceType)`` free GPU nodes of its instance type (labelled
``kaito.sh/workspace``, ``kaito.sh/workspacenamespace`` and its selector labels), all or nothing; if
there are not enough it fails with ``InsufficientGPUCapacity`` (and is retried when nodes are freed).
Then ResourceReady after ``ready_delay`` s and InferenceReady + WorkspaceSucceeded after another
``ready_delay`` (0 = at once), unless its ``Fate`` (a seeded per-cluster state from the fleet file, or
an injected fault) says otherwise. An InferenceSet owns child Workspaces ``<name>-0..N-1`` and
creates/deletes them as ``spec.replicas`` changes. Deleting a Workspace frees its nodes.
"""
from __future__ import annotations

from tools.catalog import default_catalog
from tools.embedded.conditions import merge, rfc3339
from tools.embedded.controllers import kaito_status as ks
from tools.embedded.controllers.base import Activity, Controller, Key
from tools.embedded.controllers.faults import Faults
from tools.embedded.controllers.index import ObjectIndex
from tools.embedded.crds import by_kind
from tools.embedded.errors import AlreadyExists, NotFound
from tools.embedded.fleetspec import StatusSpec
from tools.embedded.store import NODE, Event, Store
from tools.fleet import conventions as cv
from tools.messages import embedded as msg

ALLOCATION_ANNOTATION = "fleetops.dev/kaito-allocation-labels"  # the embedded KAITO's own bookkeeping


def fate_from(spec: StatusSpec) -> ks.Fate:
    if spec.state == "Failed":
        return ks.Fate("failed", spec.reason or "InferenceNotReady", spec.message)
    if spec.state == "Progressing":
        return ks.Fate("progressing", spec.reason or "ResourceNotReady", spec.message)
    return ks.READY


class KaitoController(Controller):
    name = "kaito"

    def __init__(self, store: Store, activity: Activity, hub: str, faults: Faults, ready_delay: float = 0.0,
                 reader=None):
        super().__init__(store, activity, reader)
        self.hub = hub
        self.faults = faults
        self.ready_delay = ready_delay
        self.ws_rt = by_kind("Workspace", cv.KAITO_GROUP)
        self.is_rt = by_kind("InferenceSet", cv.KAITO_GROUP)
        self._pins: dict[tuple[str, str, str], ks.Fate] = {}
        self._fates: dict[str, ks.Fate] = {}
        self._stage: dict[str, str] = {}
        self._short: set[tuple[str, str, str]] = set()
        self._uid_of: dict[tuple[str, str, str], str] = {}

    def pin(self, cluster: str, namespace: str, name: str, status: StatusSpec) -> None:
        """The fleet file's state for the KAITO object ``name`` (a Workspace or InferenceSet child)."""
        self._pins[(cluster, namespace, name)] = fate_from(status)

    def adopt(self, stages: dict[str, str], short: set[tuple[str, str, str]],
              uid_of: dict[tuple[str, str, str], str]) -> None:
        """Take over the bookkeeping of a settled seed (``tools.embedded.settled``), as if this controller had
        reconciled its workspaces: their stage by uid, those short of nodes, and each one's uid."""
        with self._cond:
            self._stage.update(stages)
            self._short |= short
            self._uid_of.update(uid_of)

    # --- events -------------------------------------------------------------------------------
    def on_event(self, ev: Event) -> None:
        if ev.cluster == self.hub:
            return
        meta = ev.obj.get("metadata") or {}
        ns, name = meta.get("namespace", ""), meta.get("name", "")
        if ev.rtype == self.ws_rt:
            gen_changed = ev.old is None or ev.old["metadata"].get("generation") != meta.get("generation")
            if ev.type != "MODIFIED" or gen_changed:
                self.enqueue(("ws", ev.cluster, ns, name))
            parent = (meta.get("labels") or {}).get(ks.CREATED_BY_LABEL)
            if parent:
                self.enqueue(("is", ev.cluster, ns, parent))
        elif ev.rtype == self.is_rt:
            gen_changed = ev.old is None or ev.old["metadata"].get("generation") != meta.get("generation")
            if ev.type != "MODIFIED" or gen_changed:
                self.enqueue(("is", ev.cluster, ns, name))

    def reconcile(self, key: Key) -> None:
        kind, cluster = key[0], key[1]
        if kind == "ws":
            self._workspace(cluster, key[2], key[3])
        elif kind == "advance":
            self._advance(cluster, key[2], key[3], key[4])
        elif kind == "is":
            self._inferenceset(cluster, key[2], key[3])
        elif kind == "capacity":
            for c, ns, name in sorted(self._short):
                if c == cluster:
                    self.enqueue(("ws", c, ns, name))

    # --- nodes --------------------------------------------------------------------------------
    def _allocated(self, cluster: str, ns: str, name: str) -> list[dict]:
        sel = f"{cv.KAITO_WORKSPACE_LABEL}={name},{cv.KAITO_WORKSPACE_NAMESPACE_LABEL}={ns}"
        return self.reader.list(cluster, NODE, label_selector=sel)[0]

    def _free(self, cluster: str, sku: str, want: int) -> tuple[list[dict], int]:
        """Up to ``want`` free nodes of ``sku`` (by name) and how many are free in all."""
        sel = f"{cv.INSTANCE_TYPE_LABEL}={sku},!{cv.KAITO_WORKSPACE_LABEL}"
        if not isinstance(self.reader, ObjectIndex):
            nodes = self.reader.list(cluster, NODE, label_selector=sel)[0]
            return nodes[:want], len(nodes)
        names = [name for _, name in self.reader.names(cluster, NODE, label_selector=sel)]
        nodes = []
        for name in names[:want]:
            try:
                nodes.append(self.store.get(cluster, NODE, None, name))
            except NotFound:
                continue
        return nodes, len(names)

    def _claim(self, cluster: str, node: dict, ws: dict) -> None:
        meta = ws["metadata"]
        add = {cv.KAITO_WORKSPACE_LABEL: meta["name"], cv.KAITO_WORKSPACE_NAMESPACE_LABEL: meta["namespace"]}
        add.update(((ws.get("resource") or {}).get("labelSelector") or {}).get("matchLabels") or {})
        labels = node["metadata"].setdefault("labels", {})
        fresh = [k for k in add if k not in labels]
        labels.update(add)
        node["metadata"].setdefault("annotations", {})[ALLOCATION_ANNOTATION] = ",".join(sorted(fresh))
        self.store.replace(cluster, NODE, None, node["metadata"]["name"], node)

    def _release(self, cluster: str, ns: str, name: str, nodes: list[dict] | None = None) -> int:
        freed = 0
        for node in nodes if nodes is not None else self._allocated(cluster, ns, name):
            labels = node["metadata"].get("labels") or {}
            annotations = node["metadata"].get("annotations") or {}
            keys = set(filter(None, annotations.pop(ALLOCATION_ANNOTATION, "").split(",")))
            for k in keys | {cv.KAITO_WORKSPACE_LABEL, cv.KAITO_WORKSPACE_NAMESPACE_LABEL}:
                labels.pop(k, None)
            if not annotations:
                node["metadata"].pop("annotations", None)
            try:
                self.store.replace(cluster, NODE, None, node["metadata"]["name"], node)
                freed += 1
            except NotFound:
                pass
        return freed

    # --- workspaces ---------------------------------------------------------------------------
    def _fate(self, cluster: str, ws: dict) -> ks.Fate:
        meta = ws["metadata"]
        uid = meta["uid"]
        if uid not in self._fates:
            labels = meta.get("labels") or {}
            fate = self._pins.get((cluster, meta["namespace"], meta["name"]))
            if fate is None:
                deployment = labels.get(cv.DEPLOYMENT_LABEL) or meta["namespace"]
                fate = self.faults.fate_for(cluster, deployment) or ks.READY
            self._fates[uid] = fate
        return self._fates[uid]

    def _write_status(self, cluster: str, ws: dict, status: dict) -> None:
        old = ws.get("status") or {}
        status = {**status, "conditions": merge(old.get("conditions"), status["conditions"])}
        if status != old:
            ws["status"] = status
            self.store.replace(cluster, self.ws_rt, ws["metadata"]["namespace"], ws["metadata"]["name"], ws,
                               subresource="status")

    def _workspace(self, cluster: str, ns: str, name: str) -> None:
        key = (cluster, ns, name)
        try:
            ws = self.store.get(cluster, self.ws_rt, ns, name)
        except NotFound:
            self._short.discard(key)
            self._forget(self._uid_of.pop(key, None))
            if self._release(cluster, ns, name):
                self.enqueue(("capacity", cluster))
            return
        meta, now = ws["metadata"], rfc3339()
        gen, uid = int(meta.get("generation", 1)), meta["uid"]
        if self._uid_of.get(key) != uid:  # a new object under an old name
            self._forget(self._uid_of.get(key))
            self._uid_of[key] = uid
        model = (((ws.get("inference") or {}).get("preset")) or {}).get("name", "")
        sku = (ws.get("resource") or {}).get("instanceType", "")
        entry = default_catalog().get(model) if model else None
        need = entry.nodes_on(sku) if entry else None
        if entry is None or need is None:
            reason, text = (("PresetNotFound", msg.KAITO_UNKNOWN_MODEL.format(model=model)) if entry is None else
                            ("InstanceTypeNotSupported", msg.KAITO_DOES_NOT_FIT.format(model=model, sku=sku)))
            self._write_status(cluster, ws, ks.workspace_failed(reason, text, need=None, gen=gen, now=now))
            return
        held = self._allocated(cluster, ns, name)
        wrong = [n for n in held if n["metadata"]["labels"].get(cv.INSTANCE_TYPE_LABEL) != sku]
        if wrong:
            self._release(cluster, ns, name, wrong)
            held = [n for n in held if n not in wrong]
        if len(held) < need:
            free, n_free = self._free(cluster, sku, need - len(held))
            if len(free) < need - len(held):
                self._short.add(key)
                self._stage[uid] = "short"
                text = msg.KAITO_INSUFFICIENT.format(need=need, sku=sku, s="" if need == 1 else "s",
                                                     free=n_free + len(held))
                self._write_status(cluster, ws, ks.workspace_failed("InsufficientGPUCapacity", text,
                                                                    need=need, gen=gen, now=now))
                return
            for node in free:
                self._claim(cluster, node, ws)
            held = self._allocated(cluster, ns, name)
        self._short.discard(key)
        stage = self._stage.get(uid)
        if stage in (None, "short"):
            stage = "final" if self.ready_delay <= 0 else "provisioning"
            self._stage[uid] = stage
            if stage != "final":
                self.enqueue_after(self.ready_delay, ("advance", cluster, ns, name, uid))
        nodes = sorted(n["metadata"]["name"] for n in held)
        self._write_status(cluster, ws, ks.workspace_status(stage, self._fate(cluster, ws), need=need, sku=sku,
                                                            nodes=nodes, gen=gen, now=now))

    def _forget(self, uid: str | None) -> None:
        if uid:
            self._fates.pop(uid, None)
            self._stage.pop(uid, None)

    def _advance(self, cluster: str, ns: str, name: str, uid: str) -> None:
        try:
            ws = self.store.get(cluster, self.ws_rt, ns, name)
        except NotFound:
            return
        if ws["metadata"]["uid"] != uid:
            return
        nxt = {"provisioning": "resource", "resource": "final"}.get(self._stage.get(uid, ""))
        if nxt is None:
            return
        fate = self._fate(cluster, ws)
        if fate.kind == "progressing":
            nxt = "final"
        self._stage[uid] = nxt
        if nxt != "final":
            self.enqueue_after(self.ready_delay, ("advance", cluster, ns, name, uid))
        self._workspace(cluster, ns, name)

    # --- inference sets -----------------------------------------------------------------------
    def _inferenceset(self, cluster: str, ns: str, name: str) -> None:
        children = self.reader.list(cluster, self.ws_rt, namespace=ns,
                                   label_selector=f"{ks.CREATED_BY_LABEL}={name}")[0]
        try:
            iset = self.store.get(cluster, self.is_rt, ns, name)
        except NotFound:
            for child in children:
                self._delete_ws(cluster, ns, child["metadata"]["name"])
            return
        replicas = int((iset.get("spec") or {}).get("replicas", 1))
        want = {f"{name}-{i}" for i in range(replicas)}
        have = {c["metadata"]["name"] for c in children}
        for child in children:
            if child["metadata"]["name"] not in want:
                self._delete_ws(cluster, ns, child["metadata"]["name"])
        for i in range(replicas):
            if f"{name}-{i}" not in have:
                try:
                    self.store.create(cluster, self.ws_rt, ns, ks.child_workspace(iset, i))
                except AlreadyExists:
                    pass
        children = [c for c in children if c["metadata"]["name"] in want]
        status = ks.inferenceset_status(iset, children, rfc3339())
        old = iset.get("status") or {}
        status["conditions"] = merge(old.get("conditions"), status["conditions"])
        if status != old:
            iset["status"] = status
            self.store.replace(cluster, self.is_rt, ns, name, iset, subresource="status")

    def _delete_ws(self, cluster: str, ns: str, name: str) -> None:
        try:
            self.store.delete(cluster, self.ws_rt, ns, name)
        except NotFound:
            pass
