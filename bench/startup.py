"""Chat start-up and first answer on a large fleet, with the fleet cache (``FLEETOPS_FLEET_CACHE=on``) and without.

    python bench/startup.py [--clusters 1000] [--runs 3] [--kubeconfig K] [--modes on,off] [--baseline-root DIR]

A synthetic embedded fleet (``fleetops demo-fleet --synthetic N``) runs in a child process (its start-up is
printed, not counted). Each run starts ``fleetops chat`` on its kubeconfig (offline interpreter, a fresh
database), feeds it "list clusters" on stdin and times, from the start of the process: the welcome (adapter
built, cache warm when on, the health watch's first look), and the first line of the answer (after the echo
of the request; the whole answer is flushed at once). Runs alternate
between cache on and off (the paired baseline: the direct path every request took before), at least 3 each.
Prints min / median / max seconds, the chat process' peak RSS, and the ratio of medians. Asserts nothing.
``--baseline-root /work/main`` adds, interleaved, the same chat from another source tree (cache on): the
'before' of a change, paired in the same run. A fleet given with ``--kubeconfig`` should beat within KubeFleet's
5-minute limit (``demo-fleet --heartbeat-period 240``), else its members go down and every start reports them.
Goal (issue 17): first answer within 15 s of start at 1,000 clusters.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("fleetproc", HERE / "fleetproc.py")
assert _spec and _spec.loader
fleetproc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fleetproc)

WELCOME = "fleetops chat: you are"


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def one_chat(kubeconfig: Path, cache: str, root: Path = fleetproc.ROOT) -> tuple[float, float, float]:
    """(seconds to the welcome, seconds to the first answer line, peak RSS MB) of one ``fleetops chat`` run
    from the source tree ``root`` (``python -m bot`` there imports that tree's code)."""
    home = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    env = dict(os.environ, KUBECONFIG=str(kubeconfig), FLEETOPS_FLEET_CACHE=cache, FLEETOPS_LLM="offline",
               FLEETOPS_HOME=str(home), PYTHONUNBUFFERED="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--db", str(home / "fleetops.db")],
                            cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdin and proc.stdout
    proc.stdin.write("list clusters\n")
    proc.stdin.flush()
    welcome = answer = float("nan")
    rss = 0.0
    for line in proc.stdout:
        if WELCOME in line:
            welcome = time.perf_counter() - t0
        elif welcome == welcome and line.strip() and "list clusters" not in line:  # after the echo: the answer
            answer = time.perf_counter() - t0
            rss = peak_rss_mb(proc.pid)
            break
    proc.stdin.close()
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
    return welcome, answer, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--kubeconfig", type=Path, help="a fleet already running (its kubeconfig); else one is started")
    ap.add_argument("--modes", default="on,off", help="cache modes to run, paired: 'on,off' (default) or 'on'")
    ap.add_argument("--baseline-root", type=Path,
                    help="another source tree (e.g. main's checkout): its chat runs interleaved with this tree's, "
                         "cache on, as the 'before' of a change")
    args = ap.parse_args()
    variants = [(m, m, fleetproc.ROOT) for m in args.modes.split(",")]
    if args.baseline_root:
        variants.append(("base-on", "on", args.baseline_root.resolve()))
    # heartbeats within KubeFleet's 5-minute limit: with a longer period every member goes 'down' a few minutes
    # after the fleet starts, and the health watch's first look (before the welcome) then reports 1,000 incidents
    with fleetproc.FleetProcess(args.clusters, heartbeat_period=240.0, kubeconfig=args.kubeconfig) as fp:
        print(f"demo-fleet --synthetic {args.clusters} started in {fp.start_seconds:.1f} s", flush=True)
        got: dict[str, dict[str, list[float]]] = {v[0]: {"welcome": [], "answer": [], "rss": []} for v in variants}
        for r in range(max(3, args.runs)):
            for label, mode, root in (variants if r % 2 == 0 else variants[::-1]):
                welcome, answer, rss = one_chat(fp.kubeconfig, mode, root)
                print(f"  run {r + 1} {label}: welcome {welcome:.1f} s, first answer {answer:.1f} s, "
                      f"peak RSS {rss:.0f} MB", flush=True)
                got[label]["welcome"].append(welcome)
                got[label]["answer"].append(answer)
                got[label]["rss"].append(rss)
        print(f"\n{'cache':8} {'welcome s (min/med/max)':>26} {'first answer s (min/med/max)':>30} {'peak RSS MB':>12}")
        for label, g in got.items():
            print(f"{label:8} {fleetproc.spread(g['welcome'], '{:.1f}'):>26} "
                  f"{fleetproc.spread(g['answer'], '{:.1f}'):>30} {max(g['rss']):>12.0f}")
        for a, b in (("on", "off"), ("on", "base-on")):
            if a in got and b in got:
                ratio = statistics.median(got[a]["answer"]) / statistics.median(got[b]["answer"])
                print(f"first answer, {a} / {b} (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
