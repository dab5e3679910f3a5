"""Socket Mode end to end: the app connects through apps.connections.open to a fake WebSocket endpoint,
acks every envelope, answers a mention in its thread (``retry_attempt: 0`` on a first delivery is not
mistaken for a retry), ignores the redelivered envelope, and answers ``/fleet help`` in the ack payload."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl

from fake_socket import FakeSocketMode
from slack_client import SlackSender, mention
from slack_env import slack_app


def test_socket_mode_round_trip(fake, tmp_path):
    from bot.slack import socket_mode_handler

    ws = FakeSocketMode().start()
    fake.socket_url = ws.url
    try:
        with slack_app(fake, tmp_path) as env:
            handler = socket_mode_handler(env.service.app, "xapp-1-A0FLEET-1-secret")
            handler.connect()
            try:
                ws.wait_connected()
                assert fake.calls("apps.connections.open")[0].headers["authorization"] == \
                    "Bearer xapp-1-A0FLEET-1-secret"
                event = json.loads(SlackSender.event_body(mention("list clusters in the eu", ts="1712345800.000100"),
                                                          "Ev0SOCK1"))
                envelope = {"envelope_id": "env-1", "type": "events_api", "payload": event,
                            "accepts_response_payload": False, "retry_attempt": 0, "retry_reason": ""}
                ws.push(envelope)
                assert ws.wait_ack("env-1") == {"envelope_id": "env-1"}
                reply = fake.wait_for("chat.postMessage")[0]
                assert reply.body["thread_ts"] == "1712345800.000100"
                assert "aks-westeurope-prod-1" in json.dumps(reply.json("blocks"))

                ws.push({**envelope, "envelope_id": "env-2", "retry_attempt": 1, "retry_reason": "timeout"})
                ws.wait_ack("env-2")

                command = dict(parse_qsl(SlackSender.slash_body("help")))  # Socket Mode: a JSON object of strings
                ws.push({"envelope_id": "env-3", "type": "slash_commands", "payload": command,
                         "accepts_response_payload": True})
                ack = ws.wait_ack("env-3")
                assert "/fleet list clusters" in json.dumps(ack["payload"]["blocks"])
                env.idle()
                assert len(fake.calls("chat.postMessage")) == 1
                assert len(env.store.audit.list(event="request")) == 1
            finally:
                handler.close()
    finally:
        ws.stop()
