"""The "Show all" button of a summarised answer (issue 17): the full list, on request.

The click is acknowledged at once; the work runs on the background ``Worker``. The button's value names the tool
call (``show_all_button``), which runs again, read-only, as the person who clicked: the same policy scope,
identity and audit as asking the question (``Pipeline.read_as``); a value that does not name a read-only tool
is refused. The full text then goes where the answer is:

* a message in a channel or thread: uploaded as a file into its thread (``files.getUploadURLExternal``, the
  upload, ``files.completeUploadExternal``: ``WebClient.files_upload_v2``); if uploads are not allowed (no
  ``files:write``, a policy of the workspace), posted in the thread in parts, each within Block Kit's limits;
* an ephemeral answer (a slash command's): files cannot be ephemeral, so the parts go to the clicker alone
  (``chat.postEphemeral``).
"""
from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App

from bot import toolbox
from bot.pipeline import Request
from bot.slack import messages as M
from bot.slack.bot import SlackBot
from bot.slack.notifier import SLACK_ERRORS
from bot.slack.origin import Where
from bot.slack.results import text_messages
from bot.slack.show_all_button import SHOW_ALL, parse_value

log = logging.getLogger(__name__)


def _thread_of(body: dict[str, Any]) -> tuple[str | None, bool]:
    """(the thread the answer is in or starts, whether the answer was ephemeral)."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    ephemeral = bool(container.get("is_ephemeral")) or not message
    return message.get("thread_ts") or message.get("ts") or container.get("message_ts"), ephemeral


def full_text(bot: SlackBot, where: Where, value: str | None) -> tuple[str, str] | str:
    """(tool, every row as text) for the click, or why not (told to the clicker)."""
    parsed = parse_value(value)
    if parsed is None:
        return M.SHOW_ALL_BAD
    tool, raw = parsed
    try:
        if tool not in toolbox.read_only():
            return M.SHOW_ALL_BAD
        args = toolbox.validate(tool, raw, bot.pipeline.fleet.catalog)
    except (KeyError, ValidationError, ValueError):  # an unknown tool is a KeyError
        return M.SHOW_ALL_BAD
    actor = bot.directory.actor(where.user, where.user_name)
    req = Request(actor=actor, text=f"show all: {tool}", channel=where.channel, thread_ts=where.thread_ts,
                  source="slack-show-all")
    bot.pipeline.store.audit.record("request", actor=actor.id, channel=where.channel, message=req.text,
                                    args={"source": req.source, "tool": tool, "args": raw})
    reply = bot.pipeline.read_as(req, tool, args)
    if reply.kind != "result" or reply.result is None:
        return reply.text
    render = reply.result.render
    try:
        return tool, render(full=True)
    except TypeError:  # a result without a summary: its text is already every row
        return tool, render()


def show_all(bot: SlackBot, body: dict[str, Any]) -> None:
    where = Where.of_click(body)
    got = full_text(bot, where, ((body.get("actions") or [{}])[0]).get("value"))
    if isinstance(got, str):
        bot.clicks.feedback(where, False, got)
        return
    tool, text = got
    thread, ephemeral = _thread_of(body)
    if where.channel and not ephemeral:
        try:
            bot.client.files_upload_v2(channel=where.channel, thread_ts=thread, content=text,
                                       filename=f"{tool}.txt", title=M.SHOW_ALL_TITLE.format(tool=tool),
                                       initial_comment=M.SHOW_ALL_COMMENT.format(tool=tool, user=where.user,
                                                                                 lines=f"{text.count(chr(10)) + 1:,}"))
            return
        except SLACK_ERRORS as e:
            log.info("uploading the full list failed (%s): posting it in parts instead", e)
    parts = text_messages(tool, text)
    for part in parts:
        if where.channel and not ephemeral:
            bot.client.chat_postMessage(channel=where.channel, thread_ts=thread, **part)
        else:
            bot.client.chat_postEphemeral(channel=where.channel, user=where.user, **part)


def register(app: App, bot: SlackBot) -> None:
    def on_click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        where = Where.of_click(body)
        if not bot.worker.submit(show_all, bot, body,
                                 on_error=lambda e: bot.clicks.feedback(where, False, type(e).__name__)):
            try:
                bot.clicks.feedback(where, False, M.BUSY)
            except Exception:
                log.exception("telling %s that the worker is busy failed", where.user)
    app.action(SHOW_ALL)(on_click)
