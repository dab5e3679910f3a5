"""The HTTP front under a flood (issue 12: ack p99 must stay under Slack's 3 s): a stalled client frees its slot
after ``header_timeout`` however long the other timeouts are, handler threads are reused rather than started per
connection, and a burst is accepted in batches."""
from __future__ import annotations

import socket
import threading

import pytest
from test_slack_http_front import BODY, StubApp, head, read_all_until, signed_headers, status

from bot.slack.server import SlackHTTPServer


@pytest.fixture
def patient():
    """Long read timeout and deadline: only the header timeout can close a stalled connection."""
    app = StubApp()
    server = SlackHTTPServer(app, "127.0.0.1", 0, max_connections=8, read_timeout=60, request_deadline=60,
                             header_timeout=0.3)
    server.start_background()
    yield server, app
    server.shutdown()
    server.server_close()


def closed_by_server(s: socket.socket) -> bool:
    s.settimeout(20)
    try:
        while s.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def request(server) -> int:
    with socket.create_connection(server.server_address[:2], timeout=10) as s:
        s.sendall(head({**signed_headers(BODY), "Content-Length": str(len(BODY))}) + BODY)
        return status(read_all_until(s, b"ok"))


def test_a_stalled_head_is_closed_after_the_header_timeout(patient):
    server, app = patient
    with socket.create_connection(server.server_address[:2], timeout=10) as s:
        s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-")
        assert closed_by_server(s)
    assert app.bodies == []


def test_an_idle_keep_alive_connection_is_closed_after_the_header_timeout(patient):
    server, _ = patient
    with socket.create_connection(server.server_address[:2], timeout=10) as s:
        s.sendall(head({**signed_headers(BODY), "Content-Length": str(len(BODY))}) + BODY)
        assert status(read_all_until(s, b"ok")) == 200
        assert closed_by_server(s)


def test_a_body_may_take_longer_than_the_header_timeout(patient):
    server, app = patient
    with socket.create_connection(server.server_address[:2], timeout=10) as s:
        s.sendall(head({**signed_headers(BODY), "Content-Length": str(len(BODY))}))
        threading.Event().wait(0.6)  # twice the header timeout: the body is read under read_timeout
        s.sendall(BODY)
        assert status(read_all_until(s, b"ok")) == 200
    assert len(app.bodies) == 1


def test_handler_threads_are_reused(patient):
    server, app = patient
    for _ in range(20):
        assert request(server) == 200
    names = {t.name for t in threading.enumerate() if t.name.startswith("fleetops-http_")}
    assert 1 <= len(names) < 20
    assert len(app.bodies) == 20


def test_a_burst_is_answered_in_full(patient):
    server, app = patient
    assert app.bodies == []
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(request(server))) for _ in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 60
    assert len(app.bodies) == 60


class CountingApp(StubApp):
    """Records how many requests were inside ``dispatch`` at once."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.most = 0
        self._lock = threading.Lock()

    def dispatch(self, req):
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        try:
            threading.Event().wait(0.05)  # long enough for the others to arrive meanwhile
            return super().dispatch(req)
        finally:
            with self._lock:
                self.inside -= 1


def test_at_most_max_dispatch_requests_are_in_the_app_at_once():
    app = CountingApp()
    server = SlackHTTPServer(app, "127.0.0.1", 0, max_connections=16, max_dispatch=2)
    server.start_background()
    try:
        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.append(request(server))) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.shutdown()
        server.server_close()
    assert results == [200] * 12
    assert 1 <= app.most <= 2
