"""Offline interpreter latency: every line of the dev set x N, on the demo fleet and on large vocabularies.

    python bench/parse.py [--repeat 100] [--file ../shared/nl-dev.yaml] [--clusters 0,1000,5000]

The dev set is ``../shared/nl-dev.yaml`` beside this repository (exits with an error when it is absent:
no silent fallback to another file). For each size in ``--clusters`` the vocabulary is the demo fleet
(0) or the demo fleet plus that many synthetic clusters (``tools.embedded.synthetic``), built once;
then ``Interpreter.interpret`` (the full path: LangChain chat model, rules, validation) is timed per
message, the sizes interleaved round by round so that load hits them alike. Prints p50 / p99 / max
in milliseconds, wall-clock and CPU time of this thread (on a busy machine the wall-clock tail is
mostly waiting for a CPU), and the ratio of each size's CPU p99 to the demo's; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

# run as a script, this directory comes first on sys.path and bench/audit.py would shadow the audit package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from bot.interpreter import Context, Interpreter, Vocabulary  # noqa: E402
from bot.interpreter.demo_fleet import demo_snapshot  # noqa: E402
from tools.embedded.synthetic import synthetic_fleet  # noqa: E402
from tools.fleet.models import Cluster, FleetSnapshot  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE.parent.parent / "shared" / "nl-dev.yaml"


def vocabulary(extra: int) -> Vocabulary:
    """The demo fleet's vocabulary, plus ``extra`` synthetic clusters (names the demo has are skipped)."""
    demo = demo_snapshot()
    if not extra:
        return Vocabulary.from_snapshot(demo)
    have = {c.name for c in demo.clusters}
    more = [Cluster(name=c["name"], region=c["region"], geo=c["geo"], environment=c["environment"],
                    provider=c["provider"], joined=True, eligible=True)
            for c in synthetic_fleet(extra)["clusters"] if c["name"] not in have]
    return Vocabulary.from_snapshot(FleetSnapshot(clusters=[*demo.clusters, *more], deployments=demo.deployments))


def pct(xs: list[float], q: float) -> float:
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=100)
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--clusters", default="0,5000", help="comma-separated synthetic cluster counts (0: demo only)")
    a = ap.parse_args()
    if not a.file.exists():
        sys.exit(f"bench/parse.py: the dev set {a.file} is missing; check out ../shared beside this repository "
                 "or pass --file")
    texts = [str(i["text"]) for i in yaml.safe_load(a.file.read_text())]
    sizes = [int(n) for n in a.clusters.split(",")]
    interp = Interpreter()
    ctxs = {}
    for n in sizes:
        t0 = time.perf_counter()
        vocab = vocabulary(n)
        ctxs[n] = Context(who="U0BENCH", vocabulary=vocab)
        interp.interpret("warm up", ctxs[n])
        print(f"vocabulary {len(vocab.clusters)} clusters: built and warmed in {time.perf_counter() - t0:.2f} s")
    wall: dict[int, list[float]] = {n: [] for n in sizes}
    cpu: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(a.repeat):
        for n in sizes:  # interleaved: every size sees the same load
            for t in texts:
                t0, c0 = time.perf_counter(), time.thread_time()
                interp.interpret(t, ctxs[n])
                wall[n].append((time.perf_counter() - t0) * 1000)
                cpu[n].append((time.thread_time() - c0) * 1000)
    print(f"{a.file.name}: {len(texts)} messages x {a.repeat} per vocabulary "
          f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")
    base = sorted(cpu[sizes[0]])
    for n in sizes:
        for label, xs in (("wall", sorted(wall[n])), ("cpu ", sorted(cpu[n]))):
            ratio = f"   cpu p99 {pct(xs, 0.99) / pct(base, 0.99):.2f}x of {sizes[0]}" if label == "cpu " else ""
            print(f"+{n:<5} {label}  p50 {pct(xs, 0.50):.3f} ms   p99 {pct(xs, 0.99):.3f} ms   max {xs[-1]:.3f} ms   "
                  f"mean {statistics.fmean(xs):.3f} ms{ratio}")


if __name__ == "__main__":
    main()
