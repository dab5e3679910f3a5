"""``fleetops audit list|show|verify|export``: review and check the audit log."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from audit import messages as msg
from audit.errors import AuditError
from audit.models import EVENTS, AuditEvent
from audit.store import Store, open_store
from bot.settings import get_settings


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH", type=Path,
                        help="database file (default: FLEETOPS_DB or ~/.fleetops/fleetops.db)")


def open_from_args(args: argparse.Namespace, create: bool = False) -> Store:
    return open_store(args.db or get_settings().database, create=create)


def fail(error: object) -> int:
    print(msg.ERROR.format(error=error), file=sys.stderr)
    return 1


def table(header: tuple[str, ...], rows: list[tuple[Any, ...]], widths: dict[int, int]) -> str:
    """Fixed-width text table; column ``i`` is cut to ``widths[i]`` characters when given."""
    cells = [[str(c) for c in header]] + [
        [_cut("" if c is None else str(c), widths.get(i)) for i, c in enumerate(r)] for r in rows]
    size = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(size[i]) for i, c in enumerate(r)).rstrip() for r in cells)


def show_value(value: Any) -> str:
    """One field for ``show``: scalars as is, lists of names comma-separated, JSON indented."""
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + " " * 22)
    return str(value)


def _cut(text: str, width: int | None) -> str:
    text = " ".join(text.split())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def _row(e: AuditEvent) -> tuple[Any, ...]:
    return (e.id, e.ts.replace("T", " ").rstrip("Z"), e.event, e.actor, e.change_id, e.tool,
            e.deployment, ",".join(e.clusters), e.message)


def _list(args: argparse.Namespace) -> int:
    try:
        with open_from_args(args) as store:
            events = store.audit.list(actor=args.actor, deployment=args.deployment,
                                      cluster=args.cluster, action=args.action, since=args.since,
                                      until=args.until, change_id=args.change, limit=args.limit)
    except AuditError as e:
        return fail(e)
    events.reverse()  # the newest N, oldest first
    if args.json:
        print(json.dumps([e.model_dump(mode="json") for e in events], indent=2, ensure_ascii=False))
    elif not events:
        print(msg.LIST_EMPTY)
    else:
        print(table(msg.LIST_HEADER, [_row(e) for e in events], {3: 14, 5: 14, 6: 20, 7: 30, 8: 60}))
    return 0


def _show(args: argparse.Namespace) -> int:
    try:
        with open_from_args(args) as store:
            event = store.audit.get(args.id)
    except AuditError as e:
        return fail(e)
    data = event.model_dump(mode="json")
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for key, value in data.items():
        print(msg.SHOW_LINE.format(key=key, value=show_value(value)))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from audit.verify import verify_path
    from audit.witness import WitnessKeyError, load_key

    try:
        key = load_key(key_file=args.key_file) if args.digests is not None or args.channel else None
    except WitnessKeyError as e:
        return fail(e)
    path = args.db or get_settings().database
    digests: Path | list[str] | None = args.digests
    if args.channel:
        lines = _channel_lines(args.channel)
        if isinstance(lines, int):
            return lines
        digests = lines
    report = verify_path(path, digests=digests, key=key, expect_head=args.expect_head)
    if args.json:
        print(report.model_dump_json(indent=2))
    elif report.ok:
        if report.exists:
            print(msg.VERIFY_OK.format(n=report.events, head=report.head_hash))
        else:
            print(msg.VERIFY_FRESH.format(path=path))
        if digests is not None:
            print(msg.VERIFY_DIGESTS_OK.format(n=report.digests, covered=report.covered_id or 0,
                                               uncovered=report.uncovered)
                  if report.digests else _no_digests(args.channel))
    else:
        for p in report.problems:
            if p.checked is not None:  # a break in the chain: the historical one-line form
                print(msg.VERIFY_BAD.format(id=p.row or "-", reason=p.message, n=p.checked))
            else:
                print(msg.VERIFY_PROBLEM.format(kind=msg.VERIFY_PROBLEM_KINDS[p.kind], message=p.message))
    return 0 if report.ok else 1


def _channel_lines(channel: str) -> list[str] | int:
    """The digest lines of the audit channel's history (with the bot token), or the exit code after saying
    why they cannot be read."""
    from bot.slack import make_client
    from bot.slack import messages as SM
    from bot.slack.digests import ChannelUnreadable, channel_digest_lines

    settings = get_settings()
    if not settings.slack_bot_token:
        return fail(SM.AUDIT_CHANNEL_NEEDS_TOKEN)
    try:
        return channel_digest_lines(make_client(settings), channel)
    except ChannelUnreadable as e:
        return fail(SM.AUDIT_CHANNEL_UNREADABLE.format(channel=channel, error=e))


def _no_digests(channel: str | None) -> str:
    if channel:
        from bot.slack import messages as SM

        return SM.AUDIT_CHANNEL_NO_DIGESTS.format(channel=channel)
    return msg.VERIFY_NO_DIGESTS


def _digest(args: argparse.Namespace) -> int:
    from audit.witness import append_digest, committed_head, load_key

    try:
        key = load_key(key_file=args.key_file)
        if key is None:
            return fail(msg.DIGEST_NEEDS_KEY)
        with open_from_args(args) as store:
            head_id, head_hash, count, first = committed_head(store.database)
        digest = append_digest(args.digests, key, head_id=head_id, head_hash=head_hash, count=count,
                               first_hash=first)
    except (AuditError, OSError) as e:
        return fail(e)
    print(msg.DIGEST_WRITTEN.format(seq=digest.seq, path=args.digests, count=digest.count, head=digest.head_hash))
    return 0


def _export(args: argparse.Namespace) -> int:
    try:
        with open_from_args(args) as store:
            n = store.audit.export(args.format, args.output or sys.stdout)
    except (AuditError, OSError) as e:
        return fail(e)
    if args.output:
        print(msg.EXPORTED.format(n=n, path=args.output), file=sys.stderr)
    return 0


def datasette_metadata(text: str, database: Path) -> dict[str, Any]:
    """The shipped metadata with its one database entry under ``database``'s name, as Datasette names it."""
    import yaml

    data = yaml.safe_load(text)
    entries = data.get("databases") or {}
    data["databases"] = {Path(database).stem: next(iter(entries.values()))} if entries else {}
    return data


