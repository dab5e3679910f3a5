"""Score interpretations against expectations (the rules at the top of nl-dev.yaml).

``kind`` and ``tool`` must match; every expected argument must match (model ids compared after
resolving aliases, strings case-insensitively, numbers numerically, lists as sets); an argument the
expectation does not list counts as wrong unless it equals the documented default (count=1,
prefer=cost, to_revision absent = previous).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tools.catalog import default_catalog

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
DEFAULTS: dict[str, Any] = {"count": 1, "prefer": "cost", "to_revision": None}


@dataclass(frozen=True)
class Score:
    ok: bool
    why: str = ""


def _model(v: Any) -> str:
    m = default_catalog().get(str(v))
    return (m.preset if m else str(v)).lower()


def _norm(key: str, v: Any) -> Any:
    if v is None:
        return None
    if key == "model":
        return _model(v)
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, (list, tuple, set)):
        return frozenset(_norm(key, x) for x in v)
    s = str(v).strip()
    return float(s) if _NUMBER.fullmatch(s) else s.lower()


def score(expected: dict[str, Any], got: dict[str, Any]) -> Score:
    """Compare an expectation (nl-dev.yaml ``expect``) with a result's ``to_json()``."""
    if got.get("kind") != expected.get("kind"):
        return Score(False, f"kind {got.get('kind')} != {expected.get('kind')}")
    if expected.get("kind") != "tool_call":
        return Score(True)
    if got.get("tool") != expected.get("tool"):
        return Score(False, f"tool {got.get('tool')} != {expected.get('tool')}")
    want = expected.get("args") or {}
    have = got.get("args") or {}
    for key, value in want.items():
        if _norm(key, have.get(key, DEFAULTS.get(key))) != _norm(key, value):
            return Score(False, f"{key}: {have.get(key)!r} != {value!r}")
    for key, value in have.items():
        if key not in want and _norm(key, value) != _norm(key, DEFAULTS.get(key)):
            return Score(False, f"{key}={value!r} was not asked for")
    return Score(True)
