"""Placement over a synthetic fleet: ``plan_placement`` per prefer mode against an independent baseline.

    python bench/placement.py [--clusters 5000] [--runs 5] [--model microsoft/phi-4] [--count 3]
    python bench/placement.py --e2e --kubeconfig PATH [--runs 3] [--gap 6] [--heap on|off]

Builds ``tools.embedded.synthetic.synthetic_fleet(n)`` into a FleetSnapshot here (no API server) in two
states: as generated ("full": its deployments take nearly every GPU, so nothing fits and placement
also works out suggestions) and with every other deployment removed ("roomy": many clusters fit and
are ranked). For each state and prefer mode (cost, capacity, spread) it warms up, then interleaves
runs of ``plan_placement`` (the pure function: every filter on every cluster, the ranking, reasons
for the chosen clusters; rejection reasons are written on demand) with runs of a baseline written
independently below (best option per cluster from the raw fleet dict, then the ranking), and times
the text answer too (``render()``: the summary a user sees). Prints min / median / max milliseconds
(wall, and CPU of this process for plan_placement), the ratio of medians, and whether both chose the
same clusters. Asserts nothing about time; on a shared machine compare the CPU column and the load.
The "gc" column counts the full (oldest generation) collections that ran inside the timed
``plan_placement`` calls, and their milliseconds: the cause of the spikes this bench used to show.
``--heap on`` (default) freezes the snapshots once built, as the fleet cache does after each assembly
(``tools.fleet.cache.HeapPolicy``); ``--heap off`` leaves them to the collector.

``--e2e --kubeconfig PATH`` (a running fleet, e.g. ``fleetops demo-fleet --synthetic 1000``) measures
instead a whole warm request as chat answers it: ``bot.app.running_pipeline`` with the fleet cache on
(as ``fleetops chat`` opens it, offline interpreter, a scratch database), the cache warm and every
watch open, then per prefer mode ``--runs`` (≥ 3) typed requests (``Pipeline.handle``: interpretation
on the request's snapshot, the tool, the rendered answer; the Slack blocks of the answer timed
apart). Two kinds of warm requests, interleaved: "burst" right after another request (the cache's
snapshot is reused, ``memo_seconds``), and "spaced" after ``--gap`` seconds of quiet (the snapshot is
assembled again from the cached objects, as for a person asking now and then). Prints min / median /
max wall and CPU ms per kind and mode (the CPU of the thread that answers, and of the whole process: the
cache's watches and background member reads run meanwhile), the answer's size, and the full collections
inside the requests.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

# run as a script, this directory comes first on sys.path and bench/audit.py would shadow the audit package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from tools.catalog import Catalog, default_catalog  # noqa: E402
from tools.embedded.synthetic import synthetic_fleet  # noqa: E402
from tools.fleet.models import Cluster, FleetSnapshot, GpuPool, Taint  # noqa: E402
from tools.placement import plan_placement  # noqa: E402

PREFER = ("cost", "capacity", "spread")


def used_nodes(raw: dict, cat: Catalog) -> dict[tuple[str, str], int]:
    used: dict[tuple[str, str], int] = {}
    for d in raw["deployments"]:
        last = d["revisions"][-1]
        nodes = (cat.resolve(last["model"]).nodes_on(last["instanceType"]) or 1) * last["replicas"]
        for c in d["clusters"]:
            key = (c, last["instanceType"])
            used[key] = used.get(key, 0) + nodes
    return used


def snapshot_of(raw: dict, cat: Catalog) -> FleetSnapshot:
    """The synthetic fleet as the adapter would report it (linear in the fleet's size)."""
    used = used_nodes(raw, cat)
    placed: dict[str, list[str]] = {}
    for d in raw["deployments"]:
        for c in d["clusters"]:
            placed.setdefault(c, []).append(d["name"])
    clusters = []
    for c in raw["clusters"]:
        pools = []
        for sku, cap in c["gpuCapacity"].items():
            s = cat.sku(sku)
            pools.append(GpuPool(instance_type=sku, gpu=s.gpu if s else "unknown", gpus_per_node=s.gpus if s else 1,
                                 capacity_nodes=cap, used_nodes=used.get((c["name"], sku), 0),
                                 price_per_node_hour=c["pricePerNodeHour"].get(sku)))
        age = float(c.get("heartbeatAgeMinutes", 0)) * 60
        taints = [Taint(**t) for t in c.get("taints") or []]
        clusters.append(Cluster(name=c["name"], region=c["region"], geo=c["geo"], environment=c["environment"],
                                provider=c["provider"], joined=True, heartbeat_age_seconds=age, taints=taints,
                                eligible=age <= 300 and not taints, gpus=pools,
                                deployments=placed.get(c["name"], [])))
    return FleetSnapshot(clusters=clusters, deployments=[])


def baseline(raw: dict, cat: Catalog, used: dict[tuple[str, str], int], model: str, count: int,
             prefer: str) -> list[str]:
    """Independent reference: plain loops over the raw fleet, then a sort (and one pass for spread)."""
    per_sku = cat.resolve(model).nodes_by_sku
    best = []
    for c in raw["clusters"]:
        if c.get("heartbeatAgeMinutes", 0) > 5 or c.get("taints"):
            continue
        opts = []
        for sku, cap in c["gpuCapacity"].items():
            need = per_sku.get(sku)
            if not need:
                continue
            free = cap - used.get((c["name"], sku), 0)
            if need > free:
                continue
            s = cat.sku(sku)
            after = (free - need) * (s.gpus if s else 1)
            opts.append((round(need * c["pricePerNodeHour"][sku], 4), after, sku))
        if not opts:
            continue
        if prefer == "capacity":
            cost, after, _ = min(opts, key=lambda o: (-o[1], o[0], o[2]))
        else:
            cost, after, _ = min(opts, key=lambda o: (o[0], -o[1], o[2]))
        best.append((cost, after, c["name"], c["region"]))
    if prefer == "capacity":
        return [b[2] for b in sorted(best, key=lambda b: (-b[1], b[2]))[:count]]
    ordered = sorted(best, key=lambda b: (b[0], -b[1], b[2]))
    if prefer == "spread":
        regions: set[str] = set()
        fresh = []
        for b in ordered:
            if b[3] not in regions:
                regions.add(b[3])
                fresh.append(b)
        ordered = fresh + [b for b in ordered if b not in fresh]
    return [b[2] for b in ordered[:count]]


class GcWatch:
    """Full collections (and their wall time) while ``active``: installed once, in ``gc.callbacks``."""

    def __init__(self) -> None:
        self.active = False
        self.full = 0
        self.seconds = 0.0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":  # (finalizers run inside a collection may let another thread flip ``active``)
            self._start = time.perf_counter() if self.active else 0.0
        elif self._start:
            self.full += 1
            self.seconds += time.perf_counter() - self._start
            self._start = 0.0

    def reset(self) -> None:
        self.full, self.seconds = 0, 0.0

    def text(self) -> str:
        return f"{self.full} ({self.seconds * 1e3:.0f} ms)"


def ms(xs: list[float]) -> str:
    return f"{min(xs) * 1e3:7.1f} {statistics.median(xs) * 1e3:7.1f} {max(xs) * 1e3:7.1f}"


def run_state(label: str, raw: dict, snap: FleetSnapshot, cat: Catalog, a: argparse.Namespace,
              watch: GcWatch) -> None:
    used = used_nodes(raw, cat)
    for prefer in PREFER:
        plan_placement(snap, cat, model=a.model, count=a.count, prefer=prefer)  # warm up
        watch.reset()
        ours: list[float] = []
        cpu: list[float] = []
        base: list[float] = []
        text: list[float] = []
        for _ in range(max(a.runs, 3)):
            watch.active = True
            t, c = time.perf_counter(), time.process_time()
            p = plan_placement(snap, cat, model=a.model, count=a.count, prefer=prefer)
            ours.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            watch.active = False
            t = time.perf_counter()
            p.render()
            text.append(time.perf_counter() - t)
            t = time.perf_counter()
            ref = baseline(raw, cat, used, a.model, a.count, prefer)
            base.append(time.perf_counter() - t)
        same = "yes" if p.clusters == ref else f"NO: {p.clusters} vs {ref}"
        fit = f"{len(p.chosen)}/{a.count} chosen" if p.chosen else "nothing fits"
        ratio = statistics.median(ours) / statistics.median(base)
        print(f"{label:6} {prefer:9} {ms(ours):>24} {ms(cpu):>24} {ms(base):>24} {ratio:6.1f}x {ms(text):>24}"
              f" {watch.text():>10}  {same} ({fit})")


# typed requests the offline interpreter reads as plan_placement(model, count=3, prefer=...)
SENTENCES = {
    "cost": "where should I deploy phi-4 3 clusters cheapest",
    "capacity": "where can phi-4 go, 3 clusters, most capacity",
    "spread": "plan placement for phi-4 on 3 clusters prefer spread",
}


def end_to_end(a: argparse.Namespace) -> None:
    import tempfile

    from bot.app import running_pipeline
    from bot.identity import Actor
    from bot.pipeline import Request
    from bot.settings import Settings
    from bot.slack.results import reply_message

    if a.heap == "off":  # the cache as it was before its GC policy: assemblies followed by nothing
        import contextlib

        from tools.fleet import cache as fleet_cache

        if hasattr(fleet_cache, "HeapPolicy"):  # (a tree from before it has none)
            fleet_cache.HeapPolicy.assembling = lambda self: contextlib.nullcontext()  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(kubeconfig=a.kubeconfig, llm="offline", fleet_cache="on", home=Path(home))
        t0 = time.perf_counter()
        with running_pipeline(settings, db=Path(home) / "fleetops.db", fleet_cache=True) as pipe:
            cache = pipe.fleet.cache
            assert cache is not None
            deadline = time.monotonic() + 600
            while not cache.watching() and time.monotonic() < deadline:
                time.sleep(0.2)
            t1 = time.perf_counter()

            def ask(prefer: str) -> tuple[float, float, float, float, int, object]:
                w, c, t = time.perf_counter(), time.process_time(), time.thread_time()
                reply = pipe.handle(Request(actor=Actor("U0BENCH"), text=SENTENCES[prefer], channel="bench"))
                wall, cpu, own = time.perf_counter() - w, time.process_time() - c, time.thread_time() - t
                s = time.perf_counter()
                reply_message(reply)
                return wall, own, cpu, time.perf_counter() - s, len(reply.text), reply

            first = ask("cost")  # the first request of a started bot (members that hold deployments are read)
            t2 = time.perf_counter()
            clusters = len(pipe.fleet.snapshot().clusters)
            print(f"{clusters} clusters ({a.kubeconfig}): pipeline and warm cache in {t1 - t0:.1f} s, first request "
                  f"{first[0]:.2f} s wall, {first[1]:.2f} s CPU of its thread (then {t2 - t1 - first[0]:.1f} s to its reply); "
                  f"{max(a.runs, 3)} warm runs per kind and mode, gap {a.gap:.0f} s, GC policy {a.heap}; load average "
                  f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
            print(f"{'kind':7} {'prefer':9} {'handle() wall ms':>24} {'its thread cpu ms':>24} "
                  f"{'process cpu ms':>24} {'slack blocks ms':>24} {'text':>7} {'gc':>10}  answer")
            print(f"{'':17} {'(min med max)':>24} {'(min med max)':>24} {'(min med max)':>24} {'(min med max)':>24} "
                  f"{'chars':>7} {'full (ms)':>10}")
            watch = GcWatch()
            for kind in ("burst", "spaced"):
                for prefer in PREFER:
                    watch.reset()
                    walls: list[float] = []
                    owns: list[float] = []
                    cpus: list[float] = []
                    blocks: list[float] = []
                    size, reply = 0, None
                    for _ in range(max(a.runs, 3)):
                        if kind == "spaced":
                            time.sleep(a.gap)
                        else:
                            ask(prefer)  # the request before: the snapshot is fresh
                        watch.active = True
                        wall, own, cpu, blk, size, reply = ask(prefer)
                        watch.active = False
                        walls.append(wall)
                        owns.append(own)
                        cpus.append(cpu)
                        blocks.append(blk)
                    result = getattr(reply, "result", None)
                    what = (f"{getattr(reply, 'tool', None)}: {', '.join(result.clusters) or 'nothing fits'}"
                            if getattr(reply, "kind", "") == "result" and result is not None
                            else f"{getattr(reply, 'kind', '?')}: {getattr(reply, 'text', '')[:60]!r}")
                    print(f"{kind:7} {prefer:9} {ms(walls):>24} {ms(owns):>24} {ms(cpus):>24} {ms(blocks):>24} {size:>7} "
                          f"{watch.text():>10}  {what}", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clusters", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--model", default="microsoft/phi-4")
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--e2e", action="store_true", help="a whole warm chat request on a running fleet")
    ap.add_argument("--kubeconfig", type=Path, help="the running fleet's kubeconfig (with --e2e)")
    ap.add_argument("--heap", choices=("on", "off"), default="on",
                    help="on: the snapshots frozen as the fleet cache freezes the ones it assembles (HeapPolicy); "
                         "off: not (with --e2e: the cache without its GC policy), for comparison")
    ap.add_argument("--gap", type=float, default=6.0,
                    help="quiet seconds before a 'spaced' request (more than the cache's memo_seconds)")
    a = ap.parse_args()
    if a.e2e:
        if a.kubeconfig is None:
            ap.error("--e2e needs --kubeconfig")
        end_to_end(a)
        return
    cat = default_catalog()
    t0 = time.perf_counter()
    raw = synthetic_fleet(a.clusters)
    roomy = {**raw, "deployments": raw["deployments"][::2]}
    t1 = time.perf_counter()
    snaps = {"full": snapshot_of(raw, cat), "roomy": snapshot_of(roomy, cat)}
    if a.heap == "on":  # what the fleet cache does after it assembles a snapshot
        from tools.fleet.cache import HeapPolicy

        HeapPolicy().settled()
    t2 = time.perf_counter()
    print(f"{a.clusters} clusters, {len(raw['deployments'])} deployments (roomy: {len(roomy['deployments'])}): "
          f"generated in {t1 - t0:.2f} s, snapshots in {t2 - t1:.2f} s; model {a.model}, count {a.count}, "
          f"{max(a.runs, 3)} runs per side (interleaved), GC policy {a.heap}; load average {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} CPUs")
    print(f"{'fleet':6} {'prefer':9} {'plan_placement wall ms':>24} {'plan_placement cpu ms':>24} "
          f"{'baseline wall ms':>24} {'ratio':>7} {'render() wall ms':>24} {'gc':>10}  same")
    print(f"{'':16} {'(min med max)':>24} {'(min med max)':>24} {'(min med max)':>24} {'(med)':>7} "
          f"{'(min med max)':>24} {'full (ms)':>10}")
    watch = GcWatch()
    for label, snap in snaps.items():
        run_state(label, raw if label == "full" else roomy, snap, cat, a, watch)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
