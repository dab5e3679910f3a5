"""A change without stages on a deployment rolled out in stages before (its placement is External).

KubeFleet never rolls an External placement by itself, and the CRD forbids switching it back to RollingUpdate
("cannot change rollout strategy type from 'External' to other types"). A plain ``deploy``, ``rollback``,
partial ``undeploy``, ``move`` or ``autoscale`` written as for a RollingUpdate placement would be scheduled and
never reach a cluster: its wait would time out, or worse a wait for removal would see the old copy stay. So such
a plan is carried out through update runs without gates (``through_runs``): every placement it applies stays
External, and before each wait of the plan (and at its end when it has none) it starts a run of the gate-less
strategy ``<deployment>-stages-cleanup`` (one stage per environment of the clusters involved, in dev → staging →
prod order) and follows it (``start_run`` + ``run_stages``). A run's deletion stage removes the copies of clusters
the placement no longer picks. The plan says so in a line and in its summary. Removing the whole deployment
needs no run (deleting the placement withdraws it everywhere); it also deletes the deployment's update runs
(KubeFleet deletes their approval requests with them) and its strategies, so nothing of it is left on the hub
and a later deployment of the same name starts clean. A plan whose clusters have no environment label is
refused (no stage could select them). Pure but ``on_live``, which reads the placement and runs first.
"""
from __future__ import annotations

from typing import Any

from tools import staged
from tools.errors import InvalidRequest
from tools.fleet.models import FleetSnapshot, ObjectRef
from tools.messages import staged as M
from tools.plan import Plan, Stage, Step

ORDER = ("dev", "staging", "prod")


def is_external(crp: dict | None) -> bool:
    return (((crp or {}).get("spec") or {}).get("strategy") or {}).get("type") == "External"


def _stages(p: Plan, snap: FleetSnapshot) -> list[Stage]:
    def env_of(c: str) -> str:
        found = snap.cluster(c)
        return (found.environment or "").lower() if found else ""

    clusters = sorted(set(p.clusters) | {c for s in p.steps for c in s.clusters})
    unlabeled = [c for c in clusters if not env_of(c)]
    if unlabeled:
        raise InvalidRequest(M.DIRECT_NO_ENV.format(deployment=p.deployment, clusters=", ".join(unlabeled)))
    envs = sorted({env_of(c) for c in clusters}, key=lambda e: (ORDER.index(e) if e in ORDER else len(ORDER), e))
    return [Stage(name=staged.stage_name(e), environment=e, clusters=[c for c in clusters if env_of(c) == e])
            for e in envs]


def _picked(crp: dict) -> list[str]:
    return sorted(((crp.get("spec") or {}).get("policy") or {}).get("clusterNames") or [])


def _rewrite(steps: list[Step], strategy: dict, names: list[str], deployment: str, clusters: list[str]) -> list[Step]:
    """``steps`` with External placements, and a run before each wait (or at the end when there is none).
    ``clusters``: what the placement picks before the first step (a run waits until those it picks then are
    scheduled)."""
    out: list[Step] = []
    ran = False
    picked = list(clusters)

    def add_run() -> None:
        name = names.pop(0)
        out.extend([Step(kind="start_run", manifest=staged.run(deployment, name, strategy["metadata"]["name"]),
                         clusters=list(picked)),
                    Step(kind="run_stages", ref=staged.run_ref(name), note=M.STEP_DIRECT_RUN)])

    pending = False  # a write since the last run
    for s in steps:
        if s.kind == "apply" and s.manifest and s.manifest.get("kind") == "ClusterResourcePlacement":
            s = s.model_copy(update={"manifest": staged.external(s.manifest)})
            picked = _picked(s.manifest or {})
        if s.kind in ("wait_ready", "wait_absent") and pending:
            add_run()
            ran, pending = True, False
        if s.kind in ("apply", "delete", "patch"):
            pending = True
        out.append(s)
    if pending or not ran:
        add_run()
    return [Step(kind="apply", manifest=strategy), *out]


def through_runs(p: Plan, crp: dict | None, snap: FleetSnapshot, existing_runs: list[str]) -> Plan:
    """``p`` carried out through gate-less update runs when its deployment's placement is External (module doc)."""
    if not is_external(crp) or p.stages or p.strategy == "noop" or p.parts:
        return p
    if any(s.kind == "delete" and s.ref and s.ref.kind == "ClusterResourcePlacement" for s in p.steps):
        return _removed(p, existing_runs)  # deleting the placement withdraws it from every cluster
    stages = _stages(p, snap)
    strategy = staged.strategy(p.deployment, stages, gates=False)
    waits = sum(1 for s in p.steps + p.undo if s.kind in ("wait_ready", "wait_absent")) + 2
    names = staged.run_names(p.deployment, existing_runs, waits)
    now = _picked(crp or {})
    p.steps = _rewrite(list(p.steps), strategy, names, p.deployment, now)
    if p.undo:
        p.undo = _rewrite(list(p.undo), strategy, names, p.deployment, now)
    p.manifests = [staged.external(m) if m.get("kind") == "ClusterResourcePlacement" else m for m in p.manifests]
    runs = [s.ref.name for s in p.steps if s.kind == "run_stages" and s.ref]
    line = M.DIRECT_LINE.format(deployment=p.deployment, runs=", ".join(runs), strategy=strategy["metadata"]["name"],
                                stages=" → ".join(s.environment for s in stages))
    p.diff = f"{line}\n{p.diff}" if p.diff else line
    p.summary = f"{p.summary} {M.DIRECT_SUMMARY.format(stages=' → '.join(s.environment for s in stages))}"
    return p.seal()


def _removed(p: Plan, runs: list[str]) -> Plan:
    """A deployment removed everywhere: its update runs and strategies go too, after the placement."""
    refs = [staged.run_ref(r) for r in sorted(runs)]
    refs += [ObjectRef(apiVersion=staged.run_ref("x").apiVersion, kind=staged.STRATEGY_KIND,
                       name=staged.strategy_name(p.deployment, gates)) for gates in (True, False)]
    at = next(i for i, s in enumerate(p.steps) if s.kind == "delete" and s.ref
              and s.ref.kind == "ClusterResourcePlacement") + 1
    p.steps = [*p.steps[:at], *(Step(kind="delete", ref=r) for r in refs), *p.steps[at:]]
    p.deletes = [*p.deletes, *refs]
    line = M.DIRECT_REMOVED.format(deployment=p.deployment, runs=", ".join(sorted(runs)) or M.NOTHING,
                                   strategies=", ".join(r.name for r in refs if r.kind == staged.STRATEGY_KIND))
    p.diff = f"{line}\n{p.diff}" if p.diff else line
    return p.seal()


def on_live(fleet: Any, p: Plan, snap: FleetSnapshot) -> Plan:
    """``through_runs`` with the deployment's placement and update runs read from the hub (``fleet``: the
    adapter; None: planning without a hub, nothing to read)."""
    if fleet is None or not p.deployment or p.parts:
        return p
    crp = fleet.get(ObjectRef("ClusterResourcePlacement", p.deployment))
    if not is_external(crp):
        return p
    return through_runs(p, crp, snap, list(fleet.update_runs(p.deployment)))
