"""The pipeline on the demo fleet with the real offline interpreter: approvals per environment, freezes,
stale plans re-planned for new approval, reject/cancel/expiry, and retried deliveries."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.policy import loads_policy
from tests.pipeline.pipeline_helpers import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    acted,
    ask,
    events,
    executions_started,
    said,
    state_history,
)

POLICY_FILE = "bot/policy_default.yaml"


def _freeze_policy(start: datetime, end: datetime):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / POLICY_FILE).read_text()
    assert "freezes: []" in text
    text = text.replace("freezes: []", (
        "freezes:\n"
        f"  - name: test-freeze\n    start: {start.isoformat()}\n    end: {end.isoformat()}\n"
        "    environments: [prod]\n    reason: release week\n"))
    return loads_policy(text)


def test_staging_deploy_needs_one_approval_not_the_requesters(make_pipeline, own):
    pipe = make_pipeline()
    r = ask(pipe, "deploy gemma 3 4b as gemma-s1 on aks-westus3-staging-1")
    assert r.kind == "change" and r.change.state == "pending"
    assert r.plan.environments == ["staging"] and r.decision.approvals_required == 1
    cid = r.change.id
    own_try = pipe.changes.approve(cid, ALICE)
    assert not acted(own_try) and "someone else" in said(own_try)
    assert pipe.changes.get(cid).state == "pending" and executions_started(pipe.store, cid) == 0
    done = pipe.changes.approve(cid, BOB)
    assert acted(done) and done.state == "succeeded" and done.outcome["status"] == "succeeded"
    assert "was carried out" in said(done, BOB)
    change = pipe.changes.get(cid)
    assert change.state == "succeeded" and change.approvers == ["U0BOB"]
    assert executions_started(pipe.store, cid) == 1
    rec = own[1].revisions("gemma-s1")[-1]
    assert rec.change_id == cid and rec.revision == 1
    assert own[1].get_deployment("gemma-s1").status == "ready"
    kinds = [e.event for e in events(pipe.store, cid)]
    assert kinds[0] == "plan" and "approval" in kinds and kinds[-1] == "outcome"
    assert state_history(pipe.store, cid) == ["pending", "approved", "executing", "succeeded"]
    assert pipe.store.audit.verify().ok
    again = pipe.changes.approve(cid, CAROL)
    assert not acted(again) and "succeeded" in said(again)


def test_dev_deploy_needs_no_approval_and_runs_at_once(make_pipeline, own):
    pipe = make_pipeline()
    r = ask(pipe, "deploy mistral 7b instruct as mistral-dev on eks-us-west-2-dev-1")
    assert r.kind == "change" and r.plan.environments == ["dev"] and r.decision.kind == "allow"
    assert r.change.state == "succeeded" and r.change.outcome["status"] == "succeeded"
    assert executions_started(pipe.store, r.change.id) == 1 and r.change.approvals == []
    assert own[1].get_deployment("mistral-dev").clusters == ["eks-us-west-2-dev-1"]


def test_freeze_blocks_prod_until_a_freeze_override_member_approves(make_pipeline, own):
    now = datetime.now(UTC)
    pipe = make_pipeline(policy=_freeze_policy(now - timedelta(hours=1), now + timedelta(days=1)))
    r = ask(pipe, "roll coder-assist back")
    assert r.kind == "change" and r.change.state == "pending"
    assert "freeze-override" in [x.group for x in r.decision.extra] and "release week" in r.decision.reason
    cid = r.change.id
    assert acted(pipe.changes.approve(cid, BOB))
    second = pipe.changes.approve(cid, CAROL)
    assert acted(second) and second.state == "pending" and "freeze-override" in said(second, CAROL)
    assert executions_started(pipe.store, cid) == 0
    third = pipe.changes.approve(cid, DAVE)  # a third regular approver does not lift the freeze
    assert not acted(third) and pipe.changes.get(cid).state == "pending"
    last = pipe.changes.approve(cid, ERIN)
    assert acted(last) and last.state == "succeeded"
    assert sorted(last.approvers) == ["U0BOB", "U0CAROL", "U0ERIN"]
    assert executions_started(pipe.store, cid) == 1


def test_freeze_not_active_needs_only_the_usual_approvals(make_pipeline):
    now = datetime.now(UTC)
    pipe = make_pipeline(policy=_freeze_policy(now + timedelta(days=1), now + timedelta(days=2)))
    r = ask(pipe, "undeploy mistral-eu")
    assert r.change.state == "pending" and r.decision.extra == [] and r.decision.approvals_required == 2


def test_fleet_change_under_an_approval_voids_it_and_replans(make_pipeline, own):
    _, fleet = own
    pipe = make_pipeline()
    r = ask(pipe, "set llama-support replicas to 3")
    assert r.kind == "change" and r.change.state == "pending" and r.decision.approvals_required == 2
    cid, first_hash = r.change.id, r.change.plan_hash
    assert acted(pipe.changes.approve(cid, BOB))
    # someone changes the placement by hand meanwhile
    fleet.hub.merge_patch("ClusterResourcePlacement", "llama-support", {"metadata": {"labels": {"owner": "sre"}}})
    reply = pipe.changes.approve(cid, CAROL)
    assert acted(reply) and reply.state == "pending" and "re-planned" in said(reply, CAROL)
    change = pipe.changes.get(cid)
    assert change.state == "pending" and change.version == 2 and change.plan_hash != first_hash
    assert change.approvals == []  # approvals voided
    assert {a.actor for a in pipe.store.changes.approvals(cid, include_void=True)} == {"U0BOB", "U0CAROL"}
    assert [e.event for e in events(pipe.store, cid, "stale")] == ["stale"]
    assert executions_started(pipe.store, cid) == 0
    assert fleet.hub.get("InferenceSet", "llama-support-r1", "llama-support")["spec"]["replicas"] == 2
    # the new plan is approved again and runs once
    assert acted(pipe.changes.approve(cid, BOB))
    done = pipe.changes.approve(cid, DAVE)
    assert done.state == "succeeded" and done.outcome["status"] == "succeeded"
    assert executions_started(pipe.store, cid) == 1
    assert fleet.hub.get("InferenceSet", "llama-support-r1", "llama-support")["spec"]["replicas"] == 3


def test_reject_needs_a_reason_and_only_requester_or_approvers(make_pipeline, own):
    pipe = make_pipeline()
    r = ask(pipe, "undeploy mistral-eu")
    cid = r.change.id
    assert not acted(pipe.changes.reject(cid, BOB, "  "))
    outsider = pipe.changes.reject(cid, ERIN, "no")  # not in approvers, not the requester
    assert not acted(outsider) and pipe.changes.get(cid).state == "pending"
    done = pipe.changes.reject(cid, BOB, "not during the demo")
    assert acted(done) and done.state == "rejected" and done.reason == "not during the demo"
    assert "not during the demo" in said(done, BOB)
    (ev,) = events(pipe.store, cid, "rejection")
    assert ev.actor == "U0BOB" and ev.message == "not during the demo"
    assert not acted(pipe.changes.approve(cid, CAROL)) and pipe.changes.get(cid).state == "rejected"
    assert own[1].get_deployment("mistral-eu") is not None


def test_cancel_by_the_requester_only(make_pipeline):
    pipe = make_pipeline()
    cid = ask(pipe, "undeploy mistral-eu").change.id
    no = pipe.changes.cancel(cid, BOB)
    assert not acted(no) and pipe.changes.get(cid).state == "pending"
    yes = pipe.changes.cancel(cid, ALICE)
    assert acted(yes) and yes.state == "cancelled"
    assert [e.actor for e in events(pipe.store, cid, "cancel")] == ["U0ALICE"]
    assert not acted(pipe.changes.approve(cid, BOB))


def test_pending_request_expires_after_its_ttl(make_pipeline):
    now = [datetime.now(UTC)]
    pipe = make_pipeline(clock=lambda: now[0])
    cid = ask(pipe, "undeploy mistral-eu").change.id
    assert acted(pipe.changes.approve(cid, BOB))
    now[0] += timedelta(hours=3, minutes=59)
    assert pipe.changes.expire() == [] and pipe.changes.get(cid).state == "pending"
    now[0] += timedelta(minutes=2)
    assert [c.id for c in pipe.changes.expire()] == [cid]
    assert pipe.changes.get(cid).state == "expired" and len(events(pipe.store, cid, "expiry")) == 1
    late = pipe.changes.approve(cid, CAROL)
    assert not acted(late) and "expired" in said(late) and executions_started(pipe.store, cid) == 0


def test_a_click_after_the_deadline_expires_the_request_instead_of_counting(make_pipeline):
    now = [datetime.now(UTC)]
    pipe = make_pipeline(clock=lambda: now[0])
    cid = ask(pipe, "undeploy mistral-eu").change.id
    assert acted(pipe.changes.approve(cid, BOB))
    now[0] += timedelta(hours=4, minutes=1)  # no sweep ran
    late = pipe.changes.approve(cid, CAROL)
    assert not acted(late) and "expired" in said(late)
    change = pipe.changes.get(cid)
    assert change.state == "expired" and change.approvers == ["U0BOB"]
    assert state_history(pipe.store, cid) == ["pending", "expired"]
    assert executions_started(pipe.store, cid) == 0


def test_a_retried_delivery_is_a_duplicate_and_changes_nothing(make_pipeline):
    pipe = make_pipeline()
    first = ask(pipe, "undeploy mistral-eu", delivery_id="Ev0001")
    n_events, n_changes = pipe.store.audit.count(), len(pipe.store.changes.list())
    again = ask(pipe, "undeploy mistral-eu", delivery_id="Ev0001")
    assert first.kind == "change" and again.kind == "duplicate"
    assert pipe.store.audit.count() == n_events and len(pipe.store.changes.list()) == n_changes
    other = ask(pipe, "list clusters", delivery_id="Ev0002")
    assert other.kind == "result"


def test_read_only_requests_answer_without_a_change(make_pipeline):
    pipe = make_pipeline()
    r = ask(pipe, "which clusters have free A100s in the eu?")
    assert r.kind == "result" and r.tool == "list_clusters" and r.change is None
    assert pipe.store.changes.list() == []
    assert [e.event for e in events(pipe.store)] == ["request", "interpretation", "outcome"]


def test_a_plan_that_cannot_be_made_is_an_error_reply(make_pipeline):
    pipe = make_pipeline()
    r = ask(pipe, "deploy phi-4 to 12 prod clusters in the eu")
    assert r.kind == "error" and r.change is None and "phi-4" in r.text
    assert pipe.store.changes.list() == []
    (err,) = events(pipe.store, event="error")
    assert err.tool == "deploy" and err.message == r.text


def test_store_tools_answer_from_the_bots_own_records(make_pipeline):
    pipe = make_pipeline()
    cid = ask(pipe, "undeploy mistral-eu").change.id
    listed = ask(pipe, "list pending changes", who=BOB)
    assert listed.kind == "result" and listed.tool == "list_changes"
    rows = listed.result.to_json()["changes"]
    assert [(r["id"], r["state"], r["requester"]) for r in rows] == [(cid, "pending", "U0ALICE")]
    shown = ask(pipe, f"show change {cid}", who=BOB)
    assert shown.tool == "get_change" and shown.result.to_json()["change"]["id"] == cid
    assert "mistral-eu" in shown.text and "pending" in shown.text
    missing = ask(pipe, "show change 99", who=BOB)
    assert missing.kind == "error" and "99" in missing.text
    found = ask(pipe, "search the audit log for mistral-eu", who=BOB)
    assert found.tool == "search_audit"
    evs = found.result.to_json()["events"]
    assert evs and all(e["deployment"] == "mistral-eu" for e in evs)
    assert {e["event"] for e in evs} >= {"plan", "decision"}
