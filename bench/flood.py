"""Flood ``serve`` on loopback (issue 12): 1,000 concurrent signed Approve clicks and 200 signed slash
commands, with 100 stalled connections and one 100 MB body at the same time.

    python bench/flood.py [--clicks 1000] [--commands 200] [--stalled 100] [--big-mb 100] [--deadline 600]

The app is what ``fleetops serve`` runs (``bot.slack.build_slack_app`` + ``bot.slack.server``) on
127.0.0.1 with the tests' fake Slack Web API (in a process of its own, as Slack is not in ours) and the embedded
demo fleet, on a fresh SQLite file. One
change request (staging, one approval needed) gets a card; the load generator, in its own process, then
opens every connection at once: ``--stalled`` sockets that send half a header and wait, one POST that
announces ``--big-mb`` MB and starts streaming it, and ``--clicks`` Approve clicks (each from another user)
plus ``--commands`` ``/fleet list clusters``, each on its own connection as Slack does. Afterwards the
bench waits for the persisted jobs to drain and counts, from the audit log:

* requests lost: acked clicks without their ``approval`` or ``approval_refused`` event (every click is recorded)
  plus acked commands without their ``request`` event (by delivery id) — must be 0;
* ack latency p50 / p99 (until the HTTP answer) of clicks and commands; non-200 answers by status;
* the serving process's CPU time while the flood was answered;
* peak RSS (VmHWM) and peak thread count of the serving process, sampled every 20 ms.

Loopback only, bounded in count (the flags) and time (``--deadline`` seconds overall; every socket has a
timeout). Prints figures; exits 1 when a request was lost.
"""
from __future__ import annotations

import argparse
import http.client
import json
import logging
import multiprocessing
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "slack"))
for _var in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
    os.environ[_var] = ""  # loopback only; slack-sdk ignores NO_PROXY

SECRET = "bench-flood-signing-secret"
TOKEN = "xoxb-bench-flood"
POLICY = 'ttl: 4h\nrules:\n  "*":\n    "*": {approvals: 1}\n'
Req = tuple[str, bytes, dict[str, str]]  # (label, body, headers)


# --- the load generator (its own process) ------------------------------------------------------------------
def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
    parts = urlsplit(url)
    t = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("POST", parts.path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        return r.status, time.perf_counter() - t
    except (OSError, http.client.HTTPException):
        return -1, time.perf_counter() - t
    finally:
        conn.close()


def _stall(url: str, hold: float, out: list) -> None:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=hold + 5) as s:
            s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-")
            t = time.perf_counter()
            try:
                s.recv(1)  # the server's read timeout closes it (b"") or answers
            except OSError:
                pass
            out.append(time.perf_counter() - t)
    except OSError:
        out.append(-1.0)


def _big(url: str, mb: int, out: list) -> None:
    parts = urlsplit(url)
    sent = 0
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=30) as s:
            s.sendall(f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0={'0' * 64}\r\n"
                      f"Content-Length: {mb << 20}\r\n\r\n".encode())
            chunk = b"x" * (1 << 16)
            try:
                while sent < mb << 20:
                    s.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            try:
                status = s.recv(64).split(b" ")[1].decode()
            except (OSError, IndexError):
                status = "closed"
            out.append((status, sent))
    except OSError as e:
        out.append((f"error {e}", sent))


def generator(conn, url: str, requests: list[Req], stalled: int, big_mb: int, hold: float) -> None:
    results: list = [None] * len(requests)
    stall_out: list = []
    big_out: list = []
    threads = [threading.Thread(target=_stall, args=(url, hold, stall_out)) for _ in range(stalled)]
    threads.append(threading.Thread(target=_big, args=(url, big_mb, big_out)))
    gate = threading.Barrier(len(requests))

    def one(i: int) -> None:
        gate.wait()
        results[i] = _post(url, requests[i][1], requests[i][2])

    workers = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    time.sleep(0.2)  # the stalled connections and the big body are in place first
    for t in workers:
        t.start()
    for t in workers + threads:
        t.join(hold + 120)
    conn.send({"results": [(requests[i][0], *(results[i] or (-2, 0.0))) for i in range(len(requests))],
               "stalled": stall_out, "big": big_out})


