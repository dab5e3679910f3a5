"""Messages for pipeline replies other than change cards: read-only results (inventory and deployment
tables, placement with reasons, change lists, the audit log), clarifications, refusals, errors, help.
Pure functions from values to message payloads (``{"text", "blocks"}``).
"""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from audit.models import ChangeRequest
from bot.slack import blocks as B
from bot.slack import messages as M
from bot.slack.cards import change_card, who
from bot.slack.show_all_button import show_all_blocks
from tools.list_clusters import ListClustersResult
from tools.list_deployments import ListDeploymentsResult
from tools.messages import tools as TM
from tools.placement_result import Placement
from tools.plan_text import Question, question_of
from tools.render import filters_text, money, table

MAX_TABLE_ROWS = 30
MAX_LIST_ROWS = 20


def _first_line(text: str) -> str:
    return (text or "").strip().split("\n", 1)[0]


def _table_blocks(head: tuple[str, ...], rows: list[tuple], *, what: str, how: str, count: int,
                  right: tuple[int, ...] = ()) -> list[B.Block]:
    shown = rows[:MAX_TABLE_ROWS]
    out = B.code_sections(table(head, shown, right=right), max_blocks=4, how=how)
    if count > len(shown):
        out.append(B.context(M.TRUNCATED_ROWS.format(more=count - len(shown), what=what, how=how)))
    return out


def clusters_message(result: Any, tool: str | None = None, args: Any = None) -> dict[str, Any]:
    """``list_clusters``: one row per instance type (first row of a cluster carries its name). Summarised
    (a large fleet): a "Show all" button carrying the tool call (``tool``, ``args``) when given."""
    filt = filters_text(getattr(result, "filters", {}) or {})
    title = M.CLUSTERS_HEADER.format(n=len(result.clusters), filters=f" ({filt})" if filt else "")
    rows: list[tuple] = []
    shown = 0
    for c in result.clusters:
        if len(rows) >= MAX_TABLE_ROWS:
            break
        shown += 1
        first = (c.name, c.region, c.environment, c.status)
        if not c.gpus:
            rows.append(first + (None, None, None, None, None))
        for i, p in enumerate(c.gpus):
            lead = first if i == 0 else ("", "", "", "")
            rows.append(lead + (p.instance_type, p.gpu, f"{p.free_nodes}/{p.capacity_nodes}", p.free_gpus,
                                p.price_per_node_hour))
    blocks = [B.section(f"*{B.escape(title)}*")]
    blocks += B.code_sections(table(("CLUSTER", "REGION", "ENV", "STATUS", "INSTANCE TYPE", "GPU", "FREE/CAP",
                                     "FREE GPUS", "$/NODE-H"), rows, right=(7, 8)),
                              max_blocks=4, how=M.HOW_NARROW_CLUSTERS)
    if len(result.clusters) > shown:
        blocks.append(B.context(M.TRUNCATED_ROWS.format(more=len(result.clusters) - shown, what=M.WHAT_CLUSTERS,
                                                        how=M.HOW_NARROW_CLUSTERS)))
    if getattr(result, "summarised", False):  # a large fleet: the not-placeable ones by status, a few named each
        blocks.insert(1, B.context(B.escape(result.status_line())))
        notes = [M.NOT_PLACEABLE_GROUP.format(
            count=f"{n:,}", status=B.escape(status),
            examples="; ".join(M.NOT_PLACEABLE_EXAMPLE.format(name=B.escape(c.name),
                                                          reason=B.escape(B.cut(c.ineligible_reason or _taints(c), 150)))
                               for c in some)) for status, n, some in result.not_placeable_groups()]
        blocks += show_all_blocks(tool, args)
    else:
        notes = [M.NOT_PLACEABLE_ROW.format(name=B.escape(c.name),
                                            reason=B.escape(c.ineligible_reason or _taints(c)))
                 for c in result.clusters if c.status != TM.OK]
    if notes:
        blocks += B.bullet_sections(notes, title=M.NOT_PLACEABLE, max_lines=15, what=M.WHAT_CLUSTERS,
                                    how=M.HOW_NARROW_CLUSTERS)
    return B.message(title, blocks, how=M.HOW_NARROW_CLUSTERS)


