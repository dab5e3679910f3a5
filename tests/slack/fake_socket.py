"""A stand-in for Slack's Socket Mode WebSocket endpoint (RFC 6455 over plain TCP on 127.0.0.1).

The fake Web API's ``apps.connections.open`` hands out ``fake_socket.url``; slack_sdk's built-in client
connects (non-443 ports go without TLS), gets ``hello``, and then whatever ``push(envelope)`` sends.
Every text frame the client sends back (the acks: ``{"envelope_id", "payload"?}``) is recorded;
pings are answered with pongs.
"""
from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(opcode: int, data: bytes) -> bytes:
    head = bytes([0x80 | opcode])
    n = len(data)
    if n < 126:
        head += bytes([n])
    elif n < 1 << 16:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + data


def _read_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    b0, b1 = _read_exact(sock, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _read_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exact(sock, 8))[0]
    mask = _read_exact(sock, 4) if b1 & 0x80 else b"\0\0\0\0"
    data = bytes(c ^ mask[i % 4] for i, c in enumerate(_read_exact(sock, n)))
    return b0 & 0x0F, data


class FakeSocketMode:
    def __init__(self) -> None:
        self._srv = socket.create_server(("127.0.0.1", 0))
        self._clients: list[socket.socket] = []
        self._cond = threading.Condition()
        self.received: list[dict[str, Any]] = []
        self._closed = False

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._srv.getsockname()[1]}/link/?ticket=t&app_id=A0FLEET"

    def start(self) -> FakeSocketMode:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._closed = True
        self._srv.close()
        with self._cond:
            for c in self._clients:
                try:
                    c.close()
                except OSError:
                    pass

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._srv.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            key = next(line.split(":", 1)[1].strip() for line in request.decode().split("\r\n")
                       if line.lower().startswith("sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
            with self._cond:
                self._clients.append(conn)
                self._cond.notify_all()
            conn.sendall(_frame(0x1, json.dumps({"type": "hello", "num_connections": 1,
                                                 "connection_info": {"app_id": "A0FLEET"}}).encode()))
            while True:
                opcode, data = _read_frame(conn)
                if opcode == 0x9:
                    conn.sendall(_frame(0xA, data))
                elif opcode == 0x8:
                    return
                elif opcode == 0x1:
                    with self._cond:
                        self.received.append(json.loads(data))
                        self._cond.notify_all()
        except (ConnectionError, OSError, StopIteration):
            return

    def wait_connected(self, timeout: float = 15.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._clients, timeout):
                raise AssertionError("no Socket Mode client connected")

    def push(self, envelope: dict[str, Any]) -> None:
        with self._cond:
            conn = self._clients[-1]
        conn.sendall(_frame(0x1, json.dumps(envelope).encode()))

    def wait_ack(self, envelope_id: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.received:
                    if m.get("envelope_id") == envelope_id:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for envelope {envelope_id}; got {self.received}")
                self._cond.wait(left)
