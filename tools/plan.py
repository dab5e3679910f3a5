"""Plan: exactly what a mutating tool would change, computed from live state without writing.

A plan carries the hub manifests to apply and the objects to delete (its final effect), the ordered
steps the executor follows (apply, wait until ready, delete, wait until gone), what to undo if the new
side of a blue/green fails, per-cluster actions, a human diff, GPU and hourly-cost deltas, the
resourceVersions it was computed from, and a content hash over all of that. An approval binds to the
hash; the executor refuses a plan whose base no longer matches the live fleet (``StalePlan``).

A plan may be made of ``parts`` (``drain_cluster``: cordon the cluster, then one ``move`` per deployment):
each part is a whole sealed plan with its own steps, undo and revision, run in order by the executor
(``Executor.apply``); the parent holds no steps of its own, and its base, manifests, deletes, clusters and
environments are the union of its parts' (so the freshness check and the policy cover every part). The
parent's hash covers the parts.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.fleet.models import ObjectRef, Revision

__all__ = ["ClusterAction", "Intent", "ObjectRef", "Plan", "Stage", "Step"]

StepKind = Literal["apply", "delete", "wait_ready", "wait_absent", "patch", "start_run", "run_stages"]


class Step(BaseModel):
    """One executor step. ``apply``/``delete``/``patch`` act on the hub; waits watch the named members.
    ``patch``: a JSON merge patch (``manifest``) of the hub object ``ref``; the executor fills in
    execution-time values in it (``tools.executor.STAMPS``: who asked, when, which change).
    ``start_run``: create the ClusterStagedUpdateRun ``manifest`` once its placement is scheduled on ``clusters``
    (kept when it already exists); ``run_stages``: follow the ClusterStagedUpdateRun ``ref`` through the plan's ``stages`` (``tools.staged``)
    until it succeeds, stops or fails; ``manifest`` is the KAITO object whose readiness gates each stage."""

    kind: StepKind
    manifest: dict | None = None  # apply; patch (the merge patch body)
    ref: ObjectRef | None = None  # delete, patch, wait_ready, wait_absent (the KAITO object)
    clusters: list[str] = Field(default_factory=list)  # waits
    note: str = ""


class ClusterAction(BaseModel):
    cluster: str
    action: Literal["create", "update", "replace", "scale", "remove", "keep"]
    detail: str
    instance_type: str | None = None
    gpu_delta: int = 0
    cost_delta_per_hour: float = 0.0


class Stage(BaseModel):
    """One stage of a staged rollout (``tools.staged``): an environment, the deployment's clusters in it (none:
    shown as empty, not rolled), and whether an approval gate follows it (``gate_env``: the environment of the
    next stage, whose policy says who may approve the gate)."""

    name: str  # the stage name in the ClusterStagedUpdateStrategy (the environment, [a-z0-9] only)
    environment: str
    clusters: list[str] = Field(default_factory=list)
    gate: bool = False
    gate_env: str | None = None


class Intent(BaseModel):
    """What a request meant, resolved against the fleet when it was made. A re-plan (the fleet changed
    before execution) recomputes the plan from ``args``, never from the words the person typed, so
    "roll back to revision 2" stays revision 2; when the intent can no longer be carried out the request
    becomes stale with the reason."""

    text: str  # in words: "Roll back coder-assist: revision 3 (...) → revision 2 (...)"
    args: dict[str, Any] = Field(default_factory=dict)  # resolved tool arguments for a re-plan


class Plan(BaseModel):
    tool: str
    args: dict[str, Any]
    deployment: str
    strategy: Literal["create", "in_place", "blue_green", "remove", "noop"]
    summary: str
    actions: list[ClusterAction] = Field(default_factory=list)
    manifests: list[dict] = Field(default_factory=list)
    deletes: list[ObjectRef] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    undo: list[Step] = Field(default_factory=list)  # run if a wait fails (blue/green: drop the new side)
    diff: str = ""
    gpu_delta: int = 0
    cost_delta_per_hour: float = 0.0
    peak_gpu_delta: int = 0  # during a blue/green both sides hold GPUs
    environments: list[str] = Field(default_factory=list)
    clusters: list[str] = Field(default_factory=list)  # every cluster the plan touches
    base: dict[str, str | None] = Field(default_factory=dict)  # resourceVersions (None = must not exist)
    revision: Revision | None = None  # the revision record written when the change is applied
    intent: Intent | None = None  # what was meant (kept across re-plans)
    # clusters a placement-based target left out, with the reason (tainted, stale heartbeat, no room)
    left_out: dict[str, str] = Field(default_factory=dict)
    parts: list[Plan] = Field(default_factory=list)  # sub-plans run in order, each sealed (see module doc)
    stages: list[Stage] = Field(default_factory=list)  # a staged rollout (``tools.staged``), in order
    hash: str = ""

    def content(self) -> dict:
        # ``stages`` only when there are any: plans without stages hash as they did before stages existed
        return self.model_dump(mode="json", exclude={"hash"} if self.stages else {"hash", "stages"})

    def compute_hash(self) -> str:
        raw = json.dumps(self.content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()

    def seal(self) -> Plan:
        self.hash = self.compute_hash()
        return self

    @property
    def mutating(self) -> bool:
        return self.strategy != "noop"

    def to_json(self) -> dict:
        """The shape ``fleetops plan --json`` prints (other tooling reads it)."""
        return {
            "tool": self.tool,
            "args": self.args,
            "hash": self.hash,
            "deployment": self.deployment,
            "strategy": self.strategy,
            "summary": self.summary,
            "actions": [a.model_dump(mode="json") for a in self.actions],
            "manifests": self.manifests,
            "deletes": [d.model_dump(mode="json", exclude_none=True) for d in self.deletes],
            "steps": [s.model_dump(mode="json", exclude_none=True) for s in self.steps],
            "diff": self.diff,
            "gpu_delta": self.gpu_delta,
            "peak_gpu_delta": self.peak_gpu_delta,
            "cost_delta_per_hour": round(self.cost_delta_per_hour, 2),
            "environments": self.environments,
            "clusters": self.clusters,
            "base": self.base,
            "intent": self.intent.model_dump(mode="json") if self.intent else None,
            "left_out": self.left_out,
            "parts": [p.to_json() for p in self.parts],
            **({"stages": [s.model_dump(mode="json") for s in self.stages]} if self.stages else {}),
        }


Plan.model_rebuild()
