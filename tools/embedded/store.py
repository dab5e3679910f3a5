"""In-memory object store for the embedded fleet: every cluster's objects, one resourceVersion clock.

Thread-safe. Objects are plain dicts (what the API serves); the store hands out deep copies. A stored
object is never changed in place (a write stores a new dict), so events carry the stored dicts themselves and
``peek``/``scan`` lend them without copying: their receivers must not change them.
Validation and defaulting are hooks (``Store.admit``) so that the HTTP server, the seed and the
simulated controllers all go through the same checks a real API server would make.

Events: after every committed write the store calls each subscriber with an ``Event``, outside
the lock. Subscribers must be quick (the controllers enqueue and return) and must not change
``Event.obj``/``Event.old`` (the stored objects, shared by every subscriber).
"""
from __future__ import annotations

import builtins
import copy
import itertools
import random
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tools.embedded.autoscaling import HPA_V2_SCHEMA
from tools.embedded.errors import AlreadyExists, BadRequest, Cause, Conflict, Forbidden, NotFound, not_found
from tools.embedded.selectors import parse_field_selector, parse_label_selector


@dataclass(frozen=True)
class ResourceType:
    """One kind the server serves. ``versions`` lists served versions, storage version first."""

    group: str
    plural: str
    kind: str
    namespaced: bool
    versions: tuple[str, ...]
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    status_subresource: bool = False
    scale_subresource: bool = False
    # version -> openAPIV3Schema (None for built-ins the server does not validate deeply)
    schemas: dict = field(default_factory=dict, compare=False, hash=False)
    # version -> additionalPrinterColumns
    printer_columns: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def storage_version(self) -> str:
        return self.versions[0]

    def api_version(self, version: str | None = None) -> str:
        v = version or self.storage_version
        return f"{self.group}/{v}" if self.group else v


@dataclass
class Event:
    type: str  # ADDED | MODIFIED | DELETED
    cluster: str
    rtype: ResourceType
    obj: dict
    old: dict | None = None


Key = tuple[str, str, str, str, str]  # cluster, group, plural, namespace ("" if cluster-scoped), name

# admit(cluster, rtype, new_obj, old_obj_or_None, subresource) -> new_obj (defaulted) or raise Invalid
AdmitHook = Callable[[str, ResourceType, dict, "dict | None", "str | None"], dict]


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_uids = random.Random()  # seeded from the OS once: ``uuid4`` reads os.urandom for every object (slow on some VMs)


def new_uid() -> str:
    """A random (version 4) UID, as the API server gives every object (``str(uuid.UUID(int=..., version=4))``
    without the UUID object: a large seed makes hundreds of thousands)."""
    h = f"{_uids.getrandbits(128) & _UID_MASK | _UID_BITS:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_UID_MASK = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)  # version nibble, variant bits
_UID_BITS = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant


