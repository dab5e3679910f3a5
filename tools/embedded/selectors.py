"""Label and field selectors as the Kubernetes API parses them (``labelSelector=``/``fieldSelector=``)."""
from __future__ import annotations

import re
from collections.abc import Callable

from tools.embedded.errors import BadRequest

_SET_RE = re.compile(r"^\s*([^\s!=,()]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split_terms(selector: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    terms, depth, cur = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        terms.append(cur)
    return [t.strip() for t in terms if t.strip()]


Check = Callable[[dict], bool]


def _label_check(term: str, selector: str) -> Check:
    """One requirement of a label selector, as a test of an object's labels."""
    m = _SET_RE.match(term)
    if m:
        key, values = m.group(1), {v.strip() for v in m.group(3).split(",") if v.strip()}
        if m.group(2) == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if "!=" in term:
        key, value = (x.strip() for x in term.split("!=", 1))
        return lambda labels: labels.get(key) != value
    if "==" in term or "=" in term:
        key, value = (x.strip() for x in re.split(r"==?", term, maxsplit=1))
        return lambda labels: labels.get(key) == value
    if term.startswith("!"):
        absent = term[1:].strip()
        return lambda labels: absent not in labels
    if re.match(r"^[A-Za-z0-9./_-]+$", term):
        return lambda labels: term in labels
    raise BadRequest(f'unable to parse requirement: invalid label selector "{selector}"')


def parse_label_selector(selector: str | None) -> Check:
    if not selector:
        return lambda labels: True
    checks = [_label_check(term, selector) for term in _split_terms(selector)]
    return lambda labels: all(c(labels) for c in checks)


_FIELDS: dict[str, Callable[[dict], str | None]] = {
    "metadata.name": lambda o: o.get("metadata", {}).get("name"),
    "metadata.namespace": lambda o: o.get("metadata", {}).get("namespace", ""),
}


def _field_check(term: str) -> Check:
    """One requirement of a field selector, as a test of an object."""
    neg = "!=" in term
    k, v = (x.strip() for x in re.split(r"!=|==?", term, maxsplit=1))
    get = _FIELDS.get(k)
    if get is None:
        raise BadRequest(f'"{k}" is not a known field selector: only "metadata.name", '
                         f'"metadata.namespace"')
    if neg:
        return lambda o: get(o) != v
    return lambda o: get(o) == v


def parse_field_selector(selector: str | None) -> Check:
    if not selector:
        return lambda obj: True
    checks = [_field_check(term) for term in _split_terms(selector)]
    return lambda obj: all(c(obj) for c in checks)
