"""Issue 12 on the pipeline: one change per deployment at a time, approved changes retried by the bot, the
policy re-checked at the click, secrets masked before anything is recorded, hub failures said as such."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from audit.messages import SECRET_MASKED
from bot.changes import Why
from bot.identity import Actor
from bot.messages import pipeline as M
from bot.pipeline import Request
from bot.policy import loads_policy
from tests.pipeline.pipeline_helpers import ALICE, BOB, CAROL, ask, events, executions_started, refused
from tools.fleet.errors import FleetUnreachable

ONE_APPROVAL = """
ttl: 4h
rules:
  "*":
    "*": {approvals: 1}
"""
FROZEN = ONE_APPROVAL + """
freezes:
  - name: now
    start: 2000-01-01T00:00:00Z
    end: 2999-01-01T00:00:00Z
    environments: [dev, staging, prod]
    reason: test freeze
"""


def _scale(pipe, avoid: int | None = None):
    """Open a change scaling granite-dev to a count it is not at now (the module's fleet is shared)."""
    for n in (2, 3, 1):
        if n == avoid:
            continue
        r = ask(pipe, f"scale granite-dev to {n}")
        if r.change is not None:
            return r.change, n
    raise AssertionError("granite-dev could not be scaled")


def _wait(pred, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_scales_of_one_deployment_run_one_after_the_other(make_pipeline):
    pipe = make_pipeline(policy=loads_policy(ONE_APPROVAL))
    pipe.retry.tick = 0.05
    first, n = _scale(pipe)
    second, _ = _scale(pipe, avoid=n)
    gate, running = threading.Event(), threading.Event()
    apply = pipe.executor.apply

    def gated(plan, **kw):  # hold the first execution until the second click has been handled
        if kw.get("change_id") == first.id:
            running.set()
            assert gate.wait(60)
        return apply(plan, **kw)

    pipe.executor.apply = gated  # type: ignore[method-assign]
    results: dict[str, object] = {}
    t = threading.Thread(target=lambda: results.setdefault("1", pipe.changes.approve(first.id, BOB)))
    t.start()
    assert running.wait(60)
    time.sleep(0.1)  # the second approval 100 ms after the first
    results["2"] = pipe.changes.approve(second.id, CAROL)
    waiting = pipe.changes.get(second.id)
    assert waiting.state == "approved"
    assert waiting.reason == M.WAITING_FOR_CHANGE.format(other=first.id, what="granite-dev")
    assert "waiting for change 1 on granite-dev" in M.TELL_APPROVED_WAITING.format(id=2, reason=waiting.reason)
    assert executions_started(pipe.store, second.id) == 0
    pipe.retry.start()
    try:
        gate.set()
        t.join(60)
        assert pipe.changes.get(first.id).state == "succeeded"
        # the second re-checks its plan once the first ran: the deployment changed, so it asks again
        again = _wait(lambda: (c := pipe.changes.get(second.id)).state != "approved" and c, "the second to move")
        if again.state == "pending":
            assert again.version == 2
            pipe.changes.approve(second.id, CAROL, version=2)
        done = _wait(lambda: (c := pipe.changes.get(second.id)).state in ("succeeded", "failed") and c, "second")
    finally:
        pipe.retry.stop()
    assert done.state == "succeeded"
    outcomes = [e for e in events(pipe.store, event="outcome") if e.change_id in (first.id, second.id)]
    revisions = [(e.change_id, (e.result or {}).get("revision")) for e in outcomes]
    assert revisions[0][0] == first.id and revisions[1][0] == second.id
    assert revisions[1][1] == revisions[0][1] + 1  # two revision records, one after the other
    assert pipe.store.locks.held() == []


def test_an_approved_change_the_hub_could_not_check_is_retried_by_the_bot(make_pipeline):
    pipe = make_pipeline(policy=loads_policy(ONE_APPROVAL))
    pipe.retry.tick, pipe.retry.first = 0.05, 0.05
    change = _scale(pipe)[0]
    planner, failures = pipe.changes.planner, [0]

    def flaky(tool, args):
        if failures[0] < 2:
            failures[0] += 1
            raise FleetUnreachable("hub", "https://127.0.0.1:1", " (ConnectionRefusedError)")
        return planner(tool, args)

    pipe.changes.planner = flaky
    r = pipe.changes.approve(change.id, BOB)
    assert r.state == "approved" and "waiting for the hub" in r.reason
    told = M.TELL_APPROVED_WAITING.format(id=change.id, reason=r.reason)
    assert "retries by itself" in told and "was carried out" not in told
    pipe.retry.start()
    try:
        done = _wait(lambda: (c := pipe.changes.get(change.id)).state == "succeeded" and c, "the retry to run it")
    finally:
        pipe.retry.stop()
    assert done.outcome["revision"] is not None
    assert executions_started(pipe.store, change.id) == 1
    assert [e.message for e in events(pipe.store, change.id, "error")] == [r.reason]  # said once, not per try


def test_the_policy_is_read_again_when_the_click_counts(make_pipeline):
    pipe = make_pipeline(policy=loads_policy(ONE_APPROVAL))
    change = _scale(pipe)[0]
    pipe.changes.policy = pipe.policy = loads_policy(FROZEN)  # a freeze declared after the request
    r = pipe.changes.approve(change.id, BOB)
    assert pipe.changes.get(change.id).state == "pending"
    assert refused(r).why in (Why.POLICY, Why.NOT_ALLOWED)
    (ev,) = [e for e in events(pipe.store, change.id, "approval_refused")]
    assert ev.result["counted"] is False


def test_a_pasted_secret_is_masked_before_anything_records_it(make_pipeline):
    pipe = make_pipeline()
    token = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
    r = pipe.handle(Request(actor=ALICE, text=f"list clusters, my token is {token}", channel="terminal"))
    assert r.notices == [SECRET_MASKED.format(kinds="Slack token")]
    rows = json.dumps([e.model_dump() for e in events(pipe.store)])
    assert token not in rows
    assert "[REDACTED]" in events(pipe.store, event="request")[-1].message


class _Failing(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"kind": "Status", "status": "Failure", "message": "etcdserver: leader changed",
                           "code": 500}).encode()
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def log_message(self, *a) -> None:
        pass


def test_a_hub_answering_500_is_said_to_be_failing(make_pipeline, own, tmp_path: Path):
    from bot.app import vocabulary_source
    from tools.fleet.adapter import Fleet

    emb, _ = own
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cfg = tmp_path / "failing-kubeconfig"
        cfg.write_text(Path(emb.kubeconfig_path).read_text().replace(emb.url, f"http://127.0.0.1:{server.server_port}"))
        fleet = Fleet.from_kubeconfig(cfg, emb.hub, {m: m for m in emb.members})
        pipe = make_pipeline()
        pipe.fleet, pipe._vocabulary = fleet, vocabulary_source(fleet)
        r = pipe.handle(Request(actor=ALICE, text="list clusters", channel="terminal"))
        fleet.close()
    finally:
        server.shutdown()
        server.server_close()
    assert r.kind == "error"
    assert r.text.startswith("The hub is failing right now")
    assert "500" in r.text
    assert M.INTERPRETER_FAILED not in r.text


def test_a_click_from_another_workspace_is_refused_and_audited(make_pipeline):
    from bot.changes import Workspace

    pipe = make_pipeline(policy=loads_policy(ONE_APPROVAL))
    pipe.changes.workspace = Workspace(team_id="T0TEAM")
    change = _scale(pipe)[0]
    r = pipe.changes.approve(change.id, BOB, workspace=Workspace(team_id="T0OTHER"))
    assert refused(r).why == Why.WRONG_WORKSPACE
    assert pipe.changes.get(change.id).state == "pending"
    (ev,) = events(pipe.store, change.id, "approval_refused")
    assert ev.result["counted"] is False and ev.result["workspace"] == "T0OTHER"
    assert pipe.changes.approve(change.id, BOB, workspace=Workspace(team_id="T0TEAM")).state == "succeeded"


def test_a_change_left_executing_by_a_crash_gives_its_lock_back_on_recover(make_pipeline):
    pipe = make_pipeline(policy=loads_policy(ONE_APPROVAL))
    change = _scale(pipe)[0]
    pipe.store.locks.claim(["deployment:granite-dev"], "999")  # a holder that no longer executes
    assert pipe.store.locks.holder(["deployment:granite-dev"]).change_id == "999"
    pipe.changes.recover()
    assert pipe.store.locks.held() == []
    assert pipe.changes.approve(change.id, Actor("U0BOB")).state == "succeeded"
