"""Stage gates of a staged rollout: opened by the execution when KubeFleet asks for an approval (and KAITO serves
on the stage's clusters), approved or rejected by people, each verb one store transaction with its audit event.

Who may approve a gate is the policy for the *next* stage's environment (the prod gate: 2 from approvers, not the
requester), decided when the gate opens and stored with it. Votes are counted exactly once per person and gate
(``audit.gates``); the vote that completes the quorum moves the gate to ``approved`` in the same transaction,
and only then is the approval written on the hub (the ``Approved`` condition on the ClusterApprovalRequest's
status, the way ``kubectl fleet approve`` does), after re-checking that KAITO reports the stage's clusters
ready. A gate the policy lets through without approvals (a next stage that needs none) is approved by policy,
audited as such. Rejecting (the requester, or anyone who could approve the gate; a reason is required) stops
the run (``state: Stop``, the reason on the run): the execution then ends the change as failed, saying which
stages were rolled, and the change card offers the staged rollback.
"""
from __future__ import annotations

from typing import Any

from audit.gates import Gate
from audit.models import ChangeRequest
from bot.changes.base import ServiceBase
from bot.changes.types import Refusal, Why, Workspace
from bot.identity import Actor
from bot.messages import gates as M
from bot.policy import Decision, Facts, decide
from tools.fleet.errors import FleetError
from tools.plan import Plan

GateResult = Gate | Refusal


