"""The HTTP front holds under abuse (issue 12), over real loopback sockets: bad lengths are refused before
any body is read, the signature is checked before the app sees anything, stalled and trickling clients are
cut off, and connections over the cap get 503 without a thread."""
from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
from slack_bolt import BoltResponse
from slack_client import SlackSender

from bot.slack.server import SlackHTTPServer, signature_problem

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PATH = "/slack/events"


class StubApp:
    """Stands in for the Bolt app: records what reached it."""

    _signing_secret = SECRET

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def dispatch(self, req):
        self.bodies.append(req.raw_body)
        return BoltResponse(status=200, body="ok")


@pytest.fixture
def front():
    app = StubApp()
    server = SlackHTTPServer(app, "127.0.0.1", 0, max_body=4096, max_connections=4, read_timeout=0.5,
                             request_deadline=1.5)
    server.start_background()
    yield server, app
    server.shutdown()
    server.server_close()


def connect(server) -> socket.socket:
    s = socket.create_connection(server.server_address[:2], timeout=10)
    return s


def read_all(s: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return data


def status(data: bytes) -> int:
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else 0


def signed_headers(body: bytes, ts: str | None = None) -> dict[str, str]:
    ts = ts or str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
            "Content-Type": "application/x-www-form-urlencoded"}


def head(headers: dict[str, str], path: str = PATH) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def send_head_only(server, headers: dict[str, str], path: str = PATH) -> bytes:
    """Send the request head and no body; return everything the server answers until it closes."""
    s = connect(server)
    try:
        s.sendall(head(headers, path))
        return read_all(s)
    finally:
        s.close()


BODY = b"command=%2Ffleet&text=list+clusters"


# --- lengths: decided before reading ------------------------------------------------------------------
@pytest.mark.parametrize("length", ["-1", "abc", "1e3", " ", "0x10"])
def test_malformed_or_negative_length_is_400_without_reading(front, length):
    server, app = front
    data = send_head_only(server, {**signed_headers(BODY), "Content-Length": length})
    assert status(data) == 400  # a server that waited for the body would answer 408 after the timeout
    assert app.bodies == []


def test_missing_length_is_400(front):
    server, app = front
    assert status(send_head_only(server, signed_headers(BODY))) == 400
    assert app.bodies == []


def test_conflicting_lengths_and_chunked_bodies_are_400(front):
    server, app = front
    s = connect(server)
    s.sendall(head(signed_headers(BODY)).replace(b"\r\n\r\n", b"\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n"))
    assert status(read_all(s)) == 400
    s.close()
    data = send_head_only(server, {**signed_headers(BODY), "Transfer-Encoding": "chunked"})
    assert status(data) == 400
    assert app.bodies == []


@pytest.mark.parametrize("length", ["4097", "1258291200", "99999999999999999999999"])
def test_oversized_length_is_413_before_the_body_is_sent(front, length):
    server, app = front
    assert status(send_head_only(server, {**signed_headers(BODY), "Content-Length": length})) == 413
    assert app.bodies == []


def test_a_streamed_body_after_a_negative_length_is_not_read(front):
    server, app = front
    s = connect(server)
    s.sendall(head({**signed_headers(BODY), "Content-Length": "-1"}))
    try:  # keep streaming as the attacker did; the server has already answered and closed
        for _ in range(64):
            s.sendall(b"x" * 65536)
    except OSError:
        pass
    assert status(read_all(s)) == 400
    s.close()
    assert app.bodies == []


# --- signing headers: 401 before reading, signature before any work ------------------------------------
@pytest.mark.parametrize("change", [
    {"X-Slack-Request-Timestamp": "not-a-number"},
    {"X-Slack-Request-Timestamp": "１２３"},  # non-ASCII digits
    {"X-Slack-Request-Timestamp": str(int(time.time()) - 3600)},
    {"X-Slack-Signature": "v0=zz"},
    {"X-Slack-Signature": "v1=" + "0" * 64},
])
def test_malformed_signing_headers_are_401_before_reading(front, change):
    server, app = front
    headers = {**signed_headers(BODY), "Content-Length": str(len(BODY)), **change}
    data = send_head_only(server, headers)
    assert status(data) == 401
    assert json.loads(data.split(b"\r\n\r\n", 1)[1]) == {"error": "invalid request"}
    assert app.bodies == []


def test_missing_signing_headers_are_401(front):
    server, app = front
    data = send_head_only(server, {"Content-Length": str(len(BODY)), "Content-Type": "text/plain"})
    assert status(data) == 401
    assert app.bodies == []


def test_wrong_signature_never_reaches_the_app(front):
    server, app = front
    headers = {**signed_headers(b"something else"), "Content-Length": str(len(BODY))}
    s = connect(server)
    s.sendall(head(headers) + BODY)
    assert status(read_all(s)) == 401
    s.close()
    assert app.bodies == []


