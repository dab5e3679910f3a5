"""What the buttons on an incident do, for any front end: open a change request, or mute it.

"Move off <cluster>" opens ``move {deployment, from_clusters: [cluster]}`` and "Drain <cluster>" opens
``drain_cluster {name: cluster}``, both through the pipeline's normal path as the person who clicked:
the tool plans, the policy decides, the change service opens the request (and carries it out at once when
the policy needs no approval), every step audited. Each (incident, action) opens at most one request:
the delivery id ``incident:<id>:<action>`` is claimed first, across processes. "Mute" records who muted it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from audit.incidents import IncidentRecord, IncidentStore
from bot import toolbox
from bot.identity import Actor
from bot.messages import incidents as M
from bot.pipeline import Pipeline, Reply, Request
from tools.args import Args, DrainClusterArgs, MoveArgs

Action = Literal["move_off", "drain"]


@dataclass
class ActionOutcome:
    ok: bool
    text: str
    incident: IncidentRecord | None = None
    reply: Reply | None = None


def incidents_of(pipeline: Pipeline) -> IncidentStore:
    return IncidentStore(pipeline.store.database, pipeline.store.audit)


def tool_taking(args: type[Args]) -> str | None:
    """The name of the tool whose arguments are ``args`` (tool names are spelled only in their own modules)."""
    return next((name for name, tool in toolbox.TOOLS.items() if tool.args is args), None)


def _call(action: Action, rec: IncidentRecord) -> tuple[str, Args] | str:
    """The typed tool call behind a button, or the reason there is none."""
    if action == "move_off":
        move = tool_taking(MoveArgs)
        if not rec.deployment or move is None:
            return M.MOVE_NEEDS_DEPLOYMENT.format(id=rec.id, cluster=rec.cluster)
        return move, MoveArgs(deployment=rec.deployment, from_clusters=[rec.cluster])
    drain = tool_taking(DrainClusterArgs)
    if drain is None:
        return M.NO_DRAIN.format(cluster=rec.cluster)
    return drain, DrainClusterArgs(name=rec.cluster)


def open_change(pipeline: Pipeline, incident_id: int, action: Action, actor: Actor, *, channel: str | None = None,
                thread_ts: str | None = None, source: str = "incident") -> ActionOutcome:
    """Open the change request a button asks for, as ``actor``; the outcome says what happened in one sentence."""
    rec = incidents_of(pipeline).get(incident_id)
    if rec is None:
        return ActionOutcome(False, M.NO_SUCH_INCIDENT.format(id=incident_id))
    if not rec.is_open:
        return ActionOutcome(False, M.ALREADY_CLOSED.format(id=rec.id), rec)
    call = _call(action, rec)
    if isinstance(call, str):
        return ActionOutcome(False, call, rec)
    tool, args = call
    words = (M.ACTION_MOVE if action == "move_off" else M.ACTION_DRAIN).format(deployment=rec.deployment,
                                                                          cluster=rec.cluster)
    if not pipeline.store.claim_delivery(f"incident:{rec.id}:{action}"):
        return ActionOutcome(False, M.ALREADY_REQUESTED.format(action=words, id=rec.id), rec)
    text = M.REQUEST_TEXT.format(action=words, id=rec.id)
    req = Request(actor=actor, text=text, channel=channel, thread_ts=thread_ts, source=source)
    audit = pipeline.store.audit
    audit.record("request", actor=actor.id, channel=channel, message=text,
                 args={"source": source, "thread_ts": thread_ts, "incident": rec.id})
    audit.record("interpretation", actor=actor.id, channel=channel, tool=tool, args=args.given(),
                 result={"kind": "tool_call", "tool": tool, "args": args.given(), "incident": rec.id})
    reply = pipeline.propose(req, tool, args)  # the pipeline's own plan → policy → open path
    return ActionOutcome(*_told(reply, rec), rec, reply)


def _told(reply: Reply, rec: IncidentRecord) -> tuple[bool, str]:
    if reply.kind == "change" and reply.change is not None:
        c = reply.change
        return True, M.CHANGE_OPENED.format(id=c.id, incident=rec.id, summary=reply.text, state=c.state)
    return False, M.CHANGE_REFUSED.format(incident=rec.id, text=reply.text)


def mute(pipeline: Pipeline, incident_id: int, actor: Actor) -> ActionOutcome:
    store = incidents_of(pipeline)
    rec = store.get(incident_id)
    if rec is None:
        return ActionOutcome(False, M.NO_SUCH_INCIDENT.format(id=incident_id))
    muted = store.mute(rec.id, actor.id, message=M.AUDIT_MUTED.format(id=rec.id))
    if muted is None:
        return ActionOutcome(False, M.ALREADY_MUTED.format(id=rec.id), rec)
    return ActionOutcome(True, M.MUTED.format(id=rec.id), muted)

