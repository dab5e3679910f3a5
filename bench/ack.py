"""Slack ack latency under bursts, idle and while executions run: fleetops next to a bare Bolt app that only acks.

    python bench/ack.py [--runs 3] [--bursts 3] [--concurrency 50] [--background 4] [--ready-delay 15]
                        [--workers 8] [--text "list clusters"] [--shared-connection] [--profile N]
                        [--switch-interval S]

Who runs where (each in a process of its own, as in production, so that only fleetops' own work shares its
interpreter): the fake Slack Web API of the tests (Slack), the embedded fleet (the hub and its KAITO members,
``ready_delay`` seconds per readiness step), the bare Bolt app, the load generator, and fleetops (what
``fleetops serve`` runs: ``bot.slack.build_slack_app`` + ``bot.slack.server``, a real SQLite file, the offline
interpreter, the fleet through the kubernetes client over HTTP). The bare app is configured like fleetops'
(listener on the HTTP thread, the same 16 listener threads, the same HTTP front).

A burst is ``--concurrency`` correctly signed ``/fleet`` slash commands sent at once from the load generator
(one connection each, as Slack does), each timed until its HTTP answer. A run measures two conditions, each
with ``--bursts`` pairs of bursts, bare and fleetops interleaved (which goes first alternates from pair to
pair and run to run), and before every burst of either app the jobs fleetops' previous burst queued have run
(so both apps see the same machine, and fleetops' own answers to the burst before do not count as load):

* idle: nothing else runs in fleetops;
* busy: ``--background`` change requests (deploys of distinct deployments, one approval each) are approved by
  signed Approve clicks first and are executing, waiting on KAITO readiness on the embedded fleet, while both
  apps take their bursts; the bench prints how many were still executing when each fleetops burst ended
  (``--ready-delay`` is long enough for them to outlast the bursts).

Why pairs of several bursts: a burst of 50 has one slowest request, so "p99 of a burst" is its maximum, and
one burst of either app landing on a moment when the other helpers' work took both cores decided the ratio
(earlier versions measured one burst per app and condition; the same code gave 0.98x-2.08x). The p99 of a
run is taken over its ``bursts`` x ``concurrency`` samples per app; each pair's max/max ratio is printed too.

Per run and condition it prints p50 / p99 of both and the p99 ratio fleetops / bare; then min / median / max
over the runs (goal: p99 ratio <= 1.3 with background executions), and the CPU fleetops' threads used during
its busy bursts, grouped by thread name (/proc/self/task: which background work competes with the acks).
``--profile N`` adds where the executions spend their time (cProfile in each execution thread; wall time, so
waits dominate); ``--shared-connection`` commits the acks' jobs on the shared database connection, as before;
``--switch-interval`` tries another ``sys.setswitchinterval`` in fleetops' process. The machine's other load
shows in the bare app's spread: compare runs by their paired ratio. Asserts nothing. About 2-4 minutes.
"""
from __future__ import annotations

import argparse
import http.client
import logging
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "slack"))
for _var in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
    os.environ[_var] = ""  # loopback only; slack-sdk ignores NO_PROXY

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


# --- the load generator (runs in its own process) ---------------------------------------------------
def _post(url: str, body: bytes, headers: dict[str, str]) -> float:
    parts = urlsplit(url)
    t = time.perf_counter()
    conn = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        conn.request("POST", parts.path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}")
    finally:
        conn.close()
    return time.perf_counter() - t


def burst(url: str, requests: list[tuple[bytes, dict[str, str]]]) -> list[float]:
    """Send every request at the same moment, each from its own thread; their latencies in seconds."""
    gate = threading.Barrier(len(requests))
    out: list[float] = [0.0] * len(requests)
    errors: list[BaseException] = []

    def one(i: int) -> None:
        gate.wait()
        try:
            out[i] = _post(url, *requests[i])
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} request(s) failed: {errors[0]}")
    return out


def _client(conn, url: str, requests: list[tuple[bytes, dict[str, str]]]) -> None:
    try:
        conn.send(burst(url, requests))
    except BaseException as e:
        conn.send(e)


