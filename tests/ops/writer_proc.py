"""A fleetops process for the one-writer tests: the pipeline of ``fleetops serve`` without Slack.

    python writer_proc.py LEASE_SECONDS

Settings come from the environment (FLEETOPS_DB, KUBECONFIG or none for the embedded fleet,
FLEETOPS_DEMO_READY_DELAY). Prints one line per event on stdout: ``STANDBY`` or ``ACTIVE`` at start, ``ACTIVE``
on a takeover, ``RECOVERED [[id, state], ...]`` after the takeover's recover. Reads commands on stdin:
``say TEXT`` (a request by U0ALICE; prints ``REPLY {json}`` once handled, in a thread of its own, so a long
execution does not block the next command).
"""
from __future__ import annotations

import json
import sys
import threading

from bot.app import running_pipeline
from bot.cli.cmd_serve import gate_execution
from bot.identity import Actor
from bot.lease import acquire_writer
from bot.pipeline import Request
from bot.settings import get_settings

_out = threading.Lock()


def emit(line: str) -> None:
    with _out:
        print(line, flush=True)


def main() -> int:
    seconds = int(sys.argv[1])
    settings = get_settings()
    with running_pipeline(settings, recover=False) as pipe:
        def takeover() -> None:
            emit("ACTIVE")
            done = pipe.changes.recover()
            emit("RECOVERED " + json.dumps([[c.id, str(c.state)] for c in done]))

        writer = acquire_writer(pipe.fleet, settings.database, on_acquired=takeover, lease_seconds=seconds,
                                period=0.2)
        gate_execution(pipe.changes, writer)
        if not writer.active:
            emit("STANDBY")

        def say(text: str) -> None:
            reply = pipe.handle(Request(Actor("U0ALICE"), text))
            change = reply.change
            emit("REPLY " + json.dumps({"kind": reply.kind, "text": reply.text,
                                        "state": str(change.state) if change else None,
                                        "reason": change.reason if change else None}))

        for line in sys.stdin:
            cmd, _, rest = line.strip().partition(" ")
            if cmd == "say":
                threading.Thread(target=say, args=(rest,), daemon=True).start()
        writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
