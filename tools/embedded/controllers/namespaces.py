"""Simulated namespace controller (every cluster): empties a Terminating namespace, then lets it go.

As kube-controller-manager's namespace controller: once a Namespace has a ``deletionTimestamp``, delete
everything in it (objects with their own finalizers turn Terminating and stay until those are removed),
and when nothing is left remove the ``kubernetes`` finalizer from ``spec.finalizers`` (the store then
removes the Namespace). ``delay`` seconds pass before each pass, as on a real cluster where this takes a
while; writes into the namespace meanwhile are refused 403 by the store.
"""
from __future__ import annotations

import contextlib

from tools.embedded.controllers.base import Activity, Controller, Key
from tools.embedded.errors import NotFound
from tools.embedded.store import NAMESPACE, Event, Store, terminating

FINALIZER = "kubernetes"


class NamespaceController(Controller):
    name = "namespaces"

    def __init__(self, store: Store, activity: Activity, delay: float = 0.0, reader=None):
        super().__init__(store, activity, reader)
        self.delay = delay

    def on_event(self, ev: Event) -> None:
        meta = ev.obj.get("metadata") or {}
        if ev.rtype.group == "" and ev.rtype.plural == "namespaces":
            if ev.type != "DELETED" and terminating(ev.obj):
                self.enqueue_after(self.delay, (ev.cluster, meta["name"]))
        elif ev.type == "DELETED" and meta.get("namespace"):
            self.enqueue((ev.cluster, meta["namespace"]))  # maybe the last thing holding a namespace

    def reconcile(self, key: Key) -> None:
        cluster, name = key
        try:
            ns = self.store.get(cluster, NAMESPACE, None, name)
        except NotFound:
            return
        if not terminating(ns):
            return
        left = self.store.contents(cluster, name)
        for rt, obj in left:
            if not terminating(obj):
                with contextlib.suppress(NotFound):
                    self.store.delete(cluster, rt, name, obj["metadata"]["name"])
        if self.store.contents(cluster, name):
            return  # objects with finalizers: their DELETED events bring us back
        spec = ns.get("spec") or {}
        if FINALIZER in (spec.get("finalizers") or []):
            ns["spec"] = {**spec, "finalizers": [f for f in spec["finalizers"] if f != FINALIZER]}
            self.store.replace(cluster, NAMESPACE, None, name, ns, check_rv=False)