def _taints(c: Any) -> str:
    return "tainted " + ", ".join(f"{t.key}={t.value}:{t.effect}" for t in getattr(c, "taints", []))


def deployments_message(result: Any) -> dict[str, Any]:
    filt = filters_text(getattr(result, "filters", {}) or {})
    title = M.DEPLOYMENTS_HEADER.format(n=len(result.deployments), filters=f" ({filt})" if filt else "")
    rows = [(d.name, d.model, d.instance_type, d.replicas, d.revision, d.status,
             ", ".join(f"{s.cluster}={s.state}" for s in d.clusters)) for d in result.deployments]
    blocks = [B.section(f"*{B.escape(title)}*")]
    blocks += _table_blocks(("DEPLOYMENT", "MODEL", "INSTANCE TYPE", "REPLICAS", "REV", "STATUS", "CLUSTERS"),
                            rows, what=M.WHAT_DEPLOYMENTS, how=M.HOW_NARROW_DEPLOYMENTS, count=len(rows),
                            right=(3, 4))
    return B.message(title, blocks, how=M.HOW_NARROW_DEPLOYMENTS)


def placement_message(p: Any, tool: str | None = None, args: Any = None) -> dict[str, Any]:
    """``plan_placement``: the chosen clusters with their reasons, every rejection, and suggestions (grouped by
    reason over a large fleet, with a "Show all" button carrying the tool call when given)."""
    filt = filters_text(p.filters or {})
    title = M.PLACEMENT_HEADER.format(model=p.model)
    blocks: list[B.Block] = [
        B.header(title),
        B.section(M.PLACEMENT_SUMMARY.format(model=B.escape(p.model), replicas=p.replicas, count=p.count,
                                             prefer=B.escape(p.prefer),
                                             filters=f" · {B.escape(filt)}" if filt else "")),
    ]
    chosen = [M.PLACEMENT_CHOICE.format(n=i, cluster=B.escape(c.cluster), region=B.escape(c.region or "-"),
                                        nodes=c.nodes, instance_type=B.escape(c.instance_type),
                                        gpu=B.escape(c.gpu), cost=money(c.cost_per_hour),
                                        free=c.free_gpus_after, reason=B.escape(c.reason))
              for i, c in enumerate(p.chosen, 1)]
    blocks += B.bullet_sections(chosen or [M.PLACEMENT_NONE_CHOSEN], title=M.PLACEMENT_CHOSEN, max_lines=20,
                                what=M.WHAT_CLUSTERS, how=M.HOW_NARROW_CLUSTERS)
    blocks.append(B.context(M.PLACEMENT_TOTAL.format(cost=money(p.total_cost_per_hour), found=len(p.chosen),
                                                     count=p.count)))
    if getattr(p, "summarised", False):  # a large fleet: the rejections grouped by reason, a few examples each
        rejected = [M.PLACEMENT_REJECTION_GROUP.format(
            count=f"{g.count:,}", label=B.escape(g.label),
            examples="; ".join(M.PLACEMENT_REJECTION_EXAMPLE.format(cluster=B.escape(r.cluster),
                                                                    reason=B.escape(B.cut(r.reason, 200)))
                               for r in g.examples)) for g in p.rejection_groups()]
        blocks += B.bullet_sections(rejected, title=M.PLACEMENT_REJECTED_GROUPS.format(n=f"{p.rejected_count:,}"),
                                    max_lines=12, what=M.WHAT_REJECTED, how=M.HOW_NARROW_CLUSTERS)
        blocks += show_all_blocks(tool, args)
        rejected = []
    else:
        rejected = [M.PLACEMENT_REJECTION.format(cluster=B.escape(r.cluster), reason=B.escape(r.reason))
                    for r in p.rejected]
    if rejected:
        blocks += B.bullet_sections(rejected, title=M.PLACEMENT_REJECTED, max_lines=25, what=M.WHAT_REJECTED,
                                    how=M.HOW_NARROW_CLUSTERS)
    if p.suggestions:
        blocks += B.bullet_sections([M.PLACEMENT_SUGGESTION.format(text=B.escape(s)) for s in p.suggestions],
                                    title=M.PLACEMENT_SUGGESTIONS, max_lines=10)
    if p.chosen:
        blocks.append(B.context(M.PLACEMENT_HINT.format(model=B.escape(p.model), count=p.count)))
    return B.message(f"{title}: {', '.join(c.cluster for c in p.chosen) or '-'}", blocks)


