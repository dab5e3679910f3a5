"""What an execution reports: progress events while it runs and its outcome (the executor and crash recovery
share them)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from tools.fleet.models import ClusterDeploymentState


class ProgressEvent(BaseModel):
    kind: Literal["step", "cluster", "undo", "done", "failed", "gate"]  # gate: a stage gate opened (tools.staged_run)
    message: str
    deployment: str | None = None  # set in the events of a plan's part that changes one deployment
    cluster: str | None = None
    state: str | None = None
    reason: str | None = None
    step: int | None = None
    stage: str | None = None  # a staged rollout: the stage the event is about
    gate: dict | None = None  # kind "gate": tools.staged_run.Gate as a dict (request, stage, next, run, clusters)
    ts: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))


class Outcome(BaseModel):
    """``attention``: only after a crash or a resolve (``tools.recovery``): a person must decide. ``skipped``: a
    part of a plan made of parts that was not run (``Executor._apply_parts``)."""

    status: Literal["succeeded", "failed", "noop", "attention", "skipped"]
    message: str
    deployment: str
    revision: int | None = None
    clusters: dict[str, ClusterDeploymentState] = Field(default_factory=dict)
    undone: bool = False
    parts: list[Outcome] = Field(default_factory=list)  # a plan made of parts: one outcome per part, in order


Outcome.model_rebuild()

Listener = Callable[[ProgressEvent], None]
