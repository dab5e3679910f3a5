"""Inventory at scale: ``list_clusters`` direct, cold and warm (fleet cache) against a raw one-shot list baseline.

    python bench/inventory.py [--clusters 10,100,1000,5000] [--runs 3] [--kubeconfig PATH]

For each size a synthetic embedded fleet (``fleetops demo-fleet --synthetic N``) runs in a child process (its
start-up is printed, not counted); ``--kubeconfig`` uses a fleet already running instead (one size). Then,
interleaved round by round (``--runs`` rounds, at least 3), each measurement in a fresh process of its own
(``--child``: this script, which prints its figures as JSON):

* **raw**: the baseline, with the official ``kubernetes`` client and nothing of fleetops: list the hub's
  MemberClusters, then every member's Nodes (8 threads, JSON without model deserialization), one request each;
* **direct**: fleetops' ``list_clusters`` on an adapter without the cache (what every request cost before);
* **cold**: a new adapter, start its cache (list + watch every hub kind), first ``list_clusters``;
* **warm**: ``list_clusters`` again on that warm cache (the per-request cost of ``serve`` and ``chat``), once
  the member reads the cold start left running in the background are done (``FleetCache.wait_reads``), twice:
  ``warm1`` right away (it also pays the one-time compaction of the frozen heap, ``HeapPolicy``, now that every
  member was read) and ``warm`` ``SPACED`` s later (a request after the snapshot's memo expired: a snapshot
  assembled from memory, what a request pays in steady state).

Per mode: wall and CPU (the measuring process only, all its threads: the fleet is another process)
min / median / max seconds, HTTP requests per call (a cold run counts its 7 lists and 7 watch requests), the
ratios of medians to raw, and memory: RSS after the call (max over rounds) and the peak (VmHWM), of a process
that did only that mode (cold and warm: one process, the cache started then asked twice, as in ``serve``) —
the bot's own footprint, not mixed with the baselines' clients and data; ``RSS base`` is the same process
before the call (interpreter and imports). Fresh processes mean no uncounted warm-up call: each timed call
opens its own connections (loopback: cheap). ``--modes cold,warm`` skips the baselines (e.g. for RSS at 5,000).
Asserts nothing.
Goals (issue 17): warm requests constant in fleet size; cold ≤ 1.5x raw; RSS < 400 MB at 5,000.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# run as a script, this directory comes first on sys.path and bench/audit.py would shadow the audit package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
from kubernetes import client as k8s  # noqa: E402

from bot import toolbox  # noqa: E402
from tools.args import ListClustersArgs  # noqa: E402
from tools.context import ToolContext  # noqa: E402
from tools.fleet import kube  # noqa: E402
from tools.fleet.adapter import Fleet  # noqa: E402
from tools.fleet.kube import KubeConfig  # noqa: E402

_spec = importlib.util.spec_from_file_location("fleetproc", Path(__file__).resolve().parent / "fleetproc.py")
assert _spec and _spec.loader
fleetproc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fleetproc)
FleetProcess, rss_mb, spread = fleetproc.FleetProcess, fleetproc.rss_mb, fleetproc.spread

MODES = ("raw", "direct", "cold", "warm1", "warm")
SPACED = 6.0  # seconds between the two warm calls: longer than the cache's snapshot memo (5 s)
_requests = [0]
kube.observe_calls(lambda cluster, method, status: _requests.__setitem__(0, _requests[0] + 1))


def raw_baseline(kc: KubeConfig, hub: str, members: list[str]) -> int:
    """MemberClusters, then every member's Nodes, with the official client only; returns requests made."""
    hub_api = kc.client(hub, hub).api
    mcs = k8s.CustomObjectsApi(hub_api).list_cluster_custom_object(
        "cluster.kubernetes-fleet.io", "v1beta1", "memberclusters", _preload_content=False)
    names = [m["metadata"]["name"] for m in json.loads(mcs.data)["items"]]
    apis = {m: kc.client(m, m).api for m in members if m in names}

    def nodes(name: str) -> int:
        resp = k8s.CoreV1Api(apis[name]).list_node(_preload_content=False)
        return len(json.loads(resp.data)["items"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(nodes, apis))
    for api in [hub_api, *apis.values()]:
        api.close()
    return 1 + len(apis)


def list_clusters(fleet: Fleet) -> int:
    result = toolbox.run("list_clusters", ListClustersArgs(), ToolContext(catalog=fleet.catalog, fleet=fleet))
    return len(result.render())


def timed(fn: Callable[[], object]) -> tuple[float, float, int]:
    before = _requests[0]
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    return wall, cpu, (out if isinstance(out, int) and fn.__name__ == "raw" else _requests[0] - before)


def hwm_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux /proc VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(group: str, kubeconfig: Path) -> None:
    """One round of one mode group (``raw``, ``direct`` or ``cold`` = cold then warm) in this fresh process:
    one JSON line per mode on stdout."""
    import gc
    kc = KubeConfig(kubeconfig)
    hub = kc.current or "fleet-hub"
    members = [c for c in kc.contexts if c != hub]
    gc.collect()
    base = rss_mb()

    def report(mode: str, figures: tuple[float, float, int]) -> None:
        wall, cpu, req = figures
        print(json.dumps({"mode": mode, "wall": wall, "cpu": cpu, "req": req, "rss": rss_mb(), "hwm": hwm_mb(),
                          "base": base}), flush=True)

    if group == "raw":
        def raw() -> int:
            return raw_baseline(kc, hub, members)
        report("raw", timed(raw))
        return
    fleet = Fleet.from_kubeconfig(kubeconfig, hub, "auto")
    try:
        if group == "direct":
            report("direct", timed(lambda: list_clusters(fleet)))
            return

        def cold() -> int:
            fleet.start_cache(wait=600)
            return list_clusters(fleet)

        report("cold", timed(cold))
        # the members a large fleet's first snapshot did not wait for are read in the background: let those
        # reads finish, so that the warm figure counts the request's own calls, not the start's leftovers
        assert fleet.cache is not None
        fleet.cache.wait_reads(600)
        report("warm1", timed(lambda: list_clusters(fleet)))
        time.sleep(SPACED)  # past the snapshot's memo: the next request assembles one from memory
        report("warm", timed(lambda: list_clusters(fleet)))
    finally:
        fleet.close()


def run_child(group: str, kubeconfig: Path) -> list[dict]:
    out = subprocess.run([sys.executable, __file__, "--child", group, "--kubeconfig", str(kubeconfig)],
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"inventory --child {group} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def bench(n: int, runs: int, modes: tuple[str, ...] = MODES, kubeconfig: Path | None = None) -> None:
    with FleetProcess(n, kubeconfig=kubeconfig) as fp:
        if kubeconfig:
            print(f"\n== the fleet of {kubeconfig} ({len(KubeConfig(kubeconfig).contexts) - 1} member contexts)",
                  flush=True)
        else:
            print(f"\n== {n} clusters: demo-fleet --synthetic {n} started in {fp.start_seconds:.1f} s "
                  f"(fleet process RSS {fp.rss_mb():.0f} MB)", flush=True)
        figures: dict[str, dict[str, list[float]]] = {
            m: {"wall": [], "cpu": [], "req": [], "rss": [], "hwm": [], "base": []} for m in MODES}
        groups = [g for g in ("raw", "direct", "cold") if g in modes]
        for r in range(max(3, runs)):
            # interleaved, so that load hits every mode alike
            for group in (groups if r % 2 == 0 else groups[::-1]):
                for fig in run_child(group, fp.kubeconfig):
                    if fig["mode"] in modes:
                        for k in figures[fig["mode"]]:
                            figures[fig["mode"]][k].append(fig[k])
        raw_wall = statistics.median(figures["raw"]["wall"]) if "raw" in modes else float("nan")
        print(f"{'mode':7} {'wall s (min/med/max)':>26} {'CPU s (min/med/max)':>26} {'requests':>9} "
              f"{'x raw wall':>10} {'RSS MB':>7} {'peak MB':>8} {'RSS base':>8}")
        for mode in modes:
            f = figures[mode]
            print(f"{mode:7} {spread(f['wall']):>26} {spread(f['cpu']):>26} {int(statistics.median(f['req'])):>9} "
                  f"{statistics.median(f['wall']) / raw_wall:>10.2f} {max(f['rss']):>7.0f} {max(f['hwm']):>8.0f} "
                  f"{statistics.median(f['base']):>8.0f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", default="10,100,1000,5000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--modes", default=",".join(MODES), help="a subset of raw,direct,cold,warm (warm needs cold)")
    ap.add_argument("--kubeconfig", type=Path, help="a fleet already running (its kubeconfig); --clusters ignored")
    ap.add_argument("--child", choices=("raw", "direct", "cold"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.kubeconfig)
        return
    modes = tuple(m for m in MODES if m in args.modes.split(","))
    if "warm" in modes:
        modes = tuple(m for m in MODES if m in (*modes, "cold", "warm1"))
    if args.kubeconfig:
        bench(0, args.runs, modes, args.kubeconfig)
        return
    for n in [int(x) for x in args.clusters.split(",") if x]:
        bench(n, args.runs, modes)


if __name__ == "__main__":
    main()
