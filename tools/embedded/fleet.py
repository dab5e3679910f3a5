"""``EmbeddedFleet``: a KubeFleet hub and its KAITO member clusters in one process, on loopback.

    with EmbeddedFleet() as fleet:                  # the demo fleet (demo-fleet.yaml)
        fleet.kubeconfig_path                       # contexts: fleet.hub and every member
        fleet.faults.never_ready(cluster="aks-eastus-prod-1")
        fleet.faults.fail_apply(cluster="aks-eastus-prod-1")   # the member agent fails to apply
        fleet.time_scale = 0.001                    # staged runs: a TimedWait of 1h lasts 3.6 s
        ...                                         # write through the kubernetes client
        fleet.wait_idle()                           # controllers done, no delayed work pending

Start-up: load the fleet file (or build a synthetic one), write the state a seeded hub settles in
(``tools.embedded.settled``: the hub's objects, and what the simulated KubeFleet and KAITO controllers would
place on the members with no readiness delay), start the controllers (nothing to do), apply the file's heartbeat
ages, then switch to ``ready_delay``, start heart-beating, serve the Kubernetes API and write the kubeconfig.
``settled=False`` seeds the long way instead: every revision replayed through the store with admission on (every
object checked against the real CRDs), then the controllers run until idle; the settled seed is tested against it.
"""
from __future__ import annotations

import gc
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tools.embedded.controllers.autoscaling import AutoscalingController
from tools.embedded.controllers.base import Activity
from tools.embedded.controllers.faults import Faults
from tools.embedded.controllers.heartbeat import HeartbeatController
from tools.embedded.controllers.index import ObjectIndex
from tools.embedded.controllers.kaito import KaitoController
from tools.embedded.controllers.kubefleet import KubeFleetController
from tools.embedded.controllers.namespaces import NamespaceController
from tools.embedded.controllers.updaterun import UpdateRunController
from tools.embedded.crds import load_types
from tools.embedded.fleetspec import FleetSpec, load_fleet, parse_fleet
from tools.embedded.schema import admission_options
from tools.embedded.seed import seed
from tools.embedded.store import BUILTIN_TYPES, ResourceType, Store
from tools.fleet import conventions as cv
from tools.messages import embedded as msg

if TYPE_CHECKING:  # the HTTP server is imported only when the fleet serves (_serve)
    from tools.embedded.server import ApiServer

SEED_TIMEOUT = 300.0


