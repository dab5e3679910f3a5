"""The change-request card: plan, per-cluster diff, GPU and cost delta, policy, approvals, buttons,
progress and result. ``change_card(change, progress)`` is pure: the same stored request (and progress)
always gives the same message, so an update can be re-rendered from the store at any time.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from audit.models import ChangeRequest, ChangeState
from bot.policy import Decision
from bot.policy.freezes import freeze_notes
from bot.slack import blocks as B
from bot.slack import messages as M
from bot.slack.attention import attention_blocks
from bot.slack.progress import Progress
from bot.slack.rollback_card import rollback_blocks as failed_rollback_blocks
from tools.plan import Plan
from tools.plan_text import intent_line, names, part_lines, part_outcome_lines, verb

APPROVE = "fleet_approve"
REJECT = "fleet_reject"
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
CLOSED_NOTICE_STATES = frozenset({ChangeState.ATTENTION} | {s for s in ChangeState if s.terminal})


def who(user: str | None) -> str:
    """A mention for a Slack user id, the escaped name otherwise (ids from the terminal, etc.)."""
    if not user:
        return "-"
    return f"<@{user}>" if _SLACK_USER.match(user) else escape_name(user)


def escape_name(name: str) -> str:
    return f"*{B.escape(name)}*"


def button_value(change: ChangeRequest) -> str:
    """What Approve/Reject carry: the change id and the plan version the card shows."""
    return json.dumps({"id": change.id, "v": change.version}, separators=(",", ":"))


def parse_button_value(value: str | None) -> tuple[str, int | None] | None:
    """``(change id, plan version)`` from a button value; None if it is not one of ours."""
    try:
        data = json.loads(value or "")
        cid = str(data["id"])
        version = data.get("v")
        return cid, (int(version) if version is not None else None)
    except (ValueError, TypeError, KeyError):
        return None


def signed(n: float, money: bool = False) -> str:
    if money:
        return f"{'+' if n >= 0 else '−'}${abs(n):,.2f}"
    return f"{'+' if n >= 0 else '−'}{abs(int(n))}"


def plan_of(change: ChangeRequest) -> Plan | None:
    try:
        return Plan.model_validate(change.plan) if change.plan else None
    except ValidationError:
        return None


def decision_of(change: ChangeRequest) -> Decision | None:
    try:
        return Decision.model_validate(change.decision) if change.decision else None
    except ValidationError:
        return None


def args_text(args: Any) -> str:
    if not isinstance(args, dict) or not args:
        return M.CARD_NO_ARGS
    parts = []
    for k, v in args.items():
        v = ",".join(map(str, v)) if isinstance(v, list) else v
        parts.append(f"`{B.escape(k)}={B.escape(v)}`")
    return B.cut(" ".join(parts), 1900)


def _epoch(iso: str | None) -> int | None:
    if not iso:
        return None
    try:
        return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def status_text(change: ChangeRequest) -> str:
    """One phrase for the state: what is still needed while pending, the state otherwise."""
    d = decision_of(change)
    if change.state == ChangeState.PENDING and d is not None:
        return M.CARD_STATUS_PENDING.format(needed=d.still_needed(change.approvals))
    return M.CARD_STATUS_OTHER.format(state=change.state)


def _fields(change: ChangeRequest, plan: Plan | None) -> list[str]:
    out = [M.CARD_REQUESTED_BY.format(who=who(change.requester)),
           M.CARD_STATE.format(emoji=M.STATE_EMOJI.get(change.state, M.DEFAULT_EMOJI), state=change.state),
           M.CARD_TOOL.format(tool=B.escape(change.tool)),
           M.CARD_ARGS.format(args=args_text(change.args))]
    if plan is not None:
        if plan.peak_gpu_delta and plan.peak_gpu_delta != plan.gpu_delta:
            out.append(M.CARD_GPUS_PEAK.format(delta=signed(plan.gpu_delta), peak=signed(plan.peak_gpu_delta)))
        else:
            out.append(M.CARD_GPUS.format(delta=signed(plan.gpu_delta)))
        out.append(M.CARD_COST.format(delta=signed(plan.cost_delta_per_hour, money=True)))
        out.append(M.CARD_PLAN.format(version=change.version, hash=plan.hash[:10], strategy=plan.strategy))
    epoch = _epoch(change.expires_at)
    if change.state == ChangeState.PENDING and epoch is not None:
        out.append(M.CARD_EXPIRES.format(epoch=epoch, iso=B.escape(change.expires_at)))
    return out


def _actions(change: ChangeRequest, plan: Plan) -> list[B.Block]:
    """One line per cluster (add / keep / remove / replace …, as ``tools.plan_text.cluster_lines`` says them),
    then the clusters a placement-based target left out with the reason; long lists end with a note."""
    lines = []
    for a in plan.actions:
        parts = [f"`{B.escape(a.instance_type)}`"] if a.instance_type else []
        if a.gpu_delta:
            parts.append(f"{signed(a.gpu_delta)} GPU")
        if a.cost_delta_per_hour:
            parts.append(f"{signed(a.cost_delta_per_hour, money=True)}/h")
        extra = M.CARD_ACTION_EXTRA.format(parts=" · ".join(parts)) if parts else ""
        lines.append(M.CARD_ACTION.format(emoji=M.ACTION_EMOJI.get(a.action, M.DEFAULT_EMOJI), action=verb(a.action),
                                          cluster=B.escape(a.cluster), extra=extra,
                                          detail=B.escape(B.cut(a.detail, 300))))
    how = M.HOW_FULL_DIFF.format(id=change.id)
    out = B.bullet_sections(lines, title=M.CARD_ACTIONS_TITLE, max_lines=20, what=M.WHAT_CLUSTER_ACTIONS,
                            how=how) if lines else []
    left = [M.CARD_LEFT_OUT.format(cluster=B.escape(c), reason=B.escape(B.cut(r, 300)))
            for c, r in sorted(plan.left_out.items())]
    if left:
        out += B.bullet_sections(left, title=M.CARD_LEFT_OUT_TITLE, max_lines=10, what=M.WHAT_LEFT_OUT, how=how)
    return out


def _parts(change: ChangeRequest, plan: Plan) -> list[B.Block]:
    """A plan made of parts (``drain_cluster``), deployment by deployment (``tools.plan_text.part_lines``):
    what each part does and its clusters that change; once it ran, one outcome line per part."""
    if not plan.parts:
        return []
    how = M.HOW_FULL_DIFF.format(id=change.id)
    lines = [B.escape(B.cut(line, 500)) for line in part_lines(plan)]
    out = B.bullet_sections(lines, title=M.CARD_PARTS_TITLE, max_lines=30, what=M.WHAT_PART_LINES, how=how)
    outcome = change.outcome if isinstance(change.outcome, dict) else {}
    done = [B.escape(B.cut(line, 500)) for line in part_outcome_lines(plan, outcome)]
    if done:
        out += B.bullet_sections(done, title=M.CARD_PARTS_OUTCOME_TITLE, max_lines=20, what=M.WHAT_PART_LINES,
                                 how=how)
    return out


def _approvals(change: ChangeRequest, d: Decision | None) -> B.Block:
    need = d.approvals_required + sum(r.approvals for r in d.extra) if d else change.approvals_required
    names = ", ".join(who(a.actor) for a in change.approvals)
    parts = [M.CARD_APPROVED_BY.format(who=names, have=len(change.approvals), need=need) if names
             else M.CARD_APPROVED_BY_NONE.format(need=need)]
    if change.state == ChangeState.PENDING and d is not None:
        parts.append(M.CARD_STILL_NEEDED.format(needed=B.escape(d.still_needed(change.approvals))))
    return B.context(*parts)


def _cluster_lines(states: dict[str, tuple[str, str]]) -> list[str]:
    lines = []
    for cluster, (state, message) in sorted(states.items()):
        msg = f" — {B.escape(B.cut(message, 200))}" if message and message != state else ""
        lines.append(M.CARD_PROGRESS_CLUSTER.format(emoji=M.CLUSTER_EMOJI.get(state, M.DEFAULT_EMOJI),
                                                    cluster=B.escape(cluster), state=B.escape(state), message=msg))
    return lines


def _progress(change: ChangeRequest, progress: Progress | None) -> list[B.Block]:
    states: dict[str, tuple[str, str]] = {}
    step = None
    outcome = change.outcome if isinstance(change.outcome, dict) else None
    if progress is not None:
        states = {c: (p.state, p.message) for c, p in progress.clusters.items()}
        step = progress.step
    if outcome and isinstance(outcome.get("clusters"), dict):
        for c, s in outcome["clusters"].items():
            if isinstance(s, dict):
                states[c] = (str(s.get("state") or "Unknown"), str(s.get("message") or s.get("reason") or ""))
    if not states and not (step and change.state == ChangeState.EXECUTING):
        return []
    lines = _cluster_lines(states)
    if step and change.state == ChangeState.EXECUTING:
        lines.insert(0, M.CARD_PROGRESS_STEP.format(step=B.escape(B.cut(step, 300))))
    return B.bullet_sections(lines, title=M.CARD_PROGRESS_TITLE, max_lines=25, what=M.WHAT_CLUSTERS,
                             how=M.HOW_FULL_DIFF.format(id=change.id))


def _outcome(change: ChangeRequest) -> list[B.Block]:
    if change.state in (ChangeState.PENDING, ChangeState.APPROVED, ChangeState.EXECUTING):
        return []
    outcome = change.outcome if isinstance(change.outcome, dict) else {}
    message = outcome.get("message") or change.reason or ""
    text = M.CARD_OUTCOME.format(emoji=M.STATE_EMOJI.get(change.state, M.DEFAULT_EMOJI), state=change.state,
                                 message=B.escape(B.cut(str(message), 2500)))
    return [B.section(text)]


def _buttons(change: ChangeRequest) -> B.Block:
    if change.state != ChangeState.PENDING:
        return B.context(M.CARD_CLOSED.format(emoji=M.STATE_EMOJI.get(change.state, M.DEFAULT_EMOJI),
                                              state=change.state))
    value = button_value(change)
    confirm = B.confirm_dialog(M.CONFIRM_TITLE.format(id=change.id),
                               M.CONFIRM_TEXT.format(version=change.version, summary=change.summary or ""),
                               M.CONFIRM_YES, M.CONFIRM_NO)
    return B.actions(f"change:{change.id}:v{change.version}",
                     B.button(M.BUTTON_APPROVE, APPROVE, value, "primary", confirm),
                     B.button(M.BUTTON_REJECT, REJECT, value, "danger"))


def change_card(change: ChangeRequest, progress: Progress | None = None) -> dict[str, Any]:
    """The whole card as a message payload (``text`` + ``blocks``)."""
    plan = plan_of(change)
    d = decision_of(change)
    # cordon/uncordon/drain plans have no deployment: the header names the cluster asked for (else the clusters)
    deployment = (plan.deployment or str(plan.args.get("name") or "") or names(plan.clusters)) if plan else ""
    summary = B.escape(intent_line(plan) if plan is not None else change.summary)
    blocks: list[B.Block] = [
        B.header(M.CARD_HEADER.format(id=change.id, tool=change.tool, deployment=deployment)),
        B.section(B.cut(summary, 1500), fields=_fields(change, plan)),
    ]
    if plan is not None:
        blocks += _parts(change, plan)
        blocks += _actions(change, plan)
        if plan.diff:
            blocks.append(B.section(M.CARD_DIFF_TITLE))
            blocks += B.code_sections(plan.diff, max_blocks=2, how=M.HOW_FULL_DIFF.format(id=change.id))
    if d is not None:
        blocks.append(B.section(M.CARD_POLICY.format(reason=B.escape(d.reason))))
        blocks += [B.context(M.CARD_FREEZE.format(note=B.escape(n))) for n in freeze_notes(d)]
    blocks.append(_approvals(change, d))
    blocks += _progress(change, progress)
    blocks += _outcome(change)
    blocks.append(_buttons(change))
    if change.state == ChangeState.ATTENTION:  # Finish / Undo / Mark reviewed (bot/slack/attention.py)
        blocks += attention_blocks(change)
    blocks += failed_rollback_blocks(change)  # a failure that left something: one-click rollback
    text = M.CARD_FALLBACK.format(id=change.id, state=change.state, summary=B.cut(summary, 1500),
                                  status=B.escape(status_text(change)))
    return B.message(text, blocks, how=M.HOW_FULL_DIFF.format(id=change.id))


def home_row_buttons(change: ChangeRequest) -> B.Block:
    """Approve / Reject for a pending request listed in App Home (same values as on the card)."""
    value = button_value(change)
    return B.actions(f"home:{change.id}:v{change.version}",
                     B.button(M.BUTTON_APPROVE, APPROVE, value, "primary"),
                     B.button(M.BUTTON_REJECT, REJECT, value, "danger"))