def spec_part(obj: dict) -> dict:
    """Everything generation tracks: all but metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def finalizers(obj: dict) -> list[str]:
    """What still holds an object: ``metadata.finalizers`` (and a Namespace's ``spec.finalizers``)."""
    out = list((obj.get("metadata") or {}).get("finalizers") or [])
    if obj.get("kind") == "Namespace":
        out += list((obj.get("spec") or {}).get("finalizers") or [])
    return out


def terminating(obj: dict | None) -> bool:
    return bool(obj and (obj.get("metadata") or {}).get("deletionTimestamp"))


class Store:
    """``terminating_namespaces``: Namespaces get kube-apiserver's ``spec.finalizers: [kubernetes]`` and
    ``status.phase``; deleting one (or any object with finalizers) marks it Terminating instead of removing
    it; it goes once its finalizers are gone (the namespace controller empties it and removes ``kubernetes``:
    ``tools.embedded.controllers.namespaces``). Off (a bare store): deletes remove at once, a namespace
    with everything in it."""

    def __init__(self, admit: AdmitHook | None = None, terminating_namespaces: bool = False):
        self.terminating_namespaces = terminating_namespaces
        self._lock = threading.RLock()
        self._objs: dict[Key, dict] = {}
        # the same objects by (cluster, group, plural): a list reads only its own kind in its own cluster
        # (scanning everything made listing one kind on each of 1,000 members quadratic)
        self._scopes: dict[tuple[str, str, str], dict[Key, dict]] = {}
        self._clock = itertools.count(1000)
        self._rv = 1000
        self._subscribers: list[Callable[[Event], None]] = []
        # cluster names in the order added (a dict: ``in`` is O(1), which every write and list checks)
        self.clusters: dict[str, None] = {}
        self.admit: AdmitHook | None = admit

    # --- bookkeeping --------------------------------------------------------------------------
    def add_cluster(self, name: str) -> None:
        with self._lock:
            self.clusters.setdefault(name, None)

    def subscribe(self, fn: Callable[[Event], None]) -> None:
        self._subscribers.append(fn)

    def unsubscribe(self, fn: Callable[[Event], None]) -> None:
        if fn in self._subscribers:
            self._subscribers.remove(fn)

    def _emit(self, events: Iterable[Event]) -> None:
        for ev in events:
            for fn in list(self._subscribers):
                fn(ev)

    def _next_rv(self) -> str:
        self._rv = next(self._clock)
        return str(self._rv)

    @property
    def resource_version(self) -> str:
        return str(self._rv)

    @staticmethod
    def _key(cluster: str, rt: ResourceType, namespace: str | None, name: str) -> Key:
        return (cluster, rt.group, rt.plural, (namespace or "") if rt.namespaced else "", name)

    def _check_cluster(self, cluster: str) -> None:
        if cluster not in self.clusters:
            raise NotFound(f'cluster "{cluster}" is not served here')

    # --- reads ----------------------------------------------------------------------------------
    def get(self, cluster: str, rt: ResourceType, namespace: str | None, name: str) -> dict:
        return copy.deepcopy(self.peek(cluster, rt, namespace, name))

    def peek(self, cluster: str, rt: ResourceType, namespace: str | None, name: str) -> dict:
        """The stored object itself, not a copy: read it, never change it (writes store new dicts)."""
        obj = self._objs.get(self._key(cluster, rt, namespace, name))
        if obj is None:
            raise not_found(rt.plural, name, rt.group)
        return obj

    def list(self, cluster: str, rt: ResourceType, namespace: str | None = None,
             label_selector: str | None = None, field_selector: str | None = None) -> tuple[list[dict], str]:
        objs, rv = self.scan(cluster, rt, namespace, label_selector, field_selector)
        return [copy.deepcopy(o) for o in objs], rv

    def scan(self, cluster: str, rt: ResourceType, namespace: str | None = None,
             label_selector: str | None = None, field_selector: str | None = None) -> tuple[builtins.list[dict], str]:
        """``list`` without the copies: the stored objects themselves (read them, never change them)."""
        match_labels = parse_label_selector(label_selector)
        match_fields = parse_field_selector(field_selector)
        with self._lock:
            self._check_cluster(cluster)
            out = []
            for (_c, _g, _p, ns, _), obj in (self._scopes.get((cluster, rt.group, rt.plural)) or {}).items():
                if rt.namespaced and namespace and ns != namespace:
                    continue
                if not match_labels(obj.get("metadata", {}).get("labels") or {}):
                    continue
                if not match_fields(obj):
                    continue
                out.append(obj)
            out.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
            return out, str(self._rv)

    # --- writes ---------------------------------------------------------------------------------
    def create(self, cluster: str, rt: ResourceType, namespace: str | None, obj: dict) -> dict:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not name and meta.get("generateName"):
            name = meta["generateName"] + uuid.uuid4().hex[:5]
            meta["name"] = name
        if not name:
            raise BadRequest("name or generateName is required")
        if rt.namespaced:
            if not namespace:
                raise BadRequest("the namespace of the object must be set for a namespaced resource")
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise BadRequest("the namespace of the provided object does not match the namespace "
                                 "sent on the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        obj["apiVersion"] = obj.get("apiVersion") or rt.api_version()
        obj["kind"] = rt.kind
        with self._lock:
            self._check_cluster(cluster)
            key = self._key(cluster, rt, namespace, name)
            if key in self._objs:
                raise AlreadyExists(f'{rt.plural}{"." + rt.group if rt.group else ""} "{name}" already exists',
                                    kind=rt.plural, name=name, group=rt.group)
            if rt.namespaced and rt.plural != "namespaces":
                ns_obj = self._objs.get(self._key(cluster, NAMESPACE, None, namespace or ""))
                if ns_obj is None:
                    raise not_found("namespaces", namespace or "")
                if terminating(ns_obj):
                    gr = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
                    why = (f"unable to create new content in namespace {namespace} because it is being "
                           f"terminated")
                    raise Forbidden(f'{gr} "{name}" is forbidden: {why}', kind=rt.plural, name=name,
                                    group=rt.group, causes=[Cause("metadata.namespace", why, "NamespaceTerminating")])
            if _is_namespace(rt) and self.terminating_namespaces:
                obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
                obj["status"] = {"phase": "Active"}
            if self.admit:
                obj = self.admit(cluster, rt, obj, None, None)
            meta = obj["metadata"]
            meta.pop("resourceVersion", None)
            meta["uid"] = new_uid()
            meta["creationTimestamp"] = meta.get("creationTimestamp") or now_rfc3339()
            meta["generation"] = 1
            meta["resourceVersion"] = self._next_rv()
            obj["apiVersion"] = rt.api_version(obj["apiVersion"].rsplit("/", 1)[-1])
            self._put(key, obj)
            out = copy.deepcopy(obj)
        self._emit([Event("ADDED", cluster, rt, obj)])
        return out

    def insert(self, cluster: str, rt: ResourceType, obj: dict) -> dict:
        """Store a complete object as it is, owned by the store from now on (no admission, no copy): the
        settled seed (``tools.embedded.settled``), which builds every field a create would have set but the
        resourceVersion (and ``uid``/``creationTimestamp``/``generation`` when absent). Emits ADDED."""
        meta = obj["metadata"]
        name = meta["name"]
        key = self._key(cluster, rt, meta.get("namespace"), name)
        with self._lock:
            self._check_cluster(cluster)
            if key in self._objs:
                raise AlreadyExists(f'{rt.plural}{"." + rt.group if rt.group else ""} "{name}" already exists',
                                    kind=rt.plural, name=name, group=rt.group)
            if "uid" not in meta:
                meta["uid"] = new_uid()
            if "creationTimestamp" not in meta:
                meta["creationTimestamp"] = now_rfc3339()
            meta.setdefault("generation", 1)
            meta["resourceVersion"] = self._next_rv()
            self._put(key, obj)
        self._emit([Event("ADDED", cluster, rt, obj)])
        return obj

    def replace(self, cluster: str, rt: ResourceType, namespace: str | None, name: str, obj: dict,
                *, subresource: str | None = None, check_rv: bool = True) -> dict:
        """PUT semantics. ``subresource='status'`` changes only status; otherwise status is kept.

        A ``metadata.resourceVersion`` in ``obj`` that differs from the stored one is a 409 Conflict
        (the optimistic concurrency every Kubernetes client relies on).
        """
        obj = copy.deepcopy(obj)
        with self._lock:
            key = self._key(cluster, rt, namespace, name)
            old = self._objs.get(key)
            if old is None:
                raise not_found(rt.plural, name, rt.group)
            want_rv = (obj.get("metadata") or {}).get("resourceVersion")
            if check_rv and want_rv and want_rv != old["metadata"]["resourceVersion"]:
                raise Conflict(
                    f'Operation cannot be fulfilled on {rt.plural}{"." + rt.group if rt.group else ""} '
                    f'"{name}": the object has been modified; please apply your changes to the latest '
                    f"version and try again", kind=rt.plural, name=name, group=rt.group)
            if subresource == "status":
                new = copy.deepcopy(old)
                if "status" in obj:
                    new["status"] = obj["status"]
                else:
                    new.pop("status", None)
                # the API server records who wrote status (managedFields); nothing else in metadata changes
                if "managedFields" in (obj.get("metadata") or {}):
                    new["metadata"]["managedFields"] = obj["metadata"]["managedFields"]
            else:
                new = obj
                new.setdefault("metadata", {})
                if rt.status_subresource:
                    if "status" in old:
                        new["status"] = copy.deepcopy(old["status"])
                    else:
                        new.pop("status", None)
                # immutable metadata
                for k in ("uid", "creationTimestamp", "namespace", "name", "generation", "deletionTimestamp",
                          "deletionGracePeriodSeconds"):
                    if k in old["metadata"]:
                        new["metadata"][k] = old["metadata"][k]
                    else:
                        new["metadata"].pop(k, None)
            new["kind"] = rt.kind
            new["apiVersion"] = rt.api_version((obj.get("apiVersion") or rt.api_version()).rsplit("/", 1)[-1])
            if self.admit:
                new = self.admit(cluster, rt, new, old, subresource)  # (admission reads ``old``, never changes it)
            if subresource != "status" and spec_part(new) != spec_part(old):
                new["metadata"]["generation"] = int(old["metadata"].get("generation", 1)) + 1
            if subresource == "status" and terminating(old):
                new["metadata"]["deletionTimestamp"] = old["metadata"]["deletionTimestamp"]
            if _same(new, old):
                return copy.deepcopy(old)  # no-op writes keep the resourceVersion, as the API server does
            new["metadata"]["resourceVersion"] = self._next_rv()
            gone = terminating(new) and not finalizers(new)
            if gone:  # the last finalizer went: the object goes with it
                self._drop(key)
            else:
                self._put(key, new)
            out = copy.deepcopy(new)
        self._emit([Event("DELETED" if gone else "MODIFIED", cluster, rt, new, None if gone else old)])
        return out

    def delete(self, cluster: str, rt: ResourceType, namespace: str | None, name: str) -> dict:
        """Remove the object, or (finalizers, with ``terminating_namespaces``) mark it Terminating."""
        events = []
        with self._lock:
            key = self._key(cluster, rt, namespace, name)
            old = self._objs.get(key)
            if old is None:
                raise not_found(rt.plural, name, rt.group)
            if self.terminating_namespaces and finalizers(old):
                if terminating(old):
                    return copy.deepcopy(old)
                new = copy.deepcopy(old)  # (stored objects are never changed in place: events share them)
                new["metadata"]["deletionTimestamp"] = now_rfc3339()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                if _is_namespace(rt):
                    new["status"] = {**(new.get("status") or {}), "phase": "Terminating"}
                new["metadata"]["resourceVersion"] = self._next_rv()
                self._put(key, new)
                out = copy.deepcopy(new)
                events.append(Event("MODIFIED", cluster, rt, new, old))
            else:
                self._drop(key)
                # a deletion is a change: it gets its own resourceVersion (watchers resume after it)
                out = _with_rv(old, self._next_rv())
                events.append(Event("DELETED", cluster, rt, out))
                out = copy.deepcopy(out)
                if rt.plural == "namespaces" and rt.group == "":
                    # a bare store: namespace deletion removes everything in it at once
                    for k in [k for k in self._objs if k[0] == cluster and k[3] == name]:
                        gone = _with_rv(self._drop(k), self._next_rv())
                        events.append(Event("DELETED", cluster, _TYPES_BY_GP.get((k[1], k[2]), rt), gone))
        self._emit(events)
        return out

    def _put(self, key: Key, obj: dict) -> None:
        self._objs[key] = obj
        self._scopes.setdefault(key[:3], {})[key] = obj

    def _drop(self, key: Key) -> dict:
        self._scopes.get(key[:3], {}).pop(key, None)
        return self._objs.pop(key)

    def contents(self, cluster: str, namespace: str) -> builtins.list[tuple[ResourceType, dict]]:
        """Every object in ``namespace`` on ``cluster`` (copies), with its type."""
        with self._lock:
            return [(_TYPES_BY_GP[(k[1], k[2])], copy.deepcopy(o)) for k, o in self._objs.items()
                    if k[0] == cluster and k[3] == namespace and (k[1], k[2]) in _TYPES_BY_GP
                    and k[2] != "namespaces"]

    def names(self, cluster: str) -> builtins.list[Key]:
        with self._lock:
            return [k for k in self._objs if k[0] == cluster]


def _is_namespace(rt: ResourceType) -> bool:
    return rt.group == "" and rt.plural == "namespaces"


def _same(a: dict, b: dict) -> bool:
    """Equal but for ``metadata.resourceVersion`` (compared without copying either)."""
    if a.keys() != b.keys():
        return False
    for k, v in a.items():
        if k != "metadata":
            if v != b[k]:
                return False
            continue
        ma, mb = v, b[k]
        if not (isinstance(ma, dict) and isinstance(mb, dict)):
            if ma != mb:
                return False
            continue
        if ma.keys() - {"resourceVersion"} != mb.keys() - {"resourceVersion"}:
            return False
        if any(mv != mb[mk] for mk, mv in ma.items() if mk != "resourceVersion"):
            return False
    return True


def _with_rv(obj: dict, rv: str) -> dict:
    """A shallow copy of ``obj`` with a new ``metadata.resourceVersion`` (``obj`` itself is left as it is)."""
    return {**obj, "metadata": {**(obj.get("metadata") or {}), "resourceVersion": rv}}


# Built-in kinds the embedded server hosts alongside the CRDs.
NAMESPACE = ResourceType("", "namespaces", "Namespace", False, ("v1",), singular="namespace",
                         short_names=("ns",), status_subresource=True)
NODE = ResourceType("", "nodes", "Node", False, ("v1",), singular="node", short_names=("no",),
                    status_subresource=True)
CONFIGMAP = ResourceType("", "configmaps", "ConfigMap", True, ("v1",), singular="configmap",
                         short_names=("cm",))
SECRET = ResourceType("", "secrets", "Secret", True, ("v1",), singular="secret")
# validated like a CRD, against a structural subset of the real schema (tools.embedded.autoscaling)
HPA = ResourceType("autoscaling", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ("v2",),
                   singular="horizontalpodautoscaler", short_names=("hpa",), categories=("all",),
                   status_subresource=True, schemas={"v2": HPA_V2_SCHEMA})
# the one-writer lease of fleetops (bot/lease.py), as coordination.k8s.io/v1 serves it on every cluster
LEASE = ResourceType("coordination.k8s.io", "leases", "Lease", True, ("v1",), singular="lease")
BUILTIN_TYPES = (NAMESPACE, NODE, CONFIGMAP, SECRET, HPA, LEASE)

_TYPES_BY_GP: dict[tuple[str, str], ResourceType] = {(t.group, t.plural): t for t in BUILTIN_TYPES}


def register_type(rt: ResourceType) -> None:
    """Let namespace deletion events carry the right type for CRD objects."""
    _TYPES_BY_GP[(rt.group, rt.plural)] = rt
