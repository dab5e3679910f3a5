"""Block Kit builders: Slack's limits (checked with slack_sdk's own validators), escaping, truncation
notes, text fallbacks, buttons only while pending."""
from __future__ import annotations

import json

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from audit.models import Approval, ChangeRequest
from bot.identity import Actor
from bot.policy import Facts, decide, default_policy
from bot.slack import blocks as B
from bot.slack.cards import change_card, parse_button_value
from bot.slack.home import home_view, reject_modal
from bot.slack.progress import Progress, ProgressBoard
from bot.slack.results import (
    audit_message,
    changes_message,
    clusters_message,
    help_message,
    placement_message,
    result_message,
)
from tools.executor import ProgressEvent
from tools.plan import ClusterAction, Plan

NASTY = "<!channel> & <@U0EVIL> <https://evil.example|click>"


def valid_message(payload: dict) -> list[dict]:
    """Every block parses and validates with slack_sdk's models; Slack's message limits hold."""
    assert payload["text"].strip(), "a top-level text fallback is required"
    assert len(payload["text"]) <= 4000
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= B.MAX_BLOCKS
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()
        _check_texts(raw)
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids))
    return blocks


def _check_texts(raw: dict) -> None:
    if raw["type"] == "section":
        assert len(raw["text"]["text"]) <= 3000
        assert len(raw.get("fields", [])) <= 10
    if raw["type"] == "header":
        assert len(raw["text"]["text"]) <= 150
    for e in raw.get("elements", []):
        if e.get("type") == "button":
            assert len(e["value"]) <= 2000 and len(e["text"]["text"]) <= 75


def all_text(payload: dict) -> str:
    return payload["text"] + json.dumps(payload["blocks"], ensure_ascii=False)


def make_plan(n_clusters: int = 2, diff_lines: int = 8, summary: str = "Create deployment phi-4.") -> Plan:
    actions = [ClusterAction(cluster=f"aks-region{i}-prod-1", action="create", detail=f"start on SKU × 1 ({i})",
                             instance_type="Standard_NC24ads_A100_v4", gpu_delta=1, cost_delta_per_hour=3.49)
               for i in range(n_clusters)]
    return Plan(tool="deploy", args={"model": "microsoft/phi-4"}, deployment="phi-4", strategy="create",
                summary=summary, actions=actions, diff="\n".join(f"  + apply  Thing/{i}" for i in range(diff_lines)),
                gpu_delta=n_clusters, cost_delta_per_hour=3.49 * n_clusters, environments=["prod"],
                clusters=[a.cluster for a in actions]).seal()


def make_change(plan: Plan, state: str = "pending", approvals: tuple[str, ...] = (), **over) -> ChangeRequest:
    decision = decide(default_policy(), Actor("U0ALICE"), Facts(tool="deploy", mutating=True,
                                                                environments=frozenset({"prod"})))
    values = dict(id="7", requester="U0ALICE", channel="C0OPS", tool="deploy", args=plan.args,
                  plan=plan.model_dump(mode="json"), plan_hash=plan.hash, summary=plan.summary,
                  decision=decision.model_dump(mode="json"), approvals_required=2, state=state,
                  created_at="2026-11-01T09:00:00.000Z", expires_at="2026-11-01T13:00:00.000Z",
                  updated_at="2026-11-01T09:00:00.000Z", version=3,
                  approvals=[Approval(change_id="7", actor=a, plan_hash=plan.hash, ts="2026-11-01T09:01:00.000Z")
                             for a in approvals])
    values.update(over)
    return ChangeRequest.model_validate(values)


