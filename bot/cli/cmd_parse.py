"""``fleetops parse`` (text -> one JSON object) and ``fleetops eval`` (score an examples file)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

import prompts
from bot import toolbox
from bot.cli import toolargs
from bot.interpreter import messages as msg
from bot.messages import cli as CLI

DEFAULT_USER = "U000CLI"
EXAMPLES = Path(prompts.__file__).resolve().parent / "examples.yaml"  # shipped with the package


def register(subparsers) -> None:
    p = subparsers.add_parser("parse", help=msg.PARSE_HELP, description=msg.PARSE_HELP,
                              epilog=toolargs.listing(tuple(toolbox.TOOLS)),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", help=msg.PARSE_TEXT_HELP)
    p.add_argument("--json", action="store_true", help=msg.PARSE_JSON_HELP)
    p.add_argument("--user", default=DEFAULT_USER, help=msg.PARSE_USER_HELP)
    p.set_defaults(func=run_parse)

    e = subparsers.add_parser("eval", help=msg.EVAL_HELP, description=msg.EVAL_HELP)
    e.add_argument("file", type=Path, nargs="?", default=EXAMPLES,
                   help=msg.EVAL_FILE_HELP + " (default: the shipped prompts/examples.yaml)")
    e.add_argument("--min", type=float, default=None, help=msg.EVAL_MIN_HELP)
    e.add_argument("--user", default=DEFAULT_USER, help=msg.PARSE_USER_HELP)
    e.set_defaults(func=run_eval)


# --- setup ------------------------------------------------------------------------------------------
def load_vocabulary():
    """The live fleet's vocabulary (``bot.fleetconn``), or catalog-only with a warning on stderr."""
    from bot.fleetconn import open_fleet
    from bot.interpreter import Vocabulary
    from bot.interpreter.demo_fleet import demo_snapshot
    from bot.settings import get_settings

    settings = get_settings()
    if not (settings.kubeconfig or settings.in_cluster):
        # The embedded demo fleet a fresh process would start is seeded from this file: same names,
        # regions and instance types, without starting a server (parse answers in ~0.3 s, not ~3 s).
        return Vocabulary.from_snapshot(demo_snapshot())
    try:
        with open_fleet() as fleet:
            snap = fleet.snapshot()
        return Vocabulary.from_snapshot(snap)
    except Exception as e:  # unreachable fleet: models still resolve, names are not checked
        print(msg.FLEET_UNAVAILABLE.format(error=e), file=sys.stderr)
        return Vocabulary.catalog_only()


def load_interpreter():
    from bot.interpreter import Interpreter, LlmConfigError, build_interpreter

    try:
        return build_interpreter()
    except LlmConfigError as e:
        print(f"warning: {e}; using the offline interpreter", file=sys.stderr)
        return Interpreter()


def _safe(interp, text: str, ctx) -> dict:
    from bot.interpreter import Clarify

    try:
        return interp.interpret(text, ctx).to_json()
    except Exception as e:  # never a traceback
        return Clarify(msg.INTERNAL_ERROR.format(error=type(e).__name__)).to_json()


def render(obj: dict) -> str:
    if obj["kind"] == "tool_call":
        args = ", ".join(f"{k}={v!r}" for k, v in obj["args"].items())
        return msg.HUMAN_TOOL_CALL.format(tool=obj["tool"], args=args)
    if obj["kind"] == "clarify":
        return msg.HUMAN_CLARIFY.format(question=obj["question"])
    return msg.HUMAN_REFUSE.format(reason=obj["reason"])


# --- commands ---------------------------------------------------------------------------------------
def run_parse(args: argparse.Namespace) -> int:
    from bot.interpreter import Context

    try:
        interp, vocab = load_interpreter(), load_vocabulary()
    except Exception as e:
        from bot.interpreter import Clarify

        print(json.dumps(Clarify(msg.INTERNAL_ERROR.format(error=type(e).__name__)).to_json()))
        return 0
    ctx = Context(who=args.user, vocabulary=vocab)
    lines = sys.stdin if args.text == "-" else [args.text]
    for line in lines:
        obj = _safe(interp, line.rstrip("\r\n"), ctx)
        print(json.dumps(obj, ensure_ascii=False) if args.json else render(obj), flush=True)
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from bot.interpreter import Context
    from bot.interpreter.evaluate import score

    try:
        items = yaml.safe_load(args.file.read_text()) or []
        if not isinstance(items, list):
            raise ValueError("expected a YAML list of {text, expect} entries")
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(msg.EVAL_BAD_FILE.format(path=args.file, error=e) + CLI.EVAL_TRY_EXAMPLES.format(path=EXAMPLES),
              file=sys.stderr)
        return 2
    interp, vocab = load_interpreter(), load_vocabulary()
    passed = 0
    for item in items:
        history = [tuple(t) for t in item.get("history") or []]
        ctx = Context(who=item.get("who") or args.user, vocabulary=vocab, history=history)
        got = _safe(interp, str(item["text"]), ctx)
        s = score(item.get("expect") or {}, got)
        if s.ok:
            passed += 1
        else:
            print(msg.EVAL_FAILURE.format(text=item["text"], expected=json.dumps(item.get("expect")),
                                          got=json.dumps(got, ensure_ascii=False), why=s.why))
    total = len(items)
    percent = 100.0 * passed / total if total else 0.0
    print(msg.EVAL_SUMMARY.format(passed=passed, total=total, percent=percent))
    return 1 if args.min is not None and percent < args.min else 0
