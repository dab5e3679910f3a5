"""CEL ``x-kubernetes-validations`` rules of the CRDs, evaluated with cel-python (``celpy``).

Each rule is compiled once and cached. kube-apiserver's CEL has Kubernetes extensions (``quantity()``,
``isURL()``, optional types, ...) and heterogeneous equality; celpy has neither. Equality is patched to be
heterogeneous (``0 == null`` is false, not an error); a rule that still does not compile or evaluate in
celpy is logged once, skipped, and listed by :func:`skipped_rules` so the README can cite the gaps. A
missing field (``no such key``) is a real rule failure, reported the way kube-apiserver reports it.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

import celpy
from celpy import celtypes
from celpy.evaluation import CELEvalError, bool_eq, bool_ne

from tools.messages import embedded_api as msg

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

_TRANSITION = re.compile(r"\boldSelf\b")
_NO_SUCH_KEY = re.compile(r"no such member in mapping: '([^']*)'")


def _het_eq(a: Any, b: Any) -> Any:
    if isinstance(a, CELEvalError):
        return a
    if isinstance(b, CELEvalError):
        return b
    if a is None or b is None:
        return celtypes.BoolType(a is None and b is None)
    try:
        return bool_eq(a, b)
    except TypeError:
        return celtypes.BoolType(False)


def _het_ne(a: Any, b: Any) -> Any:
    if isinstance(a, CELEvalError):
        return a
    if isinstance(b, CELEvalError):
        return b
    if a is None or b is None:
        return celtypes.BoolType(not (a is None and b is None))
    try:
        return bool_ne(a, b)
    except TypeError:
        return celtypes.BoolType(True)


_FUNCTIONS = {"_==_": _het_eq, "_!=_": _het_ne}
_env = celpy.Environment()
_lock = threading.Lock()
_programs: dict[str, Any] = {}
_skipped: dict[str, str] = {}


class Skip(Exception):
    """celpy cannot run this rule; the rule is skipped (see :func:`skipped_rules`)."""


def _skip(rule: str, why: str) -> None:
    with _lock:
        first = rule not in _skipped
        _skipped.setdefault(rule, why)
    if first:
        log.warning("skipping CEL rule celpy cannot run: %s (%s)", rule, why)


def skipped_rules() -> dict[str, str]:
    """Rules skipped so far (rule text -> why), for the README and debugging."""
    with _lock:
        return dict(_skipped)


def is_transition(rule: str) -> bool:
    """Transition rules reference ``oldSelf`` and run only on updates where the old value exists."""
    return bool(_TRANSITION.search(rule))


def _program(rule: str):
    with _lock:
        if rule in _programs:
            return _programs[rule]
    try:
        prog = _env.program(_env.compile(rule), functions=_FUNCTIONS)
    except Exception as exc:
        prog = None
        _skip(rule, f"does not compile in celpy: {exc}")
    with _lock:
        _programs[rule] = prog
    return prog


def compile_all(rules: list[str]) -> None:
    """Compile rules ahead of time (errors are recorded, never raised)."""
    for r in rules:
        _program(r)


@dataclass
class Outcome:
    ok: bool
    message: str = ""


def _activation(self_value: Any, old_value: Any, has_old: bool) -> dict:
    act = {"self": celpy.json_to_cel(self_value)}
    if has_old:
        act["oldSelf"] = celpy.json_to_cel(old_value)
    return act


def _run(rule: str, act: dict) -> Any:
    prog = _program(rule)
    if prog is None:
        raise Skip(rule)
    try:
        result = prog.evaluate(act)
    except CELEvalError as exc:
        result = exc
    if isinstance(result, CELEvalError):
        m = _NO_SUCH_KEY.search(str(result.args[0]) if result.args else "")
        if m:
            return KeyError(m.group(1))
        _skip(rule, f"celpy cannot evaluate it: {result.args[0] if result.args else result}")
        raise Skip(rule)
    return result


def check(rule: dict, self_value: Any, old_value: Any = None, has_old: bool = False) -> Outcome:
    """Evaluate one ``x-kubernetes-validations`` entry; ``ok`` if it holds or cannot be run."""
    text = rule.get("rule", "")
    if is_transition(text) and not has_old:
        return Outcome(True)
    if rule.get("optionalOldSelf"):
        _skip(text, "optionalOldSelf needs CEL optional types")
        return Outcome(True)
    act = _activation(self_value, old_value, has_old)
    try:
        result = _run(text, act)
    except Skip:
        return Outcome(True)
    if isinstance(result, KeyError):
        return Outcome(False, msg.CEL_NO_SUCH_KEY.format(key=result.args[0], rule=text))
    if not isinstance(result, (bool, celtypes.BoolType)):
        _skip(text, f"result is not a bool: {result!r}")
        return Outcome(True)
    if result:
        return Outcome(True)
    return Outcome(False, _message(rule, act))


def _message(rule: dict, act: dict) -> str:
    expr = rule.get("messageExpression")
    if expr:
        try:
            out = _run(expr, act)
            if isinstance(out, (str, celtypes.StringType)) and str(out).strip():
                return str(out)
        except Skip:
            pass
    return rule.get("message") or msg.CEL_FAILED_RULE.format(rule=rule.get("rule", ""))
