"""A fleet cache fed by watches: a warm snapshot costs no hub call, whatever the fleet's size.

    cache = fleet.start_cache()        # Fleet.snapshot() now serves from here when warm
    cache.version, cache.staleness()    # bumps on every change; seconds the cache may lag the hub

Hub objects (``assemble.HUB_KINDS``: MemberClusters, placements, deployment namespaces, KAITO objects and
ResourceOverrides with the deployment label, the revision records) are listed once, then watched from the
list's resourceVersion, one daemon thread per kind (``_Reflector``): events replace objects; a stream the server
ends is resumed from the last resourceVersion; a 410 Gone (history compacted) lists again; a broken connection
is retried with exponential backoff (0.2 s → 30 s). ``staleness()`` is 0 while every watch is connected, else
the seconds since the oldest disconnected one last heard from the hub.

Member-side KAITO status is read only for the clusters some placement names, with bounded concurrency, and kept:
an entry is read again, before the snapshot that needs it, once a hub event touched a deployment placed there
(its placement, its KAITO object) or the adapter read that member for a rollout; an entry older than
``member_ttl`` is refreshed in the background (the snapshot uses it meanwhile), at most ``refresh_limit`` per
snapshot, the oldest first (a large fleet's entries come round in turn, without hundreds of reads a second). A
read that gives the same answer keeps the same entry list, so what was assembled from it is reused. A snapshot waits at most
``member_wait`` s for members: a member that has not answered by then is shown as the hub's placement status
shows it, and read on in the background. When more than ``cold_limit`` members were never read (a large fleet's
start: thousands of reads), a snapshot does not wait for those at all: they are read in the background and shown
meanwhile as the hub's placement status reports them, marked as pending (``assemble``'s ``pending``), so the
first answer needs no member read. Member Nodes are read only for MemberClusters without capacity properties,
kept ``nodes_ttl``. So a quiet fleet's snapshot makes no call at all.

Garbage collection: every snapshot the cache assembles is followed by ``gc.freeze()`` (``HeapPolicy``), so
CPython's full collections skip the fleet the process holds (without it, a full collection walks every cached
object and snapshot: 0.3-0.5 s of CPU at 1,000 clusters, seconds at 5,000, paid by whatever request runs then).

Memory: what the cache keeps of an object (``slim``) has no ``metadata.managedFields`` and no kubectl
last-applied annotation (nothing in a snapshot reads them), and its keys and short strings are interned: every
watch event is its own JSON document, so without that each of thousands of placements held its own copies of
the same keys, condition types, reasons, cluster names and timestamps. Of a member's KAITO objects it keeps only
what a snapshot reads (``member_kaito_view``).

Read your writes: the adapter tells the cache what it wrote (``expect``); a snapshot waits (at most
``consistency_wait`` s) until the watches have delivered those writes, else reads directly. Plans are still
checked against live versions before execution (``tools.executor``): the cache never decides a write.
"""
from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tools.catalog import Catalog
from tools.fleet import assemble as asm
from tools.fleet import inventory as inv
from tools.fleet.errors import FleetError, WatchExpired
from tools.fleet.kube import Kube
from tools.fleet.models import FleetSnapshot
from tools.messages import fleet as text

log = logging.getLogger(__name__)

Key = tuple[str, str]  # namespace ("" when cluster-scoped), name


class Source(Protocol):
    """What the cache reads through: the fleet adapter (``tools.fleet.adapter.Fleet``)."""

    hub: Kube
    catalog: Catalog

    @property
    def members(self) -> Mapping[str, Kube]: ...

    def _member_kaito(self, cluster: str, namespace: str | None = None) -> list[dict] | None: ...

    def _member_nodes(self, cluster: str) -> list[dict] | None: ...

    def snapshot_direct(self, now: datetime | None = None) -> FleetSnapshot: ...


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
INTERN_MAX = 128  # longer strings (messages, revision records) rarely repeat: kept as they are


def _interned(value: Any) -> Any:
    if isinstance(value, str):
        return sys.intern(value) if len(value) <= INTERN_MAX else value
    if isinstance(value, dict):
        return {(sys.intern(k) if isinstance(k, str) else k): _interned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_interned(v) for v in value]
    return value


