"""The embedded fleet's Kubernetes-API-compatible HTTP server: one loopback port, one path prefix per cluster.

``/clusters/<name>/...`` serves cluster ``<name>`` of the store (the hub and every member), with the
routes kubectl and the kubernetes client use: ``/version``, legacy discovery (``/api``, ``/apis``, ...),
``/openapi/v3``, and ``/api/v1/...`` and ``/apis/<group>/<version>/...`` resources with get, list
(label/field selectors; ``limit``/``continue`` ignored: one page), watch (see :mod:`tools.embedded.watch`
for why and how), create, update, patch (merge, JSON, strategic for built-ins, server-side apply),
delete, deletecollection, ``/status`` and ``/scale``. Errors are ``metav1.Status`` bodies. Tables for
kubectl come from :mod:`tools.embedded.table`. Nothing is logged on the console.
"""
from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from tools.embedded import discovery, verbs
from tools.embedded.errors import ApiError, Cause, Invalid, MethodNotAllowed, NotFound, invalid
from tools.embedded.impersonation import Impersonation, verb_of
from tools.embedded.schema import admission_options
from tools.embedded.store import ResourceType, Store
from tools.embedded.watch import Broadcaster, WatchStream
from tools.messages import embedded_api as msg

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

TypesFor = Callable[[str], dict]
_WRITE_METHODS = ("POST", "PUT", "PATCH")


def _all_types(_cluster: str) -> dict:
    from tools.embedded.crds import load_types
    return load_types()


class _HTTPServer(ThreadingHTTPServer):
    # The adapter reads the hub and every member at once; the default listen backlog of 5 makes the
    # kernel drop the surplus SYNs, which the client only retries after a second.
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up mid-request (a benchmark or bot stopping, a watch closed) is normal on
        # an API server; anything else keeps socketserver's traceback on stderr.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


