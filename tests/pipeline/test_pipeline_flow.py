"""The pipeline on the demo fleet with the real offline interpreter: approvals per environment, freezes,
stale plans re-planned for new approval, reject/cancel/expiry, and retried deliveries."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.policy import loads_policy
from tests.pipeline.pipeline_helpers import ALICE, BOB, CAROL, DAVE, ERIN, ask, events, executions_started

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
    own_try = pipe.approve(cid, ALICE)
    assert not own_try.ok and "someone else" in own_try.text
    assert pipe.get(cid).state == "pending" and executions_started(pipe.store, cid) == 0
    done = pipe.approve(cid, BOB)
    assert done.ok and done.executed and done.outcome.status == "succeeded"
    change = pipe.get(cid)
    assert change.state == "succeeded" and change.approvers == ["U0BOB"]
    assert executions_started(pipe.store, cid) == 1
    rec = own[1].revisions("gemma-s1")[-1]
    assert rec.change_id == cid and rec.revision == 1
    assert own[1].get_deployment("gemma-s1").status == "ready"
    kinds = [e.event for e in events(pipe.store, cid)]
    assert kinds[0] == "plan" and "approval" in kinds and kinds[-1] == "outcome"
    assert pipe.store.audit.verify().ok
    again = pipe.approve(cid, CAROL)
    assert not again.ok and "succeeded" in again.text


def test_dev_deploy_needs_no_approval_and_runs_at_once(make_pipeline, own):
    pipe = make_pipeline()
    r = ask(pipe, "deploy mistral 7b instruct as mistral-dev on eks-us-west-2-dev-1")
    assert r.kind == "change" and r.plan.environments == ["dev"] and r.decision.kind == "allow"
    assert r.change.state == "succeeded" and r.outcome.status == "succeeded"
    assert executions_started(pipe.store, r.change.id) == 1 and r.change.approvals == []
    assert own[1].get_deployment("mistral-dev").clusters == ["eks-us-west-2-dev-1"]


def test_freeze_blocks_prod_until_a_freeze_override_member_approves(make_pipeline, own):
    now = datetime.now(timezone.utc)
    pipe = make_pipeline(policy=_freeze_policy(now - timedelta(hours=1), now + timedelta(days=1)))
    r = ask(pipe, "roll coder-assist back")
    assert r.kind == "change" and r.change.state == "pending"
    assert "freeze-override" in [x.group for x in r.decision.extra] and "release week" in r.decision.reason
    cid = r.change.id
    assert pipe.approve(cid, BOB).ok
    second = pipe.approve(cid, CAROL)
    assert second.ok and not second.executed and "freeze-override" in second.text
    assert pipe.get(cid).state == "pending" and executions_started(pipe.store, cid) == 0
    third = pipe.approve(cid, DAVE)  # a third regular approver does not lift the freeze
    assert not third.ok and pipe.get(cid).state == "pending"
    last = pipe.approve(cid, ERIN)
    assert last.ok and last.executed and last.outcome.status == "succeeded"
    assert pipe.get(cid).state == "succeeded" and sorted(pipe.get(cid).approvers) == ["U0BOB", "U0CAROL", "U0ERIN"]
    assert executions_started(pipe.store, cid) == 1


def test_freeze_not_active_needs_only_the_usual_approvals(make_pipeline):
    now = datetime.now(timezone.utc)
    pipe = make_pipeline(policy=_freeze_policy(now + timedelta(days=1), now + timedelta(days=2)))
    r = ask(pipe, "undeploy mistral-eu")
    assert r.change.state == "pending" and r.decision.extra == [] and r.decision.approvals_required == 2


def test_fleet_change_under_an_approval_voids_it_and_replans(make_pipeline, own):
    emb, fleet = own
    pipe = make_pipeline()
    r = ask(pipe, "set llama-support replicas to 3")
    assert r.kind == "change" and r.change.state == "pending" and r.decision.approvals_required == 2
    cid, first_hash = r.change.id, r.change.plan_hash
    assert pipe.approve(cid, BOB).ok
    # someone changes the placement by hand meanwhile
    fleet.hub.merge_patch("ClusterResourcePlacement", "llama-support", {"metadata": {"labels": {"owner": "sre"}}})
    reply = pipe.approve(cid, CAROL)
    assert reply.ok and not reply.executed and "re-planned" in reply.text
    change = pipe.get(cid)
    assert change.state == "pending" and change.version == 2 and change.plan_hash != first_hash
    assert change.approvals == []  # approvals voided
    assert {a.actor for a in pipe.store.changes.approvals(cid, include_void=True)} == {"U0BOB", "U0CAROL"}
    assert [e.event for e in events(pipe.store, cid, "stale")] == ["stale"]
    assert executions_started(pipe.store, cid) == 0
    assert fleet.hub.get("InferenceSet", "llama-support-r1", "llama-support")["spec"]["replicas"] == 2
    # the new plan is approved again and runs once
    assert pipe.approve(cid, BOB).ok
    done = pipe.approve(cid, DAVE)
    assert done.executed and done.outcome.status == "succeeded" and pipe.get(cid).state == "succeeded"
    assert executions_started(pipe.store, cid) == 1
    assert fleet.hub.get("InferenceSet", "llama-support-r1", "llama-support")["spec"]["replicas"] == 3


def test_reject_needs_a_reason_and_only_requester_or_approvers(make_pipeline, own):
    pipe = make_pipeline()
    r = ask(pipe, "undeploy mistral-eu")
    cid = r.change.id
    assert not pipe.reject(cid, BOB, "  ").ok
    outsider = pipe.reject(cid, ERIN, "no")  # not in approvers, not the requester
    assert not outsider.ok and pipe.get(cid).state == "pending"
    done = pipe.reject(cid, BOB, "not during the demo")
    assert done.ok and pipe.get(cid).state == "rejected" and pipe.get(cid).reason == "not during the demo"
    (ev,) = events(pipe.store, cid, "rejection")
    assert ev.actor == "U0BOB" and ev.message == "not during the demo"
    assert not pipe.approve(cid, CAROL).ok and pipe.get(cid).state == "rejected"
    assert own[1].get_deployment("mistral-eu") is not None


def test_cancel_by_the_requester_only(make_pipeline):
    pipe = make_pipeline()
    cid = ask(pipe, "undeploy mistral-eu").change.id
    no = pipe.cancel(cid, BOB)
    assert not no.ok and pipe.get(cid).state == "pending"
    yes = pipe.cancel(cid, ALICE)
    assert yes.ok and pipe.get(cid).state == "cancelled"
    assert [e.actor for e in events(pipe.store, cid, "cancel")] == ["U0ALICE"]
    assert not pipe.approve(cid, BOB).ok


def test_pending_request_expires_after_its_ttl(make_pipeline):
    now = [datetime.now(timezone.utc)]
    pipe = make_pipeline(clock=lambda: now[0])
    cid = ask(pipe, "undeploy mistral-eu").change.id
    assert pipe.approve(cid, BOB).ok
    now[0] += timedelta(hours=3, minutes=59)
    assert pipe.expire() == [] and pipe.get(cid).state == "pending"
    now[0] += timedelta(minutes=2)
    assert pipe.expire() == [cid]
    assert pipe.get(cid).state == "expired" and len(events(pipe.store, cid, "expiry")) == 1
    late = pipe.approve(cid, CAROL)
    assert not late.ok and "expired" in late.text and executions_started(pipe.store, cid) == 0


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
