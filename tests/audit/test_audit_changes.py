from datetime import UTC, datetime, timedelta

import pytest

from audit.errors import ChangeNotFound, InvalidQueryError, InvalidTransitionError
from audit.models import TRANSITIONS

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def new(store, **kw):
    base = dict(requester="U0REQ", tool="deploy", plan_hash="h1", args={"model": "microsoft/phi-4"},
                plan={"clusters": {"eu-1": []}}, summary="deploy phi-4 to eu-1",
                decision={"kind": "approve"}, approvals_required=2, ttl_seconds=4 * 3600,
                channel="C1", thread_ts="1.1", now=T0)
    return store.changes.create(**{**base, **kw})


def test_create_and_read(store):
    a, b = new(store), new(store, requester="U0OTHER")
    assert (a.id, b.id) == ("1", "2")
    assert a.state == "pending" and a.version == 1 and a.approvals == []
    assert a.created_at == "2026-11-01T09:00:00.000Z" and a.expires_at == "2026-11-01T13:00:00.000Z"
    assert a.plan == {"clusters": {"eu-1": []}} and a.args == {"model": "microsoft/phi-4"}
    assert store.changes.get("#1") == store.changes.get(1) == a
    assert [c.id for c in store.changes.list()] == ["2", "1"]
    assert [c.id for c in store.changes.list(requester="U0OTHER")] == ["2"]
    assert [c.id for c in store.changes.list(status=["pending", "approved"], limit=1)] == ["2"]
    with pytest.raises(ChangeNotFound, match="no change request 9"):
        store.changes.get("9")
    with pytest.raises(InvalidQueryError, match="unknown change-request state 'done'"):
        store.changes.list(status="done")


def test_ids_keep_counting_past_nine(store):
    for _ in range(11):
        last = new(store)
    assert last.id == "11" and store.changes.list(limit=1)[0].id == "11"


def test_request_key_makes_create_idempotent(store):
    a = new(store, request_key="Ev1")
    b = new(store, request_key="Ev1", summary="a retry")
    assert a == b and len(store.changes.list()) == 1
    assert new(store, request_key="Ev2").id == "2"


def test_approvals_count_only_for_the_current_plan_while_pending(store):
    cr = new(store)
    assert store.changes.add_approval(cr.id, "U1", "h1").status == "inserted"
    dup = store.changes.add_approval(cr.id, "U1", "h1")
    assert dup.status == "duplicate" and [a.actor for a in dup.approvals] == ["U1"]
    wrong = store.changes.add_approval(cr.id, "U2", "old-hash")
    assert wrong.status == "wrong_hash" and wrong.plan_hash == "h1" and len(wrong.approvals) == 1
    r = store.changes.add_approval(cr.id, "U2", "h1", actor_name="Bob", usergroups=["S0SRE"],
                                   quorum=lambda a: len(a) >= 2)
    assert r.status == "inserted" and r.approved and r.state == "approved"
    assert r.approvals[1].actor_name == "Bob" and r.approvals[1].usergroups == ["S0SRE"]
    late = store.changes.add_approval(cr.id, "U3", "h1")
    assert late.status == "not_pending" and late.state == "approved"
    assert store.changes.get(cr.id).approvers == ["U1", "U2"]
    with pytest.raises(ChangeNotFound):
        store.changes.add_approval("99", "U1", "h1")


def test_quorum_false_leaves_it_pending(store):
    cr = new(store)
    r = store.changes.add_approval(cr.id, "U1", "h1", quorum=lambda a: len(a) >= 2)
    assert r.counted and not r.approved and store.changes.get(cr.id).state == "pending"


def test_claim_execution_is_the_single_gate(store):
    cr = new(store)
    assert not store.changes.claim_execution(cr.id)  # pending: not yet
    assert store.changes.transition(cr.id, "pending", "approved")
    assert store.changes.claim_execution(cr.id, now=T0)
    assert not store.changes.claim_execution(cr.id)
    got = store.changes.get(cr.id)
    assert got.state == "executing" and got.executing_started_at == "2026-11-01T09:00:00.000Z"
    assert [c.id for c in store.changes.find_executing()] == [cr.id]
    with pytest.raises(InvalidTransitionError, match="claim_execution"):
        store.changes.transition(cr.id, "approved", "executing")
    assert store.changes.transition(cr.id, "executing", "executing", outcome={"done": 1})
    assert store.changes.transition(cr.id, "executing", "attention", outcome={"eu-1": "timeout"})
    assert store.changes.transition(cr.id, "attention", "succeeded", reason="reconciled")
    assert store.changes.find_executing() == []
    with pytest.raises(ChangeNotFound):
        store.changes.claim_execution("99")


def test_transition_is_compare_and_set(store):
    cr = new(store)
    assert store.changes.transition(cr.id, "pending", "rejected", reason="not now")
    assert not store.changes.transition(cr.id, "pending", "approved")  # the loser of a race
    got = store.changes.get(cr.id)
    assert got.state == "rejected" and got.reason == "not now"
    with pytest.raises(InvalidTransitionError, match="from 'rejected' to 'pending'"):
        store.changes.transition(cr.id, "rejected", "pending")
    with pytest.raises(InvalidQueryError, match="no updatable field 'plan_hash'"):
        store.changes.transition(cr.id, "pending", "cancelled", plan_hash="x")
    with pytest.raises(ChangeNotFound):
        store.changes.transition("42", "pending", "cancelled")