class Gates(ServiceBase):
    # --- opened by the execution ---------------------------------------------------------------------
    def gate_opened(self, change: ChangeRequest, info: dict[str, Any]) -> Any:
        """Record the gate the execution reported (once), with the policy for its next stage; announce it."""
        plan = Plan.model_validate(change.plan)
        stage = next((s for s in plan.stages if s.name == info.get("stage")), None)
        next_env = (stage.gate_env if stage else None) or info.get("next") or ""
        facts = Facts(tool=change.tool, mutating=True, environments=frozenset({next_env}),
                      clusters=tuple(c for s in plan.stages if s.environment == next_env for c in s.clusters),
                      deployment=plan.deployment)
        decision = decide(self.policy, Actor(change.requester), facts, self.clock())
        with self.store.atomic():
            gate, new = self.store.gates.open(
                request=info["request"], change_id=change.id, run=info.get("run", ""),
                stage=stage.environment if stage else str(info.get("stage")), next_stage=next_env,
                deployment=plan.deployment, clusters=dict(info.get("clusters") or {}),
                decision=decision.model_dump(mode="json"), approvals_required=decision.approvals_required,
                now=self.clock())
            if new:
                self._audit("gate_opened", change, clusters=sorted(gate.clusters), message=M.OPENED.format(
                    stage=gate.stage, next=next_env, needed=decision.still_needed()),
                    result={"gate": gate.request, "stage": gate.stage, "next": next_env, "decision": decision.kind})
        if new and decision.kind == "allow":
            return self._approve_on_hub(change, gate, M.BY_POLICY.format(reason=decision.reason), "policy")
        if new and decision.kind == "deny":
            return self._stop(change, gate, M.POLICY_DENIES.format(next=next_env, reason=decision.reason), "policy")
        self._gate_told(change, gate)
        return gate

    # --- people ------------------------------------------------------------------------------------------
    def _gate_for(self, request: str, actor: Actor, workspace: Workspace | None) -> tuple[Gate, ChangeRequest] | Refusal:
        """The gate a click or command names and its change, or why it cannot be acted on from there."""
        gate = self.store.gates.get(request)
        if gate is None:
            return Refusal(Why.NOT_FOUND, M.NO_SUCH_GATE.format(request=request))
        change = self.get(gate.change_id)
        if self.workspace is not None and workspace is not None and not self.workspace.accepts(workspace):
            return self._refused(change, gate, actor, Why.WRONG_WORKSPACE,
                                 M.WRONG_WORKSPACE.format(got=workspace, want=self.workspace))
        return gate, change

    def approve_gate(self, request: str, actor: Actor, workspace: Workspace | None = None) -> GateResult:
        found = self._gate_for(request, actor, workspace)
        if isinstance(found, Refusal):
            return found
        gate, change = found
        if gate.state != "open":
            return self._refused(change, gate, actor, Why.NOT_OPEN, M.NOT_OPEN.format(stage=gate.stage,
                                                                                      state=gate.state))
        decision = Decision.model_validate(gate.decision)
        if actor.id in gate.voters:
            if decision.is_satisfied(gate.votes):  # the quorum is there but writing it on the hub failed: again
                return self._approve_on_hub(change, gate, M.BY_PEOPLE.format(
                    who=", ".join(v.actor_name or v.actor for v in gate.votes)), actor.id)
            return self._refused(change, gate, actor, Why.ALREADY_APPROVED, M.ALREADY.format(stage=gate.stage))
        ok, why = decision.can_approve(actor, change.requester, gate.votes)
        if not ok:
            return self._refused(change, gate, actor, Why.NOT_ALLOWED, M.NOT_ALLOWED.format(why=why, next=gate.next_stage))
        not_ready = self._not_ready(gate)
        if not_ready:
            return self._refused(change, gate, actor, Why.NOT_OPEN, not_ready)
        with self.store.atomic():
            try:
                res = self.store.gates.add_vote(request, actor.id, actor_name=actor.name,
                                                usergroups=sorted(actor.usergroups), quorum=decision.is_satisfied,
                                                now=self.clock())
            except LookupError:
                return Refusal(Why.NOT_OPEN, M.NOT_OPEN.format(stage=gate.stage, state="decided"), change)
            if not res.counted:
                return Refusal(Why.ALREADY_APPROVED, M.ALREADY.format(stage=gate.stage), change)
            self._audit("gate_approval", change, actor=actor.id, message=M.VOTE_COUNTED.format(stage=gate.stage),
                        result={"gate": request, "counted": True, "votes": res.gate.voters, "quorum": res.approved})
        if res.approved:
            return self._approve_on_hub(change, res.gate, M.BY_PEOPLE.format(
                who=", ".join(v.actor_name or v.actor for v in res.gate.votes)), actor.id)
        self._gate_told(change, res.gate)
        return res.gate

    def may_reject_gate(self, gate: Gate, change: ChangeRequest, actor: Actor) -> bool:
        return actor.id == change.requester or Decision.model_validate(gate.decision).may_decide(actor)

    def reject_gate(self, request: str, actor: Actor, reason: str, workspace: Workspace | None = None) -> GateResult:
        reason = (reason or "").strip()
        if not reason:
            return Refusal(Why.REASON_REQUIRED, M.REASON_REQUIRED)
        found = self._gate_for(request, actor, workspace)
        if isinstance(found, Refusal):
            return found
        gate, change = found
        if not self.may_reject_gate(gate, change, actor):
            return Refusal(Why.CANNOT_REJECT, M.CANNOT_REJECT, change)
        return self._stop(change, gate, M.REJECTED_BY.format(who=actor.name or actor.id, stage=gate.stage,
                                                              reason=reason), actor.id)

    def gates_of(self, change_id: str) -> list[Gate]:
        return self.store.gates.for_change(change_id)

    def open_gates(self, change_id: str | None = None) -> list[Gate]:
        """Open gates (of one change, or of every executing change)."""
        ids = [change_id] if change_id else [c.id for c in self.store.changes.find_executing()]
        return [g for cid in ids for g in self.store.gates.for_change(cid) if g.state == "open"]

    # --- helpers ---------------------------------------------------------------------------------------
    def _not_ready(self, gate: Gate) -> str | None:
        """Why the gate cannot be approved yet: KAITO does not report the stage's clusters ready (re-checked)."""
        plan_name = _kaito_name(self.get(gate.change_id), gate)
        if not plan_name:
            return None
        kind, name = plan_name
        try:
            states = {c: self.executor.fleet.member_state(c, gate.deployment, kind, name) for c in gate.clusters}
        except FleetError as e:
            return M.FLEET_ERROR.format(error=e)
        bad = [f"{c}: {s.state}" for c, s in sorted(states.items()) if s.state != "Ready"]
        return M.NOT_READY.format(name=name, clusters="; ".join(bad)) if bad else None

    def _approve_on_hub(self, change: ChangeRequest, gate: Gate, message: str, by: str) -> Gate:
        try:
            self.executor.fleet.approve_request(gate.request, by, message)
        except FleetError as e:  # the votes stand; the gate goes back to open: a voter's click writes it again
            with self.store.atomic():
                self.store.gates.decide(gate.request, "approved", "open", now=self.clock())
                self._audit("error", change, actor=by, message=M.HUB_WRITE_FAILED.format(error=e),
                            result={"gate": gate.request})
            fresh = self.store.gates.get(gate.request) or gate
            self._gate_told(change, fresh)
            return fresh
        with self.store.atomic():
            if gate.state == "open":
                self.store.gates.decide(gate.request, "open", "approved", reason=message, by=by, now=self.clock())
            self._audit("gate_approved", change, actor=by, message=M.APPROVED.format(stage=gate.stage,
                                                                                   next=gate.next_stage, how=message),
                        result={"gate": gate.request, "stage": gate.stage, "next": gate.next_stage})
        fresh = self.store.gates.get(gate.request) or gate
        self._gate_told(change, fresh)
        return fresh

    def _stop(self, change: ChangeRequest, gate: Gate, why: str, by: str) -> GateResult:
        with self.store.atomic():
            if not self.store.gates.decide(gate.request, "open", "rejected", reason=why, by=by, now=self.clock()):
                now = self.store.gates.get(gate.request) or gate
                return Refusal(Why.NOT_OPEN, M.NOT_OPEN.format(stage=gate.stage, state=now.state), change)
            self._audit("gate_rejection", change, actor=by, message=why,
                        result={"gate": gate.request, "stage": gate.stage, "run": gate.run})
        try:
            self.executor.fleet.stop_run(gate.run, why)
        except FleetError as e:
            with self.store.atomic():
                self._audit("error", change, actor=by, message=M.HUB_STOP_FAILED.format(run=gate.run, error=e),
                            result={"gate": gate.request})
        fresh = self.store.gates.get(gate.request) or gate
        self._gate_told(change, fresh)
        return fresh

    def _refused(self, change: ChangeRequest, gate: Gate, actor: Actor, why: Why, text: str) -> Refusal:
        with self.store.atomic():
            self._audit("gate_approval_refused", change, actor=actor.id, message=text,
                        result={"gate": gate.request, "counted": False, "why": why.value})
        return Refusal(why, text, change)

    def _gate_told(self, change: ChangeRequest, gate: Gate) -> None:
        tell = getattr(self.notifier, "gate_updated", None)
        if tell is not None:
            tell(change, gate)


def _kaito_name(change: ChangeRequest, gate: Gate) -> tuple[str, str] | None:
    """(kind, name) of the KAITO object whose readiness the gate's run waits for."""
    plan = Plan.model_validate(change.plan)
    for step in plan.steps:
        if step.kind == "run_stages" and step.ref and step.ref.name == gate.run and step.manifest:
            return step.manifest["kind"], step.manifest["metadata"]["name"]
    return None
