"""Numbers in words, units, relative times."""
import pytest

from bot.interpreter.text import normalize


@pytest.mark.parametrize("text,low", [
    ("two clusters", "2 clusters"), ("a couple of clusters", "2 clusters"), ("three replicas", "3 replicas"),
    ("twenty-four hours", "24 hours"), ("a dozen", "12"), ("the 8b one", "the 8b one"),
    ("revision one", "revision 1"), ("which one?", "which one?"),
])
def test_words_to_numbers(text, low):
    assert normalize(text).low == low


@pytest.mark.parametrize("text,args", [
    ("deploy gemma 3 4b to two staging clusters", {"count": 2, "environment": "staging"}),
    ("deploy gemma 3 4b on a couple of staging clusters", {"count": 2, "environment": "staging"}),
    ("deploy phi-4 to staging with three replicas", {"replicas": 3, "environment": "staging"}),
])
def test_counts_and_replicas(ask, text, args):
    got = ask(text)
    assert got["tool"] == "deploy" and {k: got["args"].get(k) for k in args} == args


@pytest.mark.parametrize("text,cost", [
    ("where can I run phi-4 for $2/hour", 2.0), ("cheapest cluster for phi-4 under 3 dollars per hour", 3.0),
    ("suggest a cluster for phi-4, max $5/hr", 5.0), ("phi-4 placement below $4.50 an hour", 4.5),
])
def test_max_cost(ask, text, cost):
    got = ask(text)
    assert got["tool"] == "plan_placement" and got["args"]["max_cost_per_hour"] == cost


@pytest.mark.parametrize("text,since", [
    ("audit log for the last 24h", "24h"), ("audit log for the past 2 days", "2d"),
    ("audit log this week", "7d"), ("audit log today", "24h"), ("audit log for the last hour", "1h"),
    ("audit log for the past two weeks", "14d"), ("audit log since 2026-01-31", "2026-01-31"),
    ("audit log for the last thirty minutes", "30m"),
])
def test_since_spans_validate(ask, text, since):
    got = ask(text)
    assert got == {"kind": "tool_call", "tool": "search_audit", "args": {"since": since}}


@pytest.mark.parametrize("text,n", [
    ("clusters with at least four free a100s", 4), ("clusters with 4+ free A100 GPUs", 4),
    ("clusters with more than three free A100s", 4),
])
def test_min_free_gpus(ask, text, n):
    assert ask(text)["args"] == {"gpu": "A100", "min_free_gpus": n}
