"""``fleetops serve [--port P] [--socket]``: run the Slack app (HTTP Events API or Socket Mode)."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

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
    p.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
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


def run(ns: argparse.Namespace) -> int:
    from bot.settings import get_settings

    settings = get_settings()
    problem = check_settings(settings, ns.socket)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    logging.basicConfig(level=getattr(logging, str(ns.log_level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.app import running_pipeline
    from bot.slack import SlackSetupError, build_slack_app, make_http_server, socket_mode_handler

    print(M.SERVE_STARTING, file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with running_pipeline(settings, db=ns.db, ready_delay=ns.ready_delay, recover=False) as pipe:
        try:
            service = build_slack_app(settings, pipe, workers=ns.workers)
        except SlackSetupError as e:
            print(M.SERVE_AUTH_FAILED.format(error=e, url=settings.slack_api_url), file=sys.stderr)
            return 1
        pipe.changes.recover()  # after the Slack notifier is attached: reconciled requests get their cards updated
        service.start_sweeper()
        try:
            if ns.socket:
                handler = socket_mode_handler(service.app, settings.slack_app_token.get_secret_value())
                handler.connect()
                print(M.SERVE_SOCKET_READY, file=sys.stderr, flush=True)
                _wait(stop)
                handler.close()
            else:
                server = make_http_server(service.app, ns.host, settings.port if ns.port is None else ns.port,
                                          traffic=service.traffic)
                server.start_background()
                print(M.SERVE_HTTP_READY.format(host=ns.host, port=server.server_address[1]), file=sys.stderr,
                      flush=True)
                _wait(stop)
                server.shutdown()
                server.server_close()
        finally:
            print(M.SERVE_STOPPING, file=sys.stderr, flush=True)
            service.close()
    return 0


def _wait(stop: threading.Event) -> None:
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
