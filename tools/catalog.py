"""KAITO model catalog: presets, aliases, instance types, and how many nodes a model needs.

Loaded from ``tools/data/crds/kaito/model-catalog.yaml`` (a condensed copy of KAITO's catalog with the
node estimator's results per instance type). Pure data and lookups, no I/O after loading.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from tools import data_path

GPU_MODELS = ("A10", "A10G", "A100", "H100", "H200", "L4")


@dataclass(frozen=True)
class Sku:
    """One instance type: GPUs per node, total GPU memory per node, GPU model."""

    name: str
    gpus: int
    total_gpu_mem_gib: float
    gpu: str


@dataclass(frozen=True)
class Model:
    preset: str
    aliases: tuple[str, ...] = ()
    family: str = ""
    params: str | None = None
    weights_gib: float | None = None
    nodes_by_sku: dict[str, int] = field(default_factory=dict)

    def nodes_on(self, sku: str) -> int | None:
        """Nodes one replica needs on ``sku`` per KAITO's estimator, or None if it cannot run there."""
        n = self.nodes_by_sku.get(sku)
        return int(n) if n else None

    @property
    def short(self) -> str:
        return self.preset.split("/", 1)[-1]


class UnknownModel(ValueError):
    def __init__(self, text: str, suggestions: list[str]):
        self.text, self.suggestions = text, suggestions
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown model '{text}'.{hint}")


def _norm(s: str) -> str:
    """Loose key: lower case, no separators (``Llama-3.1 8B`` and ``llama3.18b`` compare equal)."""
    return re.sub(r"[^a-z0-9.]", "", s.lower())


class Catalog:
    def __init__(self, skus: dict[str, Sku], models: list[Model]):
        self.skus = skus
        self.models = models
        self._by_key: dict[str, Model] = {}
        for m in models:
            for key in (m.preset, m.short, *m.aliases):
                self._by_key.setdefault(key.lower(), m)
        self._by_norm: dict[str, Model] = {}
        for m in models:
            for key in (m.preset, m.short, *m.aliases):
                self._by_norm.setdefault(_norm(key), m)

    @classmethod
    def load(cls, path: Path | None = None) -> Catalog:
        text = (path or data_path("crds", "kaito", "model-catalog.yaml")).read_text()
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        skus = {
            name: Sku(name, int(v["gpus"]), float(v["totalGpuMemGiB"]), str(v["gpu"]))
            for name, v in raw["skus"].items()
        }
        models = []
        for m in raw["models"]:
            params = (m.get("params") or {}).get("total") if isinstance(m.get("params"), dict) else None
            models.append(
                Model(
                    preset=m["preset"],
                    aliases=tuple(m.get("legacyAliases") or ()),
                    family=m.get("family") or "",
                    params=params,
                    weights_gib=m.get("weightsGiB"),
                    nodes_by_sku={k: v for k, v in (m.get("nodesBySku") or {}).items() if v},
                )
            )
        return cls(skus, models)

    # --- lookups ---------------------------------------------------------------------------------
    def get(self, text: str) -> Model | None:
        """Exact match on preset id, the part after the org, or a legacy alias (case-insensitive)."""
        t = text.strip()
        hit = self._by_key.get(t.lower()) or self._by_norm.get(_norm(t))
        if hit or len(_norm(t)) < 4:
            return hit
        # a unique prefix ("phi 4 mini" -> Phi-4-mini-instruct, "llama 3.1 8b" -> ...-Instruct)
        n = _norm(t)
        found = {m.preset: m for k, m in self._by_norm.items() if k.startswith(n)}
        return next(iter(found.values())) if len(found) == 1 else None

    def resolve(self, text: str) -> Model:
        m = self.get(text)
        if m is None:
            raise UnknownModel(text, self.suggest(text))
        return m

    def suggest(self, text: str, n: int = 3) -> list[str]:
        keys = {_norm(k): m.preset for k, m in self._by_key.items()}
        close = difflib.get_close_matches(_norm(text), list(keys), n=n * 3, cutoff=0.6)
        out: list[str] = []
        for k in close:
            if keys[k] not in out:
                out.append(keys[k])
        return out[:n]

    def sku(self, name: str) -> Sku | None:
        return self.skus.get(name)

    def gpu_of(self, instance_type: str) -> str | None:
        s = self.skus.get(instance_type)
        return s.gpu if s else None


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return Catalog.load()
