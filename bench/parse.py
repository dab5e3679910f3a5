"""Offline interpreter latency: every line of the dev set x 100 on the demo fleet.

    python bench/parse.py [--repeat 100] [--file ../shared/nl-dev.yaml]

Builds the vocabulary once, then times ``Interpreter.interpret`` (the full path: LangChain chat model,
rules, validation) per message. Prints p50 / p99 / max in milliseconds, wall-clock and CPU time of this
thread (on a busy machine the wall-clock tail is mostly waiting for a CPU); asserts nothing.
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

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE.parent.parent / "shared" / "nl-dev.yaml"
FALLBACK_FILE = HERE.parent / "prompts" / "examples.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=100)
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE if DEFAULT_FILE.exists() else FALLBACK_FILE)
    a = ap.parse_args()
    texts = [str(i["text"]) for i in yaml.safe_load(a.file.read_text())]
    vocab = Vocabulary.from_snapshot(demo_snapshot())
    interp = Interpreter()
    ctx = Context(who="U0BENCH", vocabulary=vocab)
    interp.interpret("warm up", ctx)
    wall, cpu = [], []
    for _ in range(a.repeat):
        for t in texts:
            t0, c0 = time.perf_counter(), time.thread_time()
            interp.interpret(t, ctx)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
    print(f"{a.file.name}: {len(texts)} messages x {a.repeat} = {len(wall)} interpretations "
          f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")
    for label, xs in (("wall", wall), ("cpu ", cpu)):
        xs.sort()

        def p(q: float, xs: list[float] = xs) -> float:
            return xs[min(len(xs) - 1, int(q * len(xs)))]

        print(f"{label}  p50 {p(0.50):.3f} ms   p99 {p(0.99):.3f} ms   max {xs[-1]:.3f} ms   "
              f"mean {statistics.fmean(xs):.3f} ms")


if __name__ == "__main__":
    main()
