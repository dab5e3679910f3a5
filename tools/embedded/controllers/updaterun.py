"""Simulated KubeFleet update-run controller: ClusterStagedUpdateRuns and their ClusterApprovalRequests (§7.2, §7.3).

``spec.state``: ``Initialize`` (the default) only initializes (``updaterun_init``); ``Run`` executes; ``Stop``
pauses (Progressing=False, UpdateRunStopped) and ``Run`` again resumes. Execution walks the stages in order:
a before-stage Approval blocks the stage's start; then up to ``maxConcurrency`` clusters at a time get their
binding pointed at the run's resource snapshot (``Bound``); a cluster Succeeds when its binding reports
``Available=True`` for its current generation, and Fails (with the stage and the whole run) when it reports
``Applied=False``; once every cluster of the stage succeeded the after-stage tasks run: TimedWait waits
``waitTime`` x ``time_scale`` seconds, Approval creates the ClusterApprovalRequest ``<run>-after-<stage>`` (before:
``<run>-before-<stage>``) and waits for ``Approved=True`` with ``observedGeneration`` = its generation, then marks
it ``ApprovalAccepted``. After the last stage, the deletion stage deletes the bindings of clusters the placement no
longer picks. A run whose placement's scheduling policy changed after initialization is abandoned (failed).
Starting a newer run of a placement takes ``isLatestUpdateRunApproval=true`` off the older runs' requests;
deleting a run deletes its requests.
"""
from __future__ import annotations

import copy
import re
import time

from tools.embedded.conditions import find
from tools.embedded.controllers import external as ext
from tools.embedded.controllers import updaterun_status as us
from tools.embedded.controllers.base import Activity, Controller, Key
from tools.embedded.controllers.updaterun_approvals import RUN_LABEL, Abort, approval, request_type, run_type, supersede
from tools.embedded.controllers.updaterun_init import InitError, initialize, max_concurrency, snapshot_name
from tools.embedded.errors import NotFound
from tools.embedded.store import Event, Store
from tools.fleet import conventions as cv
from tools.messages import embedded_staged as msg

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")


def parse_duration(text: str) -> float:
    """Seconds in a metav1.Duration like ``1h30m`` or ``15m`` (h/m/s only, as the CRD allows)."""
    unit = {"h": 3600.0, "m": 60.0, "s": 1.0}
    return sum(float(n) * unit[u] for n, u in _DURATION.findall(text or ""))


def _format(seconds: float) -> str:
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return (f"{h}h" if h else "") + (f"{m}m" if m or h else "") + f"{s}s"