# --- Slack's Web API (its own process: the real one is not in ours) --------------------------------------
def slack_api(conn) -> None:
    from fake_slack import FakeSlack

    fake = FakeSlack().start()
    conn.send((fake.url, fake.response_url("flood")))
    conn.recv()  # stop
    fake.stop()


# --- the serving side ----------------------------------------------------------------------------------
class Sampler:
    """Peak threads and RSS of this process, every 20 ms."""

    def __init__(self) -> None:
        self.threads = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.threads = max(self.threads, threading.active_count())

    @staticmethod
    def rss_mb() -> tuple[float, float]:
        """(current, peak) resident set size in MB."""
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def stop(self) -> None:
        self._stop.set()


def signed(body: str) -> dict[str, str]:
    from slack_sdk.signature import SignatureVerifier

    ts = str(int(time.time()))
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)}


def build_requests(n_clicks: int, n_commands: int, channel: str, message_ts: str, reply_url: str) -> list[Req]:
    from slack_client import SlackSender, slack_json

    value = json.dumps({"id": "1", "v": 1})
    out: list[Req] = []
    for i in range(n_clicks):
        payload = SlackSender.click_payload("fleet_approve", value, user=f"U{i:05d}", channel=channel,
                                            message_ts=message_ts, response_url=reply_url)
        body = "payload=" + quote(slack_json(payload))
        out.append((f"click:U{i:05d}", body.encode(), signed(body)))
    for i in range(n_commands):
        body = SlackSender.slash_body("list clusters", user="U0ALICE", trigger_id=f"flood.{i}.cmd",
                                      response_url=reply_url)
        out.append((f"command:flood.{i}.cmd", body.encode(), signed(body)))
    return out


