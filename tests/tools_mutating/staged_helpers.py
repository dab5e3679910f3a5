"""Running a staged plan in a thread and deciding its gates as they open (tests of staged rollouts)."""
from __future__ import annotations

import threading
from collections.abc import Callable

from tools.executor import Executor

NS = "mistral-all"


def members_with(fleet, name: str, ns: str = NS) -> list[str]:
    return sorted(c for c, kube in fleet.members.items() if kube.get("Workspace", name, ns) is not None)


class Gatekeeper:
    """Runs the plan in a thread; on each gate event, records the members' state and decides."""

    def __init__(self, fleet, plan, decide: Callable):
        self.fleet, self.plan, self.decide = fleet, plan, decide
        self.events: list = []
        self.at_gates: list[tuple[str, list[str], list[str]]] = []  # (stage, members with new, with old)
        self.outcome = None

    def on_event(self, ev) -> None:
        self.events.append(ev)
        if ev.kind == "gate":
            self.at_gates.append((ev.stage, members_with(self.fleet, "mistral-all-r2"),
                                  members_with(self.fleet, "mistral-all-r1")))
            self.decide(self.fleet, ev.gate)

    def run(self):
        t = threading.Thread(target=lambda: setattr(self, "outcome", Executor(self.fleet, timeout=300, poll=0.05)
                                                    .apply(self.plan, on_event=self.on_event)), daemon=True)
        t.start()
        t.join(600)
        assert not t.is_alive(), "the staged run did not finish"
        return self.outcome


def approve(fleet, gate) -> None:
    fleet.approve_request(gate["request"], "U0ALICE", "approved in a test")
