"""Raw object access to one cluster through the official ``kubernetes`` client (its only importer).

Objects are plain dicts, addressed by kind, name and namespace (``tools.fleet.models.ObjectRef``, the one
reference type, also called ``Ref`` here; ``conventions.KINDS`` gives each kind's apiVersion and plural). Requests go
through the client's own ``ApiClient`` (auth, TLS, proxies and kubeconfig handling are the client's),
and API errors become the typed errors of ``tools.fleet.errors``.
"""
from __future__ import annotations

import builtins
import copy
import json
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import urllib3
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.kube_config import ConfigNode, KubeConfigLoader, KubeConfigMerger
from kubernetes.watch.watch import iter_resp_lines

from tools.fleet.conventions import FIELD_MANAGER, KINDS
from tools.fleet.errors import (
    FleetConfigError,
    FleetConflict,
    FleetError,
    FleetForbidden,
    FleetInvalid,
    FleetNotFound,
    FleetUnreachable,
    FleetWriteTimeout,
    NamespaceTerminating,
    WatchExpired,
)
from tools.fleet.impersonation import headers_for
from tools.fleet.models import ObjectRef
from tools.messages import fleet as text

LIST_PAGE = 500  # items per list page (``Kube.list_pages``)

APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"

# The one reference type (plans and the adapter share it); ``Ref`` is its short name here.
Ref = ObjectRef

# Called after every API call with (cluster, HTTP method, status; 0 when the server could not be reached):
# bot.metrics counts calls and errors through it (tools cannot import bot).
_call_observers: list[Callable[[str, str, int], None]] = []


def observe_calls(observer: Callable[[str, str, int], None]) -> None:
    """Add an observer of every call (see ``_call_observers``); idempotent for the same function."""
    if observer not in _call_observers:
        _call_observers.append(observer)


def _observed(cluster: str, method: str, status: int) -> None:
    for observer in list(_call_observers):
        try:
            observer(cluster, method, status)
        except Exception:
            pass


def path_for(kind: str, namespace: str | None = None, name: str | None = None, subresource: str | None = None) -> str:
    api_version, plural, namespaced = KINDS[kind]
    base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    if namespaced and namespace:
        base += f"/namespaces/{namespace}"
    base += f"/{plural}"
    if name:
        base += f"/{name}"
    if subresource:
        base += f"/{subresource}"
    return base


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: ~20x faster
_LISTS = ("clusters", "contexts", "users")


class _Merger(KubeConfigMerger):
    """The client's ``KubeConfigMerger``, same result, linear in the file: libyaml's safe loader, and a merge
    that finds known names in a set (the client's scans every entry kept so far for each new one, and
    deep-copies the whole file: seconds for a fleet's kubeconfig with a context per member)."""

    def load_config(self, path: str) -> None:
        with open(path) as f:
            config = yaml.load(f, Loader=_YAML_LOADER)  # a safe loader (C or Python)
        if config is None:
            raise ConfigException(f"Invalid kube-config. {path} file is empty")
        if self.config_merged is None:
            merged = {k: copy.deepcopy(v) for k, v in config.items() if k not in _LISTS}
            self.config_merged = ConfigNode(path, {**merged, **{k: [] for k in _LISTS}}, path)
        for item in _LISTS:
            self._merge(item, config.get(item, []) or [], path)
        if "current-context" in config:
            self.config_merged.value["current-context"] = config["current-context"]
        self.config_files[path] = config

    def _merge(self, item: str, add_cfg: builtins.list, path: str) -> None:
        assert self.config_merged is not None  # load_config made it
        kept = self.config_merged.value[item]
        known = {e["name"] for e in kept}
        for new_item in add_cfg:
            if new_item["name"] not in known:
                known.add(new_item["name"])
                kept.append(ConfigNode(f"{path}/{new_item}", new_item, path))