def slim(obj: dict) -> dict:
    """What the cache keeps of a hub or member object: the same object (equal for every field a snapshot
    reads) without ``metadata.managedFields`` and kubectl's last-applied annotation, its strings interned."""
    meta = obj.get("metadata")
    if isinstance(meta, dict) and ("managedFields" in meta or LAST_APPLIED in (meta.get("annotations") or {})):
        meta = {k: v for k, v in meta.items() if k != "managedFields"}
        annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
        if annotations:
            meta["annotations"] = annotations
        else:
            meta.pop("annotations", None)
        obj = {**obj, "metadata": meta}
    return _interned(obj)


_CONDITION_FIELDS = ("type", "status", "reason", "message", "observedGeneration")
# (no resourceVersion: a status rewritten the same way is the same answer, see ``_read_member``)
_MEMBER_META = ("name", "namespace", "generation", "deletionTimestamp")


def _member_condition(c: dict) -> dict:
    kept = {k: c[k] for k in _CONDITION_FIELDS if k in c}
    if c.get("type") in inv.FAILING_CONDITIONS and c.get("status") != "False":
        kept.pop("message", None)  # (read only when it fails)
    return kept


def member_kaito_view(obj: dict) -> dict:
    """What the cache keeps of a member's KAITO object: what a snapshot reads of it (``inventory.state_of`` and
    the member index: kind, name, namespace, generation, deletion, the conditions ``state_of`` reads and ready
    replicas), not its
    spec, node list or timestamps — thousands of members each mirror the hub's KAITO objects."""
    meta = obj.get("metadata") or {}
    status = obj.get("status") or {}
    out: dict = {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"),
                 "metadata": {k: meta[k] for k in _MEMBER_META if k in meta}}
    kept: dict = {}
    if "conditions" in status:
        kept["conditions"] = [_member_condition(c) for c in status["conditions"] or []
                              if c.get("type") in inv.SUMMARY_CONDITIONS or c.get("type") in inv.FAILING_CONDITIONS]
    if "readyReplicas" in status:
        kept["readyReplicas"] = status["readyReplicas"]
    if kept:
        out["status"] = kept
    return slim(out)


# a placement's per-cluster conditions a snapshot reads (``rollout.placement_state``)
_PLACEMENT_CONDITIONS = ("Applied", "Available")


def placement_view(obj: dict) -> dict:
    """What the cache keeps of a ClusterResourcePlacement: all but its status (``slim``), and of its status what a
    snapshot reads (``rollout.placement_state``, ``rollout.hub_summary``): the observed resource index and, per
    cluster, its name, observed index, ``Applied`` and ``Available`` conditions and first failed placement. The
    four other per-cluster conditions and the selected resources were 60% of a cached placement (thousands of
    placements, each on several clusters)."""
    status = obj.get("status")
    if not isinstance(status, dict):
        return slim(obj)
    kept: dict = {k: status[k] for k in ("observedResourceIndex",) if k in status}
    per_cluster = []
    for ps in status.get("placementStatuses") or []:
        view = {k: ps[k] for k in ("clusterName", "observedResourceIndex") if k in ps}
        view["conditions"] = [c for c in ps.get("conditions") or [] if c.get("type") in _PLACEMENT_CONDITIONS]
        if ps.get("failedPlacements"):
            view["failedPlacements"] = ps["failedPlacements"][:1]
        per_cluster.append(view)
    if "placementStatuses" in status:
        kept["placementStatuses"] = per_cluster
    return slim({**obj, "status": kept})


# what the cache keeps of each hub kind (``slim`` for the kinds not named)
VIEWS = {"ClusterResourcePlacement": placement_view}


def _key(obj: dict) -> Key:
    meta = obj.get("metadata") or {}
    return meta.get("namespace") or "", meta.get("name") or ""


def _rv_int(rv: str | None) -> int | None:
    try:
        return int(rv) if rv else None
    except ValueError:
        return None


def _clusters_of(obj: dict | None) -> list[str]:
    return list((((obj or {}).get("spec") or {}).get("policy") or {}).get("clusterNames") or [])


