"""Simulated HorizontalPodAutoscaler controller on every member (``autoscaling/v2`` → InferenceSet).

There are no metrics here: what the metrics would ask for is set by hand (``want(cluster, namespace, hpa,
replicas)``, "the load changed"); without it an HPA keeps the current count. The HPA clamps the wish to
``[minReplicas, maxReplicas]`` and writes it to the InferenceSet's ``spec.replicas`` (its scale
subresource) when it differs. It acts when its HPA is created or changed and when ``want`` is called, not
on every InferenceSet change: a real HPA re-scales every 15 s, which would make a fight with KubeFleet's
work applier an endless loop here; one scaling decision is enough to see who wins (KubeFleet re-applies
the hub's ``spec.replicas`` unless the placed manifest leaves it out).
"""
from __future__ import annotations

from tools.embedded.controllers.base import Activity, Controller, Key
from tools.embedded.crds import by_kind
from tools.embedded.errors import NotFound
from tools.embedded.store import HPA, Event, Store
from tools.fleet import conventions as cv


class AutoscalingController(Controller):
    name = "autoscaling"

    def __init__(self, store: Store, activity: Activity, hub: str, reader=None):
        super().__init__(store, activity, reader)
        self.hub = hub
        self.iset_rt = by_kind("InferenceSet", cv.KAITO_GROUP)
        self._wanted: dict[tuple[str, str, str], int] = {}

    def want(self, cluster: str, namespace: str, hpa: str, replicas: int) -> None:
        """What the HPA's metrics ask for on ``cluster`` from now on (clamped to its range)."""
        with self._cond:
            self._wanted[(cluster, namespace, hpa)] = replicas
        self.enqueue(("hpa", cluster, namespace, hpa))

    def on_event(self, ev: Event) -> None:
        if ev.cluster == self.hub or ev.rtype != HPA or ev.type == "DELETED":
            return
        if ev.old is not None and ev.obj.get("spec") == ev.old.get("spec"):
            return
        meta = ev.obj["metadata"]
        self.enqueue(("hpa", ev.cluster, meta.get("namespace", ""), meta["name"]))

    def reconcile(self, key: Key) -> None:
        _, cluster, namespace, name = key
        try:
            hpa = self.store.get(cluster, HPA, namespace, name)
        except NotFound:
            return
        spec = hpa.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        if ref.get("kind") != "InferenceSet" or not ref.get("name"):
            return
        try:
            target = self.store.get(cluster, self.iset_rt, namespace, ref["name"])
        except NotFound:
            return
        now = int((target.get("spec") or {}).get("replicas", 1))
        with self._cond:
            wish = self._wanted.get((cluster, namespace, name), now)
        lo, hi = int(spec.get("minReplicas") or 1), int(spec.get("maxReplicas") or now)
        new = max(lo, min(hi, wish))
        if new != now:
            target.setdefault("spec", {})["replicas"] = new
            self.store.replace(cluster, self.iset_rt, namespace, ref["name"], target)