MAX_FULL_MESSAGES = 20  # "--all" in Slack: at most this many messages (about 3 MB of text)


def wants_full(text: str) -> tuple[bool, str]:
    """A request ending in ``--all`` (or holding it as a word) asks for every row of a large answer:
    (whether it does, the request without it)."""
    words = text.split()
    if "--all" not in words:
        return False, text
    return True, " ".join(w for w in words if w != "--all")


def full_list_messages(tool: str | None, result: Any) -> list[dict[str, Any]]:
    """``--all`` for a summarised answer (placement, inventory): its full text, in as many messages as it
    takes, each within Block Kit's limits (none when the answer was not summarised)."""
    if not getattr(result, "summarised", False):
        return []
    return text_messages(tool, result.render(full=True))


def text_messages(tool: str | None, text: str) -> list[dict[str, Any]]:
    """A long text in as many messages as it takes (at most ``MAX_FULL_MESSAGES``), each within Block Kit's
    limits (code sections of at most 3,000 characters, 49 blocks)."""
    blocks = B.code_sections(text, max_blocks=MAX_FULL_MESSAGES * (B.MAX_BLOCKS - 1))
    per = B.MAX_BLOCKS - 1
    parts = [blocks[i:i + per] for i in range(0, len(blocks), per)]
    return [B.message(M.FULL_LIST_PART.format(tool=tool or "result", n=n, of=len(parts)), part)
            for n, part in enumerate(parts, 1)]


def change_rows(changes: list[ChangeRequest]) -> list[dict[str, Any]]:
    """The shape ``list_changes`` returns, from stored requests."""
    return [{"id": c.id, "state": c.state, "tool": c.tool, "requester": c.requester, "summary": c.summary,
             "approvals": c.approvers, "created_at": c.created_at} for c in changes]


def changes_message(rows: list[dict[str, Any]], status: str | None = None) -> dict[str, Any]:
    title = M.CHANGES_HEADER.format(filter=M.CHANGES_FILTER.format(status=status) if status else "")
    if not rows:
        return B.message(M.CHANGES_NONE, [B.header(title), B.section(M.CHANGES_NONE)])
    lines = []
    for r in rows:
        approvals = (M.CHANGE_ROW_APPROVALS.format(who=", ".join(who(a) for a in r.get("approvals") or []))
                     if r.get("approvals") else M.CHANGE_ROW_NO_APPROVALS)
        lines.append(M.CHANGE_ROW.format(emoji=M.STATE_EMOJI.get(r["state"], M.DEFAULT_EMOJI), id=r["id"],
                                         tool=B.escape(r["tool"]),
                                         summary=B.escape(B.cut(r.get("summary") or "", 300)),
                                         state=r["state"], requester=who(r["requester"]), approvals=approvals,
                                         created=B.escape(str(r.get("created_at") or "")[:16].replace("T", " "))))
    blocks = [B.header(title)] + B.bullet_sections(lines, max_lines=MAX_LIST_ROWS, what=M.WHAT_CHANGES,
                                                   how=M.HOW_NARROW_CHANGES)
    return B.message(f"{title}: {len(rows)}", blocks, how=M.HOW_NARROW_CHANGES)


