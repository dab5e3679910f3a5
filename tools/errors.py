"""Typed errors of the tools. Each message says what went wrong and what the user can do next.

    ToolError                      base; ``.to_json()`` gives ``{"error": kind, "message": ...}``
    ├── UnknownName(kind, name, suggestions)   cluster/deployment/model/... not found (did you mean)
    ├── NothingFits(placement)     a mutating tool needed a placement and fewer clusters fit than asked
    └── InvalidRequest(detail)     arguments that validate one by one but not together

Text lives in ``tools/messages/tools.py``.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Sized
from typing import Any, Protocol

from tools.messages import tools as M


class Shortfall(Protocol):
    """What ``NothingFits`` reports: a placement with fewer chosen clusters than asked
    (``tools.placement.Placement``; named structurally so that this module imports no placement code)."""

    @property
    def model(self) -> str: ...

    @property
    def count(self) -> int: ...

    @property
    def chosen(self) -> Sized: ...

    @property
    def suggestions(self) -> list[str]: ...

    def to_json(self) -> dict[str, Any]: ...


class ToolError(Exception):
    """Base of every error a tool reports to the user."""

    kind = "tool_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict:
        return {"error": self.kind, "message": self.message}

    def render(self) -> str:
        return self.message


def did_you_mean(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Close matches of ``name`` among ``candidates`` (difflib), best first."""
    cands = list(candidates)
    lower = {c.lower(): c for c in cands}
    hits = difflib.get_close_matches(name.lower(), list(lower), n=n, cutoff=0.6)
    if not hits:  # a unique substring is a good guess too ("westus3" -> aks-westus3-prod-1)
        hits = [k for k in lower if name.lower() in k][:n]
    return [lower[h] for h in hits]


class UnknownName(ToolError):
    kind = "unknown_name"

    def __init__(self, kind: str, name: str, suggestions: list[str] | None = None):
        self.name_kind, self.name, self.suggestions = kind, name, list(suggestions or [])
        hint = M.DID_YOU_MEAN.format(names=", ".join(self.suggestions)) if self.suggestions else ""
        todo = M.UNKNOWN_TODO.get(kind, M.UNKNOWN_TODO_DEFAULT)
        super().__init__(M.UNKNOWN_NAME.format(kind=kind, name=name, hint=hint, todo=todo))

    @classmethod
    def among(cls, kind: str, name: str, candidates: Iterable[str]) -> UnknownName:
        return cls(kind, name, did_you_mean(name, candidates))

    def to_json(self) -> dict:
        return {**super().to_json(), "kind": self.name_kind, "name": self.name,
                "suggestions": self.suggestions}


class NothingFits(ToolError):
    kind = "nothing_fits"

    def __init__(self, placement: Shortfall):
        self.placement = placement
        found = M.NOTHING_FITS_FOUND.format(chosen=len(placement.chosen), count=placement.count)
        hint = "; ".join(placement.suggestions) or M.NOTHING_FITS_HINT
        super().__init__(M.NOTHING_FITS.format(model=placement.model, found=found, hint=hint))

    def to_json(self) -> dict:
        return {**super().to_json(), "placement": self.placement.to_json()}


class InvalidRequest(ToolError):
    kind = "invalid_request"

    def __init__(self, detail: str):
        self.detail = detail
        super().__init__(M.INVALID_REQUEST.format(detail=detail))