class ApiServer:
    """Serve ``store`` over HTTP; ``types_for_cluster(name)`` gives the kinds each cluster serves."""

    def __init__(self, store: Store, types_for_cluster: TypesFor | None = None, host: str = "127.0.0.1",
                 port: int = 0, faults=None, activity=None):
        self.store = store
        self.faults = faults  # controllers.faults.Faults: write timeouts (None: no faults)
        self.activity = activity  # counts a write that lands late, so wait_idle waits for it
        self.impersonation = Impersonation()  # Impersonate-User/-Group requests and what they may do
        self.types_for_cluster = types_for_cluster or _all_types
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.api = self  # type: ignore[attr-defined]
        self.host = host
        self.port = self._httpd.server_address[1]
        self.stopping = threading.Event()
        self.broadcaster: Broadcaster | None = None
        self._thread: threading.Thread | None = None
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def cluster_url(self, cluster: str) -> str:
        return f"{self.url}/clusters/{cluster}"

    def start(self) -> ApiServer:
        if self._thread is None:
            self.broadcaster = Broadcaster(self.store)
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                            name=f"embedded-api-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.broadcaster:
            self.broadcaster.stop()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        with self.connections_lock:  # end idle keep-alive connections so their threads exit
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fleetops-embedded"

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        # headers and body are separate writes: without this, Nagle + delayed ACK add ~40 ms per call
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.api.connections_lock:
            self.api.connections.add(self.request)

    def finish(self) -> None:
        with self.api.connections_lock:
            self.api.connections.discard(self.request)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args) -> None:
        return

    @property
    def api(self) -> ApiServer:
        return self.server.api  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # --- plumbing ------------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, code: int, body: dict | str, warnings: Sequence[str] = (), close: bool = False) -> None:
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-cache, private")
            for w in warnings:
                self.send_header("Warning", "299 - " + json.dumps(w))
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _dispatch(self, method: str) -> None:
        body = self._read_body()
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            fv = _field_validation(params, method)
            if params.get("dryRun") not in (None, "", "All"):
                raise _bad_param("dryRun", params["dryRun"], msg.DRY_RUN_VALUES)
            land_after = self._write_fault(method, parts.path)
            if land_after is not None:
                self._late_write(method, parts.path, params, body, fv, land_after)
                return
            with admission_options(fv) as opts:
                result = self._route(method, parts.path, params, body)
                if result is None:  # streamed (watch)
                    return
                self._send(result[0], result[1], opts.warnings)
        except ApiError as exc:
            self._send(exc.code, exc.status())
        except Exception as exc:
            log.debug("embedded API server error on %s %s", method, self.path, exc_info=True)
            err = ApiError(msg.INTERNAL.format(error=exc))
            self._send(500, err.status())

    def _write_fault(self, method: str, path: str) -> float | None:
        if self.api.faults is None or method not in (*_WRITE_METHODS, "DELETE"):
            return None
        segs = [unquote(s) for s in path.split("/") if s]
        if len(segs) < 4 or segs[0] != "clusters":
            return None
        rest = segs[2:]
        res = rest[2:] if rest[0] == "api" else rest[3:]
        if len(res) >= 2 and res[0] == "namespaces" and len(res) > 2:
            res = res[2:]
        return self.api.faults.take_write_timeout(segs[1], res[0]) if res else None

    def _late_write(self, method: str, path: str, params: dict, body: bytes, fv: str, land_after: float) -> None:
        """Answer 504 now; carry the write out ``land_after`` s later (on a connection the client drops)."""
        activity = self.api.activity
        if activity:
            activity.add()
        try:
            self._send(504, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                             "message": msg.WRITE_TIMEOUT, "reason": "Timeout", "code": 504}, close=True)
            self.wfile.flush()
            time.sleep(land_after)
            with admission_options(fv):
                self._route(method, path, params, body)
        except Exception:
            log.debug("late write %s %s failed", method, path, exc_info=True)
        finally:
            if activity:
                activity.done()

    # --- routing -------------------------------------------------------------------------------------

    def _route(self, method: str, path: str, params: dict, body: bytes):
        segs = [unquote(s) for s in path.split("/") if s]
        if len(segs) < 2 or segs[0] != "clusters":
            raise NotFound(msg.NOT_FOUND_PATH)
        cluster, rest = segs[1], segs[2:]
        if rest[:2] == ["clusters", cluster]:  # tolerate clients that re-join the server prefix
            rest = rest[2:]
        if cluster not in self.api.store.clusters:
            raise NotFound(msg.UNKNOWN_CLUSTER.format(cluster=cluster, clusters=", ".join(self.api.store.clusters)))
        types = self.api.types_for_cluster(cluster)
        prefix = f"/clusters/{cluster}"
        if not rest:
            return 200, {"paths": ["/api", "/api/v1", "/apis", "/openapi/v3", "/version"]}
        if rest[0] in ("healthz", "livez", "readyz") and method == "GET":
            return 200, "ok"
        if rest == ["version"]:
            return 200, dict(discovery.VERSION)
        if rest[0] == "openapi":
            return self._openapi(types, rest[1:], prefix)
        if rest == ["api"]:
            return 200, discovery.api_versions(f"{self.api.host}:{self.api.port}")
        if rest == ["api", "v1"]:
            return 200, _found(discovery.resource_list(types, "", "v1"))
        if rest == ["apis"]:
            return 200, discovery.api_group_list(types)
        if rest[0] == "apis" and len(rest) == 2:
            return 200, _found(discovery.api_group(types, rest[1]))
        if rest[0] == "apis" and len(rest) == 3:
            return 200, _found(discovery.resource_list(types, rest[1], rest[2]))
        if rest[:2] == ["api", "v1"]:
            return self._resource(method, cluster, types, "", "v1", rest[2:], params, body)
        if rest[0] == "apis" and len(rest) > 3:
            return self._resource(method, cluster, types, rest[1], rest[2], rest[3:], params, body)
        raise NotFound(msg.NOT_FOUND_PATH)

    def _openapi(self, types: dict, rest: list[str], prefix: str):
        if rest == ["v3"]:
            return 200, discovery.openapi_index(types, prefix)
        if rest[:1] == ["v3"] and rest[1:2] == ["api"] and len(rest) == 3:
            return 200, _found(discovery.openapi_group_version(types, "", rest[2]))
        if rest[:1] == ["v3"] and rest[1:2] == ["apis"] and len(rest) == 4:
            return 200, _found(discovery.openapi_group_version(types, rest[2], rest[3]))
        raise NotFound(msg.NOT_FOUND_PATH)

    def _resource(self, method: str, cluster: str, types: dict, group: str, version: str, segs: list[str],
                  params: dict, body: bytes):
        namespace = None
        if len(segs) >= 3 and segs[0] == "namespaces" and not (group == "" and len(segs) == 3
                                                                and segs[2] in ("status", "finalize")):
            namespace, segs = segs[1], segs[2:]
        rt: ResourceType | None = types.get((group, segs[0])) if segs else None
        if rt is None or version not in rt.versions or len(segs) > 3:
            raise NotFound(msg.NOT_FOUND_PATH)
        if namespace is not None and not rt.namespaced:
            raise NotFound(msg.NOT_FOUND_PATH)
        name = segs[1] if len(segs) > 1 else None
        sub = segs[2] if len(segs) > 2 else None
        if sub == "finalize" and rt.plural == "namespaces":
            sub = None
        if sub and not ((sub == "status" and rt.status_subresource) or (sub == "scale" and rt.scale_subresource)):
            raise NotFound(msg.NOT_FOUND_PATH)
        if rt.namespaced and name and namespace is None:
            raise NotFound(msg.NOT_FOUND_PATH)
        self.api.impersonation.authorize(self.headers, cluster, verb_of(self.command, name, params), group,
                                         rt.plural, namespace, name)
        call = verbs.Call(self.api.store, cluster, rt, version, namespace, name, sub, params,
                          (self.headers.get("Content-Type") or "application/json").split(";")[0].strip().lower(),
                          self.headers.get("Accept") or "", self.headers.get("User-Agent") or "", body)
        if sub == "scale":
            if method not in ("GET", "PUT", "PATCH"):
                raise MethodNotAllowed(msg.METHOD_NOT_ALLOWED)
            return verbs.scale(call, method)
        if name is None:
            if method == "GET":
                if params.get("watch") in ("true", "1"):
                    WatchStream(call, self.api.broadcaster, self.api.stopping).run(self)
                    return None
                return verbs.list_(call)
            if method == "POST" and (namespace is not None or not rt.namespaced):
                return verbs.create(call)
            if method == "DELETE":
                return verbs.delete_collection(call)
            raise MethodNotAllowed(msg.METHOD_NOT_ALLOWED)
        handler = {"GET": verbs.get, "PUT": verbs.update, "PATCH": verbs.patch}.get(method)
        if method == "DELETE" and sub is None:
            handler = verbs.delete
        if handler is None:
            raise MethodNotAllowed(msg.METHOD_NOT_ALLOWED)
        return handler(call)


def _found(doc: dict | None) -> dict:
    if doc is None:
        raise NotFound(msg.NOT_FOUND_PATH)
    return doc


def _bad_param(name: str, value: str, supported: str) -> Invalid:
    return invalid("Options", "", "meta.k8s.io", [Cause(name, msg.NOT_SUPPORTED.format(
        value=json.dumps(value), supported=supported), "FieldValueNotSupported")])


def _field_validation(params: dict, method: str) -> str:
    fv = params.get("fieldValidation")
    if fv in (None, ""):
        return "Warn" if method in _WRITE_METHODS else "Ignore"
    if fv not in ("Ignore", "Warn", "Strict"):
        raise _bad_param("fieldValidation", fv, msg.FIELD_VALIDATION_VALUES)
    return fv