class KubeConfig:
    """A kubeconfig file (or in-cluster config) and the ApiClients built from its contexts.

    The file is read and parsed once, here; every client is built from that one parse (a fleet's
    kubeconfig has a context per member, so parsing it per client made start-up quadratic).
    """

    def __init__(self, path: Path | None, in_cluster: bool = False):
        self.path, self.in_cluster = path, in_cluster
        self._contexts: list[str] = []
        self.current: str | None = None
        self._merged: KubeConfigMerger | None = None
        if in_cluster:
            return
        if path is None or not Path(path).exists():
            raise FleetConfigError(text.NO_KUBECONFIG.format(path=path))
        try:
            merged = _Merger(str(path))
            if merged.config is None:
                raise ConfigException("Invalid kube-config file. No configuration found.")
            loader = KubeConfigLoader(config_dict=merged.config)
            contexts, current = loader.list_contexts(), loader.current_context
        except ConfigException as e:
            raise FleetConfigError(text.BAD_KUBECONFIG.format(path=path, error=e)) from None
        self._merged = merged
        self._contexts = [c["name"] for c in contexts]
        self.current = (current or {}).get("name")
        # name -> entry, per list: a client's loader then sees only its own context, cluster and user (it
        # looks each up by scanning the list: a 1,000-member file made every client cost milliseconds)
        self._entries = {item: {e["name"]: e for e in merged.config.value[item]} for item in _LISTS}

    @property
    def contexts(self) -> list[str]:
        return list(self._contexts)

    def check_context(self, context: str | None) -> None:
        """``FleetConfigError`` naming the contexts there when ``context`` is not one of them."""
        if context and not self.in_cluster and context not in self._contexts:
            raise FleetConfigError(text.NO_CONTEXT.format(path=self.path, context=context,
                                                          available=", ".join(self._contexts)))

    def client(self, context: str | None, cluster_name: str) -> Kube:
        if self.in_cluster:
            cfg = k8s.Configuration()
            k8s_config.load_incluster_config(client_configuration=cfg)
            return Kube(k8s.ApiClient(cfg), cluster_name)
        self.check_context(context)
        assert self._merged is not None  # set by __init__ whenever not in_cluster
        cfg = k8s.Configuration()
        try:  # what new_client_from_config(config_file, context) does, minus re-reading the file
            KubeConfigLoader(config_dict=self._narrowed(context), active_context=context,
                             config_persister=self._merged.save_changes).load_and_set(cfg)
        except ConfigException as e:
            raise FleetConfigError(text.BAD_KUBECONFIG.format(path=self.path, error=e)) from None
        return Kube(k8s.ApiClient(cfg), cluster_name)

    def _narrowed(self, context: str | None) -> ConfigNode:
        """The merged config holding only ``context`` and the cluster and user it names (the same entries,
        so a refreshed token is still persisted through the merger)."""
        assert self._merged is not None
        whole = self._merged.config
        name = context or whole.value.get("current-context")
        ctx = self._entries["contexts"].get(name)
        if ctx is None:
            return whole  # the loader says what is missing
        spec = (ctx.value if isinstance(ctx, ConfigNode) else ctx).get("context") or {}
        value = {**whole.value, "contexts": [ctx],
                 "clusters": [e for e in [self._entries["clusters"].get(spec.get("cluster"))] if e is not None],
                 "users": [e for e in [self._entries["users"].get(spec.get("user"))] if e is not None]}
        return ConfigNode(whole.name, value, whole.path)


class MemberClients(MutableMapping[str, "Kube"]):
    """Member name → ``Kube``, each client built from the one kubeconfig parse when first used.

    Building a client (a ``Configuration``, an ``ApiClient`` with its connection pool and TLS context) costs
    milliseconds; a fleet of 1,000 members paid seconds of that before its first answer, mostly for members no
    request read yet. ``contexts`` maps member names to kubeconfig contexts, or is a function giving that
    mapping (called once, when the names are first needed: ``"auto"`` resolves them from the hub's
    MemberClusters). Thread-safe; a client put in by hand (tests) is kept as given.
    """

    def __init__(self, kubeconfig: KubeConfig, contexts: dict[str, str] | Callable[[], dict[str, str]]):
        self._kc = kubeconfig
        self._resolve = contexts if callable(contexts) else None
        self._contexts: dict[str, str] | None = None if callable(contexts) else dict(contexts)
        self._clients: dict[str, Kube] = {}
        self._lock = threading.RLock()
        for context in (self._contexts or {}).values():  # a misspelt context fails now, not at first read
            kubeconfig.check_context(context)

    def _mapping(self) -> dict[str, str]:
        if self._contexts is None:
            with self._lock:
                if self._contexts is None:
                    assert self._resolve is not None
                    self._contexts = dict(self._resolve())
        return self._contexts

    def __getitem__(self, name: str) -> Kube:
        kube = self._clients.get(name)
        if kube is not None:
            return kube
        with self._lock:
            kube = self._clients.get(name)
            if kube is None:
                kube = self._clients[name] = self._kc.client(self._mapping()[name], name)
            return kube

    def __contains__(self, name: object) -> bool:
        return name in self._clients or name in self._mapping()

    def __setitem__(self, name: str, kube: Kube) -> None:
        with self._lock:
            self._mapping().setdefault(name, name)
            self._clients[name] = kube

    def __delitem__(self, name: str) -> None:
        with self._lock:
            del self._mapping()[name]
            self._clients.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._mapping()))

    def __len__(self) -> int:
        return len(self._mapping())

    def built(self) -> builtins.list[Kube]:
        """The clients built so far (what ``close`` must close), without building the others."""
        with self._lock:
            return list(self._clients.values())