class EmbeddedFleet:
    def __init__(self, fleet_file: Path | None = None, *, synthetic: int | None = None, ready_delay: float = 0.0,
                 heartbeat_period: float = 60.0, kubeconfig_path: Path | None = None, port: int = 0,
                 host: str = "127.0.0.1", seed_value: int = 0, serve: bool = True, status_lag: float = 0.0,
                 namespace_delete_delay: float = 0.0, member_contexts: bool = True, time_scale: float = 1.0,
                 settled: bool = True):
        self.fleet_file = Path(fleet_file) if fleet_file else None
        self.synthetic = synthetic
        self.ready_delay = ready_delay
        self.heartbeat_period = heartbeat_period
        self.port = port
        self.host = host
        self.seed_value = seed_value
        self.serve = serve
        # how a real hub differs from instant: placement status lags a new snapshot by ``status_lag`` s
        # (the member has not applied it yet); a deleted namespace stays Terminating for at least
        # ``namespace_delete_delay`` s; ``member_contexts=False`` writes a kubeconfig with the hub only
        self.status_lag = status_lag
        self.namespace_delete_delay = namespace_delete_delay
        self.member_contexts = member_contexts
        # a staged update run's TimedWait lasts waitTime x ``time_scale`` (0.001: "1h" is 3.6 s; 0: no wait)
        self._time_scale = time_scale
        # ``settled``: write the state the replay and the controllers would settle in, directly
        # (``tools.embedded.settled``: seconds for thousands of members); False: replay every revision through
        # admission and let the controllers place it (``tools.embedded.seed``: the reference it is tested against)
        self.settled = settled
        self._kubeconfig_arg = Path(kubeconfig_path) if kubeconfig_path else None
        self._tmpdir: str | None = None
        self.kubeconfig_path: Path | None = None
        self.spec: FleetSpec | None = None
        self.store: Store | None = None
        self.faults = Faults()
        self.activity = Activity()
        self.server: ApiServer | None = None
        self._kubefleet: KubeFleetController | None = None
        self._kaito: KaitoController | None = None
        self._heartbeat: HeartbeatController | None = None
        self._namespaces: NamespaceController | None = None
        self._updaterun: UpdateRunController | None = None
        self.autoscaling: AutoscalingController | None = None  # members' HPAs; ``want`` sets what they ask for
        self._started = False

    # --- facts ----------------------------------------------------------------------------------
    @property
    def hub(self) -> str:
        return self.load_spec().hub.name

    @property
    def members(self) -> list[str]:
        return [c.name for c in self.load_spec().clusters]

    @property
    def time_scale(self) -> float:
        return self._time_scale

    @time_scale.setter
    def time_scale(self, value: float) -> None:
        self._time_scale = value
        if self._updaterun:
            self._updaterun.time_scale = value

    @property
    def url(self) -> str | None:
        return self.server.url if self.server else None

    def load_spec(self) -> FleetSpec:
        """The fleet this instance serves (read or generated on first use)."""
        if self.spec is None:
            if self.synthetic:
                from tools.embedded.synthetic import synthetic_fleet
                self.spec = parse_fleet(synthetic_fleet(self.synthetic, seed=self.seed_value))
            else:
                self.spec = load_fleet(self.fleet_file)
        return self.spec

    def types_for_cluster(self, cluster: str) -> dict[tuple[str, str], ResourceType]:
        """What each cluster serves: the hub every CRD (KubeFleet + KAITO); members the built-ins + KAITO."""
        types = load_types()
        if cluster == self.hub:
            return dict(types)
        return {k: rt for k, rt in types.items() if rt in BUILTIN_TYPES or rt.group == cv.KAITO_GROUP}

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> EmbeddedFleet:
        if self._started:
            return self
        spec = self.load_spec()
        hub = spec.hub.name
        self.store = store = Store(admit=_make_admit(hub), terminating_namespaces=True)
        index = ObjectIndex(store)
        index.start()
        kaito_state = None
        if self.settled:
            from tools.embedded.settled import seed_settled

            done = seed_settled(store, spec, faults=self.faults)
            result, kaito_state = done.result, done.kaito
        else:
            with admission_options(cel=not self.synthetic):  # see AdmitOptions.cel; everything after: CEL on
                result = seed(self.store, spec, reader=index)
        self._kubefleet = KubeFleetController(self.store, self.activity, hub, reader=index, faults=self.faults)
        self._updaterun = UpdateRunController(self.store, self.activity, hub, reader=index,
                                              time_scale=self._time_scale)
        self._namespaces = NamespaceController(self.store, self.activity, self.namespace_delete_delay)
        self._kaito = KaitoController(self.store, self.activity, hub, self.faults, ready_delay=0.0, reader=index)
        self.autoscaling = AutoscalingController(self.store, self.activity, hub, reader=index)
        self._heartbeat = HeartbeatController(self.store, hub, self.heartbeat_period,
                                              on_round=self._kubefleet.check_members)
        self.faults.heartbeat = self._heartbeat
        for pin in result.pins:
            self._kaito.pin(*pin)
        if kaito_state is not None:
            self._kaito.adopt(kaito_state.stages, kaito_state.short, kaito_state.uid_of)
        self._started = True
        try:
            self._kaito.start()
            self._kubefleet.start(resync=not self.settled)  # (settled: every placement is already placed)
            self._namespaces.start()
            self._updaterun.start()
            self.autoscaling.start()
            self.wait_idle(SEED_TIMEOUT)
            for cluster, minutes in sorted(result.heartbeat_ages.items()):
                self._heartbeat.set_age(cluster, minutes)
            self.wait_idle(SEED_TIMEOUT)
            self._kaito.ready_delay = self.ready_delay
            self._kubefleet.status_lag = self.status_lag
            self._heartbeat.start()
            if self.serve:
                self._serve(store)
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, store: Store) -> None:
        from tools.embedded import kubeconfig
        from tools.embedded.server import ApiServer

        self.server = server = ApiServer(store, self.types_for_cluster, self.host, port=self.port,
                                         faults=self.faults, activity=self.activity)
        server.start()
        if self._kubeconfig_arg:
            path = self._kubeconfig_arg
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            self._tmpdir = tempfile.mkdtemp(prefix="fleetops-embedded-")
            path = Path(self._tmpdir) / "kubeconfig"
        kubeconfig.write(path, server, self.hub, self.members if self.member_contexts else [])
        self.kubeconfig_path = path

    def stop(self) -> None:
        if self._heartbeat:
            self._heartbeat.stop_thread()
        for ctl in (self._kubefleet, self._kaito, self._namespaces, self._updaterun, self.autoscaling):
            if ctl:
                ctl.stop()
        if self.server:
            self.server.stop()
            self.server = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        if self._started and self.settled:
            gc.unfreeze()  # the settled seed froze the store for the collector: let a stopped fleet's cycles go
        self._started = False

    def __enter__(self) -> EmbeddedFleet:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- waiting ----------------------------------------------------------------------------------
    def wait_idle(self, timeout: float = 10.0) -> None:
        """Return once every controller queue is empty and no delayed work is pending."""
        if not self._started:
            raise RuntimeError(msg.FLEET_NOT_STARTED)
        if not self.activity.wait_idle(timeout):
            raise TimeoutError(msg.FLEET_IDLE_TIMEOUT.format(timeout=timeout, pending=self.activity.pending))

    def resync(self) -> None:
        """Reconcile every placement again, as a restarted hub agent does (a settled fleet: nothing to write)."""
        if self._kubefleet:
            self._kubefleet.enqueue(("resync",))

    def heartbeat_round(self) -> None:
        """Send one round of heartbeats now (what the ticker does every ``heartbeat_period``)."""
        if self._heartbeat:
            self._heartbeat.round()


def _make_admit(hub: str):
    """Admission against the real CRDs, KAITO's webhook subset on members only (as in a real fleet)."""
    from tools.embedded.schema import make_admit

    return make_admit(load_types(), kaito_webhook=lambda cluster: cluster != hub)
