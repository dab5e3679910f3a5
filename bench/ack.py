"""Slack ack latency: fleetops' app next to a bare Bolt app that only acks, same HTTP server code.

The bare app is configured like fleetops' (listener on the HTTP thread, the same 16 listener threads)
and served from a process of its own, so fleetops' background work does not share its interpreter.

    python bench/ack.py [--rounds 6] [--concurrency 50] [--text "list clusters"] [--workers 8]

Both apps are served by ``bot.slack.server`` (what ``fleetops serve`` runs) on loopback, with the fake
Slack Web API of the tests standing in for Slack. Each round fires ``--concurrency`` correctly signed
``/fleet`` slash commands at once (from a separate process, one connection per request, as Slack
does) and times each until its HTTP answer; rounds alternate between the two apps, and before each
fleetops round its background work from the previous one is allowed to finish, so every burst starts
from the same state. fleetops does the real work for each command after the ack (interpretation, the
demo fleet, the reply to the response_url) while later acks of the same burst are still being served.

Prints p50 / p95 / p99 / max of the ack latency for both and the p99 ratio (goal: fleetops p99 <=
1.3x bare; on a machine busy with other work the tail is noisy, run it twice), then the time to the first reply for a read-only request ("list clusters" on the demo fleet):
from sending the command until the reply reaches the fake Slack's response_url, on a cold app (its
first request) and warm. Prints figures; asserts nothing. About 30-60 s.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
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


def first_reply(sender, fake, name: str) -> float:
    """Seconds from sending ``/fleet list clusters`` until its reply reached the fake's response_url
    (``Call.at`` is the fake's ``time.monotonic()`` on arrival, same process)."""
    t0 = time.monotonic()
    r = sender.slash("list clusters", response_url=fake.response_url(name))
    if r.status != 200:
        raise RuntimeError(f"HTTP {r.status}")
    call = fake.wait_for("response_url", lambda c: c.path.endswith("/" + name), timeout=60)[0]
    return call.at - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6, help="bursts per app (default 6)")
    ap.add_argument("--concurrency", type=int, default=50, help="requests per burst (default 50)")
    ap.add_argument("--text", default="list clusters", help='the /fleet text (default "list clusters")')
    ap.add_argument("--workers", type=int, default=8, help="fleetops background workers (default 8)")
    args = ap.parse_args()

    from fake_slack import FakeSlack
    from slack_client import SlackSender

    from bot.app import running_pipeline
    from bot.settings import Settings
    from bot.slack import build_slack_app, make_http_server

    ctx = multiprocessing.get_context("spawn")
    fake = FakeSlack().start()
    tmp = Path(tempfile.mkdtemp(prefix="fleetops-bench-ack-"))
    settings = Settings(slack_bot_token=SecretStr(TOKEN), slack_signing_secret=SecretStr(SECRET),
                        slack_api_url=fake.url, kubeconfig=None, in_cluster=False, llm="offline", policy_path=None,
                        home=tmp, db_path=tmp / "bench.db", demo_ready_delay=0.0)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); {args.rounds} bursts of {args.concurrency} "
          f"signed /fleet commands per app; fleetops text: {args.text!r}")
    with running_pipeline(settings, db=settings.database, ready_delay=0.0) as pipe:
        service = build_slack_app(settings, pipe, workers=args.workers, max_pending=4 * args.concurrency)
        ours = make_http_server(service.app, "127.0.0.1", 0, traffic=service.traffic)
        ours.start_background()
        bare_conn, bare_child = ctx.Pipe()
        bare_proc = ctx.Process(target=_serve_bare, args=(bare_child, fake.url))
        bare_proc.start()
        bare_url = bare_conn.recv()
        sender = SlackSender(ours.url, SECRET)

        cold = first_reply(sender, fake, "cold")
        service.wait_idle(60)
        warm = []
        for i in range(5):
            warm.append(first_reply(sender, fake, f"warm{i}"))
        service.wait_idle(60)

        # warm-up burst for both (connections, thread pools), not counted
        run_burst(ctx, bare_url, signed_commands(args.concurrency, args.text, fake.response_url("x")))
        run_burst(ctx, ours.url, signed_commands(args.concurrency, args.text, fake.response_url("x")))
        service.wait_idle(120)

        lat: dict[str, list[float]] = {"bare": [], "fleetops": []}
        started = time.perf_counter()
        for _ in range(args.rounds):
            lat["bare"] += run_burst(ctx, bare_url, signed_commands(args.concurrency, args.text,
                                                                    fake.response_url("b")))
            lat["fleetops"] += run_burst(ctx, ours.url, signed_commands(args.concurrency, args.text,
                                                                        fake.response_url("f")))
            service.wait_idle(120)
        elapsed = time.perf_counter() - started
        replies = len(fake.calls("response_url", lambda c: c.path.endswith("/f")))

        print("\nack latency (signed slash command → HTTP 200), "
              f"{args.concurrency} at once, same server code, same machine:")
        print(f"  bare Bolt (ack only, own process, {LISTENER_THREADS} listener threads)  {fmt(lat['bare'])}")
        print(f"  fleetops              {fmt(lat['fleetops'])}")
        ratio = pct(lat["fleetops"], 99) / pct(lat["bare"], 99)
        print(f"  p99 ratio fleetops/bare: {ratio:.2f}x (goal <= 1.3x); p50 ratio "
              f"{statistics.median(lat['fleetops']) / statistics.median(lat['bare']):.2f}x")
        print(f"  fleetops answered {replies} of {args.rounds * args.concurrency} measured commands "
              f"through the response_url (the rest: 'busy' or still queued); {elapsed:.1f} s in bursts")
        print("\ntime to first reply for \"list clusters\" (command sent → reply at the response_url):")
        print(f"  cold (first request of the app)  {cold * 1000:7.1f} ms")
        print(f"  warm                             p50 {statistics.median(warm) * 1000:7.1f} ms   "
              f"max {max(warm) * 1000:7.1f} ms   (n={len(warm)})")
        ours.shutdown()
        ours.server_close()
        bare_conn.send("stop")
        bare_proc.join(30)
        service.close()
    fake.stop()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
