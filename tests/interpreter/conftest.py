"""Fixtures: the demo fleet as a FleetSnapshot read straight from demo-fleet.yaml (no API server),
its vocabulary, the offline interpreter, and small helpers to interpret and load example files."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.interpreter import Context, Interpreter, Vocabulary
from bot.interpreter.demo_fleet import demo_snapshot
from tools import data_path

REPO = Path(__file__).resolve().parents[2]
DEV_SET = REPO.parent / "shared" / "nl-dev.yaml"
EXAMPLES = REPO / "prompts" / "examples.yaml"
PHRASINGS = Path(__file__).parent / "data" / "phrasings.yaml"
WHO = "U0TESTER1"


def load_examples(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text()) or []


@pytest.fixture(scope="session")
def snapshot():
    return demo_snapshot(data_path("fleet", "demo-fleet.yaml"))


@pytest.fixture(scope="session")
def vocab(snapshot) -> Vocabulary:
    return Vocabulary.from_snapshot(snapshot)


@pytest.fixture(scope="session")
def offline() -> Interpreter:
    return Interpreter()


@pytest.fixture(scope="session")
def ask(offline, vocab):
    """ask(text, history=(), who=WHO) -> result.to_json() with the offline interpreter on the demo fleet."""

    def _ask(text: str, history=(), who: str | None = None) -> dict:
        ctx = Context(who=who or WHO, vocabulary=vocab, history=list(history))
        return offline.interpret(text, ctx).to_json()

    return _ask