class Kube:
    """One cluster's API: get/list/apply/merge/create/delete of plain-dict objects."""

    def __init__(self, api: Any, cluster: str, timeout: float = 15.0):
        self.api, self.cluster, self.timeout = api, cluster, timeout
        # called with every authorization the API server checks for a call: (cluster, group, resource,
        # verb, namespace) — the RBAC test records what the adapter uses; None: nothing is recorded
        self.recorder: Callable[[tuple[str, str, str, str, str | None]], None] | None = None

    @property
    def endpoint(self) -> str:
        return self.api.configuration.host

    # --- transport ---------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, query: dict | None = None, body: Any = None,
              content_type: str | None = None, what: tuple[str, str] = ("", "")) -> dict | None:
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        elif body is not None:
            headers["Content-Type"] = "application/json"
        q = [(k, v) for k, v in (query or {}).items() if v is not None]
        try:
            _m, url, hdrs, body_s, _ = self.api.param_serialize(
                method=method, resource_path=path, query_params=q, header_params=headers, body=body,
                auth_settings=["BearerToken"])
            if acting_as := headers_for(self.cluster):  # the person, not the bot (tools.fleet.impersonation)
                hdrs = urllib3.HTTPHeaderDict(hdrs)  # Impersonate-Group repeats: one header per group
                for name, value in acting_as:
                    hdrs.add(name, value)
            resp = self.api.call_api(method, url, header_params=hdrs, body=body_s, _request_timeout=self.timeout)
            resp.read()
            status = resp.status
            data = resp.data
        except ApiException as e:  # pragma: no cover - call_api returns; kept for older clients
            status, data = e.status, (e.body or b"")
        except (urllib3.exceptions.HTTPError, OSError) as e:
            _observed(self.cluster, method, 0)
            raise FleetUnreachable(self.cluster, self.endpoint, f" ({type(e).__name__})") from None
        _observed(self.cluster, method, status)
        self._record(method, path, status)
        if 200 <= status < 300:
            return json.loads(data) if data else None
        creates = method == "POST" or content_type == APPLY  # a 404 there means the namespace is missing
        self._raise(status, data, method, path, what, creates)
        return None  # unreachable

    def _record(self, method: str, path: str, status: int, watch: bool = False) -> None:
        if self.recorder is not None:
            for group, resource, verb, namespace in _authorization(method, path, status, watch):
                self.recorder((self.cluster, group, resource, verb, namespace))

    def _raise(self, status: int, data: bytes | str, method: str, path: str, what: tuple[str, str],
               creates: bool = False) -> None:
        try:
            body = json.loads(data) if data else {}
        except ValueError:
            body = {"message": (data.decode() if isinstance(data, bytes) else str(data))[:300]}
        msg = body.get("message") or f"HTTP {status}"
        resource, name = what
        resource = resource or path
        if status == 401:
            raise FleetForbidden(self.cluster, _verb(method), resource, " (401: the credentials were refused)")
        if status == 403 and "because it is being terminated" in msg and "/namespaces/" in path:
            raise NamespaceTerminating(self.cluster, path.split("/namespaces/", 1)[1].split("/", 1)[0])
        if status == 403:
            raise FleetForbidden(self.cluster, _verb(method), resource, f" ({msg})")
        if status == 404:
            if creates and "/namespaces/" in path:
                ns = path.split("/namespaces/", 1)[1].split("/", 1)[0]
                raise FleetNotFound(self.cluster, "namespace", ns)
            raise FleetNotFound(self.cluster, resource, name or path)
        if status == 504 and method != "GET":
            raise FleetWriteTimeout(self.cluster, method, path)
        if status == 409:
            raise FleetConflict(self.cluster, resource, name, f" ({msg})")
        if status == 410:  # a list's continue token (or resourceVersion) older than the server keeps
            raise WatchExpired(self.cluster, resource, "")
        if status == 422:
            raise FleetInvalid(self.cluster, resource, name, msg, (body.get("details") or {}).get("causes"))
        raise FleetError(text.UNEXPECTED.format(cluster=self.cluster, status=status, method=method, path=path, msg=msg))

    # --- reads ----------------------------------------------------------------------------------
    def get(self, kind: str, name: str, namespace: str | None = None) -> dict | None:
        """The object, or None when it does not exist."""
        try:
            return self._call("GET", path_for(kind, namespace, name), what=(kind, name))
        except FleetNotFound:
            return None

    def list(self, kind: str, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None) -> list[dict]:
        return self.list_versioned(kind, namespace, label_selector, field_selector)[0]

    def probe(self, kind: str) -> None:
        """One list of at most one object (``limit=1``): raises as a list of ``kind`` would (forbidden,
        unreachable), at the cost of one small request whatever the number of objects."""
        self._call("GET", path_for(kind), what=(kind, ""), query={"limit": "1"})

    def list_versioned(self, kind: str, namespace: str | None = None, label_selector: str | None = None,
                       field_selector: str | None = None) -> tuple[builtins.list[dict], str]:
        """The items and the list's ``metadata.resourceVersion`` (where a watch of the same selection resumes)."""
        items: builtins.list[dict] = []
        version = ""
        for page, rv in self.list_pages(kind, namespace, label_selector, field_selector):
            items.extend(page)
            version = rv
        return items, version

    def list_pages(self, kind: str, namespace: str | None = None, label_selector: str | None = None,
                   field_selector: str | None = None, limit: int = LIST_PAGE
                   ) -> Iterator[tuple[builtins.list[dict], str]]:
        """A list in pages of at most ``limit`` items (``limit``/``continue``, as kubectl lists): ``(items, the
        list's resourceVersion)`` per page. A caller that keeps a little of each item holds one page's decoding at
        a time (one 22,000-placement response decoded at once was hundreds of MB, and left the heap fragmented).
        A continue token the server no longer honours (410) raises ``WatchExpired``: list again."""
        token: str | None = None
        api_version = KINDS[kind][0]
        while True:
            out = self._call("GET", path_for(kind, namespace), what=(kind, ""),
                             query={"labelSelector": label_selector, "fieldSelector": field_selector,
                                    "limit": str(limit) if limit else None, "continue": token}) or {}
            items = out.get("items") or []
            for it in items:  # list items may omit apiVersion/kind
                it.setdefault("apiVersion", api_version)
                it.setdefault("kind", kind)
            meta = out.get("metadata") or {}
            yield items, str(meta.get("resourceVersion") or "")
            token = meta.get("continue") or None
            if not token:
                return

    def watch(self, kind: str, namespace: str | None = None, label_selector: str | None = None,
              resource_version: str | None = None, timeout_seconds: int = 60,
              on_open: Callable[[Any], None] | None = None) -> Iterator[tuple[str, dict]]:
        """``(type, object)`` events of one kind after ``resource_version`` (ADDED, MODIFIED, DELETED, BOOKMARK)
        until the server ends the stream (``timeout_seconds``). The stream is the official client's
        (``kubernetes.watch``'s line reader over a non-preloaded response). A resourceVersion the server has
        compacted away raises ``WatchExpired`` (list again); a dropped connection ``FleetUnreachable``.
        ``on_open`` gets the open response (its ``shutdown()`` ends the stream from another thread)."""
        path = path_for(kind, namespace)
        query = [("watch", "true"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", str(timeout_seconds))]
        if label_selector:
            query.append(("labelSelector", label_selector))
        if resource_version:
            query.append(("resourceVersion", resource_version))
        try:
            _m, url, hdrs, _b, _ = self.api.param_serialize(
                method="GET", resource_path=path, query_params=query, header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"])
            resp = self.api.call_api("GET", url, header_params=hdrs,
                                     _request_timeout=(self.timeout, timeout_seconds + self.timeout))
        except (urllib3.exceptions.HTTPError, OSError) as e:
            _observed(self.cluster, "GET", 0)
            raise FleetUnreachable(self.cluster, self.endpoint, f" ({type(e).__name__})") from None
        status = resp.status
        _observed(self.cluster, "GET", status)
        self._record("GET", path, status, watch=True)
        raw = resp.response
        try:
            if not 200 <= status < 300:
                if status == 410:
                    raise WatchExpired(self.cluster, kind, resource_version or "")
                self._raise(status, raw.data, "GET", path, (kind, ""))
            api_version = KINDS[kind][0]
            if on_open is not None:
                on_open(raw)
            for line in iter_resp_lines(raw):
                if not line:
                    continue
                ev = json.loads(line)
                obj = ev.get("object") or {}
                if ev.get("type") == "ERROR":
                    if obj.get("code") == 410:
                        raise WatchExpired(self.cluster, kind, resource_version or "")
                    raise FleetError(text.UNEXPECTED.format(cluster=self.cluster, status=obj.get("code"),
                                                            method="WATCH", path=path, msg=obj.get("message")))
                obj.setdefault("apiVersion", api_version)
                obj.setdefault("kind", kind)
                yield ev.get("type", ""), obj
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise FleetUnreachable(self.cluster, self.endpoint, f" (watch: {type(e).__name__})") from None
        finally:
            raw.release_conn()

    def clone(self) -> Kube:
        """The same cluster and credentials on a connection pool of its own (long watches must not hold the
        connections the request path uses)."""
        twin = Kube(k8s.ApiClient(self.api.configuration), self.cluster, self.timeout)
        twin.recorder = self.recorder
        return twin

    # --- writes ---------------------------------------------------------------------------------
    def apply(self, obj: dict, *, force: bool = True, dry_run: bool = False) -> dict:
        """Server-side apply with field manager ``fleetops``."""
        ref = Ref.of(obj)
        return self._call(
            "PATCH", path_for(ref.kind, ref.namespace, ref.name), body=obj, content_type=APPLY,
            query={"fieldManager": FIELD_MANAGER, "force": "true" if force else None,
                   "fieldValidation": "Strict", "dryRun": "All" if dry_run else None},
            what=(ref.kind, ref.name)) or {}

    def merge_patch(self, kind: str, name: str, patch: dict, namespace: str | None = None) -> dict:
        return self._call("PATCH", path_for(kind, namespace, name), body=patch, content_type=MERGE,
                          query={"fieldManager": FIELD_MANAGER}, what=(kind, name)) or {}

    def create(self, obj: dict) -> dict:
        ref = Ref.of(obj)
        return self._call("POST", path_for(ref.kind, ref.namespace), body=obj,
                          query={"fieldManager": FIELD_MANAGER, "fieldValidation": "Strict"},
                          what=(ref.kind, ref.name)) or {}

    def replace(self, obj: dict) -> dict:
        """PUT the whole object; its ``metadata.resourceVersion`` makes a concurrent write a ``FleetConflict``."""
        ref = Ref.of(obj)
        return self._call("PUT", path_for(ref.kind, ref.namespace, ref.name), body=obj,
                          query={"fieldManager": FIELD_MANAGER, "fieldValidation": "Strict"},
                          what=(ref.kind, ref.name)) or {}

    def replace_status(self, obj: dict) -> dict:
        """PUT the status subresource (its ``metadata.resourceVersion`` guards against concurrent writes)."""
        ref = Ref.of(obj)
        return self._call("PUT", path_for(ref.kind, ref.namespace, ref.name, "status"), body=obj,
                          query={"fieldManager": FIELD_MANAGER}, what=(ref.kind, ref.name)) or {}

    def delete(self, kind: str, name: str, namespace: str | None = None) -> bool:
        """Delete; True if it existed. Idempotent."""
        try:
            self._call("DELETE", path_for(kind, namespace, name),
                       body={"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"},
                       what=(kind, name))
            return True
        except FleetNotFound:
            return False


def _parse(path: str) -> tuple[str, str, str | None, str | None]:
    """(API group, resource, namespace, name) of a ``path_for`` path."""
    segs = [p for p in path.split("/") if p]
    group, rest = ("", segs[2:]) if segs[0] == "api" else (segs[1], segs[3:])
    namespace = None
    if rest[:1] == ["namespaces"] and len(rest) > 2:
        namespace, rest = rest[1], rest[2:]
    resource = f"{rest[0]}/{rest[2]}" if len(rest) > 2 else rest[0]  # a subresource: RBAC names it so
    return group, resource, namespace, (rest[1] if len(rest) > 1 else None)


def _authorization(method: str, path: str, status: int,
                   watch: bool = False) -> list[tuple[str, str, str, str | None]]:
    """(group, resource, verb, namespace) kube-apiserver authorizes for one call (a PATCH that creates
    the object, i.e. server-side apply of something new, is authorized as create too)."""
    group, resource, namespace, name = _parse(path)
    if method == "GET":
        verbs = ["watch" if watch else "get" if name else "list"]
    else:
        verbs = [{"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[method]]
        if method == "PATCH" and status == 201:
            verbs.append("create")
    return [(group, resource, v, namespace) for v in verbs]


def _verb(method: str) -> str:
    return {"GET": "get/list", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, method)


def retry_conflicts(fn: Callable[[], Any], attempts: int = 5, pause: float = 0.05) -> Any:
    """Run ``fn``; on a 409 conflict re-run it (fn must re-read what it writes)."""
    for i in range(attempts):
        try:
            return fn()
        except FleetConflict:
            if i == attempts - 1:
                raise
            time.sleep(pause * (2 ** i))
    return None  # pragma: no cover


