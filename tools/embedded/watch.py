"""Watch support: a fan-out of store events with a bounded history, for ``?watch=true`` requests.

Decision: watches ARE served. ``kubectl get -w``, the kubernetes client's ``watch.Watch`` and any
informer-style code in the bot need them, and the store already emits ordered events, so the cost is
one subscriber plus one queue per open watch. Semantics (simplified kube-apiserver):

- no ``resourceVersion`` (or ``"0"``): synthetic ``ADDED`` for every current match, then live events;
- ``resourceVersion=N``: the buffered events after N, then live ones; N older than the buffer
  (the last ``history`` events, or compacted away: ``Broadcaster.compact``) gets an ``ERROR`` event with a
  410 Expired Status, as the real server;
- selectors filter events; an object that stops matching a label selector is sent as ``DELETED``;
- ``timeoutSeconds`` ends the stream (default 30 min); no bookmarks.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from io import BufferedIOBase
from typing import TYPE_CHECKING

from tools.embedded import table
from tools.embedded.errors import ApiError, BadRequest
from tools.embedded.selectors import parse_field_selector, parse_label_selector
from tools.embedded.store import Event, Store
from tools.messages import embedded_api as msg

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

    from tools.embedded.verbs import Call

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())
DEFAULT_TIMEOUT = 1800.0


class Expired(ApiError):
    code, reason = 410, "Expired"


def _rv(ev: Event) -> int:
    try:
        return int((ev.obj.get("metadata") or {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


class Broadcaster:
    """Subscribes to the store once; hands each open watch a queue of ``(rv, Event)``."""

    def __init__(self, store: Store, history: int = 2000):
        self._store = store
        self._lock = threading.Lock()
        self._buffer: deque[tuple[int, Event]] = deque(maxlen=history)
        self._floor = int(store.resource_version)
        self._queues: set[queue.Queue] = set()
        store.subscribe(self._on_event)

    def _on_event(self, ev: Event) -> None:
        rv = _rv(ev)
        with self._lock:
            if len(self._buffer) == self._buffer.maxlen:
                self._floor = self._buffer[0][0]
            self._buffer.append((rv, ev))
            for q in self._queues:
                q.put((rv, ev))

    def open(self, since: int | None) -> tuple[queue.Queue, list[tuple[int, Event]]]:
        """A new queue plus the buffered events after ``since`` (none when ``since`` is None)."""
        q: queue.Queue = queue.Queue()
        with self._lock:
            if since is not None and since < self._floor:
                raise Expired(msg.WATCH_EXPIRED.format(requested=since, oldest=self._floor))
            replay = [(rv, ev) for rv, ev in self._buffer if since is not None and rv > since]
            self._queues.add(q)
        return q, replay

    def compact(self) -> int:
        """Forget the history, as etcd's compaction does: a watch resuming from any resourceVersion before
        now gets 410 Expired (open watches go on). Returns the new floor."""
        with self._lock:
            self._buffer.clear()
            self._floor = int(self._store.resource_version)
            return self._floor

    def close(self, q: queue.Queue) -> None:
        with self._lock:
            self._queues.discard(q)

    def stop(self) -> None:
        self._store.unsubscribe(self._on_event)
        with self._lock:
            for q in self._queues:
                q.put(None)
            self._queues.clear()


def event_type(ev: Event, matches: Callable[[dict], bool]) -> str | None:
    """The event type a watcher with filter ``matches`` should see, or None to skip it."""
    now = matches(ev.obj)
    if ev.type == "MODIFIED" and ev.old is not None:
        before = matches(ev.old)
        if now and not before:
            return "ADDED"
        if before and not now:
            return "DELETED"
    return ev.type if now else None


class WatchStream:
    """One ``?watch=true`` response: chunked JSON lines ``{"type": ..., "object": ...}``.

    Parameters are checked in the constructor, so a bad request still gets a Status body.
    """

    def __init__(self, call: Call, broadcaster: Broadcaster | None, stopping: threading.Event):
        self.call, self.broadcaster, self.stopping = call, broadcaster, stopping
        self._labels = parse_label_selector(call.params.get("labelSelector"))
        self._fields = parse_field_selector(call.params.get("fieldSelector"))
        rv = call.params.get("resourceVersion") or ""
        try:
            self.since = None if rv in ("", "0") else int(rv)
            self.timeout = float(call.params.get("timeoutSeconds") or DEFAULT_TIMEOUT)
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc
        self._as_table = table.wants_table(call.accept)
        self._first_table = True
        self._wfile: BufferedIOBase | None = None  # the connection, set by run()

    def matches(self, obj: dict) -> bool:
        meta = obj.get("metadata") or {}
        ns = self.call.namespace
        return (ns is None or meta.get("namespace") == ns) and self._labels(meta.get("labels") or {}) \
            and self._fields(obj)

    def _encode(self, kind: str, obj: dict) -> bytes:
        if kind != "ERROR" and self._as_table:
            obj = table.table(self.call.rt, self.call.version, [obj], obj["metadata"].get("resourceVersion", ""),
                              include_object=self.call.params.get("includeObject", "Metadata"),
                              headers=self._first_table)
            self._first_table = False
        return (json.dumps({"type": kind, "object": obj}) + "\n").encode()

    def _chunk(self, kind: str, obj: dict) -> None:
        data = self._encode(kind, obj)
        assert self._wfile is not None, "run() sets the connection before anything is written"
        self._wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self._wfile.flush()

    def _event(self, ev: Event) -> None:
        c = self.call
        if ev.cluster != c.cluster or ev.rtype.group != c.rt.group or ev.rtype.plural != c.rt.plural:
            return
        kind = event_type(ev, self.matches)
        if kind:
            self._chunk(kind, c.view(ev.obj))  # (encoded at once: no copy of the stored object)

    def run(self, handler: BaseHTTPRequestHandler) -> None:
        """Write the whole stream on ``handler``'s connection; returns when it ends."""
        q: queue.Queue | None = None
        replay: list[tuple[int, Event]] = []
        expired: Expired | None = None
        if self.broadcaster:
            try:
                q, replay = self.broadcaster.open(self.since)
            except Expired as exc:
                expired = exc
        self._wfile = handler.wfile
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Transfer-Encoding", "chunked")
            handler.send_header("Cache-Control", "no-cache, private")
            handler.end_headers()
            if expired is not None:
                self._chunk("ERROR", expired.status())
            else:
                self._stream(q, replay)
            handler.wfile.write(b"0\r\n\r\n")
            handler.wfile.flush()
        except OSError:  # the client went away
            handler.close_connection = True
        except Exception:
            log.debug("watch stream failed", exc_info=True)
            handler.close_connection = True
        finally:
            if q is not None and self.broadcaster:
                self.broadcaster.close(q)

    def _stream(self, q: queue.Queue | None, replay: list[tuple[int, Event]]) -> None:
        c = self.call
        floor = self.since or 0
        if self.since is None:
            objs, rv = c.store.scan(c.cluster, c.rt, c.namespace)
            floor = int(rv)
            for o in objs:
                if self.matches(o):
                    self._chunk("ADDED", c.view(o))
        for _, ev in replay:
            self._event(ev)
        deadline = time.monotonic() + self.timeout
        while q is not None and not self.stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                item = q.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if item is None:
                return
            rv, ev = item
            if rv > floor:
                self._event(ev)