def mrkdwn_text(payload: dict) -> str:
    """The fallback and every mrkdwn text (plain_text is shown literally, so it is not escaped)."""
    out = [payload.get("text", "")]

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                out.append(node["text"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(payload.get("blocks", []))
    return "\n".join(out)


def buttons(payload: dict) -> list[dict]:
    return [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_pending_card_has_everything_and_buttons_carry_id_and_version():
    card = change_card(make_change(make_plan(), approvals=("U0BOB",)))
    valid_message(card)
    text = all_text(card)
    for expected in ("Change #7", "<@U0ALICE>", "`deploy`", "model=microsoft/phi-4", "+2", "+$6.98/h",
                     "aks-region0-prod-1", "+ apply  Thing/3", "Policy:", "2 approvals from approvers",
                     "<@U0BOB> (1 of 2)", "Still needed:", "1 approval from approvers", "<!date^"):
        assert expected in text, expected
    approve, reject = buttons(card)
    assert (approve["action_id"], approve["style"], reject["action_id"], reject["style"]) == (
        "fleet_approve", "primary", "fleet_reject", "danger")
    assert parse_button_value(approve["value"]) == ("7", 3) == parse_button_value(reject["value"])
    assert "pending" in card["text"] and "needs 1 approval" in card["text"]


@pytest.mark.parametrize("state", ["approved", "executing", "succeeded", "failed", "rejected", "expired",
                                   "cancelled", "stale"])
def test_buttons_are_replaced_once_the_request_leaves_pending(state):
    outcome = {"status": "failed", "message": "phi-4-r1 failed on x: boom", "deployment": "phi-4",
               "clusters": {"aks-region0-prod-1": {"cluster": "aks-region0-prod-1", "state": "Failed",
                                                   "message": "boom"}}} if state == "failed" else None
    card = change_card(make_change(make_plan(), state=state, outcome=outcome, reason="wrong region"))
    valid_message(card)
    assert buttons(card) == []
    assert f"this request is *{state}*" in all_text(card)
    if state == "failed":
        assert ":red_circle: `aks-region0-prod-1` Failed — boom" in all_text(card)
    if state == "rejected":
        assert "wrong region" in all_text(card)


def test_progress_shows_the_step_and_each_cluster():
    board = ProgressBoard()
    for ev in (ProgressEvent(kind="step", message="apply Workspace phi-4-r1"),
               ProgressEvent(kind="cluster", cluster="aks-region0-prod-1", state="Progressing",
                             message="waiting for 1 node"),
               ProgressEvent(kind="cluster", cluster="aks-region1-prod-1", state="Ready", message="Ready"),
               ProgressEvent(kind="step", message="waiting for phi-4-r1 to be ready")):
        board.record("7", ev)
    card = change_card(make_change(make_plan(), state="executing"), board.get("7"))
    valid_message(card)
    text = all_text(card)
    assert "_waiting for phi-4-r1 to be ready_" in text
    assert ":large_blue_circle: `aks-region0-prod-1` Progressing — waiting for 1 node" in text
    assert ":large_green_circle: `aks-region1-prod-1` Ready" in text


def test_user_text_is_escaped_everywhere():
    plan = make_plan(summary=NASTY)
    change = make_change(plan, args={"name": NASTY})
    text = mrkdwn_text(change_card(change))
    assert "<!channel>" not in text and "<@U0EVIL>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U0EVIL&gt;" in text
    for payload in (changes_message([{"id": "1", "state": "pending", "tool": "deploy", "requester": "U0ALICE",
                                      "summary": NASTY, "approvals": [], "created_at": "2026-11-01T09:00"}]),
                    audit_message([{"id": 1, "ts": "2026-11-01T09:00:00Z", "event": "request", "actor": "U0A",
                                    "message": NASTY}])):
        assert "<!channel>" not in mrkdwn_text(payload)


def test_huge_plan_is_cut_with_notes_and_stays_within_limits():
    plan = make_plan(n_clusters=120, diff_lines=3000, summary="x" * 5000)
    board = ProgressBoard()
    for i in range(120):
        board.record("7", ProgressEvent(kind="cluster", cluster=f"aks-region{i}-prod-1", state="Progressing",
                                        message="m" * 400))
    card = change_card(make_change(plan, state="executing", requester="U" + "X" * 30,
                                   tool="deploy"), board.get("7"))
    blocks = valid_message(card)
    notes = [b for b in blocks if b["type"] == "context" and "more" in json.dumps(b)]
    assert notes, "truncated lists must say so"
    assert "fleetops changes show 7" in json.dumps(blocks)


def test_long_header_is_cut_to_150():
    card = change_card(make_change(make_plan(), tool="d" * 400))
    header = card["blocks"][0]
    assert header["type"] == "header" and len(header["text"]["text"]) == 150


class _Result:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _clusters(n: int):
    gpu = _Result(instance_type="Standard_NC24ads_A100_v4", gpu="A100", free_nodes=2, capacity_nodes=4, free_gpus=2,
                  price_per_node_hour=3.67)
    return _Result(clusters=[_Result(name=f"c{i:03d}", region="eastus", environment="prod",
                                     status="ok" if i % 5 else "tainted", gpus=[gpu, gpu],
                                     ineligible_reason=None if i % 5 else "heartbeat 42 min old", taints=[])
                             for i in range(n)], filters={"environment": "prod"})


def test_long_inventory_is_truncated_with_a_note_saying_how_to_narrow_it():
    payload = clusters_message(_clusters(80))
    blocks = valid_message(payload)
    text = json.dumps(blocks, ensure_ascii=False)
    assert "80 cluster(s) (environment=prod)" in payload["text"]
    assert "more clusters" in text and "/fleet list prod clusters" in text
    assert "c000" in text and "c079" not in text.split("Not placeable")[0]


def test_small_inventory_lists_every_cluster():
    blocks = valid_message(clusters_message(_clusters(3)))
    text = json.dumps(blocks, ensure_ascii=False)
    assert all(f"c00{i}" in text for i in range(3)) and "more clusters" not in text


def test_placement_lists_choices_with_reasons_and_rejections(demo):
    from bot import toolbox
    from tools.args import PlanPlacementArgs
    from tools.context import ToolContext

    _, fleet = demo
    result = toolbox.run("plan_placement", PlanPlacementArgs(model="microsoft/phi-4", count=2, geo="us"),
                         ToolContext(fleet.catalog, fleet=fleet))
    payload = result_message("plan_placement", result, result.render())
    blocks = valid_message(payload)
    text = json.dumps(blocks, ensure_ascii=False)
    assert payload == placement_message(result)
    for c in result.chosen:
        assert c.cluster in text and B.escape(c.reason).replace('"', '\\"')[:40] in text
    assert "Not chosen" in text and result.rejected[0].cluster in text


def test_audit_and_changes_lists_are_truncated_with_notes():
    events = [{"id": i, "ts": "2026-11-01T09:00:00.000Z", "event": "request", "actor": "U0ALICE",
               "change_id": None, "tool": "list_clusters", "message": "m" * 100} for i in range(200, 0, -1)]
    payload = audit_message(events, {"actor": "U0ALICE"})
    text = json.dumps(valid_message(payload), ensure_ascii=False)
    assert "170 more audit events" in text and "--since" in text and "actor=U0ALICE" in text
    rows = [{"id": str(i), "state": "pending", "tool": "deploy", "requester": "U0ALICE", "summary": "s",
             "approvals": ["U0BOB"], "created_at": "2026-11-01T09:00"} for i in range(60)]
    text = json.dumps(valid_message(changes_message(rows)), ensure_ascii=False)
    assert "40 more change requests" in text and "approved by <@U0BOB>" in text


def test_help_lists_examples():
    payload = help_message()
    text = json.dumps(valid_message(payload), ensure_ascii=False)
    for example in ("/fleet list clusters", "/fleet deploy phi-4", "/fleet audit --since 24h", "/fleet changes"):
        assert example in text


def test_home_view_and_reject_modal_are_valid_views():
    pending = make_change(make_plan())
    done = make_change(make_plan(), state="succeeded", id="8")
    view = home_view("U0BOB", [pending] * 15, [done], [pending, done], notice=(False, NASTY), updated="now")
    View(**view).validate_json()
    assert len(view["blocks"]) <= B.MAX_VIEW_BLOCKS
    text = json.dumps(view)
    assert "Waiting for you" in text and "5 more" in text and "<!channel>" not in mrkdwn_text(view)
    assert sum(1 for b in view["blocks"] if b["type"] == "actions") == 10
    modal = reject_modal("7", 3, {"c": "C0OPS", "t": "1.2"})
    View(**modal).validate_json()
    assert json.loads(modal["private_metadata"]) == {"c": "C0OPS", "t": "1.2", "id": "7", "v": 3}
    assert len(modal["title"]["text"]) <= 24


def test_progress_view_folds_events():
    p = Progress()
    p.apply(ProgressEvent(kind="cluster", cluster="a", state="Pending", message="Pending"))
    p.apply(ProgressEvent(kind="cluster", cluster="a", state="Ready", message="workspace succeeds"))
    p.apply(ProgressEvent(kind="done", message="phi-4 is now at revision 1"))
    assert (p.clusters["a"].state, p.clusters["a"].message, p.finished, p.events) == (
        "Ready", "workspace succeeds", "done", 3)


def test_code_sections_split_long_text_and_neutralise_fences():
    text = "\n".join(f"line {i} ```" + "y" * 90 for i in range(200))
    blocks = B.code_sections(text, max_blocks=3)
    assert len(blocks) == 4 and "more lines" in blocks[-1]["elements"][0]["text"]
    for b in blocks[:3]:
        body = b["text"]["text"]
        assert body.startswith("```") and body.endswith("```") and len(body) <= 3000
        assert body[3:-3].count("```") == 0


def test_card_says_the_intent_and_every_cluster_before_the_diff_and_the_left_out():
    from tools.plan import Intent

    plan = make_plan(n_clusters=3).model_copy(update={
        "intent": Intent(text="Add aks-region2-prod-1 to phi-4 (keeps aks-region0-prod-1)", args={}),
        "left_out": {"aks-japaneast-prod-1": "tainted fleetops.dev/cordoned=x:NoSchedule"}}).seal()
    card = change_card(make_change(plan))
    valid_message(card)
    text = all_text(card)
    at = text.index("+ apply  Thing/0")
    for mark in ("Add aks-region2-prod-1 to phi-4 (keeps aks-region0-prod-1)", "*add* `aks-region1-prod-1`",
                 "*Left out*", "`aks-japaneast-prod-1` tainted fleetops.dev/cordoned=x:NoSchedule"):
        assert 0 <= text.index(mark) < at, mark


def test_card_of_a_plan_without_deployment_names_its_clusters():
    plan = Plan(tool="cordon_cluster", args={"cluster": "aks-eastus-prod-1"}, deployment="", strategy="in_place",
                summary="Cordon aks-eastus-prod-1 (prod)", clusters=["aks-eastus-prod-1"],
                actions=[ClusterAction(cluster="aks-eastus-prod-1", action="update", detail="add taint")]).seal()
    card = change_card(make_change(plan, tool="cordon_cluster"))
    valid_message(card)
    assert card["blocks"][0]["text"]["text"] == "Change #7 · cordon_cluster aks-eastus-prod-1"
    assert "Cordon aks-eastus-prod-1 (prod)" in all_text(card) and "*update* `aks-eastus-prod-1`" in all_text(card)


def test_long_intent_many_clusters_and_left_out_stay_within_limits():
    from tools.plan import Intent

    plan = make_plan(n_clusters=200, diff_lines=3000).model_copy(update={
        "intent": Intent(text="Move phi-4 " + "x" * 6000, args={}),
        "left_out": {f"c{i:03d}": "r" * 500 for i in range(100)}}).seal()
    blocks = valid_message(change_card(make_change(plan)))
    text = json.dumps(blocks)
    assert "180 more cluster" in text and "90 more left-out clusters" in text
    assert buttons({"blocks": blocks}), "the buttons survive a long plan"


def test_typed_planner_refusals_are_questions_with_choices(snapshot, catalog):
    from bot.slack.results import reply_message
    from tools import deploy
    from tools.args import DeployArgs
    from tools.targets import AddOrMove, ClustersUnfit

    class _Reply:
        kind, text, tool = "error", "raw", "deploy"

        def __init__(self, result):
            self.result = result

    with pytest.raises(ClustersUnfit) as unfit:
        deploy.plan(DeployArgs(model="microsoft/phi-4", clusters=["aks-japaneast-prod-1"]), snapshot, catalog)
    payload = reply_message(_Reply(unfit.value))
    text = all_text(valid_message(payload) and payload)
    assert "cannot go to aks-japaneast-prod-1" in text and "tainted" in text and "Say one of:" in text
    assert "`deploy microsoft/phi-4 to aks-westus3-prod-1`" in text
    move = AddOrMove("phi-4", "microsoft/phi-4", ["aks-westus3-prod-1"], ["aks-centralindia-dev-1"])
    text = all_text(reply_message(_Reply(move)))
    assert "`add aks-centralindia-dev-1 to phi-4`" in text and "`move phi-4 to aks-centralindia-dev-1`" in text
