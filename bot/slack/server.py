"""How Slack reaches the app: an HTTP server for the Events API, or a Socket Mode connection.

HTTP: ``http.server.ThreadingHTTPServer`` (one thread per connection) that hands the raw body and
headers of every ``POST /slack/events`` to ``app.dispatch(BoltRequest(...))`` and writes Bolt's response
back. slack_bolt's own development server is single-threaded (one slow request would delay every other ack),
hence this one. The same port serves the operator's endpoints (issue 16):

* ``GET /healthz``: ``ok`` while the process serves (liveness);
* ``GET /readyz``: 200 or 503 with one line per check (hub reachable, database writable, Slack auth ok or
  demo), from the ``ready`` callable (``bot.health.Readiness``);
* ``GET /metrics``: Prometheus text format (``bot.metrics``); every Slack request is counted by kind with the
  time from its body read to its answer written.

With ``app=None`` (Socket Mode, where Slack needs no port) only these GET endpoints are served.

The front is bounded and timed (issue 12: a ``Content-Length: -1`` streamed 1.2 GB into memory before
the signature was checked, 3,000 stalled connections held 3,000 threads):

* at most ``max_connections`` connections are served at once, by a pool of reused threads (a thread started
  per connection made the accepting thread wait for each new thread to get the GIL while the others were
  answering: under 1,200 simultaneous requests that, not the work, made acks late); the accepting thread takes
  up to ``ACCEPT_BATCH`` connections from the backlog per wake-up; while all slots are busy it
  waits up to ``accept_wait`` seconds for one to free (new connections queue in the kernel's backlog,
  so a burst of 1,000 clicks is served, not dropped); after that one more is answered ``503`` with
  ``Retry-After`` by the accepting thread and closed, without a thread of its own;
* at most ``max_dispatch`` requests are inside the Bolt app at once (the rest wait, blocked, not competing for
  the GIL: 128 at once made every ack later; 8 made the job store's group commits too small);
* waiting for a request's line and headers (a new or an idle keep-alive connection) times out after
  ``header_timeout`` seconds (1 s: Slack sends them in one packet), so stalled clients free their slots soon;
  every other socket read times out after ``read_timeout`` seconds, and a request that has not been read
  completely ``request_deadline`` seconds after it started (headers + body; a client trickling a byte
  at a time) has its connection shut down by one watchdog thread;
* before the body is read: a missing, malformed, negative or repeated ``Content-Length`` or any
  ``Transfer-Encoding`` is ``400``, a length over ``max_body`` is ``413``, an unknown path ``404``,
  and a missing or malformed signing header (non-numeric or stale ``X-Slack-Request-Timestamp``,
  ``X-Slack-Signature`` not ``v0=`` + 64 hex) ``401``; each closes the connection unread;
* after reading exactly ``Content-Length`` bytes the signature (HMAC-SHA256 of ``v0:ts:body`` with the
  signing secret, 5-minute window) is checked before Bolt sees anything: ``401`` otherwise.
  Bolt checks it again; that costs one HMAC.

So memory per connection is bounded by ``max_body`` and the whole front by ``max_connections`` ×
``max_body`` (128 MB with the defaults) and ``max_connections`` threads.

Why not a WSGI server (waitress, gunicorn)? waitress would add the same limits (``connection_limit``,
``channel_timeout``, ``max_request_body_size``) on an event loop, so stalled clients would not hold a
thread at all; but it is a new dependency for every install, Bolt's WSGI adapter reads the body with
no limits of its own, and the signature check before any work would still be ours. Slack sends small
requests at a modest rate; the stdlib server with the limits above holds the issue's probes (see
``tests/slack/test_slack_http_front.py``). Revisit if one process must hold thousands of idle clients.

Socket Mode: slack_bolt's ``SocketModeHandler`` with the app-level token; it reuses the app's
WebClient, so ``apps.connections.open`` goes to the configured API base URL as well.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest, BoltResponse

from bot import metrics

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
MAX_BODY = 1 << 20  # Slack's payloads are far smaller; refuse anything absurd
MAX_CONNECTIONS = 128
ACCEPT_WAIT = 2.0  # seconds a connection over the cap waits (in the kernel's backlog) for a free slot
BACKLOG = 1024  # connections the kernel holds while every slot is busy (capped by net.core.somaxconn)
READ_TIMEOUT = 5.0  # seconds a socket read may wait (also the keep-alive idle time)
HEADER_TIMEOUT = 1.0  # seconds to receive a request's line and headers (Slack sends them in one packet)
MAX_DISPATCH = 24  # requests inside the Bolt app at once (8 made group commits too small, 128 fought over the GIL)
ACCEPT_BATCH = 64  # connections taken from the backlog per wake-up of the accepting thread
REQUEST_DEADLINE = 5.0  # seconds to receive one whole request: Slack wants the answer within 3 s anyway
MAX_SKEW = 300  # Slack's window for X-Slack-Request-Timestamp
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_INVALID = {"error": "invalid request"}  # Bolt's body for a refused signature
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
         b"Retry-After: 1\r\nConnection: close\r\n\r\nbusy\n")


def signature_problem(secret: str, timestamp: str | None, signature: str | None, body: bytes | None,
                      now: float | None = None) -> str | None:
    """Why a Slack request's signing headers are not acceptable, or None. ``body`` None checks only the
    headers' shape and the timestamp window (before the body is read)."""
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return "missing or non-numeric X-Slack-Request-Timestamp"
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_SKEW:
        return "stale X-Slack-Request-Timestamp"
    if not signature or not _SIGNATURE.fullmatch(signature):
        return "missing or malformed X-Slack-Signature"
    if body is None:
        return None
    expected = "v0=" + hmac.new(secret.encode("utf-8"), b"v0:" + timestamp.encode("ascii") + b":" + body,
                                hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, signature) else "signature mismatch"


