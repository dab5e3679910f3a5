"""Plain-text rendering helpers: compact aligned tables, money, ages. No ANSI, no Unicode box art,
so output reads the same in a terminal and in a Slack code block.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tools.messages import tools as M


def cell(v: Any) -> str:
    """One table cell: ``None``/empty list -> ``-``, ``""`` stays blank (continuation rows), bools ->
    yes/no, floats with two decimals."""
    if v is None or (isinstance(v, (list, tuple)) and not v):
        return M.NONE
    if isinstance(v, bool):
        return M.YES if v else M.NO
    if isinstance(v, float):
        return f"{v:.2f}"
    if isinstance(v, (list, tuple)):
        return ", ".join(cell(x) for x in v)
    return str(v)


def table(head: Sequence[str], rows: Iterable[Sequence[Any]], indent: str = "",
          right: Sequence[int] = ()) -> str:
    """Columns separated by two spaces, padded to the widest cell; ``right`` = right-aligned columns.
    The last column is not padded (no trailing spaces)."""
    body = [[cell(v) for v in r] for r in rows]
    grid = [list(head), *body]
    widths = [max(len(r[i]) for r in grid) for i in range(len(head))]
    lines = []
    for r in grid:
        parts = []
        for i, v in enumerate(r):
            last = i == len(r) - 1
            if i in right:
                parts.append(v.rjust(widths[i]))
            else:
                parts.append(v if last else v.ljust(widths[i]))
        lines.append((indent + "  ".join(parts)).rstrip())
    return "\n".join(lines)


def kv(pairs: Iterable[tuple[str, Any]], indent: str = "") -> str:
    """``Key: value`` lines with the values aligned."""
    pairs = [(k, cell(v)) for k, v in pairs]
    if not pairs:
        return ""
    w = max(len(k) for k, _ in pairs) + 1
    return "\n".join(f"{indent}{(k + ':').ljust(w)} {v}" for k, v in pairs)


def money(x: float | None) -> str:
    """``$3.49/h``; unknown price -> ``$?/h``."""
    return "$?/h" if x is None else f"${x:,.2f}/h"


def age(seconds: float | None) -> str:
    """Human age of a heartbeat: ``30 s``, ``42 min``, ``3 h 5 min``."""
    if seconds is None:
        return M.NONE
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    m = s // 60
    if m < 60:
        return f"{m} min"
    h, m = divmod(m, 60)
    return f"{h} h {m} min" if m else f"{h} h"


def filters_text(filters: dict[str, Any]) -> str:
    """``environment=prod, gpu=A100`` for the filters that were given, in the given order."""
    return ", ".join(f"{k}={cell(v)}" for k, v in filters.items() if v not in (None, [], ()))


def join_blocks(*blocks: str) -> str:
    """Join non-empty text blocks with blank lines between them."""
    return "\n\n".join(b for b in blocks if b)
