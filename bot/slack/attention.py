"""The buttons on the card of a change in ``attention``: Finish, Undo, Mark reviewed (each with a confirm
dialog), and the command that does the same. A click goes to ``Clicks.resolve_clicked`` → the change service's
``resolve`` (same policy as the change: its requester or someone who could approve it).

Action ids ``attention_finish`` / ``attention_undo`` / ``attention_reviewed`` (``RESOLVE_ACTION`` matches them);
the button value is the change id.
"""
from __future__ import annotations

import re
from typing import Any

from audit.models import ChangeRequest
from bot.messages import pipeline as M
from bot.slack import blocks as B

PREFIX = "attention_"
RESOLVE_ACTION = re.compile(r"^attention_(finish|undo|reviewed)$")
_BUTTONS = (("finish", M.BUTTON_FINISH, M.CONFIRM_FINISH, "primary"),
            ("undo", M.BUTTON_UNDO, M.CONFIRM_UNDO, "danger"),
            ("reviewed", M.BUTTON_REVIEWED, M.CONFIRM_REVIEWED, None))


def attention_blocks(change: ChangeRequest) -> list[B.Block]:
    """What the card of a change in attention ends with: the choice, the buttons, the command."""
    buttons = [B.button(label, PREFIX + action, change.id, style,
                        B.confirm_dialog(M.CONFIRM_RESOLVE_TITLE.format(action=label, id=change.id), text,
                                         M.CONFIRM_RESOLVE_YES, M.CONFIRM_RESOLVE_NO))
               for action, label, text, style in _BUTTONS]
    return [B.section(M.ATTENTION_TITLE),
            B.actions(f"attention:{change.id}:v{change.version}", *buttons),
            B.context(M.ATTENTION_HOW.format(id=change.id))]


def resolve_of(body: dict[str, Any]) -> tuple[str, str] | None:
    """(change id, action) of a click on one of these buttons, or None."""
    act = (body.get("actions") or [{}])[0]
    m = RESOLVE_ACTION.match(str(act.get("action_id") or ""))
    value = str(act.get("value") or "")
    return (value, m.group(1)) if m and value else None
