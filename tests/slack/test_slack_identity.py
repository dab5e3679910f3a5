"""Slack user groups → policy groups: usergroups.list with include_users, cached with a TTL; an approver
who is only in a Slack user group can approve; someone outside gets an ephemeral explanation."""
from __future__ import annotations

from slack_env import TOKEN, button_value, slack_app, wait_until
from slack_sdk import WebClient

from bot.slack.directory import Directory

POLICY = """
ttl: 4h
groups:
  approvers:
    users: [U0CAROL]
    usergroups: [S0SRE]
rules:
  "*":
    dev: {approvals: 0}
    staging: {approvals: 1}
    prod: {approvals: 2, approver_groups: [approvers]}
"""


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_directory_maps_users_to_groups_and_caches(fake):
    fake.usergroups.append({"id": "S0DBA", "users": ["U0BOB"]})
    fake.usergroups.append({"id": "S0GONE", "users": ["U0BOB"], "date_delete": 1700000000})
    clock = Clock()
    d = Directory(WebClient(token=TOKEN, base_url=fake.url), ttl=300, clock=clock)
    bob = d.actor("U0BOB", "bob")
    assert (bob.id, bob.name, bob.usergroups) == ("U0BOB", "bob", frozenset({"S0SRE", "S0DBA"}))
    assert d.actor("U0GRACE").usergroups == frozenset({"S0SRE"})
    assert d.actor("U0ZED").usergroups == frozenset()
    assert len(fake.calls("usergroups.list")) == 1
    assert fake.calls("usergroups.list")[0].body["include_users"] in ("1", "true", True)
    fake.usergroups.append({"id": "S0NEW", "users": ["U0ZED"]})
    clock.t += 299
    assert d.usergroups("U0ZED") == frozenset()
    clock.t += 2
    assert d.usergroups("U0ZED") == frozenset({"S0NEW"})
    assert len(fake.calls("usergroups.list")) == 2
    grace = lambda c: c.body["user"] == "U0GRACE"  # noqa: E731
    before = len(fake.calls("users.info", grace))  # looked up once at t=1000, expired since
    assert d.actor("U0GRACE").name == "u0grace"
    d.actor("U0GRACE")
    assert len(fake.calls("users.info", grace)) == before + 1 == 2


def test_directory_survives_a_refusing_slack(fake):
    fake.fail("usergroups.list", error="missing_scope", status=200)
    clock = Clock()
    d = Directory(WebClient(token=TOKEN, base_url=fake.url), ttl=60, clock=clock)
    assert d.usergroups("U0BOB") == frozenset()
    assert d.usergroups("U0GRACE") == frozenset()
    assert len(fake.calls("usergroups.list")) == 1  # the failure is cached too
    clock.t += 61
    assert d.usergroups("U0GRACE") == frozenset({"S0SRE"})


def test_usergroup_member_approves_and_outsider_is_told_why(fake, tmp_path):
    with slack_app(fake, tmp_path, policy=POLICY) as env:
        env.sender.slash("deploy phi-4 to 2 prod clusters in the us", user="U0ALICE",
                         response_url=fake.response_url("d"))
        card = env.card("1")
        ts = env.store.changes.get("1").message_ts
        env.sender.click("fleet_approve", button_value(card), user="U0ZED", message_ts=ts)
        refused = fake.wait_for("chat.postEphemeral", lambda c: c.body["user"] == "U0ZED")[0]
        assert "only members of approvers" in refused.body["text"]
        env.sender.click("fleet_approve", button_value(card), user="U0GRACE", message_ts=ts)
        fake.wait_for("chat.postEphemeral", lambda c: c.body["user"] == "U0GRACE" and "recorded" in c.body["text"])
        approval = env.store.changes.get("1").approvals[0]
        assert (approval.actor, approval.usergroups) == ("U0GRACE", ["S0SRE"])
        env.sender.click("fleet_approve", button_value(card), user="U0CAROL", message_ts=ts)
        wait_until(lambda: env.store.changes.get("1").state == "succeeded", what="the execution")