def audit_message(events: list[dict[str, Any]], filters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Audit events (``AuditEvent`` dicts, newest first) as a table, oldest of the shown ones first."""
    filt = filters_text(filters or {})
    head = B.context(M.AUDIT_FILTERS.format(filters=B.escape(filt)) if filt else M.AUDIT_NO_FILTERS)
    shown = list(reversed(events[:MAX_TABLE_ROWS]))
    rows = [(e.get("id"), str(e.get("ts") or "")[:19].replace("T", " "), e.get("event"), e.get("actor"),
             e.get("change_id"), e.get("tool"), B.cut(" ".join(str(e.get("message") or "").split()), 60))
            for e in shown]
    blocks = [B.header(M.AUDIT_HEADER), head]
    if rows:
        blocks += _table_blocks(("ID", "TIME (UTC)", "EVENT", "ACTOR", "CHANGE", "TOOL", "MESSAGE"), rows,
                                what=M.WHAT_EVENTS, how=M.HOW_NARROW_AUDIT, count=len(events), right=(0,))
    else:
        blocks.append(B.section(M.AUDIT_NONE))
    return B.message(f"{M.AUDIT_HEADER}: {len(events)} event(s)", blocks, how=M.HOW_NARROW_AUDIT)


def text_result_message(tool: str, text: str) -> dict[str, Any]:
    blocks = B.code_sections(text, max_blocks=8)
    return B.message(M.RESULT_FALLBACK.format(tool=tool, first_line=_first_line(text)), blocks)


def result_message(tool: str | None, result: Any, text: str, args: Any = None) -> dict[str, Any]:
    """The message for a read-only tool's result (falls back to its plain-text rendering); ``args``: the
    call's arguments, carried by a summarised answer's "Show all" button."""
    try:
        # chosen by what the result is, not by the tool's name
        if isinstance(result, ListClustersResult):
            return clusters_message(result, tool, args)
        if isinstance(result, ListDeploymentsResult):
            return deployments_message(result)
        if isinstance(result, Placement):
            return placement_message(result, tool, args)
        payload = result.to_json() if hasattr(result, "to_json") else None
        if isinstance(payload, dict) and isinstance(payload.get("changes"), list):
            return changes_message(payload["changes"])
        if isinstance(payload, dict) and isinstance(payload.get("events"), list):
            return audit_message(payload["events"])
        if isinstance(payload, dict) and payload.get("change"):
            return change_card(ChangeRequest.model_validate(payload["change"]))
    except (AttributeError, KeyError, TypeError, ValidationError):
        pass  # an unexpected shape: the plain text below always works
    return text_result_message(tool or "result", text)


def clarify_message(question: str) -> dict[str, Any]:
    return B.mrkdwn_message(M.CLARIFY.format(question=B.escape(question)))


def refuse_message(reason: str) -> dict[str, Any]:
    return B.mrkdwn_message(M.REFUSE.format(reason=B.escape(reason)))


def error_message(error: str) -> dict[str, Any]:
    return B.mrkdwn_message(M.ERROR.format(error=B.escape(error)))


def question_message(q: Question) -> dict[str, Any]:
    """A typed planner refusal (add or move? those clusters cannot take it) as a question: why, per cluster,
    and the requests that answer it."""
    text = M.CLARIFY.format(question=B.escape(q.text))
    blocks = [B.section(text)]
    if q.reasons:
        blocks += B.bullet_sections([M.QUESTION_REASON.format(line=B.escape(r)) for r in q.reasons], max_lines=15,
                                    what=M.WHAT_CLUSTERS)
    if q.options:
        blocks += B.bullet_sections([M.QUESTION_OPTION.format(option=B.escape(o)) for o in q.options],
                                    title=M.QUESTION_OPTIONS, max_lines=10)
    return B.message(text, blocks)


def noop_message(summary: str) -> dict[str, Any]:
    return B.mrkdwn_message(M.NOOP.format(summary=B.escape(summary)))


def reply_message(reply: Any) -> dict[str, Any] | None:
    """The message for a pipeline ``Reply`` that is not a change request (None: nothing to say)."""
    kind = reply.kind
    if kind == "result":
        return result_message(reply.tool, reply.result, reply.text, getattr(reply, "args", None))
    if kind == "clarify":
        return clarify_message(reply.text)
    if kind == "refuse":
        return refuse_message(reply.text)
    if kind == "error":
        q = question_of(reply.result) if isinstance(reply.result, Exception) else None
        return question_message(q) if q is not None else error_message(reply.text)
    if kind == "noop":
        return noop_message(reply.text)
    return None


def help_message() -> dict[str, Any]:
    blocks = [B.header(M.HELP_HEADER), B.section(M.HELP_INTRO)]
    for title, examples in M.HELP_SECTIONS:
        blocks.append(B.section(title + "\n" + "\n".join(f"• `{B.escape(e)}`" for e in examples)))
    blocks.append(B.context(M.HELP_FOOTER))
    return B.message(M.HELP_FALLBACK, blocks)
