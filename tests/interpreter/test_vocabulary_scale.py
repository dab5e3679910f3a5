"""The interpreter's vocabulary at fleet scale: built once per fleet version, names found by lookup.

``NameIndex.spot`` must find exactly what the regex alternation of every name found before, and
``NameIndex.closest`` exactly what ``fuzzy.closest`` over every name returns; ``Vocabulary.of`` gives the
same vocabulary (with its compiled matchers) for the same snapshot or for one with the same facts.
"""
from __future__ import annotations

import itertools
import random
import re

import pytest

from bot.interpreter import fuzzy
from bot.interpreter.demo_fleet import demo_snapshot
from bot.interpreter.entities import _B_CLOSE, _B_OPEN
from bot.interpreter.vocabulary import Vocabulary
from tools.fleet.models import Cluster, FleetSnapshot

REGIONS = ("eastus", "westeurope", "japaneast", "us-east-1", "eu-west-1", "southcentralus")
ENVS = ("prod", "staging", "dev")


def fleet_names(n: int) -> list[str]:
    out = []
    for i in itertools.count(1):
        for r, e in itertools.product(REGIONS, ENVS):
            out.append(f"{'eks' if '-' in r else 'aks'}-{r}-{e}-{i}")
            if len(out) == n:
                return out
    return out


# enough names to compare with the full scans below (which cost O(names) per message)
NAMES = fleet_names(400) + ["coder-eu", "chat", "phi-4-eu", "search-west", "llama-70b"]
ALTERNATION = re.compile(f"{_B_OPEN}({'|'.join(re.escape(w) for w in sorted(set(NAMES), key=len, reverse=True))})"
                         f"{_B_CLOSE}")


def alternation_spots(s: str, names: list[str]) -> list[tuple[int, int, str]]:
    """What entities.py did before NameIndex: one regex alternation of every name, longest first."""
    assert names is NAMES
    return [(m.start(), m.end(), m.group(1)) for m in ALTERNATION.finditer(s)]


MESSAGES = [
    "deploy phi-4 to aks-eastus-prod-1 and aks-westeurope-dev-12",
    "move coder-eu off aks-eastus-prod-1.",
    "is aks-eastus-prod-1.example.com up?",
    "cordon (aks-japaneast-staging-3), then drain it",
    "aks-eastus-prod-1/ns and aks-eastus-prod-1-",
    "rollback chat... and chat.. and chat./x and chat.x",
    "scale search-west,llama-70b;phi-4-eu to 3",
    "eks-us-east-1-prod-4 eks-us-east-1-prod-40 eks-us-east-1-prod-400",
    "aks-eastus-prod-1aks-eastus-prod-2 x-aks-eastus-prod-3 aks-eastus-prod-3x",
    "",
]


@pytest.fixture(scope="module")
def index():
    return fuzzy.NameIndex(NAMES)


@pytest.mark.parametrize("text", MESSAGES)
def test_spot_finds_what_the_alternation_found(index, text):
    assert index.spot(text) == alternation_spots(text, NAMES)


def test_spot_on_random_messages(index):
    rng = random.Random(7)
    pieces = [*rng.sample(NAMES, 40), "to", "and", ".", "..", "-", "/", ",", "x", "1", " ", "  "]
    for _ in range(200):
        text = "".join(rng.choice(pieces) + rng.choice(["", " ", ".", "-"]) for _ in range(8))
        assert index.spot(text) == alternation_spots(text, NAMES), text


def typos(rng: random.Random, word: str) -> str:
    w = list(word)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(w))
        op = rng.choice("dis t")
        if op == "d" and len(w) > 3:
            del w[i]
        elif op == "i":
            w.insert(i, rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-"))
        elif op == "t" and i + 1 < len(w):
            w[i], w[i + 1] = w[i + 1], w[i]
        else:
            w[i] = rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-")
    return "".join(w)


def test_closest_returns_what_a_full_scan_returns(index):
    rng = random.Random(11)
    words = [typos(rng, rng.choice(NAMES)) for _ in range(40)] + ["aks", "prod", "chta", "coder-us", "zzzzzzzz"]
    for word in words:
        limit = max(2, len(word) // 5)
        assert index.closest(word, limit) == fuzzy.closest(word, NAMES, limit), word


def test_closest_finds_typos_at_scale():
    index = fuzzy.NameIndex(fleet_names(5000))
    assert index.closest("aks-eastsu-prod-77", 3)[0] == (1, "aks-eastus-prod-77")


def big_snapshot(n: int = 5000) -> FleetSnapshot:
    demo = demo_snapshot()
    have = {c.name for c in demo.clusters}
    more = [Cluster(name=name, region="eastus", environment="prod", eligible=True)
            for name in fleet_names(n) if name not in have]
    return FleetSnapshot(clusters=[*demo.clusters, *more], deployments=demo.deployments)


@pytest.fixture(scope="module")
def snap():
    return big_snapshot()


def test_same_snapshot_same_vocabulary(snap):
    assert Vocabulary.of(snap) is Vocabulary.of(snap)


def test_equal_snapshot_same_vocabulary(snap):
    first = Vocabulary.of(snap)
    assert Vocabulary.of(snap.model_copy(deep=True)) is first


def test_changed_fleet_new_vocabulary(snap):
    first = Vocabulary.of(snap)
    changed = snap.model_copy(update={"clusters": [*snap.clusters, Cluster(name="aks-brandnew-prod-1")]})
    second = Vocabulary.of(changed)
    assert second is not first and "aks-brandnew-prod-1" in second.clusters


def test_vocabulary_repr_is_short(snap):
    assert len(repr(Vocabulary.of(snap))) < 100


def test_a_deployment_made_from_the_same_object_keeps_its_facts(snap):
    first = Vocabulary.of(snap)
    name = snap.deployments[0].name
    changed = snap.model_copy(update={"clusters": [*snap.clusters, Cluster(name="aks-another-prod-1")]})
    assert Vocabulary.of(changed).deployments[name] is first.deployments[name]


def test_a_changed_deployment_gets_new_facts(snap):
    Vocabulary.of(snap)
    dep = snap.deployments[0]
    moved = dep.model_copy(update={"clusters": [*dep.clusters, "aks-eastus-dev-9"]})
    changed = snap.model_copy(update={"deployments": [moved, *snap.deployments[1:]]})
    assert Vocabulary.of(changed).deployments[dep.name].clusters == (*dep.clusters, "aks-eastus-dev-9")


def test_a_changed_cluster_fact_gives_a_new_vocabulary(snap):
    Vocabulary.of(snap)
    tainted = snap.clusters[0].model_copy(update={"eligible": False, "ineligible_reason": "tainted x"})
    changed = snap.model_copy(update={"clusters": [tainted, *snap.clusters[1:]]})
    assert Vocabulary.of(changed).clusters[tainted.name].unplaceable == "tainted x"
