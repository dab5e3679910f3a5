"""A stand-in for Slack's Web API (and for response_url endpoints) on 127.0.0.1, recording every call.

    fake = FakeSlack().start()
    WebClient(token="xoxb-test", base_url=fake.url)      # fake.url ends with "/"
    ...
    fake.wait_for("chat.postMessage", lambda c: c.body["channel"] == "C1")
    fake.calls("chat.update")                             # [Call(method, body, headers, ...)]

Answers ``auth.test``, ``chat.postMessage`` (a new ``ts`` each time), ``chat.update``,
``chat.postEphemeral``, ``views.open`` / ``views.update`` / ``views.publish``, ``apps.connections.open``
(``fake.socket_url``), ``usergroups.list`` (from ``fake.usergroups``), ``usergroups.users.list``,
``users.info``, ``files.getUploadURLExternal`` (an upload URL on the fake: ``POST /upload/<file id>``, recorded
as method ``upload`` with the raw bytes in ``fake.uploads``) and ``files.completeUploadExternal``,
``conversations.history`` (what ``chat.postMessage`` posted to a channel, plus anything a
test puts in ``fake.history[channel]``; newest first, ``limit`` + ``cursor`` pages), and
``POST /response/<id>`` (a response_url; see ``fake.response_url()``). Bodies are parsed whether they come as JSON, a form or
a query string. ``fake.fail(method, error=..., status=..., retry_after=...)`` makes the next call fail.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT_USER = "U0BOT"
BOT_ID = "B0BOT"
TEAM = "T0TEAM"


@dataclass
class Call:
    method: str  # "chat.postMessage", or "response_url" for POST /response/<id>
    body: dict[str, Any]
    headers: dict[str, str]
    path: str
    at: float = field(default_factory=time.monotonic)

    def json(self, key: str) -> Any:
        """A field that slack_sdk may have sent JSON-encoded inside a form (blocks, view)."""
        v = self.body.get(key)
        return json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v


@dataclass
class Failure:
    error: str = "ratelimited"
    status: int = 200
    retry_after: int | None = None


class FakeSlack:
    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._failures: dict[str, list[Failure]] = {}
        self.usergroups: list[dict[str, Any]] = []
        self.names: dict[str, str] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}  # channel -> its messages, oldest first
        self.socket_url: str | None = None  # what apps.connections.open hands out (see fake_socket.py)
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes POSTed to its upload URL
        self._files = itertools.count(1)
        self.server: ThreadingHTTPServer | None = None

    # --- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, b"")

            def do_POST(self) -> None:
                fake._handle(self, self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self.server.request_queue_size = 128  # bursts of concurrent calls; the default backlog is 5
        self.server.server_bind()
        self.server.server_activate()
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        assert self.server
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def response_url(self, name: str = "cmd") -> str:
        assert self.server
        return f"http://127.0.0.1:{self.server.server_address[1]}/response/{name}"

    # --- recorded calls ------------------------------------------------------------------------------
    def calls(self, method: str | None = None, where: Callable[[Call], bool] | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if (method is None or c.method == method) and (where is None or where(c))]

    def wait_for(self, method: str, where: Callable[[Call], bool] | None = None, count: int = 1,
                 timeout: float = 15.0) -> list[Call]:
        """Poll until at least ``count`` matching calls were recorded; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if c.method == method and (where is None or where(c))]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(f"waited {timeout}s for {count} x {method}; saw {len(found)}; calls: {seen}")
                self._cond.wait(left)

    def fail(self, method: str, error: str = "ratelimited", status: int = 200, retry_after: int | None = None) -> None:
        self._failures.setdefault(method, []).append(Failure(error, status, retry_after))

    def reset(self) -> None:
        with self._cond:
            self._calls.clear()

    # --- the fake itself -----------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, raw: bytes) -> None:
        parts = urlsplit(h.path)
        ctype = h.headers.get("Content-Type", "")
        body: dict[str, Any] = {k: v[0] for k, v in parse_qs(parts.query).items()}
        upload = parts.path.startswith("/upload/")  # a file's bytes, to the URL files.getUploadURLExternal gave
        text = "" if upload else raw.decode("utf-8")
        if text:
            if "json" in ctype or text[:1] == "{":
                body.update(json.loads(text))
            else:
                body.update({k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()})
        if upload:
            body = {"file_id": parts.path.removeprefix("/upload/"), "length": len(raw)}
            with self._cond:
                self.uploads[body["file_id"]] = raw
        method = "response_url" if parts.path.startswith("/response/") else parts.path.removeprefix("/api/")
        method = "upload" if upload else method
        call = Call(method, body, {k.lower(): v for k, v in h.headers.items()}, parts.path)
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
            queued = self._failures.get(method) or []
            failure = queued.pop(0) if queued else None
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            status = 429 if failure.error == "ratelimited" and failure.status == 200 else failure.status
            self._send(h, status, {"ok": False, "error": failure.error}, headers)
            return
        if method in ("response_url", "upload"):
            h.send_response(200)
            h.send_header("Content-Type", "text/plain")
            h.send_header("Content-Length", "2")
            h.end_headers()
            h.wfile.write(b"ok")
            return
        self._send(h, 200, self._answer(method, body))

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://fleetops-test.slack.com/", "team": "Test", "user": "fleetops",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            channel = body.get("channel", "")
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            message = {"type": "message", "text": body.get("text"), "ts": ts, "user": BOT_USER, "bot_id": BOT_ID}
            with self._cond:
                self.history.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "conversations.history":
            with self._cond:
                newest_first = list(reversed(self.history.get(body.get("channel", ""), [])))
            start = int(body.get("cursor") or 0)
            limit = int(body.get("limit") or 100)
            page = newest_first[start:start + limit]
            more = start + limit < len(newest_first)
            return {"ok": True, "messages": page, "has_more": more,
                    "response_metadata": {"next_cursor": str(start + limit) if more else ""}}
        if method == "chat.update":
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts"), "text": body.get("text")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000001.{next(self._ts):06d}"}
        if method in ("views.open", "views.update", "views.publish"):
            vid = body.get("view_id") or f"V{next(self._views):08d}"
            view = body.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return {"ok": True, "view": {**(view or {}), "id": vid, "hash": f"h{vid}"}}
        if method == "usergroups.list":
            return {"ok": True, "usergroups": self.usergroups}
        if method == "usergroups.users.list":
            g = next((g for g in self.usergroups if g["id"] == body.get("usergroup")), None)
            return {"ok": True, "users": (g or {}).get("users", [])}
        if method == "users.info":
            uid = body.get("user", "")
            name = self.names.get(uid, uid.lower())
            return {"ok": True, "user": {"id": uid, "name": name, "real_name": name,
                                         "profile": {"display_name": name}}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._files):08d}"
            assert self.server
            return {"ok": True, "file_id": file_id,
                    "upload_url": f"http://127.0.0.1:{self.server.server_address[1]}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = body.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url} if self.socket_url else {"ok": False, "error": "not_allowed"}
        return {"ok": True}

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
              ) -> None:
        data = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