class _Reflector:
    """List then watch one hub kind; keeps its objects by (namespace, name)."""

    def __init__(self, cache: FleetCache, kube: Kube, kind: str, namespace: str | None, label: str | None):
        self.cache, self.kube, self.kind, self.namespace, self.label = cache, kube, kind, namespace, label
        self.objs: dict[Key, dict] = {}
        self._order: list[Key] | None = None  # sorted keys of ``objs`` (``ordered``)
        self.view = VIEWS.get(kind, slim)
        self.rv = ""
        self.synced = threading.Event()
        self.connected = False
        self.heard = time.monotonic()
        self.lists = self.watches = self.expired = self.failures = 0
        self._stream: Any = None  # the open watch response (closed by stop)
        self._thread = threading.Thread(target=self._run, name=f"fleet-cache-{kind}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def selects(self, obj: dict) -> bool:
        """Whether this watch's selection holds ``obj`` (its namespace; the label key the selector requires)."""
        meta = obj.get("metadata") or {}
        if self.namespace and meta.get("namespace") != self.namespace:
            return False
        return not self.label or self.label in (meta.get("labels") or {})

    def ordered(self) -> list[dict]:
        """The objects in (namespace, name) order (call under the cache's lock); the order is sorted again only
        when an object came or went (MemberClusters change at every heartbeat, their names seldom)."""
        if self._order is None or len(self._order) != len(self.objs):
            self._order = sorted(self.objs)
        try:
            return [self.objs[k] for k in self._order]
        except KeyError:  # one went and another came in between
            self._order = sorted(self.objs)
            return [self.objs[k] for k in self._order]

    def stop(self) -> None:
        stream = self._stream
        if stream is not None:
            try:
                stream.shutdown()
            except Exception:
                pass

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        backoff, need_list = self.cache.backoff[0], True
        stop = self.cache.stopping
        while not stop.is_set():
            try:
                if need_list:
                    self._list()
                    need_list = False
                self._watch()
                backoff = self.cache.backoff[0]
            except WatchExpired:
                self.expired += 1
                need_list = True
            except Exception as e:  # unreachable, forbidden, a broken stream: retry from the same resourceVersion
                self.failures += 1
                self.connected = False
                if not isinstance(e, FleetError):
                    log.debug("fleet cache: watch of %s failed", self.kind, exc_info=True)
                if stop.wait(backoff):
                    return
                backoff = min(self.cache.backoff[1], backoff * 2)

    def _list(self) -> None:
        fresh: dict[Key, dict] = {}
        rv = ""
        for page, page_rv in self.kube.list_pages(self.kind, self.namespace, self.label):  # kept page by page
            fresh.update((_key(o), self.view(o)) for o in page)
            rv = page_rv
        with self.cache.lock:
            old, self.objs, self.rv = self.objs, fresh, rv
            self.lists += 1
            self.heard = time.monotonic()
            for k in old.keys() | fresh.keys():
                if old.get(k) is not fresh.get(k):
                    self.cache.changed(self.kind, fresh.get(k), old.get(k))
            self.cache.arrived.notify_all()
        self.synced.set()

    def _watch(self) -> None:
        self.watches += 1
        events = self.kube.watch(self.kind, self.namespace, self.label, self.rv,
                                 timeout_seconds=self.cache.watch_timeout, on_open=self._opened)
        try:
            for etype, obj in events:
                with self.cache.lock:
                    self.heard = time.monotonic()
                    rv = (obj.get("metadata") or {}).get("resourceVersion")
                    if etype != "BOOKMARK":
                        obj = self.view(obj)
                        k = _key(obj)
                        old = self.objs.get(k)
                        if etype == "DELETED":
                            self.objs.pop(k, None)
                            self.cache.changed(self.kind, None, old or obj)
                        else:
                            self.objs[k] = obj
                            self.cache.changed(self.kind, obj, old)
                    if rv:
                        self.rv = rv
                    self.cache.arrived.notify_all()
                if self.cache.stopping.is_set():
                    return
        finally:
            self._stream = None
            self.connected = False
            self.heard = time.monotonic()

    def _opened(self, stream: Any) -> None:
        self._stream = stream
        self.connected = True
        self.heard = time.monotonic()


@dataclass
class _Member:
    objs: list[dict] | None
    at: float  # when the read that gave ``objs`` started (monotonic)
    mark: int  # the cluster's dirt mark when that read started: dirty while it differs from the current one


@dataclass
class _Placed:
    """The deployments part of a snapshot (``assemble.assemble_deployments``) and what it was made of: the next
    snapshot assembles again only the deployments whose objects or members changed since (a heartbeat changes
    only clusters)."""

    clusters: list[str]  # the members some placement names
    unread: frozenset[str]
    placed: asm.Placed


class HeapPolicy:
    """What the garbage collector walks in a process that holds a large fleet.

    The cache holds hundreds of thousands of long-lived objects (the hub's objects, the last snapshot), and each
    assembled snapshot adds as many: CPython's full collection, which walks every tracked object, then comes
    within a few requests (it runs once the objects that reached the oldest generation since the last one are a
    quarter of those that survived it) and is paid by whichever request is running: 0.3-0.5 s of CPU at 1,000
    clusters (470,000 tracked objects), more than a second at 5,000 (``bench/placement.py --e2e``).

    ``settled()``, after each assembly, moves every object tracked so far into the permanent generation
    (``gc.freeze()``), which collections skip; the objects created afterwards (a request's) are collected as
    usual. A frozen object is still freed as soon as its last reference goes, and snapshots and hub objects hold
    no reference cycles, so a replaced snapshot is freed as before; only cyclic garbage that happened to exist
    at a freeze stays. Hence the compaction: once the permanent generation has grown to ``regrow`` times its size
    after the last compaction (or the first freeze), ``settled()`` unfreezes, collects once in full and freezes
    again, so what can be held that way is bounded by the live size (the growth is looked at every
    ``check_every`` assemblies: counting the frozen objects walks them). Process-wide, like the collector."""

    def __init__(self, regrow: float = 2.0, check_every: int = 8) -> None:
        self.regrow = regrow
        # ``gc.get_freeze_count()`` walks the whole permanent generation (50 ms at 1,000 clusters, paid by the
        # request that assembles): the growth is looked at after every ``check_every``-th assembly only
        self.check_every = max(1, check_every)
        self.base = 0  # permanent generation after the last compaction (or the first freeze)
        self.compactions = 0
        self._settles = 0
        self._lock = threading.Lock()

    @contextmanager
    def assembling(self) -> Iterator[None]:
        """Around an assembly: no collection while it builds (what it makes is new and holds no cycles: a
        collection could only walk it, again at every collection as it piles up, the more often as the frozen
        objects no longer count toward the next one), then ``settled()``. The collector is off process-wide
        meanwhile: what other threads make then is frozen right after, with the rest."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if enabled:
                gc.enable()
        self.settled()

    def settled(self) -> None:
        with self._lock:
            gc.freeze()
            self._settles += 1
            if self.base and self._settles % self.check_every:
                return
            frozen = gc.get_freeze_count()
            if not self.base:
                self.base = frozen
            elif frozen > self.regrow * self.base:
                gc.unfreeze()
                gc.collect()
                gc.freeze()
                self.base = gc.get_freeze_count()
                self.compactions += 1


class FleetCache:
    def __init__(self, fleet: Source, *, watch_timeout: int = 300, member_ttl: float = 30.0,
                 nodes_ttl: float = 300.0, member_concurrency: int = 8, consistency_wait: float = 3.0,
                 memo_seconds: float = 5.0, backoff: tuple[float, float] = (0.2, 30.0), member_wait: float = 5.0,
                 stale_after: float = 5.0, cold_limit: int = 64, cold_seconds: float = 30.0,
                 refresh_limit: int = 128, heap: HeapPolicy | None = None):
        self.fleet = fleet
        self.heap = heap if heap is not None else HeapPolicy()  # ``gc.freeze()`` after each assembly
        self.watch_timeout, self.member_ttl, self.nodes_ttl = watch_timeout, member_ttl, nodes_ttl
        self.consistency_wait, self.memo_seconds, self.backoff = consistency_wait, memo_seconds, backoff
        self.member_wait = member_wait  # the longest a snapshot waits for members (cold start of a large fleet)
        self.stale_after = stale_after  # a snapshot says how old it may be once a watch is down this long
        # a snapshot waits for members never read yet only when at most this many are (a small fleet's first
        # snapshot shows every member's own status); more (a large fleet's start): those are read in the
        # background and shown meanwhile as the hub's placement status reports them, marked as pending
        self.cold_limit, self.cold_seconds = cold_limit, cold_seconds
        self.refresh_limit = refresh_limit  # entries past their ttl read again per snapshot, the oldest first
        self.lock = threading.RLock()
        self._assembling = threading.Lock()
        self.arrived = threading.Condition(self.lock)  # notified after every watch event
        self.stopping = threading.Event()
        self.version = 0  # bumps on every hub change and every member answer that differs
        self.hub_version = 0  # bumps on every hub change
        # bumps on every change a deployment can show: hub changes but MemberClusters', members' KAITO answers
        self.deps_version = 0
        self._placed: _Placed | None = None  # the deployments part of the last snapshot, with what it was made of
        # deployment -> the deps_version at which something it is assembled from last changed (cleared once a
        # snapshot assembled it again), and each deployment's hub objects (``assemble.deployment_of``)
        self._changed_deps: dict[str, int] = {}
        self._by_dep: dict[str, dict[tuple[str, Key], dict]] = {}
        self._needs_nodes: dict[str, tuple[dict, bool]] = {}  # MemberCluster -> (it, whether only Nodes tell capacity)
        self._hub = fleet.hub.clone()  # watches hold connections for minutes: not the request path's pool
        self._reflectors = {kind: _Reflector(self, self._hub, kind, ns, label) for kind, ns, label in asm.HUB_KINDS}
        self._members: dict[str, _Member] = {}
        self._nodes: dict[str, _Member] = {}
        self._marks: dict[str, int] = {}  # cluster -> how often a hub event or a rollout read dirtied it
        self._inflight: dict[tuple[str, str], Future] = {}
        self._pool = ThreadPoolExecutor(max_workers=member_concurrency, thread_name_prefix="fleet-cache-member")
        self._expected: list[tuple[str, Key, int | None, float]] = []  # kind, key, rv (None: deleted), deadline
        self._memo: tuple[int, float, FleetSnapshot] | None = None
        # a snapshot taken while never-read members were pending: (hub_version, snapshot, those members, when);
        # served again, up to cold_seconds, while their reads are under way and the hub did not change (a
        # large fleet's start: assembling again for every few members that answered would gain little)
        self._cold: tuple[int, FleetSnapshot, set[str], float] | None = None
        self._assembled = asm.Memo()  # deployments reused across snapshots while their objects stay the same

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> FleetCache:
        for r in self._reflectors.values():
            r.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for r in self._reflectors.values():
            r.stop()
        for r in self._reflectors.values():
            r.join(2.0)
        self._pool.shutdown(wait=False, cancel_futures=True)
        try:
            self._hub.api.close()
        except Exception:
            pass

    @property
    def warm(self) -> bool:
        """Every hub kind listed at least once (and the cache not stopped)."""
        return not self.stopping.is_set() and all(r.synced.is_set() for r in self._reflectors.values())

    def wait_warm(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for r in self._reflectors.values():
            if not r.synced.wait(max(0.0, deadline - time.monotonic())):
                cold = [k for k, r in self._reflectors.items() if not r.synced.is_set()]
                log.warning(text.CACHE_NOT_WARM.format(kinds=", ".join(cold), seconds=int(timeout)))
                return False
        return True

    def watching(self) -> bool:
        """Every hub kind's watch is open now."""
        with self.lock:
            return all(r.connected for r in self._reflectors.values())

    def staleness(self) -> float:
        """0 while every watch is connected; else seconds since the longest-disconnected one heard the hub."""
        now = time.monotonic()
        with self.lock:
            return max((0.0 if r.connected else now - r.heard for r in self._reflectors.values()), default=0.0)

    def stats(self) -> dict[str, dict[str, int]]:
        """Per kind: objects held, lists, watches opened, 410s, failures (for benches and tests)."""
        with self.lock:
            return {k: {"objects": len(r.objs), "lists": r.lists, "watches": r.watches, "expired": r.expired,
                        "failures": r.failures} for k, r in self._reflectors.items()}

    # --- change bookkeeping (called under the lock by the reflectors) ------------------------------
    def changed(self, kind: str, new: dict | None, old: dict | None) -> None:
        self.version += 1
        self.hub_version += 1
        if kind != "MemberCluster":
            self.deps_version += 1
            for obj, present in ((old, False), (new, True)):
                dep = asm.deployment_of(kind, obj) if obj is not None else None
                if obj is None or dep is None:
                    continue
                self._changed_deps[dep] = self.deps_version
                held = self._by_dep.setdefault(dep, {})
                if present:
                    held[(kind, _key(obj))] = obj
                else:
                    held.pop((kind, _key(obj)), None)
                if not held:
                    del self._by_dep[dep]
        if kind == "ClusterResourcePlacement":
            self._dirty(set(_clusters_of(new)) | set(_clusters_of(old)))
        elif kind in ("Workspace", "InferenceSet"):
            obj = new or old or {}
            crp = self._reflectors["ClusterResourcePlacement"].objs.get(("", (obj.get("metadata") or {})
                                                                         .get("namespace") or ""))
            self._dirty(set(_clusters_of(crp)))

    def _dirty(self, clusters: Iterable[str]) -> None:
        for c in clusters:
            self._marks[c] = self._marks.get(c, 0) + 1

    def _is_dirty(self, cluster: str) -> bool:
        entry = self._members.get(cluster)
        return entry is not None and entry.mark != self._marks.get(cluster, 0)

    def touch_member(self, cluster: str) -> None:
        """The adapter read this member for a rollout: its KAITO status is read again for the next snapshot."""
        with self.lock:
            self._dirty([cluster])

    def expect(self, kind: str, obj: dict | None, *, deleted: Key | None = None) -> None:
        """The adapter wrote ``obj`` (or deleted ``deleted``): the next snapshot waits until the watch shows it."""
        r = self._reflectors.get(kind)
        if r is None or (obj is not None and deleted is None and not r.selects(obj)):
            return  # not a kind or an object the cache holds: no event will come for it
        deadline = time.monotonic() + self.consistency_wait
        with self.lock:
            if deleted is not None:
                self._expected.append((kind, deleted, None, deadline))
            elif obj:
                rv = _rv_int((obj.get("metadata") or {}).get("resourceVersion"))
                if rv is not None:
                    self._expected.append((kind, _key(obj), rv, deadline))

    def _seen(self, kind: str, key: Key, rv: int | None) -> bool:
        r = self._reflectors[kind]
        if rv is None:
            obj = r.objs.get(key)
            return obj is None or bool((obj.get("metadata") or {}).get("deletionTimestamp"))
        have = _rv_int(r.rv)
        return have is not None and have >= rv

    def _caught_up(self) -> bool:
        """Wait until the expected writes arrived; False when one did not within its deadline."""
        with self.lock:
            while self._expected:
                self._expected = [e for e in self._expected if not self._seen(e[0], e[1], e[2])]
                if not self._expected:
                    return True
                left = min(e[3] for e in self._expected) - time.monotonic()
                if left <= 0:
                    self._expected.clear()
                    return False
                self.arrived.wait(min(left, 0.25))
            return True

    # --- members ---------------------------------------------------------------------------------
    def _fetch(self, table: dict[str, _Member], what: str, cluster: str) -> Future:
        key = (what, cluster)
        with self.lock:
            fut = self._inflight.get(key)
            if fut is not None:
                return fut
            read = self.fleet._member_kaito if what == "kaito" else self.fleet._member_nodes
            fut = self._pool.submit(self._read_member, table, key, read, cluster)
            self._inflight[key] = fut
            return fut

    def _read_member(self, table: dict[str, _Member], key: tuple[str, str], read: Any, cluster: str) -> None:
        with self.lock:
            started, mark = time.monotonic(), self._marks.get(cluster, 0)
        try:
            objs = read(cluster)
            view = member_kaito_view if key[0] == "kaito" else slim
            objs = None if objs is None else [view(o) for o in objs]
        except BaseException:
            with self.lock:
                self._inflight.pop(key, None)
            raise
        with self.lock:
            self._inflight.pop(key, None)
            prev = table.get(cluster)
            if prev is None or prev.objs != objs:
                self.version += 1
                if table is self._members:
                    self.deps_version += 1
                    for dep in self._placed.placed.on_cluster.get(cluster, ()) if self._placed else ():
                        self._changed_deps[dep] = self.deps_version
            else:  # the same answer: the same list, so that what a snapshot assembled from it is reused (``Memo``)
                objs = prev.objs
            table[cluster] = _Member(objs, started, mark if table is self._members else 0)

    def _members_for(self, table: dict[str, _Member], what: str, clusters: list[str], ttl: float
                     ) -> tuple[dict[str, list[dict] | None], bool, set[str]]:
        """What the members said (missing or dirty entries read now, within ``member_wait`` s), whether every
        entry is current, and the members never read yet that this snapshot does not wait for (more than
        ``cold_limit`` of them: a large fleet's start). A member that did not answer in time is left out (the
        hub's view stands in) and its read goes on in the background."""
        now = time.monotonic()
        wait: list[Future] = []
        cold: list[str] = []
        aged: list[tuple[float, str]] = []
        with self.lock:
            for c in clusters:
                entry = table.get(c)
                if entry is None:
                    cold.append(c)
                elif table is self._members and self._is_dirty(c):
                    wait.append(self._fetch(table, what, c))
                elif now - entry.at > ttl and (what, c) not in self._inflight:
                    aged.append((entry.at, c))
            # refreshed ahead, the oldest first, at most ``refresh_limit`` per snapshot (this one uses what it has):
            # at 5,000 clusters a 30 s ttl meant 150 reads a second in the background while requests came
            for _at, c in sorted(aged)[:self.refresh_limit]:
                self._fetch(table, what, c)
            # KAITO status only: a member's Nodes are its GPU inventory (no hub view stands in), always awaited
            unread = set(cold) if table is self._members and len(cold) > self.cold_limit else set()
            if not unread:  # else read after this snapshot is assembled (``snapshot``): not competing with it
                wait.extend(self._fetch(table, what, c) for c in cold)
        _done, pending = futures_wait(wait, timeout=self.member_wait) if wait else (set(), set())
        with self.lock:  # a failed read leaves no entry: tolerant, as the direct path (the hub's view stands in)
            got = {c: table[c].objs for c in clusters if c in table}
            unread = {c for c in unread if c not in table}
            current = not pending and not unread and not (table is self._members
                                                          and any(self._is_dirty(c) for c in got))
        return got, current, unread

    def wait_reads(self, timeout: float) -> bool:
        """Wait until no member read is in flight (a large fleet's start reads thousands in the background, and
        a stale entry is refreshed ahead); False if some were still running after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                inflight = list(self._inflight.values())
            left = deadline - time.monotonic()
            if not inflight:
                return True
            if left <= 0:
                return False
            futures_wait(inflight, timeout=left)

    def names(self, kind: str) -> set[str]:
        """Names of the cached objects of one hub kind (no call)."""
        with self.lock:
            return {name for _ns, name in self._reflectors[kind].objs}

    # --- snapshots -----------------------------------------------------------------------------
    def hub_objects(self, kinds: Iterable[str] | None = None) -> asm.HubObjects:
        """The cached hub objects (of ``kinds``, default all), each kind in (namespace, name) order as a list
        returns them."""
        with self.lock:
            return asm.HubObjects({k: self._reflectors[k].ordered() for k in (kinds or self._reflectors)})

    @staticmethod
    def _incremental_limit(kept: _Placed) -> int:
        """The most changed deployments assembled one by one; more: all of them (one pass over every object)."""
        return 64 + len(kept.placed.deployments) // 4

    def _dep_hub(self, dep: str) -> asm.HubObjects:
        """The cached hub objects ``dep`` is assembled from, each kind in (namespace, name) order (under the lock)."""
        out = asm.HubObjects()
        for (kind, _k), obj in sorted((self._by_dep.get(dep) or {}).items(), key=lambda kv: kv[0]):
            out.by_kind.setdefault(kind, []).append(obj)
        return out

    def _needing_nodes(self, mcs: list[dict]) -> list[str]:
        """``assemble.clusters_needing_nodes``, worked out again only for MemberClusters that changed."""
        known, out = self._needs_nodes, []
        fresh: dict[str, tuple[dict, bool]] = {}
        for mc in mcs:
            name = _key(mc)[1]
            entry = known.get(name)
            if entry is None or entry[0] is not mc:
                entry = (mc, bool(asm.clusters_needing_nodes(asm.HubObjects({"MemberCluster": [mc]}))))
            fresh[name] = entry
            if entry[1]:
                out.append(name)
        self._needs_nodes = fresh
        return out

    def snapshot(self, now: datetime) -> FleetSnapshot:
        if not self._caught_up():
            return self.fleet.snapshot_direct(now)
        stale = self.staleness()
        with self.lock:
            memo = self._memo
            if memo is not None and memo[0] == self.version and time.monotonic() - memo[1] < self.memo_seconds \
                    and not stale and not any(self._is_dirty(c) for c in self._members):
                return memo[2]
            cold = self._cold
            if cold is not None:
                if cold[0] == self.hub_version and time.monotonic() - cold[3] < self.cold_seconds \
                        and stale < self.stale_after \
                        and any(("kaito", c) in self._inflight for c in cold[2]) \
                        and not any(self._is_dirty(c) for c in self._members):
                    return cold[1]  # the members it marks pending are still being read: assembling again gains little
                self._cold = None
        with self.lock:
            hub_version = self.hub_version  # read first: a change after it makes the cold snapshot unusable
            kept = self._placed
        members = set(self.fleet.members)
        names: set[str] = set()
        dep_hubs: dict[str, asm.HubObjects] = {}
        for _pass in range(2):
            with self.lock:
                # what changed up to now is assembled again; what changes from now on stays marked for the next
                seen_upto = self.deps_version
                if kept is not None and len(self._changed_deps) > self._incremental_limit(kept):
                    kept = None
                extra = set() if kept is None else {
                    c for d in self._changed_deps for (kind, _k), o in (self._by_dep.get(d) or {}).items()
                    if kind == "ClusterResourcePlacement" for c in _clusters_of(o)}
            if kept is not None:  # only MemberClusters, and the deployments that changed, are read
                hub, placed = self.hub_objects(("MemberCluster",)), sorted((set(kept.clusters) | extra) & members)
            else:
                hub = self.hub_objects()
                placed = sorted(asm.placed_clusters(hub) & members)
            need_nodes = [c for c in self._needing_nodes(hub.of("MemberCluster")) if c in members]
            member_kaito, kaito_current, unread = self._members_for(self._members, "kaito", placed, self.member_ttl)
            member_nodes, nodes_current, _ = self._members_for(self._nodes, "nodes", need_nodes, self.nodes_ttl)
            with self.lock:
                version = self.version
                if kept is None:
                    break
                flipped = set(unread) ^ kept.unread  # members now read, or no longer: their deployments change
                names = set(self._changed_deps) | {d for c in flipped for d in kept.placed.on_cluster.get(c, ())}
                if len(names) <= self._incremental_limit(kept):
                    dep_hubs = {n: self._dep_hub(n) for n in names}
                    break
                kept = None  # too many changed: all of it again
        # one assembly at a time (they share the memo); then the collector skips what the process holds
        # (``HeapPolicy``)
        with self._assembling, self.heap.assembling():
            if kept is None:
                if "ClusterResourcePlacement" not in hub.by_kind:
                    hub = self.hub_objects()
                kept = _Placed(placed, frozenset(unread), asm.assemble_deployments(
                    hub, member_kaito, self.fleet.catalog, self._assembled, pending=unread))
            elif names:
                kept = _Placed(placed, frozenset(unread), asm.reassemble_deployments(
                    kept.placed, names, dep_hubs.__getitem__, member_kaito, self.fleet.catalog, self._assembled,
                    pending=unread))
            clusters = asm.assemble_clusters(hub.of("MemberCluster"), kept.placed, member_nodes, self.fleet.catalog,
                                             now, self._assembled)
            snap = FleetSnapshot(clusters=clusters, deployments=kept.placed.deployments)
        with self.lock:
            self._placed = kept
            self._changed_deps = {d: v for d, v in self._changed_deps.items() if v > seen_upto}
        if stale and stale >= self.stale_after:
            snap.stale_seconds = round(stale, 1)
        with self.lock:
            if version == self.version and not stale and kaito_current and nodes_current:
                self._memo = (version, time.monotonic(), snap)
            elif unread and stale < self.stale_after:  # (a watch reopening after its first list is not stale)
                self._cold = (hub_version, snap, unread, time.monotonic())
            for c in sorted(unread):
                self._fetch(self._members, "kaito", c)
        return snap
