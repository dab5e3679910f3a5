"""An event-fed index of the store, so that controllers list one kind in one cluster in O(matches).

``Store.list`` scans every object of every cluster; with fifty members that dominates the
controllers' time. ``ObjectIndex`` keeps names and labels per (cluster, group, plural, namespace),
updated from store events, and serves ``list``/``get`` with the store's signatures (reads return
deep copies of the store's objects; ``scan``/``peek`` the objects themselves, to read only). It may lag a concurrent writer by one event; that writer's event
enqueues a fresh reconcile anyway.
"""
from __future__ import annotations

import builtins
import copy
import re
import threading

from tools.embedded.errors import NotFound
from tools.embedded.selectors import parse_label_selector
from tools.embedded.store import Event, ResourceType, Store

Scope = tuple[str, str, str]  # cluster, group, plural
Pair = tuple[str, str]  # label key, value
_EQUALITIES = re.compile(r"^\s*[A-Za-z0-9./_-]+\s*==?\s*[A-Za-z0-9._-]*\s*(,\s*[A-Za-z0-9./_-]+\s*==?\s*[A-Za-z0-9._-]*\s*)*$")


def _equalities(selector: str | None) -> list[Pair] | None:
    """``k=v,k2=v2`` as pairs (what the label index answers); None for anything else."""
    if not selector or not _EQUALITIES.match(selector):
        return None
    out = []
    for term in selector.split(","):
        k, _, v = term.replace("==", "=").partition("=")
        out.append((k.strip(), v.strip()))
    return out


class ObjectIndex:
    def __init__(self, store: Store):
        self.store = store
        self._lock = threading.Lock()
        self._objs: dict[Scope, dict[str, dict[str, dict]]] = {}  # scope -> namespace -> name -> labels
        # scope -> (label key, value) -> {(namespace, name)}: an equality selector reads only its matches
        self._labels: dict[Scope, dict[Pair, set[tuple[str, str]]]] = {}
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.store.subscribe(self._on_event)
        for cluster in list(self.store.clusters):
            for c, group, plural, ns, name in self.store.names(cluster):
                try:
                    obj = self.store.get(c, _Probe(group, plural, bool(ns)), ns or None, name)
                except NotFound:
                    continue
                self._put(c, group, plural, ns, name, obj)

    def _put(self, cluster: str, group: str, plural: str, ns: str, name: str, obj: dict) -> None:
        labels = dict((obj.get("metadata") or {}).get("labels") or {})
        scope = (cluster, group, plural)
        key = (ns, name)
        with self._lock:  # (no ``setdefault(pair, set())``: a throwaway set per label of every object added)
            by_name = self._objs.setdefault(scope, {}).setdefault(ns, {})
            old = by_name.get(name)
            if old:
                self._unlabel(scope, ns, name, old)
            by_name[name] = labels
            index = self._labels.setdefault(scope, {})
            for pair in labels.items():
                found = index.get(pair)
                if found is None:
                    index[pair] = {key}
                else:
                    found.add(key)

    def _unlabel(self, scope: Scope, ns: str, name: str, labels: dict | None) -> None:
        index = self._labels.get(scope)
        for pair in (labels or {}).items():
            if index is not None and pair in index:
                index[pair].discard((ns, name))

    def _on_event(self, ev: Event) -> None:
        meta = ev.obj.get("metadata") or {}
        ns = meta.get("namespace", "") if ev.rtype.namespaced else ""
        if ev.type == "DELETED":
            with self._lock:
                scope = (ev.cluster, ev.rtype.group, ev.rtype.plural)
                by_ns = self._objs.get(scope, {})
                name = meta.get("name", "")
                self._unlabel(scope, ns, name, by_ns.get(ns, {}).pop(name, None))
        else:
            self._put(ev.cluster, ev.rtype.group, ev.rtype.plural, ns, meta.get("name", ""), ev.obj)

    # --- the store's read API -------------------------------------------------------------------
    def get(self, cluster: str, rt: ResourceType, namespace: str | None, name: str) -> dict:
        return self.store.get(cluster, rt, namespace, name)

    def names(self, cluster: str, rt: ResourceType, namespace: str | None = None,
              label_selector: str | None = None) -> list[tuple[str, str]]:
        pairs = _equalities(label_selector)
        if pairs:
            with self._lock:
                index = self._labels.get((cluster, rt.group, rt.plural), {})
                found = set.intersection(*(index.get(p, set()) for p in pairs))
                if namespace or not rt.namespaced:
                    found = {f for f in found if f[0] == (namespace or "")}
                return sorted(found)
        match = parse_label_selector(label_selector)
        with self._lock:
            by_ns = self._objs.get((cluster, rt.group, rt.plural), {})
            scopes = [namespace or ""] if (namespace or not rt.namespaced) else list(by_ns)
            return sorted((ns, name) for ns in scopes for name, labels in by_ns.get(ns, {}).items()
                          if match(labels))

    def list(self, cluster: str, rt: ResourceType, namespace: str | None = None,
             label_selector: str | None = None, field_selector: str | None = None) -> tuple[list[dict], str]:
        objs, rv = self.scan(cluster, rt, namespace, label_selector, field_selector)
        return [copy.deepcopy(o) for o in objs], rv

    def peek(self, cluster: str, rt: ResourceType, namespace: str | None, name: str) -> dict:
        return self.store.peek(cluster, rt, namespace, name)

    def scan(self, cluster: str, rt: ResourceType, namespace: str | None = None,
             label_selector: str | None = None, field_selector: str | None = None) -> tuple[builtins.list[dict], str]:
        """``list`` without the copies: the store's own objects (read them, never change them)."""
        if field_selector:
            return self.store.scan(cluster, rt, namespace, label_selector, field_selector)
        out = []
        for ns, name in self.names(cluster, rt, namespace, label_selector):
            try:
                out.append(self.store.peek(cluster, rt, ns or None, name))
            except NotFound:
                continue
        return out, self.store.resource_version


class _Probe(ResourceType):
    """A key-only ResourceType for ``Store.get`` during the initial scan."""

    def __init__(self, group: str, plural: str, namespaced: bool):
        super().__init__(group, plural, "", namespaced, ("v1",))
