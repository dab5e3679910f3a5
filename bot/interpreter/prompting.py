"""Prompts from ``prompts/``: the system prompt rendered with the live vocabulary, few-shot examples,
tool descriptions and the repair message. Nothing secret is ever rendered: vocabulary only.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any

import yaml

from bot.interpreter.vocabulary import Vocabulary

MAX_EXAMPLES = 150


def _read(name: str) -> str:
    return resources.files("prompts").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def system_template() -> Template:
    return Template(_read("system.md"))


@lru_cache(maxsize=1)
def tool_texts() -> dict[str, Any]:
    return yaml.safe_load(_read("tools.yaml")) or {}


@lru_cache(maxsize=1)
def examples() -> tuple[dict[str, Any], ...]:
    """Worked examples (prompts/examples.yaml): few-shot for LLMs and a test set."""
    return tuple(yaml.safe_load(_read("examples.yaml")) or ())


def repair_message(error: str) -> str:
    return Template(tool_texts().get("repair", "$error")).safe_substitute(error=error)


def _example_line(ex: dict[str, Any]) -> str:
    exp = ex.get("expect") or {}
    if exp.get("kind") == "tool_call":
        call = f"{exp['tool']}({json.dumps(exp.get('args') or {}, sort_keys=True)})"
    elif exp.get("kind") == "clarify":
        call = "clarify(...)"
    else:
        call = "refuse(...)"
    return f"- {ex['text']!r} → {call}"


def _clusters(v: Vocabulary) -> str:
    lines = [f"- {c.name}: {c.region}, {c.geo}, {c.environment}, {c.provider}, "
             f"{'/'.join(c.gpus) or 'no GPUs'}" for c in v.clusters.values()]
    return "\n".join(lines) or "(unknown: the fleet is not reachable)"


def _deployments(v: Vocabulary) -> str:
    lines = [f"- {d.name}: {d.model} on {', '.join(d.clusters) or 'no clusters'}; revisions "
             f"{', '.join(map(str, d.revisions)) or '-'}" for d in v.deployments.values()]
    return "\n".join(lines) or "(none)"


def _models(v: Vocabulary) -> str:
    loose: dict[str, list[str]] = {}
    for mention, preset in v.loose_mentions.items():
        loose.setdefault(preset, []).append(mention)
    lines = []
    for m in v.catalog.models:
        aka = [*m.aliases, *loose.get(m.preset, [])]
        lines.append(f"- {m.preset}" + (f" — {', '.join(dict.fromkeys(aka))}" if aka else ""))
    return "\n".join(lines)


def render_system(vocab: Vocabulary, who: str | None) -> str:
    exs = "\n".join(_example_line(e) for e in examples()[:MAX_EXAMPLES] if not e.get("history"))
    return system_template().safe_substitute(
        who=who or "unknown", clusters=_clusters(vocab), deployments=_deployments(vocab),
        regions=", ".join(vocab.regions) or "-", geos=", ".join(vocab.geos),
        environments=", ".join(vocab.environments), providers=", ".join(vocab.providers),
        gpus=", ".join(vocab.gpu_models), instance_types=", ".join(vocab.instance_types),
        models=_models(vocab), examples=exs,
    )
