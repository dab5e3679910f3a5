"""Issue 12 over HTTP: a click from another workspace is refused and audited; a pasted secret is masked and
the person told; an acknowledged click or command is persisted before its ack and runs once after a restart
even when the process never got to it."""
from __future__ import annotations

import json
from urllib.parse import quote

from slack_client import slack_json
from slack_env import executions, slack_app, wait_until

from bot.slack.worker import JobRunner

STAGING_ONE = """
ttl: 4h
rules:
  "*":
    "*": {approvals: 1}
"""
VALUE = json.dumps({"id": "1", "v": 1})


def _click_from(env, team: str, user: str = "U0BOB"):
    payload = env.sender.click_payload("fleet_approve", VALUE, user=user, channel="C0OPS", message_ts="1.000100")
    payload["team"] = {"id": team, "domain": "elsewhere"}
    payload["user"]["team_id"] = team
    return env.sender.post("payload=" + quote(slack_json(payload)), "application/x-www-form-urlencoded")


def test_a_click_from_another_workspace_is_refused_and_audited(fake, tmp_path):
    with slack_app(fake, tmp_path, policy=STAGING_ONE) as env:
        assert env.sender.slash("deploy gemma 3 4b as ws-check on aks-westus3-staging-1", user="U0ALICE").status == 200
        env.card("1")
        assert _click_from(env, "T0OTHER").status == 200
        env.idle()
        told = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "U0BOB")
        assert "another Slack workspace" in told[0].body["text"]
        assert env.store.changes.get("1").state == "pending"
        (ev,) = env.store.audit.list(change_id="1", event="approval_refused")
        assert ev.result["counted"] is False and ev.result["workspace"] == "T0OTHER"
        assert _click_from(env, "T0TEAM").status == 200
        env.idle()
        assert env.store.changes.get("1").state == "succeeded"


def test_a_pasted_secret_is_masked_and_the_person_told(fake, tmp_path):
    token = "xoxp-2222222222-3333333333-ZyXwVuTsRqPoNmLkJiHgFeDc"
    with slack_app(fake, tmp_path) as env:
        r = env.sender.slash(f"list clusters {token}", user="U0ALICE", response_url=fake.response_url("sec"))
        assert r.status == 200
        env.idle()
        said = fake.wait_for("response_url", lambda c: c.path.endswith("sec") and "looked like a secret"
                             in c.body.get("text", ""))
        assert said
        rows = json.dumps([e.model_dump() for e in env.store.audit.list(limit=None)])
        assert token not in rows
        assert all(token not in json.dumps(j.model_dump()) for j in env.store.jobs.list())


def test_acked_work_persisted_before_the_ack_runs_once_after_a_restart(fake, tmp_path, monkeypatch):
    # the first process acks a command and a click, then "dies" before any worker ran them
    with monkeypatch.context() as m:
        m.setattr(JobRunner, "start", lambda self: self)
        with slack_app(fake, tmp_path, policy=STAGING_ONE) as env:
            r = env.sender.slash("deploy gemma 3 4b as gemma-kept on aks-westus3-staging-1", user="U0ALICE")
            assert r.status == 200 and "Working on" in r.body
            assert _click_from(env, "T0TEAM").status == 200
            assert [j.kind for j in env.store.jobs.list("queued")] == ["command", "approve"]
            assert env.store.changes.list() == []
    # the restarted bot finds both jobs and runs each once, in order (one worker and no separate execution lane:
    # the click needs the change)
    with slack_app(fake, tmp_path, policy=STAGING_ONE, workers=1, execution_threads=0) as env:
        env.idle()
        wait_until(lambda: env.store.changes.get("1").state == "succeeded", what="the change to run")
        assert executions(env, "1") == 1
        assert [j.state for j in env.store.jobs.list()] == ["done", "done"]
        counted = [e for e in env.store.audit.list(change_id="1", event="approval") if e.result["counted"]]
        assert [e.actor for e in counted] == ["U0BOB"]
        assert env.sender.slash("list clusters", user="U0ALICE").status == 200
        env.idle()
        assert len(env.store.jobs.list("done")) == 3
