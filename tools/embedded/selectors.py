"""Label and field selectors as the Kubernetes API parses them (``labelSelector=``/``fieldSelector=``)."""
from __future__ import annotations

import re
from typing import Callable

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


def parse_label_selector(selector: str | None) -> Callable[[dict], bool]:
    if not selector:
        return lambda labels: True
    checks: list[Callable[[dict], bool]] = []
    for term in _split_terms(selector):
        m = _SET_RE.match(term)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
            if op == "in":
                checks.append(lambda l, k=key, vs=vals: l.get(k) in vs)
            else:
                checks.append(lambda l, k=key, vs=vals: l.get(k) not in vs)
        elif "!=" in term:
            k, v = (x.strip() for x in term.split("!=", 1))
            checks.append(lambda l, k=k, v=v: l.get(k) != v)
        elif "==" in term or "=" in term:
            k, v = (x.strip() for x in re.split(r"==?", term, maxsplit=1))
            checks.append(lambda l, k=k, v=v: l.get(k) == v)
        elif term.startswith("!"):
            k = term[1:].strip()
            checks.append(lambda l, k=k: k not in l)
        elif re.match(r"^[A-Za-z0-9./_-]+$", term):
            checks.append(lambda l, k=term: k in l)
        else:
            raise BadRequest(f'unable to parse requirement: invalid label selector "{selector}"')
    return lambda labels: all(c(labels) for c in checks)


_FIELDS = {
    "metadata.name": lambda o: o.get("metadata", {}).get("name"),
    "metadata.namespace": lambda o: o.get("metadata", {}).get("namespace", ""),
}


def parse_field_selector(selector: str | None) -> Callable[[dict], bool]:
    if not selector:
        return lambda obj: True
    checks: list[Callable[[dict], bool]] = []
    for term in _split_terms(selector):
        neg = "!=" in term
        k, v = (x.strip() for x in re.split(r"!=|==?", term, maxsplit=1))
        get = _FIELDS.get(k)
        if get is None:
            raise BadRequest(f'"{k}" is not a known field selector: only "metadata.name", '
                             f'"metadata.namespace"')
        checks.append((lambda o, g=get, v=v: g(o) != v) if neg else (lambda o, g=get, v=v: g(o) == v))
    return lambda obj: all(c(obj) for c in checks)
