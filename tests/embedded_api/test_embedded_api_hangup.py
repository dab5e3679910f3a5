"""A client that hangs up mid-request is routine for an API server: no traceback on stderr, and it keeps serving."""
from __future__ import annotations

import socket
import struct
import time
from urllib.parse import urlsplit

from kubernetes import client


def _hang_up_mid_request(url: str) -> None:
    parts = urlsplit(url)
    s = socket.create_connection((parts.hostname, parts.port))
    s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n")  # headers not finished: the server is reading
    time.sleep(0.05)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    s.close()


def test_a_reset_connection_prints_no_traceback(fleet, hub, capfd):
    capfd.readouterr()
    for _ in range(5):
        _hang_up_mid_request(fleet.server.url)
    time.sleep(0.3)  # the handler threads see the reset
    client.VersionApi(hub).get_code()
    assert "Traceback" not in capfd.readouterr().err


def test_the_server_keeps_serving_after_resets(fleet, hub):
    for _ in range(5):
        _hang_up_mid_request(fleet.server.url)
    assert client.VersionApi(hub).get_code().git_version