# --- helpers -----------------------------------------------------------------------------------------
def signed_commands(n: int, text: str, response_url: str) -> list[tuple[bytes, dict[str, str]]]:
    from slack_client import SlackSender
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(SECRET)
    ts = str(int(time.time()))
    out: list[tuple[bytes, dict[str, str]]] = []
    for _ in range(n):
        body = SlackSender.slash_body(text, response_url=response_url)
        signature = verifier.generate_signature(timestamp=ts, body=body) or ""  # None only without ts/body
        out.append((body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                    "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}))
    return out


def run_burst(ctx, url: str, requests) -> list[float]:
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_client, args=(child, url, requests))
    p.start()
    result = parent.recv()
    p.join()
    if isinstance(result, BaseException):
        raise result
    return result


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def fmt(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"p50 {statistics.median(ms):6.1f} ms   p95 {pct(ms, 95):6.1f} ms   p99 {pct(ms, 99):6.1f} ms   "
            f"max {max(ms):6.1f} ms   (n={len(ms)})")


LISTENER_THREADS = 16  # what bot.slack.factory gives fleetops' Bolt app


def bare_app(fake_url: str):
    """A Bolt app that only acks, configured like fleetops' (bot.slack.factory.build_slack_app): the
    listener runs on the HTTP thread (process_before_response) with the same listener pool size."""
    from concurrent.futures import ThreadPoolExecutor

    from slack_bolt import App
    from slack_sdk import WebClient

    app = App(client=WebClient(token=TOKEN, base_url=fake_url), signing_secret=SECRET, process_before_response=True,
              listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bare-bolt"))

    @app.command("/fleet")
    def only_ack(ack) -> None:
        ack()

    return app


def _serve_bare(conn, fake_url: str) -> None:
    """The bare app in a process of its own (fleetops' background work must not slow it): sends its URL,
    serves until told to stop."""
    from bot.slack import make_http_server

    server = make_http_server(bare_app(fake_url), "127.0.0.1", 0)
    server.start_background()
    conn.send(server.url)
    conn.recv()
    server.shutdown()
    server.server_close()


def first_reply(sender, fake_calls, name: str, response_url: str) -> float:
    """Seconds from sending ``/fleet list clusters`` until its reply reached the fake's response_url."""
    t0 = time.perf_counter()
    r = sender.slash("list clusters", response_url=response_url)
    if r.status != 200:
        raise RuntimeError(f"HTTP {r.status}")
    fake_calls.wait(name, 60)
    return time.perf_counter() - t0


# --- Slack's Web API and the hub, each in its own process (the real ones are not in ours) -------------
def _slack_api(conn) -> None:
    from fake_slack import FakeSlack

    fake = FakeSlack().start()
    conn.send(fake.url)
    while True:
        msg = conn.recv()
        if msg == "stop":
            break
        name, timeout = msg  # wait for a reply at response_url /response/<name>
        try:
            fake.wait_for("response_url", lambda c, name=name: c.path.endswith("/" + name), timeout=timeout)
            conn.send(True)
        except AssertionError:
            conn.send(False)
    fake.stop()


class FakeCalls:
    """The fake Slack in its process: its URL, its response URLs, waiting for a reply to arrive."""

    def __init__(self, ctx) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_slack_api, args=(child,), daemon=True)
        self.proc.start()
        self.url: str = self.conn.recv()

    def response_url(self, name: str) -> str:
        return self.url.replace("/api/", f"/response/{name}")

    def wait(self, name: str, timeout: float) -> None:
        self.conn.send((name, timeout))
        if not self.conn.recv():
            raise RuntimeError(f"no reply at response_url {name} within {timeout}s")

    def stop(self) -> None:
        self.conn.send("stop")
        self.proc.join(10)


def _hub(conn, ready_delay: float, kubeconfig: str) -> None:
    from tools.embedded import EmbeddedFleet

    fleet = EmbeddedFleet(ready_delay=ready_delay, kubeconfig_path=Path(kubeconfig)).start()
    fleet.wait_idle()
    conn.send(fleet.hub)
    conn.recv()
    fleet.stop()


# --- background executions -----------------------------------------------------------------------------
BACKGROUND_TARGETS = ("aks-westus3-staging-1", "aks-northeurope-staging-1", "aks-centralindia-dev-1",
                      "eks-us-west-2-dev-1")
POLICY = 'ttl: 4h\nrules:\n  "*":\n    "*": {approvals: 1}\n'


def start_executions(pipe, service, sender, fake: FakeCalls, run: int, n: int) -> list[str]:
    """Open ``n`` deploy requests (distinct deployments) as U0REQUESTER, approve each with a signed click as
    U0APPROVER, and wait until as many are executing (waiting on KAITO readiness) as the execution lane has
    threads (the rest wait for a thread). Their ids."""
    from urllib.parse import quote

    from slack_client import SlackSender, slack_json

    from bot.slack.cards import button_value

    before = {c.id for c in pipe.changes.list(limit=1000)}
    for k in range(n):
        text = f"deploy gemma 3 4b as bench-bg-{run}-{k} on {BACKGROUND_TARGETS[k % len(BACKGROUND_TARGETS)]}"
        r = sender.slash(text, user="U0REQUESTER", response_url=fake.response_url(f"bg-{run}-{k}"))
        if r.status != 200:
            raise RuntimeError(f"opening a background change: HTTP {r.status}")
    service.wait_idle(120)
    ids = [c.id for c in pipe.changes.list(limit=1000) if c.id not in before]
    if len(ids) != n:
        raise RuntimeError(f"expected {n} background change requests, got {len(ids)}")
    for cid in ids:
        change = pipe.changes.get(cid)
        payload = SlackSender.click_payload("fleet_approve", button_value(change), user="U0APPROVER",
                                            channel=change.channel or "C0OPS", message_ts=change.message_ts)
        r = sender.post("payload=" + quote(slack_json(payload)), "application/x-www-form-urlencoded")
        if r.status != 200:
            raise RuntimeError(f"approving a background change: HTTP {r.status}")
    lane = service.runner.lanes["executions"][1] if service.runner and "executions" in service.runner.lanes else n
    deadline = time.monotonic() + 60
    while executing(pipe, ids) < min(n, lane):
        if time.monotonic() > deadline:
            states = {cid: pipe.changes.get(cid).state for cid in ids}
            raise RuntimeError(f"the background changes did not all start executing: {states}")
        time.sleep(0.05)
    return ids


def executing(pipe, ids: list[str]) -> int:
    return sum(pipe.changes.get(cid).state == "executing" for cid in ids)


def wait_done(pipe, ids: list[str], timeout: float = 300) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while executing(pipe, ids) and time.monotonic() < deadline:
        time.sleep(0.1)
    states: dict[str, int] = {}
    for cid in ids:
        st = str(pipe.changes.get(cid).state)
        states[st] = states.get(st, 0) + 1
    return states


def drain(pipe, service, timeout: float = 300) -> None:
    """Wait until no job but the background executions is queued or running, and card edits are sent."""
    from bot.slack.factory import EXECUTION_KINDS

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with pipe.store.database.read() as conn:
            left = conn.execute("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running') AND kind NOT IN "
                                f"({', '.join('?' * len(EXECUTION_KINDS))})", EXECUTION_KINDS).fetchone()[0]
        if not left:
            break
        time.sleep(0.02)
    service.notifier.updater.flush(timeout)
    time.sleep(0.1)  # the last job's thread gets back to waiting


def thread_cpu() -> dict[str, float]:
    """CPU seconds of this process's threads so far, grouped by thread name without its number
    (``fleetops-http-3`` -> ``fleetops-http``), from /proc/self/task/*/stat (Linux; empty elsewhere)."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").glob("*") if Path("/proc/self/task").exists() else []:
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = names.get(int(task.name), "other (not a Python thread)")
        group = name.rstrip("0123456789_-").removesuffix("ThreadPoolExecutor") or name
        group = "Thread-N (unnamed)" if group.startswith("Thread") else group
        out[group] = out.get(group, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def profile_executions(service) -> list:
    """Wrap the Approve job handler (it executes the change) in cProfile; the profiles, filled as they end."""
    import cProfile

    profiles: list = []
    inner = service.runner.handlers["approve"]

    def profiled(payload) -> None:
        prof = cProfile.Profile()
        try:
            prof.runcall(inner, payload)
        finally:
            profiles.append(prof)

    service.runner.handlers["approve"] = profiled
    return profiles


def spread(values: list[float], unit: str = "ms", scale: float = 1000.0) -> str:
    v = sorted(x * scale for x in values)
    if unit == "x":
        return f"min {v[0]:.2f}x  median {statistics.median(v):.2f}x  max {v[-1]:.2f}x"
    return f"min {v[0]:7.1f} {unit}  median {statistics.median(v):7.1f} {unit}  max {v[-1]:7.1f} {unit}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="paired runs (default 3, at least 3 for a spread)")
    ap.add_argument("--concurrency", type=int, default=50, help="requests per burst (default 50)")
    ap.add_argument("--bursts", type=int, default=3,
                    help="pairs of bursts (bare, fleetops, alternating which goes first) per run and condition; "
                         "the p99 is taken over all of a run's samples of an app (default 3: 150 samples each)")
    ap.add_argument("--background", type=int, default=4, help="executions running during busy bursts (default 4)")
    ap.add_argument("--ready-delay", type=float, default=15.0,
                    help="seconds per KAITO readiness step on the embedded fleet (default 15: the background "
                         "executions outlast a run's busy bursts)")
    ap.add_argument("--text", default="list clusters", help='the /fleet text (default "list clusters")')
    ap.add_argument("--workers", type=int, default=8, help="fleetops job threads (default 8)")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="profile the background executions (cProfile in each execution thread) and print the N "
                         "functions with the most own time")
    ap.add_argument("--shared-connection", action="store_true",
                    help="commit the acks' jobs on the pipeline's shared database connection (as before issue 17) "
                         "instead of a connection of their own, for comparison")
    ap.add_argument("--switch-interval", type=float, default=None,
                    help="sys.setswitchinterval for fleetops' process (default: Python's, 0.005)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)


    from bot.app import running_pipeline
    from bot.settings import Settings
    from bot.slack import build_slack_app

    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    if args.shared_connection:
        import bot.slack.factory

        bot.slack.factory.accept_database = lambda pipeline: None
    ctx = multiprocessing.get_context("spawn")
    tmp = Path(tempfile.mkdtemp(prefix="fleetops-bench-ack-"))
    fake = FakeCalls(ctx)
    hub_conn, hub_child = ctx.Pipe()
    hub_proc = ctx.Process(target=_hub, args=(hub_child, args.ready_delay, str(tmp / "kubeconfig")), daemon=True)
    hub_proc.start()
    hub = hub_conn.recv()
    (tmp / "policy.yaml").write_text(POLICY)
    settings = Settings(slack_bot_token=SecretStr(TOKEN), slack_signing_secret=SecretStr(SECRET),
                        slack_api_url=fake.url, kubeconfig=tmp / "kubeconfig", hub_context=hub, in_cluster=False,
                        llm="offline", policy_path=tmp / "policy.yaml", home=tmp, db_path=tmp / "bench.db",
                        watch_interval=3600)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), switch interval {sys.getswitchinterval()} s; "
          f"{args.runs} paired runs of bursts of {args.concurrency} signed /fleet commands; fleetops text "
          f"{args.text!r}; {args.background} background executions (KAITO readiness {args.ready_delay} s/step) "
          f"in busy bursts; job commits on {'the shared' if args.shared_connection else 'their own'} connection")
    with running_pipeline(settings, db=settings.database) as pipe:
        service = build_slack_app(settings, pipe, workers=args.workers, max_pending=4 * args.concurrency)
        try:
            measure(args, ctx, pipe, service, fake)
        finally:
            service.close()
    hub_conn.send("stop")
    hub_proc.join(30)
    fake.stop()
    shutil.rmtree(tmp, ignore_errors=True)


def measure(args, ctx, pipe, service, fake: FakeCalls) -> None:
    from slack_client import SlackSender

    from bot.slack import make_http_server

    profiles = profile_executions(service) if args.profile else []
    ours = make_http_server(service.app, "127.0.0.1", 0, traffic=service.traffic)
    ours.start_background()
    bare_conn, bare_child = ctx.Pipe()
    bare_proc = ctx.Process(target=_serve_bare, args=(bare_child, fake.url), daemon=True)
    bare_proc.start()
    bare_url = bare_conn.recv()
    sender = SlackSender(ours.url, SECRET)

    cold = first_reply(sender, fake, "cold", fake.response_url("cold"))
    service.wait_idle(60)
    warm = [first_reply(sender, fake, f"warm{i}", fake.response_url(f"warm{i}")) for i in range(5)]
    service.wait_idle(60)

    def burst_of(url: str, tag: str) -> list[float]:
        return run_burst(ctx, url, signed_commands(args.concurrency, args.text, fake.response_url(tag)))

    # warm-up bursts for both (connections, thread pools), not counted
    burst_of(bare_url, "x")
    burst_of(ours.url, "x")
    service.wait_idle(120)

    rows: list[dict[str, Any]] = []
    cpu_bursts = 0.0
    by_thread: dict[str, float] = {}  # fleetops' CPU during its busy bursts, per thread group
    for run in range(args.runs):
        for busy in (False, True):
            ids = start_executions(pipe, service, sender, fake, run, args.background) if busy else []
            lat: dict[str, list[float]] = {"bare": [], "fleetops": []}
            ratios: list[float] = []
            during: list[int] = []  # executions still running when each fleetops burst ended
            for pair in range(args.bursts):
                order = ("bare", "fleetops") if (run + pair) % 2 == 0 else ("fleetops", "bare")
                for app in order:
                    drain(pipe, service)  # the fleetops jobs of the burst before have run: both see the same
                    cpu, threads_before = time.process_time(), thread_cpu()
                    lat[app] += burst_of(bare_url if app == "bare" else ours.url, "b" if app == "bare" else "f")
                    if app == "fleetops":
                        cpu_bursts += time.process_time() - cpu
                        during.append(executing(pipe, ids))
                        if busy:
                            for k, v in thread_cpu().items():
                                by_thread[k] = by_thread.get(k, 0.0) + v - threads_before.get(k, 0.0)
                n = args.concurrency
                ratios.append(pct(lat["fleetops"][-n:], 99) / pct(lat["bare"][-n:], 99))
            at_end = during[-1] if during else 0
            done = wait_done(pipe, ids) if busy else {}
            service.wait_idle(300)
            row = {"run": run + 1, "busy": busy, "bare": lat["bare"], "fleetops": lat["fleetops"],
                   "ratio": pct(lat["fleetops"], 99) / pct(lat["bare"], 99), "pairs": ratios,
                   "executing": (min(during), at_end), "outcomes": done}
            rows.append(row)
            what = (f"busy (at least {min(during)} executing when each fleetops burst ended; "
                    f"then {done})") if busy else "idle"
            print(f"run {run + 1} {what}, {args.bursts} pairs of bursts, first {'bare' if run % 2 == 0 else 'fleetops'}:")
            print(f"  bare Bolt  {fmt(lat['bare'])}")
            print(f"  fleetops   {fmt(lat['fleetops'])}")
            print(f"  p99 ratio fleetops/bare {row['ratio']:.2f}x   (per pair of bursts, max/max: "
                  + " ".join(f"{r:.2f}" for r in ratios) + ")", flush=True)

    print(f"\nack latency (signed slash command -> HTTP 200), {args.concurrency} at once, over {args.runs} "
          f"paired runs (min / median / max of the per-run figures):")
    for busy in (False, True):
        sel = [r for r in rows if r["busy"] == busy]
        label = f"with {args.background} executions running" if busy else "idle"
        print(f"  {label}:")
        for app in ("bare", "fleetops"):
            print(f"    {app:9s} p50 {spread([statistics.median(r[app]) for r in sel])}")
            print(f"    {'':9s} p99 {spread([pct(r[app], 99) for r in sel])}")
        print(f"    p99 ratio fleetops/bare: {spread([r['ratio'] for r in sel], 'x', 1.0)}   (goal <= 1.3x)")
        print(f"    single pairs of bursts, max/max: {spread([x for r in sel for x in r['pairs']], 'x', 1.0)}")
    print(f"  fleetops process CPU during its bursts: {cpu_bursts:.2f} s (acks plus the work running meanwhile); "
          f"during the busy ones, by thread: " + ", ".join(f"{k} {v:.2f} s" for k, v in
                                                           sorted(by_thread.items(), key=lambda kv: -kv[1])
                                                           if v >= 0.005))
    if profiles:
        import pstats

        stats = pstats.Stats(profiles[0])
        for prof in profiles[1:]:
            stats.add(prof)
        print(f"\nwhere the background executions spent their CPU (cProfile, {len(profiles)} executions, own time):")
        stats.sort_stats("tottime").print_stats(args.profile)
    print("\ntime to first reply for \"list clusters\" (command sent -> reply at the response_url):")
    print(f"  cold (first request of the app)  {cold * 1000:7.1f} ms")
    print(f"  warm                             p50 {statistics.median(warm) * 1000:7.1f} ms   "
          f"max {max(warm) * 1000:7.1f} ms   (n={len(warm)})")
    ours.shutdown()
    ours.server_close()
    bare_conn.send("stop")
    bare_proc.join(30)


if __name__ == "__main__":
    main()
