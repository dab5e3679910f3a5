"""Request verification over HTTP: bad, missing and replayed signatures are refused with 401 and do
nothing; Slack's url_verification and ssl_check get their answers; unknown paths 404."""
from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

from slack_client import SlackSender, mention, slack_json


def _nothing_happened(env) -> None:
    env.idle()
    assert [c.method for c in env.fake.calls() if c.method != "auth.test"] == []
    assert env.store.audit.count() == 0


def test_bad_signature_is_rejected(quiet_env):
    env = quiet_env
    body = SlackSender.slash_body("deploy phi-4 to 2 prod clusters in the us")
    r = env.sender.post(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert r.status == 401 and r.json() == {"error": "invalid request"}
    wrong = SlackSender(env.server.url, "not-the-secret")
    assert wrong.slash("list clusters").status == 401
    assert wrong.event(mention("list clusters"), "Ev0BAD").status == 401
    _nothing_happened(quiet_env)


def test_body_changed_after_signing_is_rejected(quiet_env):
    env = quiet_env
    body = SlackSender.slash_body("list clusters")
    ts = str(int(time.time()))
    sig = env.sender.verifier.generate_signature(timestamp=ts, body=body)
    r = env.sender.post(body.replace("list+clusters", "undeploy+phi4-chat"), "application/x-www-form-urlencoded",
                        timestamp=int(ts), signature=sig)
    assert r.status == 401
    _nothing_happened(quiet_env)


def test_stale_timestamp_is_rejected_even_when_correctly_signed(quiet_env):
    env = quiet_env
    old = int(time.time()) - 6 * 60
    r = env.sender.post(SlackSender.slash_body("list clusters"), "application/x-www-form-urlencoded", timestamp=old)
    assert r.status == 401
    r = env.sender.post(SlackSender.event_body(mention("list clusters"), "Ev0OLD"), "application/json", timestamp=old)
    assert r.status == 401
    _nothing_happened(quiet_env)


def test_missing_signature_headers_are_rejected(quiet_env):
    env = quiet_env
    parts = urlsplit(env.server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("POST", parts.path, body=SlackSender.slash_body("list clusters").encode(),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert conn.getresponse().status == 401
    conn.close()
    _nothing_happened(quiet_env)


def test_url_verification_and_ssl_check(quiet_env):
    env = quiet_env
    r = env.sender.post(slack_json({"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                                    "type": "url_verification"}), "application/json")
    assert r.status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in r.body
    r = env.sender.post("ssl_check=1&token=verification-token-deprecated", "application/x-www-form-urlencoded")
    assert r.status == 200
    _nothing_happened(quiet_env)


def test_other_paths_and_health(quiet_env):
    env = quiet_env
    parts = urlsplit(env.server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("POST", "/other", body=b"x", headers={"Content-Type": "text/plain"})
    assert conn.getresponse().status == 404
    conn.close()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", "/healthz")
    r = conn.getresponse()
    assert (r.status, r.read()) == (200, b"ok")
    conn.close()