class UpdateRunController(Controller):
    name = "updaterun"

    def __init__(self, store: Store, activity: Activity, hub: str, reader=None, time_scale: float = 1.0):
        super().__init__(store, activity, reader)
        self.hub = hub
        # TimedWait lasts waitTime x time_scale real seconds (tests use a small scale instead of real minutes)
        self.time_scale = time_scale
        self.run_rt = run_type()
        self.ar_rt = request_type()
        self.binding_rt = ext.binding_type()
        self.policy_rt = ext.policy_snapshot_type()
        self._wait_start: dict[tuple[str, str], float] = {}

    # --- events -------------------------------------------------------------------------------
    def on_event(self, ev: Event) -> None:
        if ev.cluster != self.hub:
            return
        meta = ev.obj.get("metadata") or {}
        if ev.rtype == self.run_rt:
            if ev.type == "DELETED":
                self.enqueue(("gone", meta["name"]))
            elif ev.old is None or ev.old["metadata"].get("generation") != meta.get("generation"):
                self.enqueue(("run", meta["name"]))
        elif ev.rtype == self.ar_rt:
            run = (meta.get("labels") or {}).get(RUN_LABEL)
            if run and ev.type != "DELETED":
                self.enqueue(("run", run))
        elif ev.rtype in (self.binding_rt, self.policy_rt):
            parent = (meta.get("labels") or {}).get(cv.PARENT_CRP_LABEL)
            if parent:
                self.enqueue(("placement", parent))

    def reconcile(self, key: Key) -> None:
        if key[0] == "gone":
            for ar in self.reader.list(self.hub, self.ar_rt, label_selector=f"{RUN_LABEL}={key[1]}")[0]:
                self._delete(self.ar_rt, ar["metadata"]["name"])
            return
        if key[0] == "placement":
            for run in self.reader.list(self.hub, self.run_rt)[0]:
                if run["spec"].get("placementName") == key[1] and \
                        find((run.get("status") or {}).get("conditions"), "Succeeded") is None:
                    self.enqueue(("run", run["metadata"]["name"]))
            return
        try:
            run = self.store.get(self.hub, self.run_rt, None, key[1])
        except NotFound:
            return
        self._reconcile(run)

    # --- one run ------------------------------------------------------------------------------
    def _reconcile(self, run: dict) -> None:
        gen = int(run["metadata"].get("generation", 1))
        old = run.get("status") or {}
        st = copy.deepcopy(old)
        us.bump_generation(st, gen)
        state = run["spec"].get("state") or "Initialize"
        wait = None
        init = find(st.get("conditions"), "Initialized")
        if init is None or init.get("status") != "True":
            if init is not None:
                return  # failed to initialize: final
            try:
                fields, _, _ = initialize(self.store, self.hub, run, self.reader)
            except InitError as e:
                us.set_condition(st, "Initialized", "False", "UpdateRunInitializedFailed", e.message, gen)
                self._write(run, old, st)
                return
            st.update(fields)
            us.set_condition(st, "Initialized", "True", "UpdateRunInitializedSuccessfully", msg.INIT_OK, gen)
            supersede(self.store, self.hub, self.reader, run)
        elif find(st.get("conditions"), "Succeeded") is not None:
            self._write(run, old, st)
            return
        else:
            latest = ext.latest_policy_snapshot(self.reader, self.hub, run["spec"]["placementName"])
            now_index = str(ext.policy_index(latest)) if latest else "-1"
            if now_index != st.get("policySnapshotIndexUsed"):
                us.run_failed(st, gen, msg.ABORTED.format(detail=msg.RUN_ABANDONED.format(
                    old=st.get("policySnapshotIndexUsed"), new=now_index)))
                self._write(run, old, st)
                return
        if state == "Run":
            try:
                wait = self._execute(run, st, gen)
            except (Abort, InitError) as e:
                us.run_failed(st, gen, e.message)
        elif state == "Stop":
            us.run_stopped(st, gen)
            current = next((s for s in st.get("stagesStatus") or [] if not us.is_true(s, "Succeeded")), None)
            if current is not None and current.get("startTime"):
                us.stage_stopped(current, gen)
        self._write(run, old, st)
        if wait is not None:
            self.enqueue_after(wait, ("run", run["metadata"]["name"]))

    def _write(self, run: dict, old: dict, st: dict) -> None:
        if st != old:
            run["status"] = st
            self.store.replace(self.hub, self.run_rt, None, run["metadata"]["name"], run, subresource="status")

    # --- execution ----------------------------------------------------------------------------
    def _execute(self, run: dict, st: dict, gen: int) -> float | None:
        """Advance as far as possible; returns seconds until a TimedWait ends (None: events will wake us)."""
        placement = run["spec"]["placementName"]
        bindings = {b["spec"]["targetCluster"]: b for b in ext.list_bindings(self.reader, self.hub, placement)}
        target = snapshot_name(placement, st["resourceSnapshotIndexUsed"])
        configs = st["stagedUpdateStrategySnapshot"]["stages"]
        prog = find(st.get("conditions"), "Progressing")
        if not (prog and prog.get("status") == "False" and prog.get("reason") == "UpdateRunWaiting"):
            us.run_progressing(st, gen)
        for stage, cfg in zip(st["stagesStatus"], configs, strict=False):
            if us.is_true(stage, "Succeeded"):
                continue
            if not stage["clusters"]:
                us.stage_skipped(stage, gen)
                continue
            for j, task in enumerate(cfg.get("beforeStageTasks") or []):
                ts = stage["beforeStageTaskStatus"][j]
                if task["type"] == "Approval" and \
                        not approval(self.store, self.hub, ts, stage["stageName"], run, "beforeStage", gen):
                    us.stage_waiting(stage, gen, msg.STAGE_WAITING_BEFORE)
                    us.run_waiting(st, gen, "before-stage", stage["stageName"])
                    return None
            if not self._update_clusters(run, st, stage, cfg, bindings, target, gen):
                return None
            us.stage_waiting(stage, gen, msg.STAGE_WAITING_AFTER)
            us.run_waiting(st, gen, "after-stage", stage["stageName"])
            passed, wait = self._after_tasks(run, stage, cfg, gen)
            if not passed:
                return wait
            us.stage_succeeded(stage, gen)
            us.run_progressing(st, gen)
        return self._delete_stage(st, bindings, gen)

    def _update_clusters(self, run: dict, st: dict, stage: dict, cfg: dict, bindings: dict[str, dict],
                         target: str, gen: int) -> bool:
        """Start and check the stage's clusters; True once all of them succeeded."""
        limit = max_concurrency(cfg.get("maxConcurrency"), len(stage["clusters"]))
        finished = updating = 0
        for c in stage["clusters"]:
            if updating >= limit:
                break
            if us.is_true(c, "Succeeded"):
                finished += 1
                continue
            updating += 1
            name = c["clusterName"]
            b = bindings.get(name)
            if b is None:
                raise Abort(msg.CLUSTER_FAILED.format(cluster=name, stage=stage["stageName"],
                                                       detail="its binding is gone"))
            if not us.is_true(c, "Started"):
                if b["spec"].get("resourceSnapshotName") != target or b["spec"].get("state") != "Bound":
                    b["spec"]["state"] = "Bound"
                    b["spec"]["resourceSnapshotName"] = target
                    b = bindings[name] = self.store.replace(self.hub, self.binding_rt, None, b["metadata"]["name"], b)
                us.cluster_started(c, gen)
                us.stage_started(stage, gen)
                us.run_progressing(st, gen)
            result = _binding_result(b)
            if result is True:
                us.cluster_succeeded(c, gen)
                finished += 1
                updating -= 1
            elif isinstance(result, str):
                detail = msg.CLUSTER_APPLY_FAILED.format(stage=stage["stageName"], run=run["metadata"]["name"],
                                                         detail=result)
                us.cluster_failed(c, gen, detail)
                us.stage_failed(stage, gen, detail)
                raise Abort(detail)
        return finished == len(stage["clusters"])

    def _after_tasks(self, run: dict, stage: dict, cfg: dict, gen: int) -> tuple[bool, float | None]:
        passed, wait = True, None
        for j, task in enumerate(cfg.get("afterStageTasks") or []):
            ts = stage["afterStageTaskStatus"][j]
            if task["type"] == "TimedWait":
                if us.is_true(ts, "WaitTimeElapsed"):
                    continue
                key = (run["metadata"]["uid"], stage["stageName"])
                start = self._wait_start.setdefault(key, time.monotonic())
                total = parse_duration(task.get("waitTime") or "")
                left = total * self.time_scale - (time.monotonic() - start)
                if left <= 0:
                    us.task_waited(ts, gen)
                    self._wait_start.pop(key, None)
                else:
                    passed = False
                    us.task_waiting(ts, gen, _format(left / self.time_scale if self.time_scale > 0 else 0))
                    wait = left if wait is None else min(wait, left)
            elif task["type"] == "Approval" and \
                    not approval(self.store, self.hub, ts, stage["stageName"], run, "afterStage", gen):
                passed = False
        return passed, wait

    def _delete_stage(self, st: dict, bindings: dict[str, dict], gen: int) -> float | None:
        ds = st["deletionStageStatus"]
        us.stage_started(ds, gen)
        left = False
        for c in ds["clusters"]:
            b = bindings.get(c["clusterName"])
            if b is not None and b["spec"].get("state") == "Unscheduled":
                if not us.is_true(c, "Started"):
                    self._delete(self.binding_rt, b["metadata"]["name"])
                    us.cluster_started(c, gen)
                left = True
                continue
            us.cluster_started(c, gen)
            us.cluster_succeeded(c, gen)
        if left:
            return None
        us.stage_succeeded(ds, gen)
        us.run_succeeded(st, gen)
        return None

    def _delete(self, rt, name: str) -> None:
        try:
            self.store.delete(self.hub, rt, None, name)
        except NotFound:
            pass


def _binding_result(b: dict) -> bool | str | None:
    """True: the member reports the binding's current generation Available; a message: it failed to apply."""
    gen = int(b["metadata"].get("generation", 1))
    conds = (b.get("status") or {}).get("conditions")

    def at_gen(ctype: str) -> dict | None:
        c = find(conds, ctype)
        return c if c and int(c.get("observedGeneration", -1)) == gen else None

    avail, diff, applied = at_gen("Available"), at_gen("DiffReported"), at_gen("Applied")
    if (avail and avail["status"] == "True") or (diff and diff["status"] == "True"):
        return True
    if applied and applied["status"] == "False":
        failed = (b.get("status") or {}).get("failedPlacements") or []
        return (failed[0].get("condition") or {}).get("message") if failed else applied.get("message", "")
    return None