class Deadlines:
    """One watchdog thread for every connection: a socket still reading a request past its deadline is
    shut down, which ends the blocked read in its handler thread."""

    def __init__(self, tick: float = 0.25):
        self.tick = tick
        self._lock = threading.Lock()
        self._due: dict[socket.socket, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def set(self, sock: socket.socket, seconds: float) -> None:
        with self._lock:
            self._due[sock] = time.monotonic() + seconds
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fleetops-http-deadlines", daemon=True)
                self._thread.start()

    def clear(self, sock: socket.socket) -> None:
        with self._lock:
            self._due.pop(sock, None)

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            now = time.monotonic()
            with self._lock:
                late = [s for s, due in self._due.items() if due <= now]
                for s in late:
                    del self._due[s]
            for s in late:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop.set()


class Traffic:
    """Requests being answered right now. Background work waits for a quiet moment before it starts
    (``wait_quiet``) so that, in one Python process, acks get the CPU first: under a flood of clicks each job
    waits up to 10 s for a gap (it was 0.5 s: jobs then ran beside the acks and pushed their p99 past 3 s)."""

    def __init__(self, quiet: float = 0.05):
        self.quiet = quiet
        self._cond = threading.Condition()
        self._busy = 0
        self._last = 0.0

    def __enter__(self) -> Traffic:
        with self._cond:
            self._busy += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._busy -= 1
            self._last = time.monotonic()
            if self._busy == 0:  # waking every waiting worker on each ack would compete with the acks
                self._cond.notify_all()

    def wait_quiet(self, max_wait: float = 10.0) -> None:
        """Return once no request has been in flight for ``quiet`` seconds, or after ``max_wait``."""
        deadline = time.monotonic() + max_wait
        with self._cond:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if self._busy == 0 and now - self._last >= self.quiet:
                    return
                wait = self.quiet - (now - self._last) if self._busy == 0 else deadline - now
                self._cond.wait(max(0.001, min(wait, deadline - now)))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SlackHTTPServer

    def setup(self) -> None:
        self.connection = self.request
        self.connection.settimeout(self.server.read_timeout)  # every read and write on this socket
        super().setup()

    def handle_one_request(self) -> None:
        # Waiting for the request line and headers (a new connection, or an idle keep-alive one) times out
        # after ``header_timeout``: a stalled client frees its slot soon. Only waiting for bytes counts here;
        # the whole request still has ``request_deadline`` (the watchdog), so a busy process never cuts off a
        # client whose head arrived but whose handler has not run yet.
        self.connection.settimeout(self.server.header_timeout)
        self.server.deadlines.set(self.connection, self.server.request_deadline)
        try:
            super().handle_one_request()
        finally:
            self.server.deadlines.clear(self.connection)

    def _headers_read(self) -> None:
        """The head is in: reading the body may wait ``read_timeout`` for each chunk."""
        self.connection.settimeout(self.server.read_timeout)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._headers_read()
        path = self.path.partition("?")[0]
        if path == "/healthz":
            self._send(200, {"content-type": ["text/plain"]}, "ok")
        elif path == "/readyz":
            ok, text = self.server.ready() if self.server.ready else (True, "no readiness checks configured")
            self._send(200 if ok else 503, {"content-type": ["text/plain"]}, text + "\n")
        elif path == "/metrics":
            self._send(200, {"content-type": [metrics.CONTENT_TYPE]}, metrics.render().decode("utf-8"))
        else:
            self._refuse(404, "")

    def do_POST(self) -> None:
        self._headers_read()
        path, _, query = self.path.partition("?")
        if self.server.app is None or path != self.server.path:
            self._refuse(404, "")
            return
        length, status = self._content_length()
        if status:
            self._refuse(status, "")
            return
        ts, sig = self.headers.get("X-Slack-Request-Timestamp"), self.headers.get("X-Slack-Signature")
        problem = signature_problem(self.server.signing_secret, ts, sig, None)
        if problem:
            log.info("refused a request from %s before reading it: %s", self.address_string(), problem)
            self._refuse(401, _INVALID)
            return
        body = self._read_body(length)
        if body is None:
            return
        self.server.deadlines.clear(self.connection)  # read in time; the answer may take Bolt's 3 s
        problem = signature_problem(self.server.signing_secret, ts, sig, body)
        if problem:
            log.info("refused a request from %s: %s", self.address_string(), problem)
            self._refuse(401, _INVALID)
            return
        headers: dict[str, str | Sequence[str]] = {}
        for k, v in self.headers.items():
            headers[k.lower()] = [*headers.get(k.lower(), ()), v]
        started = time.perf_counter()
        text = body.decode("utf-8", errors="replace")
        with self.server.traffic:
            with self.server.dispatching:
                try:
                    resp: BoltResponse = self.server.app.dispatch(BoltRequest(body=text, query=query,
                                                                              headers=headers))
                except Exception:
                    log.exception("dispatching a Slack request failed")
                    resp = BoltResponse(status=500, body="")
            self._send(resp.status, resp.headers, resp.body)
        metrics.observe_request(request_kind(text), time.perf_counter() - started)

    def _content_length(self) -> tuple[int, int]:
        """(length, 0) or (0, the status refusing the request) — decided before reading any body."""
        if self.headers.get_all("Transfer-Encoding"):
            return 0, 400
        values = self.headers.get_all("Content-Length") or []
        if len(set(values)) != 1:
            return 0, 400
        text = values[0].strip()
        if not text.isascii() or not text.isdigit():
            return 0, 400
        if len(text) > 12 or int(text) > self.server.max_body:
            return 0, 413
        return int(text), 0

    def _read_body(self, length: int) -> bytes | None:
        try:
            body = self.rfile.read(length)
        except (TimeoutError, OSError):
            body = b""
        if len(body) != length:  # timed out, shut down by the deadline, or the client went away
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._send(408, {}, "")
            return None
        return body

    def _refuse(self, status: int, body: str | dict) -> None:
        """Answer without reading the body, and close: what is left unread must not be taken as a request."""
        self.close_connection = True
        self._send(status, {"connection": ["close"]} if status != 401 else {"connection": ["close"],
                   "content-type": ["application/json"]}, body)

    def _send(self, status: int, headers: dict[str, Any], body: str | dict) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        self.send_response(status)
        for k, vs in (headers or {}).items():
            if k.lower() == "content-length":
                continue
            for v in (vs if isinstance(vs, (list, tuple)) else [vs]):
                self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def request_kind(body: str) -> str:
    """What a Slack request is, for the metrics: command, interactive, event, url_verification or other."""
    if body.startswith("{"):
        try:
            kind = json.loads(body).get("type")
        except (ValueError, AttributeError):
            return "other"
        return {"event_callback": "event", "url_verification": "url_verification"}.get(kind, "other")
    form = parse_qs(body[:4096])
    if "payload" in form:
        return "interactive"
    return "command" if "command" in form else "other"


class SlackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(self, app: App | None, host: str = "0.0.0.0", port: int = 3000, path: str = EVENTS_PATH,
                 traffic: Traffic | None = None, *, signing_secret: str | None = None,
                 max_body: int = MAX_BODY, max_connections: int = MAX_CONNECTIONS, accept_wait: float = ACCEPT_WAIT,
                 read_timeout: float = READ_TIMEOUT, request_deadline: float = REQUEST_DEADLINE,
                 header_timeout: float | None = None, max_dispatch: int = MAX_DISPATCH, ready: Callable[[], tuple[bool, str]] | None = None):
        secret = signing_secret if signing_secret is not None else getattr(app, "_signing_secret", None)
        if app is not None and not secret:
            raise ValueError("the HTTP server needs the Slack signing secret (SLACK_SIGNING_SECRET) to check "
                             "requests before any work")
        self.app, self.path, self.signing_secret = app, path, str(secret or "")
        self.ready = ready
        self.traffic = traffic or Traffic()
        self.max_body, self.read_timeout, self.request_deadline = max_body, read_timeout, request_deadline
        self.header_timeout = min(HEADER_TIMEOUT, read_timeout) if header_timeout is None else header_timeout
        self.max_connections, self.accept_wait = max_connections, accept_wait
        self._slots = threading.BoundedSemaphore(max_connections)
        self.deadlines = Deadlines()
        self.refused_busy = 0  # connections answered 503 because every slot was taken
        self.connections = 0  # connections being served right now
        self.threads: set[threading.Thread] = set()  # their handler threads (one each)
        self._count = threading.Lock()
        # Handler threads are reused: starting a thread per connection made the accepting thread wait for each
        # new thread to get the GIL, one connection at a time, while the others were busy answering.
        # Requests in Bolt at once: more only add threads competing for the GIL (each one's ack comes later).
        self.dispatching = threading.BoundedSemaphore(max(1, max_dispatch))
        self._pool = ThreadPoolExecutor(max_workers=max_connections, thread_name_prefix="fleetops-http")
        super().__init__((host, port), _Handler)
        self.socket.setblocking(False)  # accept what the backlog holds in one go (``_handle_request_noblock``)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Runs in the accepting thread: a connection over the cap waits ``accept_wait`` for a slot, then
        gets 503 and no thread."""
        if not self._slots.acquire(timeout=self.accept_wait):
            self.refused_busy += 1
            try:
                request.setblocking(False)
                request.send(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        with self._count:
            self.connections += 1
        try:
            self._pool.submit(self.process_request_thread, request, client_address)
        except BaseException:
            self._release()
            raise

    def _handle_request_noblock(self) -> None:
        """The listening socket is readable: accept up to ``ACCEPT_BATCH`` connections (one select per batch,
        not per connection)."""
        for _ in range(ACCEPT_BATCH):
            try:
                request, client_address = self.get_request()
            except OSError:  # BlockingIOError: the backlog is empty
                return
            request.setblocking(True)
            try:
                self.process_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
                self.shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        me = threading.current_thread()
        with self._count:
            self.threads.add(me)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._count:
                self.threads.discard(me)
            self._release()

    def _release(self) -> None:
        with self._count:
            self.connections -= 1
        self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (reset, broken pipe, timeout) is routine: no traceback on stderr."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            log.debug("connection from %s ended: %s", client_address, error)
        else:
            log.exception("error while serving %s", client_address)

    def server_close(self) -> None:
        super().server_close()
        self.deadlines.close()
        self._pool.shutdown(wait=False)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{'127.0.0.1' if name in ('0.0.0.0', '') else name}:{port}{self.path}"

    def start_background(self) -> threading.Thread:
        """Serve in a daemon thread (tests, benchmarks); stop with ``shutdown()`` + ``server_close()``."""
        t = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="fleetops-http",
                             daemon=True)
        t.start()
        return t


def make_http_server(app: App | None, host: str = "0.0.0.0", port: int = 3000, path: str = EVENTS_PATH,
                     traffic: Traffic | None = None, **limits: Any) -> SlackHTTPServer:
    """The HTTP server for ``app`` (port 0 picks a free port; see ``server.url``). Pass the service's
    ``traffic`` so its background work yields to acks (``SlackService.traffic``). ``limits``:
    ``signing_secret`` (default: the app's), ``max_body``, ``max_connections``, ``accept_wait``,
    ``read_timeout``, ``header_timeout``, ``request_deadline``, ``max_dispatch`` (see the module docstring);
    ``ready``: the ``/readyz`` check.
    ``app=None``: only the GET endpoints (Socket Mode)."""
    return SlackHTTPServer(app, host, port, path, traffic, **limits)


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (in use, no permission), checked before anything starts."""
    if port == 0:
        return None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is no problem
        try:
            s.bind((host, port))
        except OSError as e:
            return e.strerror or str(e)
    return None


def socket_mode_handler(app: App, app_token: str) -> Any:
    """A Socket Mode connection for ``app`` (call ``.connect()`` / ``.start()``; ``.close()`` to stop)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(app, app_token=app_token)
