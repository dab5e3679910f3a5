"""``fleetops serve [--port P] [--socket]``: run the Slack app (HTTP Events API or Socket Mode).

Order of start-up: settings and the port are checked before anything starts (a busy port is one line, not a
traceback after the fleet came up); then the pipeline, the Slack app (``auth.test``), the one-writer lock
(``bot.lease``: a standby copy records approvals and leaves their execution to the writer), readiness and
metrics, and the HTTP server (health, readiness and metrics are served in Socket Mode too).
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bot.messages import cli as C
from bot.slack import messages as M


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help=M.SERVE_HELP, description=M.SERVE_DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=None,
                   help="HTTP port (default: FLEETOPS_PORT / PORT, else 3000; 0 picks a free one)")
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    p.add_argument("--socket", action="store_true", help="connect in Socket Mode instead of serving HTTP")
    p.add_argument("--db", type=Path, help="database file (default: FLEETOPS_DB or ~/.fleetops/fleetops.db)")
    p.add_argument("--ready-delay", type=float, default=None,
                   help="demo fleet only: seconds the KAITO stand-in takes per readiness step")
    p.add_argument("--workers", type=int, default=8, help="background worker threads (default 8)")
    p.add_argument("--log-level", default="WARNING", help="logging level (default WARNING)")
    p.set_defaults(func=run)


def check_settings(settings, socket: bool) -> str | None:
    """The error to print when the settings cannot run the chosen mode, else None."""
    if not settings.slack_bot_token:
        return M.SERVE_NO_BOT_TOKEN
    if socket and not settings.slack_app_token:
        return M.SERVE_NO_APP_TOKEN
    if not socket and not settings.slack_signing_secret:
        return M.SERVE_NO_SIGNING_SECRET
    return None


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(ns: argparse.Namespace) -> int:
    from bot.settings import get_settings
    from bot.slack.server import port_problem

    settings = get_settings()
    problem = check_settings(settings, ns.socket)
    if problem:
        say(problem)
        return 2
    port = listen_port(ns, settings)
    busy = None if port is None else port_problem(ns.host, port)
    if busy:
        say(C.SERVE_PORT_BUSY.format(host=ns.host, port=port, error=busy))
        return 2
    logging.basicConfig(level=getattr(logging, str(ns.log_level).upper(), logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.app import running_pipeline

    say(M.SERVE_STARTING)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with running_pipeline(settings, db=ns.db, ready_delay=ns.ready_delay, recover=False,
                          fleet_cache=settings.fleet_cache == "on") as pipe:
        return _serve(ns, settings, pipe, port, stop)


def listen_port(ns: argparse.Namespace, settings: Any) -> int | None:
    """HTTP mode: --port, else FLEETOPS_PORT (default 3000). Socket Mode needs no port: health, readiness and
    metrics are served only when one is asked for (--port or FLEETOPS_PORT, as the manifests set it)."""
    if ns.port is not None:
        return int(ns.port)
    if ns.socket and "port" not in settings.model_fields_set:
        return None
    return int(settings.port)


def _serve(ns: argparse.Namespace, settings: Any, pipe: Any, port: int | None, stop: threading.Event) -> int:
    from bot import metrics
    from bot.incidents.watch import start_watch
    from bot.lease import acquire_writer
    from bot.slack import SlackSetupError, build_slack_app, make_http_server, socket_mode_handler
    from bot.slack.incidents import SlackIncidentNotifier

    say(fleet_line(pipe.fleet))
    # The settings hold the token now; left in the environment, slack_bolt would read it too and warn that
    # it is unused beside the client we give it.
    os.environ.pop("SLACK_BOT_TOKEN", None)
    try:
        service = build_slack_app(settings, pipe, workers=ns.workers)
    except SlackSetupError as e:
        say(M.SERVE_AUTH_FAILED.format(error=e, url=settings.slack_api_url))
        return 1
    instrument(pipe)
    # after the Slack notifier is attached: reconciled requests get their cards updated
    writer = acquire_writer(pipe.fleet, ns.db or settings.database, on_acquired=pipe.changes.recover)
    gate_execution(pipe.changes, writer)
    threading.Thread(target=_sweep_approved, args=(pipe.changes, writer, stop), name="fleetops-writer-sweep",
                     daemon=True).start()
    metrics.observe_writer(writer.active)
    say((C.SERVE_WRITER_ACTIVE if writer.active else C.SERVE_WRITER_STANDBY).format(how=writer.describe()))
    readiness = _readiness(pipe, writer).start()
    service.start_sweeper()
    # The health watch: incidents are claimed in the database, so two copies never post one twice.
    watch = start_watch(pipe, SlackIncidentNotifier.for_pipeline(service.client, settings.alerts_channel, pipe),
                        every=settings.watch_interval, after=settings.incident_after)
    say(C.SERVE_ALERTS_TO.format(channel=settings.alerts_channel) if settings.alerts_channel
        else C.SERVE_ALERTS_NOWHERE)
    from bot.slack.digests import start_digest_poster

    poster = start_digest_poster(settings, service.client, active=writer.may_execute)
    if settings.audit_channel:
        say(M.AUDIT_CHANNEL_POSTING.format(channel=settings.audit_channel) if poster else M.AUDIT_CHANNEL_NO_KEY)
    server = None
    if port is not None:
        server = make_http_server(None if ns.socket else service.app, ns.host, port, traffic=service.traffic,
                                  ready=readiness)
        server.start_background()
    handler = None
    try:
        if ns.socket:
            handler = socket_mode_handler(service.app, settings.slack_app_token.get_secret_value())
            handler.connect()
            probes = server.url.rsplit("/slack/events", 1)[0] if server else C.SERVE_NO_PROBES
            say(C.SERVE_SOCKET_NEXT.format(url=probes))
        else:
            assert server is not None
            say(C.SERVE_HTTP_NEXT.format(url=server.url))
        _wait(stop)
    finally:
        say(M.SERVE_STOPPING)
        if handler is not None:
            handler.close()
        if server is not None:
            server.shutdown()
            server.server_close()
        watch.stop()
        if poster is not None:
            poster.stop()
        readiness.close()
        writer.close()
        service.close()
    return 0


def fleet_line(fleet: Any) -> str:
    if getattr(fleet, "embedded", None) is not None:
        return C.SERVE_FLEET_DEMO
    return C.SERVE_FLEET_HUB.format(hub=fleet.hub.cluster, endpoint=fleet.hub.endpoint)


def gate_execution(changes: Any, writer: Any) -> None:
    """Only the writer executes: the change service asks ``gate`` before it runs anything, so on a standby copy
    an approved request stays ``approved`` (saying why); the writer runs it (its sweep, or ``recover`` when this
    copy takes over). Each execution is timed for the metrics."""
    from bot import metrics

    changes.gate = lambda: None if writer.may_execute() else C.STANDBY_NOT_EXECUTED.format(how=writer.describe())
    execute = changes.execute

    def timed(change_id: str, actor: str | None = None):
        started = time.monotonic()
        before = changes.get(change_id)
        after = execute(change_id, actor)
        if before.state != after.state and str(after.state) in ("succeeded", "failed", "attention"):
            metrics.observe_execution(after.tool, str(after.state), time.monotonic() - started)
        return after

    changes.execute = timed


def _sweep_approved(changes: Any, writer: Any, stop: threading.Event, every: float = 15.0) -> None:
    """On the writer: run what a standby copy approved (and what waited for the fleet). ``execute`` claims
    each request once, so a request being run elsewhere in this process is left alone."""
    from audit.models import ChangeState

    while not stop.wait(every):
        if not writer.may_execute():
            continue
        try:
            for change in changes.store.changes.list(status=ChangeState.APPROVED, limit=None):
                changes.execute(change.id)
        except Exception:
            logging.getLogger(__name__).exception("running approved changes failed")


def instrument(pipe: Any) -> None:
    """Count what the metrics can see from here: audit appends, Kubernetes API calls, interpretations,
    change requests by state."""
    from audit.models import ChangeState
    from bot import metrics
    from tools.fleet.kube import observe_calls

    pipe.store.audit.add_listener(metrics.observe_audit_appends)
    observe_calls(metrics.observe_kube_call)
    open_states = [s.value for s in (ChangeState.PENDING, ChangeState.APPROVED, ChangeState.EXECUTING,
                                     ChangeState.STALE)]
    metrics.watch_changes(lambda: {s: len(pipe.store.changes.list(status=s, limit=None)) for s in open_states},
                          open_states)
    interpret = pipe.interpreter.interpret

    def counted(text: str, ctx: Any) -> Any:
        try:
            result = interpret(text, ctx)
        except Exception:
            metrics.observe_interpretation("error")
            raise
        name = type(result).__name__
        metrics.observe_interpretation({"ToolCall": "tool_call", "Clarify": "clarify", "Refuse": "refuse"}
                                       .get(name, name.lower()))
        return result

    pipe.interpreter.interpret = counted
    threading.Thread(target=_verify_audit, args=(pipe.store,), name="fleetops-audit-verify", daemon=True).start()


def _verify_audit(store: Any, every: float = 3600.0) -> None:
    from bot import metrics

    while True:
        try:
            result = store.audit.verify()
            metrics.observe_audit_verify(bool(result.ok), int(getattr(result, "checked", 0) or 0), time.time())
        except Exception:
            metrics.observe_audit_verify(False, 0, time.time())
        time.sleep(every)


def _readiness(pipe: Any, writer: Any):
    from bot import metrics
    from bot.health import Readiness
    from tools.fleet.conventions import REVISIONS_NAMESPACE

    def hub() -> str | None:
        pipe.fleet.hub.get("Namespace", REVISIONS_NAMESPACE)  # any answer: reachable and authorized
        return None

    def database() -> str | None:
        with pipe.store.atomic():  # takes the write lock: the file is writable and not stuck
            pass
        return None

    def role() -> str | None:
        metrics.observe_writer(writer.active)
        return None

    return Readiness({"hub": hub, "database": database, "slack": lambda: None, "writer": role})


def _wait(stop: threading.Event) -> None:
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
