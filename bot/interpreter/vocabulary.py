"""The live vocabulary the interpreter resolves names against, built from a fleet snapshot.

Only names and public facts (clusters, their region/geo/environment/provider/GPUs, deployments and
their models, the model catalog): it is also what an LLM is shown, so nothing secret goes in here.

``Vocabulary.of(snapshot)`` builds it once per fleet version: the same snapshot object again (a fleet
cache that hands out one snapshot while nothing changes) costs a lookup; a new snapshot with the same
facts (fingerprint, then equality) gives back the vocabulary built before, with its compiled matchers
(``derived``), so the per-message matchers are never rebuilt while the fleet's names stay the same.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.interpreter.models import ModelMatcher
from tools.catalog import GPU_MODELS, Catalog, default_catalog
from tools.fleet.models import Cluster, Deployment, FleetSnapshot, revision_numbers

DEFAULT_GEOS = ("us", "eu", "apac")
DEFAULT_ENVIRONMENTS = ("prod", "staging", "dev")
DEFAULT_PROVIDERS = ("azure", "aws")


@dataclass(frozen=True)
class ClusterFacts:
    name: str
    region: str | None = None
    geo: str | None = None
    environment: str | None = None
    provider: str | None = None
    gpus: tuple[str, ...] = ()
    instance_types: tuple[str, ...] = ()
    unplaceable: str | None = None  # why placement cannot choose it (tainted, not reporting), else None


@dataclass(frozen=True)
class DeploymentFacts:
    name: str
    model: str
    clusters: tuple[str, ...] = ()
    revisions: tuple[int, ...] = ()
    revision: int = 0


def _unplaceable(c: Any) -> str | None:
    if c.taints:
        return "tainted " + ", ".join(str(t) for t in c.taints)
    if not c.eligible:
        age = c.heartbeat_age_seconds
        return c.ineligible_reason or (f"no heartbeat for {int(age // 60)} min" if age else "not eligible")
    return None


def _cluster_facts(c: Cluster) -> ClusterFacts:
    return ClusterFacts(name=c.name, region=c.region, geo=c.geo, environment=c.environment, provider=c.provider,
                        gpus=tuple(dict.fromkeys(p.gpu for p in c.gpus)),
                        instance_types=tuple(p.instance_type for p in c.gpus), unplaceable=_unplaceable(c))


def _deployment_facts(d: Deployment) -> DeploymentFacts:
    numbers = revision_numbers(d.revisions)  # (a snapshot's records are not parsed for this)
    return DeploymentFacts(name=d.name, model=d.model, clusters=tuple(d.clusters),
                           revisions=numbers or ((d.revision,) if d.revision else ()),
                           revision=d.revision or max(numbers, default=0))


@lru_cache(maxsize=4)
def _matcher(catalog: Catalog) -> ModelMatcher:
    return ModelMatcher(catalog)


_KEEP = 4  # fleet versions whose vocabularies are kept
_lock = threading.Lock()
_versions: OrderedDict[tuple[int, int], Vocabulary] = OrderedDict()
_last: list[tuple[FleetSnapshot, Catalog | None, Vocabulary]] = []  # the snapshot object asked for last


@dataclass(eq=False, repr=False)
class Vocabulary:
    clusters: dict[str, ClusterFacts]
    deployments: dict[str, DeploymentFacts]
    catalog: Catalog = field(default_factory=default_catalog)
    _derived: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        # short: LangChain writes its chat model (which holds the vocabulary) into every run's metadata,
        # and a repr listing every cluster made each message cost O(fleet)
        return f"Vocabulary({len(self.clusters)} clusters, {len(self.deployments)} deployments)"

    # --- construction -----------------------------------------------------------------------------
    @classmethod
    def from_snapshot(cls, snap: FleetSnapshot, catalog: Catalog | None = None) -> Vocabulary:
        cat = catalog or default_catalog()
        clusters = {c.name: _cluster_facts(c) for c in snap.clusters}
        deployments = {d.name: _deployment_facts(d) for d in snap.deployments}
        return cls(clusters, deployments, cat)

    @classmethod
    def _reusing(cls, snap: FleetSnapshot, catalog: Catalog | None, before: Vocabulary | None) -> Vocabulary:
        """``from_snapshot``, taking each fact from ``before`` where it is equal (a deployment: made from the same
        ``Deployment`` object, which a fleet cache's snapshots share while its hub objects stay the same), and
        ``before`` itself when every fact is: then neither the facts nor the fingerprint are worked out again."""
        cat = catalog or default_catalog()
        if before is None or before.catalog is not cat:
            return cls.from_snapshot(snap, catalog)
        made_from = before._derived.get("made_from") or {}
        pools_of = before._derived.get("pools_of") or {}  # cluster -> the GPU pool list its facts were made from
        clusters: dict[str, ClusterFacts] = {}
        pools: dict[str, object] = {}
        same = len(snap.clusters) == len(before.clusters) and len(snap.deployments) == len(before.deployments)
        for c in snap.clusters:
            old = before.clusters.get(c.name)
            # a cluster brought to a new time (``inventory.cluster_at``) shares its pools: only placeability may differ
            if old is not None and pools_of.get(c.name) is c.gpus and old.region == c.region and old.geo == c.geo \
                    and old.environment == c.environment and old.provider == c.provider \
                    and old.unplaceable == _unplaceable(c):
                facts = old
            else:
                facts = _cluster_facts(c)
                if old is not None and old == facts:
                    facts = old
                else:
                    same = False
            clusters[c.name] = facts
            pools[c.name] = c.gpus
        deployments: dict[str, DeploymentFacts] = {}
        sources: dict[str, Deployment] = {}
        for d in snap.deployments:
            old_d = before.deployments.get(d.name)
            if old_d is not None and made_from.get(d.name) is d:
                dfacts = old_d
            else:
                dfacts = _deployment_facts(d)
                if old_d is not None and old_d == dfacts:
                    dfacts = old_d
                else:
                    same = False
            deployments[d.name] = dfacts
            sources[d.name] = d
        if same:
            before._derived.update(made_from=sources, pools_of=pools)
            return before
        fresh = cls(clusters, deployments, cat)
        fresh._derived.update(made_from=sources, pools_of=pools)
        return fresh

    @classmethod
    def of(cls, snap: FleetSnapshot, catalog: Catalog | None = None) -> Vocabulary:
        """The vocabulary of ``snap``, built once per fleet version (see the module docstring)."""
        with _lock:
            if _last and _last[0][0] is snap and _last[0][1] is catalog:
                return _last[0][2]
            before = _last[0][2] if _last else None
        fresh = cls._reusing(snap, catalog, before)
        if fresh is before:
            with _lock:
                _last[:] = [(snap, catalog, fresh)]
            return fresh
        key = (fresh.fingerprint, id(fresh.catalog))
        with _lock:
            kept = _versions.get(key)
            if kept is None or not kept.same_facts(fresh):
                kept = _versions[key] = fresh
            _versions.move_to_end(key)
            while len(_versions) > _KEEP:
                _versions.popitem(last=False)
            _last[:] = [(snap, catalog, kept)]
        return kept

    @property
    def fingerprint(self) -> int:
        """A hash of every fact (names, labels, GPUs, placeability, deployments), computed once."""
        return self.derived("fingerprint", lambda v: hash((tuple(v.clusters.items()),
                                                           tuple(v.deployments.items()))))

    def same_facts(self, other: Vocabulary) -> bool:
        return (self.catalog is other.catalog and self.clusters == other.clusters
                and self.deployments == other.deployments)

    @classmethod
    def catalog_only(cls, catalog: Catalog | None = None) -> Vocabulary:
        """No fleet facts (fleet unreachable): models still resolve, names cannot be checked."""
        return cls({}, {}, catalog or default_catalog())

    # --- facts ------------------------------------------------------------------------------------
    @property
    def matcher(self) -> ModelMatcher:
        return _matcher(self.catalog)

    @property
    def has_fleet(self) -> bool:
        return bool(self.clusters or self.deployments)

    def _facet(self, attr: str, default: tuple[str, ...]) -> tuple[str, ...]:
        seen = [getattr(c, attr) for c in self.clusters.values() if getattr(c, attr)]
        return tuple(dict.fromkeys([*default, *seen]))

    @property
    def regions(self) -> tuple[str, ...]:
        return self.derived("regions", lambda v: v._facet("region", ()))

    @property
    def geos(self) -> tuple[str, ...]:
        return self._facet("geo", DEFAULT_GEOS)

    @property
    def environments(self) -> tuple[str, ...]:
        return self._facet("environment", DEFAULT_ENVIRONMENTS)

    @property
    def providers(self) -> tuple[str, ...]:
        return self._facet("provider", DEFAULT_PROVIDERS)

    @property
    def gpu_models(self) -> tuple[str, ...]:
        return GPU_MODELS

    @property
    def instance_types(self) -> tuple[str, ...]:
        def build(v: Vocabulary) -> tuple[str, ...]:
            seen = [t for c in v.clusters.values() for t in c.instance_types]
            return tuple(dict.fromkeys([*seen, *v.catalog.skus]))

        return self.derived("instance_types", build)

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(m.preset for m in self.catalog.models)

    @property
    def aliases(self) -> dict[str, str]:
        return {a: m.preset for m in self.catalog.models for a in m.aliases}

    @property
    def loose_mentions(self) -> dict[str, str]:
        """A casual way to say each model ("llama 3.1 8b", "phi 4 mini") that resolves back to it."""
        if "loose" not in self._derived:
            out: dict[str, str] = {}
            for m in self.catalog.models:
                base = re.sub(r"[-_]+", " ", m.short.lower())
                for cand in (re.sub(r" (instruct|it)\b", "", base), base):
                    if self.matcher.resolve(cand).preset == m.preset:
                        out[cand] = m.preset
                        break
            self._derived["loose"] = out
        return self._derived["loose"]

    def deployments_running(self, presets: set[str] | tuple[str, ...]) -> list[str]:
        want = {p.lower() for p in presets}
        return [d.name for d in self.deployments.values() if d.model.lower() in want]

    def derived(self, key: str, build: Any) -> Any:
        """Per-vocabulary cache for compiled matchers (built once, reused for every message)."""
        if key not in self._derived:
            self._derived[key] = build(self)
        return self._derived[key]

    def summary(self) -> dict[str, Any]:
        """Plain data for prompts and ``--debug`` output."""
        return {
            "clusters": [
                {k: v for k, v in vars(c).items() if v not in (None, ())} for c in self.clusters.values()
            ],
            "deployments": [
                {"name": d.name, "model": d.model, "clusters": list(d.clusters),
                 "revisions": list(d.revisions)}
                for d in self.deployments.values()
            ],
            "regions": list(self.regions), "geos": list(self.geos),
            "environments": list(self.environments), "providers": list(self.providers),
            "gpus": list(self.gpu_models), "instance_types": list(self.instance_types),
            "models": list(self.models),
        }
