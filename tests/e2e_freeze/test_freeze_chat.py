"""Freezes declared in chat, through the real pipeline (offline interpreter, embedded fleet, SQLite store): only
freeze-override members declare or lift; declaring takes effect at once and blocks a prod change; lifting is a
change request that needs another freeze-override member; an expired freeze stops applying by itself."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.identity import Actor
from bot.policy import default_policy, loads_policy
from tests.pipeline.pipeline_helpers import ALICE, BOB, CAROL, ERIN, acted, ask, events, said

FRANK = Actor("U0FRANK")
TWO_OVERRIDERS = default_policy().model_dump(mode="json", exclude={"source"})
TWO_OVERRIDERS["groups"]["freeze-override"]["users"] = ["U0ERIN", "U0FRANK"]


def _two_overriders():
    import yaml

    return loads_policy(yaml.safe_dump(TWO_OVERRIDERS))


def test_a_freeze_declared_in_chat_blocks_a_prod_change_at_once(make_pipeline):
    pipe = make_pipeline()
    before = ask(pipe, "roll coder-assist back")
    assert before.decision.extra == []  # prod, no freeze yet
    r = ask(pipe, "freeze prod for 2h", who=ERIN)
    assert r.kind == "change"
    assert r.change.state == "succeeded"  # no approval: it only restricts
    (fz,) = pipe.store.freezes.active()
    assert fz.environments == ["prod"]
    assert fz.declared_by == "U0ERIN"
    assert [e.result["state"] for e in events(pipe.store, event="freeze")] == ["declared"]
    after = ask(pipe, "roll coder-assist back")
    assert after.kind == "change" and after.change.state == "pending"
    assert [x.group for x in after.decision.extra] == ["freeze-override"]
    assert "freeze 'prod'" in after.decision.reason
    assert pipe.store.audit.verify().ok


def test_a_request_opened_before_the_freeze_needs_the_override_when_approved(make_pipeline):
    pipe = make_pipeline()
    r = ask(pipe, "roll coder-assist back")
    assert ask(pipe, "freeze prod for 2h", who=ERIN).change.state == "succeeded"
    assert acted(pipe.changes.approve(r.change.id, BOB))
    second = pipe.changes.approve(r.change.id, CAROL)
    assert pipe.changes.get(r.change.id).state == "pending"
    assert "freeze-override" in said(second, CAROL)


def test_someone_outside_freeze_override_cannot_declare(make_pipeline):
    pipe = make_pipeline()
    r = ask(pipe, "freeze prod until monday", who=ALICE)
    assert r.kind == "refuse"
    assert "freeze-override" in r.text
    assert pipe.store.freezes.active() == []
    assert pipe.store.changes.list() == []


def test_someone_outside_freeze_override_cannot_lift(make_pipeline):
    pipe = make_pipeline()
    ask(pipe, "freeze prod for 2h", who=ERIN)
    r = ask(pipe, "lift the prod freeze", who=ALICE)
    assert r.kind == "refuse"
    assert "freeze-override" in r.text
    assert len(pipe.store.freezes.active()) == 1


def test_lifting_needs_an_approval_from_another_freeze_override_member(make_pipeline):
    pipe = make_pipeline(policy=_two_overriders())
    ask(pipe, "freeze prod for 2h", who=ERIN)
    r = ask(pipe, "lift the prod freeze", who=ERIN)
    assert r.kind == "change" and r.change.state == "pending"
    assert r.decision.approvals_required == 1 and r.decision.approver_groups == ["freeze-override"]
    assert r.decision.extra == []  # the freeze does not freeze its own lifting
    assert len(pipe.store.freezes.active()) == 1  # nothing lifted before the approval
    own = pipe.changes.approve(r.change.id, ERIN)
    assert not acted(own)
    regular = pipe.changes.approve(r.change.id, BOB)  # an approver, but not in freeze-override
    assert not acted(regular)
    done = pipe.changes.approve(r.change.id, FRANK)
    assert acted(done) and done.state == "succeeded"
    assert pipe.store.freezes.active() == []
    assert [e.result["state"] for e in events(pipe.store, event="freeze")] == ["declared", "lifted"]
    assert ask(pipe, "roll coder-assist back").decision.extra == []


def test_lifting_a_freeze_that_is_not_there_says_so(make_pipeline):
    pipe = make_pipeline()
    r = ask(pipe, "lift the prod freeze", who=ERIN)
    assert r.kind == "error"
    assert "policy reload" in r.text
    assert pipe.store.changes.list() == []


def test_an_expired_freeze_stops_applying_by_itself(make_pipeline):
    now = [datetime.now(UTC)]
    pipe = make_pipeline(clock=lambda: now[0])
    ask(pipe, "freeze prod for 1h", who=ERIN)
    assert [x.group for x in ask(pipe, "roll coder-assist back").decision.extra] == ["freeze-override"]
    now[0] += timedelta(hours=1, minutes=1)
    assert pipe.store.freezes.active(now[0]) == []
    assert ask(pipe, "roll coder-assist back").decision.extra == []


def test_declaring_the_same_freeze_again_changes_nothing_and_a_new_end_replaces_it(make_pipeline):
    pipe = make_pipeline()
    first = ask(pipe, "freeze staging and prod until 2099-12-24T00:00Z", who=ERIN)
    assert first.change.state == "succeeded"
    again = ask(pipe, "freeze staging and prod until 2099-12-24T00:00Z", who=ERIN)
    assert again.kind == "noop"
    longer = ask(pipe, "freeze staging and prod until 2099-12-31T00:00Z", who=ERIN)
    assert longer.change.state == "succeeded"
    (fz,) = pipe.store.freezes.active()
    assert fz.name == "staging-prod" and fz.end.startswith("2099-12-31")


def test_the_chat_card_of_a_frozen_change_has_a_freeze_line(make_pipeline):
    import io

    from bot.cli.cmd_chat import show_reply

    pipe = make_pipeline()
    ask(pipe, "freeze prod for 2h because release week", who=ERIN)
    out = io.StringIO()
    show_reply(ask(pipe, "roll coder-assist back"), out)
    (line,) = [x for x in out.getvalue().splitlines() if x.startswith("❄ frozen:")]
    assert "freeze 'prod'" in line
    assert "freeze-override" in line
