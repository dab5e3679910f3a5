"""Accuracy on the shared dev set, our worked examples and our extra phrasings (offline, demo fleet)."""
import json

import pytest

from bot.interpreter.evaluate import score

from .conftest import DEV_SET, EXAMPLES, PHRASINGS, load_examples


def _run(ask, items):
    failures = []
    for item in items:
        got = ask(item["text"], [tuple(t) for t in item.get("history") or []], item.get("who"))
        s = score(item["expect"], got)
        if not s.ok:
            failures.append(f"{item['text']!r}: {s.why} -> {json.dumps(got)}")
    return failures


def _rate(items, failures):
    return 100.0 * (len(items) - len(failures)) / len(items)


@pytest.mark.skipif(not DEV_SET.exists(), reason="../shared/nl-dev.yaml not present")
def test_dev_set_at_least_95_percent(ask):
    items = load_examples(DEV_SET)
    failures = _run(ask, items)
    assert _rate(items, failures) >= 95.0, "\n".join(failures)


def test_worked_examples_all_pass(ask):
    items = load_examples(EXAMPLES)
    assert len(items) >= 80
    failures = _run(ask, items)
    assert not failures, "\n".join(failures)


def test_more_phrasings_at_least_97_percent(ask):
    items = load_examples(PHRASINGS)
    failures = _run(ask, items)
    assert _rate(items, failures) >= 97.0, "\n".join(failures)


@pytest.mark.skipif(not DEV_SET.exists(), reason="../shared/nl-dev.yaml not present")
def test_examples_are_not_copies_of_the_dev_set():
    dev = {i["text"].strip().lower() for i in load_examples(DEV_SET)}
    ours = {i["text"].strip().lower() for i in load_examples(EXAMPLES) + load_examples(PHRASINGS)}
    assert not dev & ours