def pct(ms: list[float], q: float) -> float:
    s = sorted(ms)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))] if s else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clicks", type=int, default=1000)
    ap.add_argument("--commands", type=int, default=200)
    ap.add_argument("--stalled", type=int, default=100)
    ap.add_argument("--big-mb", type=int, default=100)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--deadline", type=float, default=600.0, help="seconds for the whole run (default 600)")
    args = ap.parse_args()
    if args.clicks + args.commands + args.stalled > 3000:
        ap.error("at most 3,000 connections in all")
    started = time.monotonic()
    logging.basicConfig(level=logging.ERROR)
    from slack_client import SlackSender

    from bot.app import running_pipeline
    from bot.settings import Settings
    from bot.slack import build_slack_app, make_http_server

    ctx = multiprocessing.get_context("spawn")
    api_conn, api_child = ctx.Pipe()
    api = ctx.Process(target=slack_api, args=(api_child,), daemon=True)
    api.start()
    api_url, reply_url = api_conn.recv()
    tmp = Path(tempfile.mkdtemp(prefix="fleetops-bench-flood-"))
    (tmp / "policy.yaml").write_text(POLICY)
    settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=api_url, kubeconfig=None,
                        in_cluster=False, llm="offline", policy_path=tmp / "policy.yaml", home=tmp,
                        db_path=tmp / "flood.db", demo_ready_delay=0.0)
    code = 0
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); {args.clicks} clicks + {args.commands} "
          f"commands at once, {args.stalled} stalled connections, one {args.big_mb} MB body")
    with running_pipeline(settings, db=settings.database, ready_delay=0.0) as pipe:
        service = build_slack_app(settings, pipe, workers=args.workers)
        server = make_http_server(service.app, "127.0.0.1", 0, traffic=service.traffic)
        server.start_background()
        sender = SlackSender(server.url, SECRET)
        r = sender.slash("deploy gemma 3 4b as flood-target on aks-westus3-staging-1", user="U0REQUESTER",
                         response_url=reply_url)
        assert r.status == 200, r
        service.wait_idle(120)
        change = pipe.changes.get("1")
        assert change.message_ts and change.channel, "the change's card was not posted"
        requests = build_requests(args.clicks, args.commands, change.channel, change.message_ts, reply_url)
        rss_before = Sampler.rss_mb()[0]
        sampler = Sampler()
        cpu_before = time.process_time()

        parent, child = ctx.Pipe()
        gen = ctx.Process(target=generator, args=(child, server.url, requests, args.stalled, args.big_mb, 30.0))
        gen.start()
        left = args.deadline - (time.monotonic() - started)
        out = parent.recv() if parent.poll(max(1.0, left)) else None
        cpu_flood = time.process_time() - cpu_before  # the server's CPU while the flood was being answered
        gen.join(10)
        if gen.is_alive():
            gen.kill()
        if out is None:
            print("the load generator did not finish in time")
            return 2
        drained = service.wait_idle(max(1.0, args.deadline - (time.monotonic() - started)))
        sampler.stop()
        _, peak_rss = Sampler.rss_mb()

        results = out["results"]
        acked = [(label, ms) for label, status, ms in ((x[0], x[1], x[2] * 1000) for x in results) if status == 200]
        by_status: dict[int, int] = {}
        for _, status, _ in results:
            by_status[status] = by_status.get(status, 0) + 1
        click_ms = [ms for label, ms in acked if label.startswith("click:")]
        cmd_ms = [ms for label, ms in acked if label.startswith("command:")]

        approvals = pipe.store.audit.list(change_id="1", event="approval", limit=None)
        refused = pipe.store.audit.list(change_id="1", event="approval_refused", limit=None)
        traced_users = {e.actor for e in approvals + refused}  # every click leaves one or the other
        requests_seen = {(e.args or {}).get("delivery_id") for e in pipe.store.audit.list(event="request", limit=None)}
        lost_clicks = [label for label, _ in acked if label.startswith("click:") and label[6:] not in traced_users]
        lost_cmds = [label for label, _ in acked
                     if label.startswith("command:") and f"slack:command:{label[8:]}" not in requests_seen]
        jobs = pipe.store.jobs.counts()
        change = pipe.changes.get("1")
        counted = sum(1 for e in approvals if (e.result or {}).get("counted"))

        print(f"\nanswers: {dict(sorted(by_status.items()))} (200 = acked; 503 = connection cap; -1 = no answer)")
        for name, ms in (("clicks", click_ms), ("commands", cmd_ms), ("all acked", click_ms + cmd_ms)):
            if ms:
                print(f"ack latency {name:9s}  p50 {statistics.median(ms):7.1f} ms   p99 {pct(ms, 99):7.1f} ms   "
                      f"max {max(ms):7.1f} ms   (n={len(ms)})")
        print(f"requests lost: {len(lost_clicks) + len(lost_cmds)} (acked clicks without their audit event: "
              f"{len(lost_clicks)}; acked commands without their request event: {len(lost_cmds)})")
        print(f"jobs: {jobs}; drained: {drained}; change 1: {change.state}, approvals counted {counted}, "
              f"clicks not counted (recorded with the reason) {len(refused)}")
        stalled = out["stalled"]
        print(f"stalled connections: {len(stalled)}, closed by the server after max {max(stalled or [0]):.1f} s")
        print(f"{args.big_mb} MB body: {out['big']} (status, bytes the server let us send)")
        print(f"server CPU during the flood {cpu_flood:.1f} s ({cpu_flood * 1000 / max(1, len(results)):.1f} ms "
              f"per request, acks and the jobs that ran meanwhile)")
        print(f"peak RSS {peak_rss:.0f} MB (before the flood {rss_before:.0f} MB); peak threads {sampler.threads}")
        print(f"total {time.monotonic() - started:.1f} s")
        if lost_clicks or lost_cmds:
            code = 1
        server.shutdown()
        server.server_close()
        service.close()
    api_conn.send("stop")
    api.join(10)
    shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
