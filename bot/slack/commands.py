"""What a ``/fleet`` text (or a mention / DM) asks for: help, the audit log, change requests, or a
request for the pipeline. Also turns Slack's mrkdwn markup back into the words people typed. Pure.
"""
from __future__ import annotations

import html
import re
import shlex
from dataclasses import dataclass, field
from typing import Literal

from audit.models import STATES
from bot.slack import messages as M

AUDIT_OPTIONS = ("actor", "deployment", "cluster", "action", "since", "limit")
_USER_REF = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_REF = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\^[^>|]*)?(?:\|([^>]*))?>")
_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,:]*")


class CommandError(ValueError):
    """A malformed command; the message says how to write it."""


@dataclass
class Command:
    kind: Literal["help", "audit", "changes", "request"]
    text: str = ""
    audit: dict[str, str] = field(default_factory=dict)  # flag filters (--actor ...)
    status: str | None = None  # changes filter


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack markup to plain words: drop a leading mention of the bot, ``<@U1>`` → ``U1``,
    ``<#C1|ops>`` → ``#ops``, links → their label or URL, then unescape ``&amp; &lt; &gt;``."""
    text = text or ""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[\s,:]*", " ", text)
    text = _LEADING_MENTION.sub("", text)
    text = _USER_REF.sub(lambda m: m.group(1), text)
    text = _CHANNEL_REF.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: m.group(2) or "@" + m.group(1), text)
    return " ".join(html.unescape(text).split())


def parse_audit(rest: str) -> dict[str, str] | None:
    """``--actor U1 --since 24h`` → ``{"actor": "U1", "since": "24h"}``; None when ``rest`` holds no
    option (plain words: the interpreter reads them). ``CommandError`` for unknown or empty options."""
    try:
        tokens = shlex.split(rest)
    except ValueError:
        tokens = rest.split()
    if not any(t.startswith("--") for t in tokens):
        return None
    out: dict[str, str] = {}
    it = iter(tokens)
    for tok in it:
        if not tok.startswith("--"):
            raise CommandError(M.AUDIT_BAD_OPTION.format(option=tok))
        name, _, inline = tok[2:].partition("=")
        name = name.replace("-", "_").lower()
        if name not in AUDIT_OPTIONS:
            raise CommandError(M.AUDIT_BAD_OPTION.format(option=tok))
        value = inline or next(it, None)
        if not value or value.startswith("--"):
            raise CommandError(M.AUDIT_NEEDS_VALUE.format(option=f"--{name}",
                                                          example=M.AUDIT_EXAMPLES.get(f"--{name}", "…")))
        out[name] = value
    return out


def parse_command(text: str) -> Command:
    """Classify what came after ``/fleet`` (already plain text)."""
    words = (text or "").strip()
    first, _, rest = words.partition(" ")
    head = first.lower()
    if head in ("", "help", "?", "-h", "--help"):
        return Command("help")
    if head == "audit":
        flags = parse_audit(rest)
        if flags is None:
            return Command("audit", text=words)
        return Command("audit", audit=flags)
    if head == "changes" and len(rest.split()) <= 1:
        status = rest.strip().lower() or None
        if status is not None and status not in STATES:
            raise CommandError(M.CHANGES_BAD_STATUS.format(status=status, known=", ".join(STATES)))
        return Command("changes", status=status)
    return Command("request", text=words)
