"""``fleetops demo-fleet``: serve the embedded fleet in the foreground until Ctrl-C or SIGTERM."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from bot.messages import cli as CLI
from bot.settings import get_settings
from tools.messages import embedded as msg


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo-fleet", help=msg.DEMO_HELP, description=msg.DEMO_HELP,
                              epilog=msg.DEMO_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fleet-file", type=Path, metavar="PATH",
                   help=msg.DEMO_ARG_FLEET_FILE)
    p.add_argument("--synthetic", type=int, metavar="N", help=msg.DEMO_ARG_SYNTHETIC)
    p.add_argument("--seed", type=int, default=0, metavar="S", help=msg.DEMO_ARG_SEED)
    p.add_argument("--ready-delay", type=float, metavar="S",
                   help=msg.DEMO_ARG_READY_DELAY)
    p.add_argument("--heartbeat-period", type=float, default=60.0, metavar="S",
                   help=msg.DEMO_ARG_HEARTBEAT)
    p.add_argument("--port", type=int, default=0, metavar="P", help=msg.DEMO_ARG_PORT)
    p.add_argument("--kubeconfig", type=Path, metavar="PATH",
                   help=msg.DEMO_ARG_KUBECONFIG)
    p.set_defaults(func=run)


def member_summary(members: list[str], shown: int = 8) -> str:
    """The member contexts for the banner: all of a small fleet, the first ``shown`` and a count of a large one."""
    if len(members) <= shown + 1:
        return ", ".join(members)
    return msg.DEMO_MEMBERS_MORE.format(shown=", ".join(members[:shown]), more=len(members) - shown,
                                        total=len(members))


def _wait_for_signal(stop: threading.Event) -> None:
    def handler(signum, frame):
        stop.set()

    main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)} if main else {}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    from tools.embedded import EmbeddedFleet
    from tools.embedded.fleetspec import FleetSpecError, default_fleet_file

    if args.synthetic is not None and args.synthetic < 1:
        print(CLI.DEMO_SYNTHETIC_BAD.format(n=args.synthetic), file=sys.stderr)
        return 2
    delay = args.ready_delay if args.ready_delay is not None else get_settings().demo_ready_delay
    fleet = EmbeddedFleet(args.fleet_file, synthetic=args.synthetic, ready_delay=delay,
                          heartbeat_period=args.heartbeat_period, kubeconfig_path=args.kubeconfig,
                          port=args.port, seed_value=args.seed)
    try:
        spec = fleet.load_spec()
        what = (msg.DEMO_WHAT_SYNTHETIC.format(clusters=len(spec.clusters), deployments=len(spec.deployments))
                if args.synthetic else
                msg.DEMO_WHAT_FILE.format(clusters=len(spec.clusters), deployments=len(spec.deployments),
                                          path=args.fleet_file or default_fleet_file()))
        print(msg.DEMO_STARTING.format(what=what), flush=True)
        fleet.start()
    except (FleetSpecError, OSError, TimeoutError) as e:
        print(msg.DEMO_FAILED.format(error=e), file=sys.stderr)
        fleet.stop()
        return 1
    try:
        print(msg.DEMO_READY.format(url=fleet.url, hub=fleet.hub, members=member_summary(fleet.members),
                                    kubeconfig=fleet.kubeconfig_path, member=fleet.members[0]), flush=True)
        _wait_for_signal(stop or threading.Event())
    finally:
        fleet.stop()
        print(msg.DEMO_STOPPED, flush=True)
    return 0
