"""How Slack reaches the app: an HTTP server for the Events API, or a Socket Mode connection.

HTTP: a small ``http.server.ThreadingHTTPServer`` (one thread per connection; no web framework needed)
that hands the raw body and headers of every ``POST /slack/events`` to ``app.dispatch(BoltRequest(...))``
and writes Bolt's response back. Bolt checks the signature on the raw bytes and answers 401 when it or
the timestamp is wrong. ``GET /healthz`` answers ``ok`` for load balancers. slack_bolt's own
development server is single-threaded (one slow request would delay every other ack), hence this one.

Socket Mode: slack_bolt's ``SocketModeHandler`` with the app-level token; it reuses the app's
WebClient, so ``apps.connections.open`` goes to the configured API base URL as well.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
MAX_BODY = 1 << 20  # Slack's payloads are far smaller; refuse anything absurd


class Traffic:
    """Requests being answered right now. Background work waits for a quiet moment before it starts
    (``wait_quiet``) so that, in one Python process, acks get the CPU first."""

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

    def wait_quiet(self, max_wait: float = 0.5) -> None:
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
    server: "SlackHTTPServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        path = self.path.partition("?")[0]
        if path == "/healthz":
            self._send(200, {"content-type": ["text/plain"]}, "ok")
        else:
            self._send(404, {}, "")

    def do_POST(self) -> None:  # noqa: N802
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        if path != self.server.path:
            self.rfile.read(min(length, MAX_BODY))
            self._send(404, {}, "")
            return
        if length > MAX_BODY:
            self.close_connection = True
            self._send(413, {}, "")
            return
        with self.server.traffic:
            raw = self.rfile.read(length).decode("utf-8", errors="replace")
            headers: dict[str, list[str]] = {}
            for k, v in self.headers.items():
                headers.setdefault(k.lower(), []).append(v)
            try:
                resp: BoltResponse = self.server.app.dispatch(BoltRequest(body=raw, query=query, headers=headers))
            except Exception:  # noqa: BLE001 - answer Slack, keep serving
                log.exception("dispatching a Slack request failed")
                resp = BoltResponse(status=500, body="")
            self._send(resp.status, resp.headers, resp.body)

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


class SlackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, app: App, host: str = "0.0.0.0", port: int = 3000, path: str = EVENTS_PATH,
                 traffic: Traffic | None = None):
        self.app, self.path = app, path
        self.traffic = traffic or Traffic()
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}{self.path}"

    def start_background(self) -> threading.Thread:
        """Serve in a daemon thread (tests, benchmarks); stop with ``shutdown()`` + ``server_close()``."""
        t = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="fleetops-http",
                             daemon=True)
        t.start()
        return t


def make_http_server(app: App, host: str = "0.0.0.0", port: int = 3000, path: str = EVENTS_PATH,
                     traffic: Traffic | None = None) -> SlackHTTPServer:
    """The HTTP server for ``app`` (port 0 picks a free port; see ``server.url``). Pass the service's
    ``traffic`` so its background work yields to acks (``SlackService.traffic``)."""
    return SlackHTTPServer(app, host, port, path, traffic)


def socket_mode_handler(app: App, app_token: str) -> Any:
    """A Socket Mode connection for ``app`` (call ``.connect()`` / ``.start()``; ``.close()`` to stop)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(app, app_token=app_token)