def _datasette_metadata(args: argparse.Namespace) -> int:
    import yaml

    import audit

    shipped = Path(audit.__file__).resolve().parent / "datasette" / "metadata.yaml"
    data = datasette_metadata(shipped.read_text(encoding="utf-8"), args.db or get_settings().database)
    sys.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="review, verify and export the audit log",
                              description="Review, verify and export the hash-chained audit log.")
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    ls = sub.add_parser("list", help="list recent events (oldest of the newest N first)",
                        epilog="examples: fleetops audit list --since 24h; "
                        "fleetops audit list --deployment coder-assist --action deploy")
    ls.add_argument("--actor", help="Slack user id (U...)")
    ls.add_argument("--deployment")
    ls.add_argument("--cluster")
    ls.add_argument("--action", help=f"event type ({', '.join(EVENTS)}) or tool name")
    ls.add_argument("--change", help="change request id")
    ls.add_argument("--since", help="24h, 7d, 2026-11-01 or an ISO timestamp")
    ls.add_argument("--until", help="same forms as --since")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true", help="print JSON")
    add_db_option(ls)
    ls.set_defaults(func=_list)

    show = sub.add_parser("show", help="show one event in full")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    add_db_option(show)
    show.set_defaults(func=_show)

    ver = sub.add_parser("verify", help="check the hash chain (and signed digests); exit 1 saying what is wrong",
                         description="Check the hash chain, the anchor and the file itself; with --digests, also "
                         "every signed digest written by the witness (detects a cut tail with a rewritten "
                         "anchor, a recomputed chain, emptied tables and a swapped file). Never changes "
                         "the database; a missing database is a fresh install (0 events). --channel reads the digests "
                         "from the audit Slack channel's history instead of a file.")
    ver.add_argument("--expect-head", metavar="HASH",
                     help="a head hash printed earlier: fail unless the log still contains it")
    source = ver.add_mutually_exclusive_group()
    source.add_argument("--digests", type=Path, metavar="FILE", help="digest file (JSON lines) to check against")
    source.add_argument("--channel", metavar="CHANNEL_ID",
                        help="Slack channel (C...) serve posts the digests to (FLEETOPS_AUDIT_CHANNEL): check "
                        "against every digest in its history (needs SLACK_BOT_TOKEN, channels:history)")
    ver.add_argument("--key-file", type=Path, metavar="PATH",
                     help="file holding the audit key (default: FLEETOPS_AUDIT_KEY / FLEETOPS_AUDIT_KEY_FILE)")
    ver.add_argument("--json", action="store_true")
    add_db_option(ver)
    ver.set_defaults(func=_verify)

    dig = sub.add_parser("digest", help="append a signed digest of the log's head to a digest file now",
                         description="Append one signed digest (head id, head hash, count, time; HMAC-SHA256 "
                         "with the audit key) to FILE, e.g. from cron when no fleetops process runs a witness.")
    dig.add_argument("--digests", type=Path, metavar="FILE", required=True)
    dig.add_argument("--key-file", type=Path, metavar="PATH",
                     help="file holding the audit key (default: FLEETOPS_AUDIT_KEY / FLEETOPS_AUDIT_KEY_FILE)")
    add_db_option(dig)
    dig.set_defaults(func=_digest)

    meta = sub.add_parser("datasette-metadata",
                          help="print Datasette metadata (facets, canned queries) for the database file",
                          description="Datasette keys metadata by the file's name; this prints the shipped "
                          "metadata for whichever database you browse:\n  fleetops audit datasette-metadata "
                          "--db copy.db > meta.yaml && datasette copy.db -m meta.yaml",
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_option(meta)
    meta.set_defaults(func=_datasette_metadata)

    exp = sub.add_parser("export", help="write every event as JSON lines or CSV")
    exp.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    exp.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: standard output")
    add_db_option(exp)
    exp.set_defaults(func=_export)
