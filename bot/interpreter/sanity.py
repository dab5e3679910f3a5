"""Arguments that cannot be right, caught before any rule reads them (issue 10 item 4): a path where a
name belongs ("../aks-…" never becomes a filter), a deployment name Kubernetes would refuse ("named
foo/bar" is never dropped for a default), a negative, zero or absurd count ("-1 replicas"). Each becomes
a question that names the bad value and says why."""
from __future__ import annotations

import re

from bot.interpreter import fuzzy, opslots
from bot.interpreter import messages as msg
from bot.interpreter.decision import Decision
from bot.interpreter.entities import Entities
from bot.interpreter.vocabulary import Vocabulary
from tools.fleet.conventions import is_dns1123_label

_PATH = re.compile(r"(?<!\S)((?:\.{1,2}/|~/|/)[^\s,;]*|[\w.-]+(?:/[\w.-]*)*/\.\.?(?:/[\w.-]*)*|[\w.-]+/[\w./-]+)")
_PER_UNIT = re.compile(r"^\$?[\d.]*/(?:h|hr|hour|node|month|mo|day|week|s|sec|second|min|minute)s?$|^n/a$|^w/")
_NAMED = re.compile(r"\b(?:named|called|call it|name it|with (?:the )?name|under the name|name:)\s+[\"'`]?"
                    r"([^\s\"'`,;]+)")


def check(ent: Entities, vocab: Vocabulary, mutating: bool) -> Decision | None:
    clean = ent.text.clean
    m = _NAMED.search(clean) if mutating else None
    if m:
        name = m.group(1).rstrip(".?!")
        if not is_dns1123_label(name):
            return Decision.ask(msg.BAD_NAME.format(name=name), span=name)
    for m in _PATH.finditer(clean):
        token = m.group(1).rstrip(".?!")
        if _PER_UNIT.match(token.lower()) or vocab.matcher.starts_mention(token.lower()) \
                or vocab.catalog.get(token) is not None:
            continue
        base = token.rstrip("/").rsplit("/", 1)[-1].lower()
        pool = [*vocab.clusters, *vocab.deployments]
        near = [n for _, n in fuzzy.closest(base, pool, max(2, len(base) // 4))][:3] if base else []
        hint = msg.PATH_HINT.format(options=msg.options(near)) if near else ""
        return Decision.ask(msg.PATH_NAME.format(token=token, hint=hint), span=token, options=tuple(near))
    if not mutating:
        return None
    bad = opslots.bad_number(ent.skel)
    if bad is not None:
        number, what = bad
        what = {"negative": _counted(ent.skel), "replicas": "replicas", "clusters": "a number of clusters"}[what]
        return Decision.ask(msg.BAD_NUMBER.format(number=number, what=what), span=number)
    return None


def _counted(skel: str) -> str:
    if re.search(r"\bclusters?\b", skel):
        return "a number of clusters"
    if re.search(r"\brevision|\brev\b|\bversion", skel):
        return "a revision"
    return "replicas"
