"""``fleetops serve`` start-up and first answer on a large fleet: from process start to the answer of a signed
``/fleet list clusters`` reaching Slack.

    python bench/serve_start.py [--clusters 1000] [--runs 3] [--kubeconfig K] [--text "list clusters"]
                                [--alerts-channel C0ALERTS] [--settle 20] [--baseline-root DIR]

Who runs where: a synthetic embedded fleet (``fleetops demo-fleet --synthetic N``, or the one ``--kubeconfig``
points at) in a child process; the tests' stand-in for Slack's Web API (``tests/slack/fake_slack.py``: answers
``auth.test``, records ``chat.postMessage`` and the ``response_url`` posts) in this process; each run starts
``fleetops serve --port P`` (HTTP mode, offline interpreter, a fresh database, the fleet cache as configured,
incidents posted to ``--alerts-channel``) as a child process. As soon as the port accepts a connection, one
correctly signed slash command is sent (as Slack sends it), and the run times, from the start of the process:

* port: the port accepts (``serve`` starts its HTTP server last: the fleet, the Slack app and the watch are up);
* ack: the slash command's HTTP answer;
* answer: the answer posted to the command's ``response_url`` at the stand-in (what the person sees).

Then, as the paired baseline in the same process, the same command once warm (``--warm`` more times, timed
from sending to the answer). After ``--settle`` seconds it counts what the health watch posted to the alerts
channel (incident messages: a flood at start delays everything else Slack does) and prints serve's RSS (now
and peak). Prints min / median / max over the runs. ``--baseline-root /work/main`` adds, interleaved, the same
runs from another source tree (the 'before' of a change). Asserts nothing.
Goal (issue 17): the first answer within 15 s of start at 1,000 clusters.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests" / "slack"))
for _var in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
    os.environ[_var] = ""  # loopback only; slack-sdk ignores NO_PROXY

_spec = importlib.util.spec_from_file_location("fleetproc", HERE / "fleetproc.py")
assert _spec and _spec.loader
fleetproc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fleetproc)

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


@dataclass
class Run:
    port: float = float("nan")
    ack: float = float("nan")
    answer: float = float("nan")
    cpu_port: float = float("nan")
    cpu_answer: float = float("nan")
    warm: list[float] = field(default_factory=list)
    alerts_at_answer: int = 0
    alerts: int = 0
    rss: float = 0.0
    peak_rss: float = 0.0
    answer_chars: int = 0
    said: list[tuple[float, str]] = field(default_factory=list)  # serve's own lines (stderr), timed from start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"fleetops serve exited with {proc.returncode} before its port opened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"fleetops serve did not open port {port} within {timeout:.0f} s")


def child_pid(pid: int, timeout: float = 10.0) -> int:
    """The first child of ``pid`` (serve under py-spy), else ``pid``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            kids = task.read_text().split()
            if kids:
                return int(kids[0])
        time.sleep(0.01)
    return pid


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` so far (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def status_mb(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def one_serve(fake, kubeconfig: Path, args: argparse.Namespace, tag: str, root: Path = ROOT) -> Run:
    from slack_client import SlackSender

    home = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    port = free_port()
    env = dict(os.environ, KUBECONFIG=str(kubeconfig), FLEETOPS_LLM="offline", FLEETOPS_HOME=str(home),
               SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, FLEETOPS_SLACK_API_URL=fake.url,
               FLEETOPS_ALERTS_CHANNEL=args.alerts_channel, PYTHONUNBUFFERED="1")
    env.pop("SLACK_APP_TOKEN", None)
    if args.cache:
        env["FLEETOPS_FLEET_CACHE"] = args.cache
    alerts = lambda: len(fake.calls("chat.postMessage", lambda c: c.body.get("channel") == args.alerts_channel))  # noqa: E731
    before = alerts()
    log = (home / "serve.log").open("w")
    run = Run()
    t0 = time.perf_counter()
    prefix: list[str] = []
    if args.py_spy:
        prefix = [str(Path(sys.executable).with_name("py-spy")), "record", *([] if os.environ.get("PYSPY_CPU") else ["--idle"]), "--threads", "--rate", "50",
                  "--format", "raw", "-o", f"{args.py_spy}.{tag}.txt", "--"]
    proc = subprocess.Popen([*prefix, sys.executable, "-m", "bot", "serve", "--port", str(port), "--host", "127.0.0.1",
                             "--db", str(home / "fleetops.db"), "--log-level", args.log_level], cwd=root, env=env, stdout=log, stderr=subprocess.PIPE,
                            text=True)

    def keep(stream) -> None:
        for line in stream:
            run.said.append((time.perf_counter() - t0, line.rstrip()))
            log.write(line)

    reader = threading.Thread(target=keep, args=(proc.stderr,), daemon=True)
    reader.start()
    pid = child_pid(proc.pid) if prefix else proc.pid
    try:
        wait_port(port, proc, args.timeout)
        run.port = time.perf_counter() - t0
        run.cpu_port = cpu_seconds(pid)
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET)
        name = f"{tag}-first"
        r = sender.slash(args.text, response_url=fake.response_url(name))
        run.ack = time.perf_counter() - t0
        if r.status != 200:
            raise SystemExit(f"the slash command got HTTP {r.status}: {r.body[:200]}")
        calls = fake.wait_for("response_url", lambda c: c.path.endswith("/" + name), timeout=args.timeout)
        run.answer = time.perf_counter() - t0
        run.cpu_answer = cpu_seconds(pid)
        run.answer_chars = len(str(calls[0].body))
        run.alerts_at_answer = alerts() - before
        run.rss = status_mb(pid, "VmRSS")
        for i in range(args.warm):
            name = f"{tag}-warm{i}"
            t = time.perf_counter()
            sender.slash(args.text, response_url=fake.response_url(name))
            fake.wait_for("response_url", lambda c, name=name: c.path.endswith("/" + name), timeout=args.timeout)
            run.warm.append(time.perf_counter() - t)
        left = args.settle - (time.perf_counter() - t0)
        if left > 0:
            time.sleep(left)
        run.alerts = alerts() - before
        run.rss = max(run.rss, status_mb(pid, "VmRSS"))
        run.peak_rss = status_mb(pid, "VmHWM")
    finally:
        if pid != proc.pid:
            os.kill(pid, signal.SIGTERM)  # py-spy writes its profile when serve exits
        else:
            proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        reader.join(5)
        log.close()
    return run


def main() -> None:
    from fake_slack import FakeSlack

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3, help="rounds (default 3; report at least 3)")
    ap.add_argument("--kubeconfig", type=Path, help="a fleet already running (its kubeconfig); else one is started")
    ap.add_argument("--text", default="list clusters", help="the slash command's text (default: list clusters)")
    ap.add_argument("--warm", type=int, default=3, help="the same command this many times more, warm (baseline)")
    ap.add_argument("--alerts-channel", default="C0ALERTS", help="FLEETOPS_ALERTS_CHANNEL of serve")
    ap.add_argument("--settle", type=float, default=20.0,
                    help="seconds after start at which the alerts posted are counted (default 20)")
    ap.add_argument("--cache", choices=("on", "off"), help="FLEETOPS_FLEET_CACHE (default: serve's default)")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--log-level", default="WARNING", help="serve's --log-level (INFO: more lines in --timeline)")
    ap.add_argument("--timeline", action="store_true", help="print serve's own lines with their times")
    ap.add_argument("--py-spy", type=Path, metavar="PREFIX",
                    help="profile each serve with py-spy (collapsed stacks, all threads, idle included) into "
                         "PREFIX.<run>.txt; timings then include the profiler's overhead")
    ap.add_argument("--baseline-root", type=Path,
                    help="another source tree (e.g. main's checkout): its serve runs interleaved with this tree's")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: still stop the serve of the run (finally)
    variants = [("this", ROOT)]
    if args.baseline_root:
        variants.append(("base", args.baseline_root.resolve()))
    fake = FakeSlack().start()
    with fleetproc.FleetProcess(args.clusters, heartbeat_period=240.0, kubeconfig=args.kubeconfig) as fp:
        if not fp.existing:
            print(f"demo-fleet --synthetic {args.clusters} started in {fp.start_seconds:.1f} s", flush=True)
        got: dict[str, list[Run]] = {label: [] for label, _ in variants}
        for r in range(args.runs):
            for label, root in (variants if r % 2 == 0 else variants[::-1]):
                run = one_serve(fake, fp.kubeconfig, args, f"r{r}{label}", root)
                got[label].append(run)
                if args.timeline:
                    for t, line in run.said:
                        print(f"    {t:6.1f} s  {line[:110]}")
                print(f"  run {r + 1} {label}: port {run.port:.1f} s (CPU {run.cpu_port:.1f} s), ack {run.ack:.1f} s, "
                      f"first answer {run.answer:.1f} s (CPU {run.cpu_answer:.1f} s, {run.answer_chars} chars); "
                      f"warm answers "
                      f"{' '.join(f'{w:.2f}' for w in run.warm)} s; alerts posted: {run.alerts_at_answer} by the "
                      f"answer, {run.alerts} by {args.settle:.0f} s; RSS {run.rss:.0f} MB (peak {run.peak_rss:.0f})",
                      flush=True)
    fake.stop()
    print(f"\nfleetops serve, {args.clusters} clusters, /fleet {args.text!r}; seconds min / median / max")
    print(f"{'tree':6} {'port open':>18} {'first answer':>18} {'CPU to answer':>18} {'warm answer':>20} "
          f"{'alerts@settle':>14} {'RSS MB':>8} {'peak':>6}")
    for label, runs in got.items():
        warm = [w for r in runs for w in r.warm]
        print(f"{label:6} {fleetproc.spread([r.port for r in runs], '{:.1f}'):>18} "
              f"{fleetproc.spread([r.answer for r in runs], '{:.1f}'):>18} "
              f"{fleetproc.spread([r.cpu_answer for r in runs], '{:.1f}'):>18} {fleetproc.spread(warm, '{:.2f}'):>20} "
              f"{max(r.alerts for r in runs):>14} {max(r.rss for r in runs):>8.0f} "
              f"{max(r.peak_rss for r in runs):>6.0f}")
        if warm:
            print(f"{label:6} first answer / warm answer (medians): "
                  f"{statistics.median([r.answer for r in runs]) / statistics.median(warm):.1f}")
    if args.baseline_root:
        ratio = (statistics.median([r.answer for r in got["this"]])
                 / statistics.median([r.answer for r in got["base"]]))
        print(f"first answer, this / base (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