def test_signed_request_reaches_the_app_once_and_keep_alive_works(front):
    server, app = front
    s = connect(server)
    for _ in range(2):
        s.sendall(head({**signed_headers(BODY), "Content-Length": str(len(BODY))}) + BODY)
        data = b""
        while not data.endswith(b"ok"):
            data += s.recv(65536)
        assert status(data) == 200
    s.close()
    assert app.bodies == [BODY.decode()] * 2


def test_unknown_path_is_404_without_reading(front):
    server, app = front
    data = send_head_only(server, {**signed_headers(BODY), "Content-Length": "4000"}, path="/other")
    assert status(data) == 404
    assert app.bodies == []


# --- time and connection limits ---------------------------------------------------------------------------
def test_a_burst_over_the_cap_waits_for_a_slot_instead_of_being_refused(front):
    server, app = front  # 4 slots, 2 s accept wait
    results: list[int] = []

    def one() -> None:
        s = connect(server)
        s.sendall(head({**signed_headers(BODY), "Content-Length": str(len(BODY))}) + BODY)
        results.append(status(read_all_until(s, b"ok")))
        s.close()

    threads = [threading.Thread(target=one) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 40
    assert len(app.bodies) == 40


def test_stalled_connection_is_closed(front):
    server, _app = front
    s = connect(server)
    s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")  # and then nothing
    assert read_all(s) == b""  # closed by the server (the client would wait 10 s)
    s.close()


def test_short_body_then_stall_is_not_dispatched(front):
    server, app = front
    s = connect(server)
    s.sendall(head({**signed_headers(BODY), "Content-Length": str(len(BODY))}) + BODY[:5])
    data = read_all(s)
    assert status(data) in (0, 408)
    s.close()
    assert app.bodies == []


def test_trickling_client_is_cut_off_by_the_deadline(front):
    server, _ = front
    s = connect(server)
    message = head({**signed_headers(BODY), "Content-Length": str(len(BODY))})  # ~200 bytes
    closed = False
    for byte in message:  # one byte every 0.1 s: each read is in time, the whole request is not
        try:
            s.sendall(bytes([byte]))
        except OSError:
            closed = True
            break
        s.settimeout(0.1)
        try:
            if s.recv(1) == b"":
                closed = True
                break
        except TimeoutError:
            pass
    s.close()
    assert closed


@pytest.fixture
def capped():
    """Slow limits, so the stalled connections hold their slots for the whole test."""
    server = SlackHTTPServer(StubApp(), "127.0.0.1", 0, max_connections=4, accept_wait=0.05, read_timeout=60,
                             request_deadline=60, header_timeout=60)
    server.start_background()
    yield server
    server.shutdown()
    server.server_close()


def test_connections_over_the_cap_get_503_without_a_thread(capped):
    server = capped
    stalled = []
    for _ in range(server.max_connections):
        s = connect(server)
        s.sendall(b"POST /slack/events HTTP/1.1\r\n")
        stalled.append(s)
    _wait(lambda: _handler_threads(server) == server.max_connections)
    extra = [connect(server) for _ in range(3)]
    answers = [read_all(s) for s in extra]
    assert all(status(a) == 503 for a in answers)
    assert b"Retry-After: 1" in answers[0]
    assert _handler_threads(server) == server.max_connections
    for s in stalled + extra:
        s.close()
    _wait(lambda: server.connections == 0)
    s = connect(server)
    s.sendall(head({**signed_headers(BODY), "Content-Length": str(len(BODY))}) + BODY)
    assert status(read_all_until(s, b"ok")) == 200
    s.close()


def read_all_until(s: socket.socket, end: bytes) -> bytes:
    data = b""
    while not data.endswith(end):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _handler_threads(server) -> int:
    return sum(1 for t in list(server.threads) if t.is_alive())


def _wait(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


# --- the pure check and the real app ------------------------------------------------------------------------
def test_signature_problem():
    ts = "1531420618"
    body = (b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
            b"channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
            b"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
            b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
    sig = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"  # Slack's published example
    assert signature_problem(SECRET, ts, sig, body, now=1531420618) is None
    assert signature_problem(SECRET, ts, sig, body + b"x", now=1531420618) == "signature mismatch"
    assert signature_problem(SECRET, "abc", sig, body) is not None


def test_real_app_answers_401_for_a_non_numeric_timestamp_and_400_for_a_negative_length(quiet_env):
    env = quiet_env
    body = SlackSender.slash_body("list clusters")
    r = env.sender.post(body, "application/x-www-form-urlencoded", headers={"X-Slack-Request-Timestamp": "soon"})
    assert r.status == 401
    parts = urlsplit(env.server.url)
    s = socket.create_connection((parts.hostname, parts.port), timeout=10)
    s.sendall(head({**signed_headers(body.encode()), "Content-Length": "-1"}))
    assert status(read_all(s)) == 400
    s.close()
    env.idle()
    assert env.store.audit.count() == 0