@pytest.mark.parametrize("src", sorted(TRANSITIONS))
def test_every_listed_move_is_allowed_and_others_are_not(store, raw, src):
    conn = raw()
    for dst in TRANSITIONS:
        cr = new(store)
        conn.execute("UPDATE change_requests SET state = ? WHERE id = ?", (src, cr.id))
        allowed = (dst == src or dst in TRANSITIONS[src]) and not (
            dst == "executing" and src != "executing")
        if allowed:
            assert store.changes.transition(cr.id, src, dst)
            assert store.changes.get(cr.id).state == dst
        else:
            with pytest.raises(InvalidTransitionError):
                store.changes.transition(cr.id, src, dst)
            assert store.changes.get(cr.id).state == src


def test_stale_and_replan_void_approvals_and_bump_version(store):
    cr = new(store)
    store.changes.add_approval(cr.id, "U1", "h1")
    assert store.changes.transition(cr.id, "pending", "stale", reason="fleet changed")
    assert store.changes.get(cr.id).approvals == []
    assert store.changes.add_approval(cr.id, "U2", "h1").status == "not_pending"
    later = T0 + timedelta(hours=1)
    again = store.changes.replan(cr.id, {"clusters": {"eu-2": []}}, "h2", summary="to eu-2",
                                 ttl_seconds=3600, now=later)
    assert again.state == "pending" and again.version == 2 and again.plan_hash == "h2"
    assert again.summary == "to eu-2" and again.expires_at == "2026-11-01T11:00:00.000Z"
    assert again.approvals == [] and again.reason is None
    assert store.changes.add_approval(cr.id, "U1", "h1").status == "wrong_hash"
    assert store.changes.add_approval(cr.id, "U1", "h2").status == "inserted"
    # replan while pending voids too; the same hash coming back needs fresh approvals
    v3 = store.changes.replan(cr.id, {"clusters": {"eu-1": []}}, "h1")
    assert v3.version == 3 and v3.approvals == []
    assert store.changes.add_approval(cr.id, "U1", "h1").status == "inserted"  # revived, counted
    every = store.changes.approvals(cr.id, include_void=True)
    assert [(a.actor, a.plan_hash, a.voided_at is None) for a in every] == [
        ("U1", "h1", True), ("U1", "h2", False)]
    store.changes.transition(cr.id, "pending", "approved")
    assert store.changes.replan(cr.id, {}, "h3") is None  # approved must go stale first
    with pytest.raises(ChangeNotFound):
        store.changes.replan("77", {}, "h")


def test_expire_due(store):
    a = new(store)
    b = new(store, ttl_seconds=3600)
    c = new(store)
    store.changes.transition(c.id, "pending", "approved")
    d = new(store, ttl_seconds=None)  # never expires
    e = new(store)
    store.changes.transition(e.id, "pending", "rejected")
    assert store.changes.expire_due(T0 + timedelta(minutes=59)) == []
    assert store.changes.expire_due(T0 + timedelta(hours=1)) == [b.id]
    assert store.changes.expire_due(T0 + timedelta(hours=5)) == [a.id, c.id]
    assert store.changes.expire_due(T0 + timedelta(hours=5)) == []  # each only once
    assert store.changes.get(d.id).state == "pending" and store.changes.get(e.id).state == "rejected"


def test_pending_for_hides_own_and_already_approved(store):
    mine = new(store, requester="U1")
    approved_by_me = new(store)
    other = new(store, channel="C2")
    store.changes.add_approval(approved_by_me.id, "U1", "h1")
    assert [c.id for c in store.changes.pending_for("U1")] == [other.id]
    assert [c.id for c in store.changes.pending_for("U2")] == [other.id, approved_by_me.id, mine.id]
    assert [c.id for c in store.changes.pending_for(None, channel="C2")] == [other.id]


def test_set_card(store):
    cr = new(store)
    store.changes.set_card(cr.id, "C9", "1700000000.000100")
    got = store.changes.get(cr.id)
    assert (got.channel, got.message_ts, got.thread_ts) == ("C9", "1700000000.000100", "1.1")
    with pytest.raises(ChangeNotFound):
        store.changes.set_card("5", "C", "1")


def test_create_only_in_an_initial_state(store):
    assert new(store, state="approved", approvals_required=0).state == "approved"
    with pytest.raises(InvalidTransitionError):
        new(store, state="executing")


def test_claim_delivery(store):
    assert store.claim_delivery("Ev1", now=T0) and not store.claim_delivery("Ev1")
    assert store.claim_delivery("Ev2", now=T0 + timedelta(hours=1))
    assert store.prune_deliveries(T0 + timedelta(minutes=30)) == 1
    assert store.claim_delivery("Ev1")
