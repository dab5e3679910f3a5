"""Block Kit primitives that respect Slack's limits, and mrkdwn escaping. Pure functions returning dicts.

Limits (docs.slack.dev block reference; the same numbers slack_sdk validates): 50 blocks per message,
100 per modal or home tab, 3,000 characters per section text, 10 fields of 2,000, header 150,
button text 75 and value 2,000, block_id/action_id 255, modal title/submit/close 24,
private_metadata 3,000. Message ``text`` (the fallback) is kept under 3,000 here (Slack truncates
beyond 4,000).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.slack import messages as M

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_ID = 255
MAX_CONTEXT = 10
MAX_FALLBACK = 3000
MAX_MODAL_TITLE = 24
MAX_METADATA = 3000
MAX_INPUT_LABEL = 2000

Block = dict[str, Any]


def escape(text: object) -> str:
    """Escape ``&``, ``<`` and ``>`` so user or fleet text cannot become a link, mention or broadcast."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` shortened to at most ``limit`` characters (with an ellipsis when cut)."""
    text = str(text)
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))] + ellipsis


def plain(text: str, limit: int = MAX_HEADER) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text or " ", limit), "emoji": True}


def mrkdwn(text: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": cut(text or " ", limit)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER)}


def section(text: str, fields: Iterable[str] = (), block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    flds = [mrkdwn(f, MAX_FIELD) for f in fields][:MAX_FIELDS]
    if flds:
        block["fields"] = flds
    if block_id:
        block["block_id"] = cut(block_id, MAX_ID, "")
    return block


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t, MAX_FIELD) for t in texts if t][:MAX_CONTEXT]
            or [mrkdwn(" ")]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None,
           confirm: dict[str, Any] | None = None) -> dict[str, Any]:
    if len(value) > MAX_VALUE:
        raise ValueError(f"button value is {len(value)} characters; Slack allows {MAX_VALUE}")
    b: dict[str, Any] = {"type": "button", "text": plain(text, MAX_BUTTON_TEXT),
                         "action_id": cut(action_id, MAX_ID, ""), "value": value}
    if style in ("primary", "danger"):
        b["style"] = style
    if confirm:
        b["confirm"] = confirm
    return b


def confirm_dialog(title: str, text: str, yes: str, no: str) -> dict[str, Any]:
    return {"title": plain(title, 100), "text": plain(text, 300), "confirm": plain(yes, 30),
            "deny": plain(no, 30)}


def actions(block_id: str, *elements: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": cut(block_id, MAX_ID, ""), "elements": list(elements)[:25]}


def _safe_code(text: str) -> str:
    return escape(text).replace("```", "`\u200b``")


def code_sections(text: str, *, max_blocks: int = 6, how: str = M.HOW_FULL_TEXT) -> list[Block]:
    """``text`` in code blocks of at most 3,000 characters each, split on lines; beyond ``max_blocks``
    sections the rest is dropped and a note says how many lines were left out and how to see them."""
    lines = [_safe_code(line) for line in (text or "").rstrip("\n").split("\n")]
    room = MAX_TEXT - 8  # the fences and their newlines
    chunks: list[list[str]] = [[]]
    size = 0
    for line in lines:
        line = cut(line, room)
        if chunks[-1] and size + len(line) + 1 > room:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    out = [section("```" + "\n".join(c) + "```") for c in chunks[:max_blocks]]
    if len(chunks) > max_blocks:
        more = sum(len(c) for c in chunks[max_blocks:])
        out.append(context(M.TRUNCATED_TEXT.format(more=more, how=how)))
    return out


def bullet_sections(lines: list[str], *, title: str = "", max_lines: int = 40, what: str = "",
                    how: str = "") -> list[Block]:
    """mrkdwn lines packed into sections under 3,000 characters; past ``max_lines`` a note says how
    many were left out (``what``) and how to see them (``how``)."""
    shown, rest = lines[:max_lines], len(lines) - max_lines
    out: list[Block] = []
    buf = title
    for line in shown:
        line = cut(line, MAX_TEXT - 1)
        if buf and len(buf) + 1 + len(line) > MAX_TEXT:
            out.append(section(buf))
            buf = ""
        buf = f"{buf}\n{line}" if buf else line
    if buf:
        out.append(section(buf))
    if rest > 0:
        out.append(context(M.TRUNCATED_ROWS.format(more=rest, what=what, how=how)))
    return out


def fit(blocks: list[Block], limit: int = MAX_BLOCKS, how: str = "") -> list[Block]:
    """At most ``limit`` blocks: when there are more, the tail is replaced by a note."""
    if len(blocks) <= limit:
        return blocks
    return blocks[: limit - 1] + [context(M.TRUNCATED_BLOCKS.format(how=how))]


def message(text: str, blocks: list[Block], how: str = "") -> dict[str, Any]:
    """A message payload: ``text`` (the notification / screen-reader fallback) and ``blocks``."""
    return {"text": cut(text or " ", MAX_FALLBACK), "blocks": fit(blocks, MAX_BLOCKS, how)}


def mrkdwn_message(text: str) -> dict[str, Any]:
    """One section of mrkdwn as a message (used for short answers and feedback)."""
    return message(text, [section(text)])
