"""App Home tab and the reject-reason modal (pure view builders)."""
from __future__ import annotations

import json
from typing import Any

from audit.models import ChangeRequest
from bot.slack import blocks as B
from bot.slack import messages as M
from bot.slack.cards import home_row_buttons, status_text, who

REJECT_CALLBACK = "fleet_reject_reason"
REASON_BLOCK = "reason"
REASON_ACTION = "reason_input"
MAX_REASON = 1000
HOME_ROWS = 10


def _row(c: ChangeRequest) -> str:
    return M.HOME_ROW.format(emoji=M.STATE_EMOJI.get(c.state, M.DEFAULT_EMOJI), id=c.id,
                             summary=B.escape(B.cut(c.summary or "", 400)), tool=B.escape(c.tool), state=c.state,
                             requester=who(c.requester), status=B.escape(status_text(c)))


def _list(title: str, changes: list[ChangeRequest], empty: str) -> list[B.Block]:
    out: list[B.Block] = [B.header(title)]
    if not changes:
        return out + [B.section(empty)]
    out += B.bullet_sections([_row(c) for c in changes[:HOME_ROWS]], max_lines=HOME_ROWS)
    if len(changes) > HOME_ROWS:
        out.append(B.context(M.HOME_MORE.format(more=len(changes) - HOME_ROWS)))
    return out


def home_view(user: str, actionable: list[ChangeRequest], mine: list[ChangeRequest],
              recent: list[ChangeRequest], *, notice: tuple[bool, str] | None = None,
              updated: str = "", freezes: list[str] | None = None) -> dict[str, Any]:
    """The Home tab for ``user``: the change freezes in force (``freezes``, one line each), requests they can act
    on (with buttons), theirs, and recent ones."""
    blocks: list[B.Block] = [B.header(M.HOME_HEADER), B.section(M.HOME_INTRO.format(user=who(user)))]
    if freezes:
        blocks.append(B.section(M.HOME_FREEZES.format(lines="\n".join(B.escape(f) for f in freezes))))
    if notice is not None:
        ok, text = notice
        blocks.append(B.section((M.HOME_NOTICE_OK if ok else M.HOME_NOTICE_NO).format(text=B.escape(text))))
    blocks += [B.divider(), B.header(M.HOME_FOR_YOU)]
    if not actionable:
        blocks.append(B.section(M.HOME_FOR_YOU_NONE))
    for c in actionable[:HOME_ROWS]:
        blocks += [B.section(_row(c)), home_row_buttons(c)]
    if len(actionable) > HOME_ROWS:
        blocks.append(B.context(M.HOME_MORE.format(more=len(actionable) - HOME_ROWS)))
    blocks += [B.divider()] + _list(M.HOME_MINE, mine, M.HOME_MINE_NONE)
    blocks += [B.divider()] + _list(M.HOME_RECENT, recent, M.HOME_RECENT_NONE)
    blocks.append(B.context(M.HOME_FOOTER.format(when=B.escape(updated))))
    return {"type": "home", "blocks": B.fit(blocks, B.MAX_VIEW_BLOCKS)}


def reject_modal(change_id: str, version: int | None, meta: dict[str, Any]) -> dict[str, Any]:
    """The modal asking for a rejection reason; ``meta`` (change id, version, where the card is) rides
    in ``private_metadata`` to the submission."""
    metadata = json.dumps({**meta, "id": change_id, "v": version}, separators=(",", ":"))
    if len(metadata) > B.MAX_METADATA:
        metadata = json.dumps({"id": change_id, "v": version}, separators=(",", ":"))
    return {
        "type": "modal",
        "callback_id": REJECT_CALLBACK,
        "title": B.plain(M.REJECT_TITLE, B.MAX_MODAL_TITLE),
        "submit": B.plain(M.REJECT_SUBMIT, B.MAX_MODAL_TITLE),
        "close": B.plain(M.REJECT_CLOSE, B.MAX_MODAL_TITLE),
        "private_metadata": metadata,
        "blocks": [
            B.section(M.REJECT_INTRO.format(id=B.escape(change_id),
                                            summary=f"plan version {version}" if version else "")),
            {"type": "input", "block_id": REASON_BLOCK,
             "label": B.plain(M.REJECT_LABEL, B.MAX_INPUT_LABEL),
             "hint": B.plain(M.REJECT_HINT, B.MAX_INPUT_LABEL),
             "element": {"type": "plain_text_input", "action_id": REASON_ACTION, "multiline": True,
                         "max_length": MAX_REASON, "placeholder": B.plain(M.REJECT_PLACEHOLDER, 150)}},
            B.context(M.REJECT_WHO),
        ],
    }


def info_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (e.g. why this person cannot reject)."""
    return {"type": "modal", "title": B.plain(title, B.MAX_MODAL_TITLE), "close": B.plain(M.REJECT_CLOSE, 24),
            "blocks": [B.section(B.escape(text))]}


def reason_of(view: dict[str, Any]) -> str:
    """The reason typed into the reject modal ('' when empty)."""
    values = ((view or {}).get("state") or {}).get("values") or {}
    entry = (values.get(REASON_BLOCK) or {}).get(REASON_ACTION) or {}
    return (entry.get("value") or "").strip()


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads((view or {}).get("private_metadata") or "{}")
        return data if isinstance(data, dict) else {}
    except ValueError:
        return {}
