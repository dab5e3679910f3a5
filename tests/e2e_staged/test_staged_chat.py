"""Issue 14's "Done when" through ``fleetops chat`` (its pipeline, card printer and /commands) on the demo fleet:
deploy mistral-all to a dev, a staging and a prod cluster; update it to Ministral 3 8B in stages dev, staging,
prod → one change request → its approvals → dev → a gate → staging → a gate (2 approvers, not the requester) →
prod → done, with stage progress; then an update whose first gate is rejected stops the run and says how back;
`roll mistral-all back in stages` goes back to the previous snapshot stage by stage."""
from __future__ import annotations

import io
import time

from bot.cli.cmd_chat import command
from tests.e2e_intent.e2e_helpers import ALICE, BOB, CAROL, DAVE, ChatSession
from tests.tools_mutating.staged_helpers import members_with

DEV, STAGING, PROD = "aks-centralindia-dev-1", "aks-westus3-staging-1", "aks-eastus-prod-1"
THREE = sorted([DEV, STAGING, PROD])


class Terminal:
    """The chat's /commands as typed by people; every line printed (the background run's too) lands in ``out``."""

    def __init__(self, session: ChatSession):
        self.session, self.out, self.state = session, io.StringIO(), {"user": ALICE}

    def type(self, line: str, user: str) -> str:
        self.state["user"] = user
        start = len(self.out.getvalue())
        assert command(self.session.pipe, line, self.state, self.out)
        return self.out.getvalue()[start:]

    def wait_done(self, cid: str, timeout: float = 600.0) -> str:
        deadline = time.monotonic() + timeout
        for t in self.state.get("background", []):
            t.join(max(0.0, deadline - time.monotonic()))
        return str(self.session.pipe.changes.get(cid).state)


def _deploy(chat: ChatSession) -> None:
    t = chat.say(f"deploy mistral-7b-instruct as mistral-all to {DEV}, {STAGING} and {PROD}")
    assert t.change is not None, t.shown
    chat.approve(t.change.id, BOB)
    assert chat.approve(t.change.id, CAROL).state == "succeeded"


def test_a_staged_update_through_chat_with_its_gates_then_a_rejected_gate_and_a_staged_rollback(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.cli.cmd_chat.GATE_WAIT", 600.0)  # a typed /gate waits for its gate (slow machines)
    with ChatSession.start(tmp_path) as chat:
        _deploy(chat)
        term = Terminal(chat)
        from bot.cli.cmd_chat import TerminalNotifier
        chat.pipe.changes.notifier = TerminalNotifier(term.out)

        t = chat.say("update mistral-all to ministral 3 8b in stages dev, staging, prod")
        assert t.change is not None, t.shown
        cid = t.change.id
        assert [s.environment for s in t.plan.stages] == ["dev", "staging", "prod"]
        assert f"replace {DEV}: stage dev:" in t.shown  # each cluster line names its stage
        assert "2 approvals" in t.shown  # one change request, with the strictest policy (prod)

        term.type(f"/approve {cid}", BOB)
        term.type(f"/approve {cid}", CAROL)  # the quorum: the run starts in the background
        refused = term.type(f"/gate approve {cid}", ALICE)  # the requester never approves a gate
        assert "✗ you requested this change, so someone else has to approve it" in refused, refused
        assert "approved" in term.type(f"/gate approve {cid}", DAVE)  # dev → staging: one approval
        first = term.type(f"/gate approve {cid}", BOB)  # staging → prod: 2 from approvers
        assert "✓ gate after stage staging of change 2: open" in first, first
        assert "approved" in term.type(f"/gate approve {cid}", CAROL)
        assert term.wait_done(cid) == "succeeded", term.out.getvalue()
        shown = term.out.getvalue()
        assert "gate after stage dev of change" in shown  # the prompt
        assert "stage prod: updated" in shown  # stage progress
        assert members_with(chat.fleet, "mistral-all-r2") == THREE
        assert members_with(chat.fleet, "mistral-all-r1") == []

        # a rejected gate stops the run; the change ends failed and says the way back
        t = chat.say("update mistral-all to mistral-7b-instruct in stages dev, staging, prod")
        assert t.change is not None, t.shown
        cid = t.change.id
        term.type(f"/approve {cid}", BOB)
        term.type(f"/approve {cid}", CAROL)
        assert "rejected" in term.type(f"/gate reject {cid} latency regressed", BOB)
        assert term.wait_done(cid) == "failed"
        outcome = chat.pipe.changes.get(cid).outcome["message"]
        assert "stopped at the gate after stage dev: rejected by U0BOB: latency regressed." in outcome  # said once
        assert "roll mistral-all back in stages" in outcome
        assert members_with(chat.fleet, "mistral-all-r3") == [DEV]

        # back in stages: a run pinned to the previous snapshot
        t = chat.say("roll mistral-all back in stages")
        assert t.change is not None, t.shown
        cid = t.change.id
        assert "pinned to resource snapshot index" in t.plan.diff
        term.type(f"/approve {cid}", BOB)
        term.type(f"/approve {cid}", CAROL)
        term.type(f"/gate approve {cid}", DAVE)
        term.type(f"/gate approve {cid}", BOB)
        term.type(f"/gate approve {cid}", CAROL)
        assert term.wait_done(cid) == "succeeded", term.out.getvalue()
        assert members_with(chat.fleet, "mistral-all-r3") == []
        assert members_with(chat.fleet, "mistral-all-r2") == THREE
