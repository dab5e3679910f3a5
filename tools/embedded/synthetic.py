"""A synthetic fleet in demo-fleet.yaml's format, for scale tests and benchmarks.

``synthetic_fleet(n, seed=0)``: ``n`` member clusters over Azure and AWS regions in three geos and
three environments, GPU pools from the catalog's SKU table with regional on-demand prices, a few
clusters with stale heartbeats or a cordon taint, and about ``5 n`` deployments placed only where
their model fits and free capacity allows (never on stale or tainted clusters); some have several
revisions, some several replicas, and a few report Failed or Progressing on one cluster.
Deterministic for a given ``(n, seed)``. Linear in ``n``: clusters with room are kept per (environment,
instance type, free nodes) in ``_Rosters``, so placing a deployment never scans the fleet.
"""
from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Sequence

from tools.catalog import default_catalog
from tools.embedded.hardware import known_gpu_instance_types
from tools.fleet.conventions import LABELS

REGIONS = {
    "azure": [("eastus", "us"), ("eastus2", "us"), ("westus3", "us"), ("southcentralus", "us"), ("centralus", "us"),
              ("westeurope", "eu"), ("northeurope", "eu"), ("swedencentral", "eu"), ("uksouth", "eu"),
              ("francecentral", "eu"), ("japaneast", "apac"), ("australiaeast", "apac"), ("centralindia", "apac"),
              ("koreacentral", "apac"), ("southeastasia", "apac")],
    "aws": [("us-east-1", "us"), ("us-east-2", "us"), ("us-west-2", "us"), ("eu-central-1", "eu"),
            ("eu-west-1", "eu"), ("eu-north-1", "eu"), ("ap-northeast-1", "apac"), ("ap-southeast-1", "apac"),
            ("ap-south-1", "apac")],
}
# on-demand USD per node-hour in a US region (illustrative, close to list prices)
BASE_PRICE = {
    "Standard_NV36ads_A10_v5": 3.20, "Standard_NC24ads_A100_v4": 3.67, "Standard_NC48ads_A100_v4": 7.35,
    "Standard_NC96ads_A100_v4": 14.69, "Standard_NC40ads_H100_v5": 6.98, "Standard_NC80adis_H100_v5": 13.96,
    "Standard_ND96isr_H100_v5": 98.32, "Standard_ND96isr_H200_v5": 110.24, "g5.xlarge": 1.01,
    "g6.12xlarge": 4.60, "p4de.24xlarge": 40.97, "p5.48xlarge": 55.04, "p5e.48xlarge": 60.00,
}
GEO_FACTOR = {"us": 1.0, "eu": 1.12, "apac": 1.18}
ENVIRONMENTS = [("prod", 0.6), ("staging", 0.25), ("dev", 0.15)]
K8S_VERSIONS = ["1.32.9", "1.33.5", "1.33.5", "1.34.1"]
TEAMS = ["search", "support", "coder", "docs", "chat", "agents", "ml", "risk", "ads", "voice"]
FAIL_MESSAGES = ["inference container restarted 5 times: CUDA out of memory loading model weights",
                 "model download failed: 403 Forbidden from huggingface.co (check the hf-token secret)"]


def _skus(provider: str) -> list[str]:
    known = known_gpu_instance_types()
    return [s for s in known if s.startswith("Standard_") == (provider == "azure")]


def _pool_size(gpus: int, rng: random.Random) -> int:
    if gpus >= 8:
        return rng.randint(1, 2)
    if gpus >= 2:
        return rng.randint(2, 6)
    return rng.randint(8, 20)


def _clusters(n: int, rng: random.Random) -> list[dict]:
    out: list[dict] = []
    taken: dict[str, int] = {}  # name prefix -> clusters named so far (names end in 1, 2, ...)
    cat = default_catalog()
    skus_of = {p: _skus(p) for p in REGIONS}
    for i in range(n):
        provider = "azure" if rng.random() < 0.65 else "aws"
        region, geo = rng.choice(REGIONS[provider])
        env = rng.choices([e for e, _ in ENVIRONMENTS], [w for _, w in ENVIRONMENTS])[0]
        prefix = f"{'aks' if provider == 'azure' else 'eks'}-{region}-{env}"
        taken[prefix] = k = taken.get(prefix, 0) + 1
        name = f"{prefix}-{k}"
        skus = rng.sample(skus_of[provider], k=rng.choice([1, 2, 2, 3]))
        capacity = {s: _pool_size(cat.skus[s].gpus, rng) for s in skus}
        prices = {s: round(BASE_PRICE[s] * GEO_FACTOR[geo] * rng.uniform(0.97, 1.05), 2) for s in skus}
        c: dict = {"name": name, "provider": provider, "region": region, "geo": geo, "environment": env,
                   "kubernetesVersion": rng.choice(K8S_VERSIONS), "gpuCapacity": capacity,
                   "pricePerNodeHour": prices}
        roll = rng.random()
        if roll < 0.04 and i > 0:
            c["heartbeatAgeMinutes"] = rng.randint(8, 90)
        elif roll < 0.08 and i > 0:
            c["taints"] = [{"key": "fleetops.dev/cordoned", "value": "maintenance", "effect": "NoSchedule"}]
        out.append(c)
    return out


def _slug(model: str) -> str:
    short = model.split("/", 1)[-1].lower()
    parts = [p for p in re.split(r"[^a-z0-9]+", short) if p]
    return "-".join(parts[:3])[:24].strip("-")


def _revisions(model: str, sku: str, replicas: int, rng: random.Random, models: list[str]) -> list[dict]:
    history = []
    extra = rng.choices([0, 1, 2], [0.65, 0.25, 0.10])[0]
    for r in range(1, extra + 1):
        kind = rng.choice(["model", "replicas"])
        old_model = rng.choice(models) if kind == "model" else model
        if default_catalog().resolve(old_model).nodes_on(sku) is None:
            old_model = model
        history.append({"revision": r, "model": old_model, "instanceType": sku,
                        "replicas": max(1, replicas - 1) if kind == "replicas" else replicas})
    history.append({"revision": extra + 1, "model": model, "instanceType": sku, "replicas": replicas})
    return history


class _Roster(Sequence[str]):
    """The clusters (in fleet order) of one environment and instance type with at least ``need`` free
    nodes: a Fenwick tree of 0/1 over positions, so length, i-th member and removal cost O(log n).
    A ``Sequence``, so ``random.sample`` draws from it exactly as from the equivalent list."""

    def __init__(self, names: list[str], member: list[bool]):
        self.names = names
        self.size = len(names)
        self.members = sum(member)
        self.tree = [0] * (self.size + 1)
        for i, m in enumerate(member, start=1):  # linear build: each node adds itself to its parent
            self.tree[i] += m
            if (j := i + (i & -i)) <= self.size:
                self.tree[j] += self.tree[i]
        self.member = member

    def remove(self, pos: int) -> None:
        if not self.member[pos]:
            return
        self.member[pos] = False
        self.members -= 1
        i = pos + 1
        while i <= self.size:
            self.tree[i] -= 1
            i += i & -i

    def __len__(self) -> int:
        return self.members

    def __getitem__(self, k: int) -> str:  # type: ignore[override]
        if not 0 <= k < self.members:
            raise IndexError(k)
        pos, rest, step = 0, k + 1, 1 << self.size.bit_length()
        while step:
            nxt = pos + step
            if nxt <= self.size and self.tree[nxt] < rest:
                pos, rest = nxt, rest - self.tree[nxt]
            step >>= 1
        return self.names[pos]

    def __iter__(self) -> Iterator[str]:
        return (n for n, m in zip(self.names, self.member, strict=True) if m)


class _Rosters:
    """Free nodes per (cluster, instance type), indexed by (environment, instance type, nodes needed)."""

    def __init__(self, clusters: list[dict], free: dict[str, dict[str, int]]):
        self.free = free
        self.where: dict[tuple[str, str], list[str]] = {}  # (env, sku) -> clusters, in fleet order
        self.pos: dict[tuple[str, str], int] = {}  # (cluster, sku) -> position in its list
        env_of = {c["name"]: c["environment"] for c in clusters}
        for cname, pools in free.items():
            for sku in pools:
                names = self.where.setdefault((env_of[cname], sku), [])
                self.pos[(cname, sku)] = len(names)
                names.append(cname)
        self.env_of = env_of
        self.rosters: dict[tuple[str, str, int], _Roster] = {}
        self.need_max = max((n for pools in free.values() for n in pools.values()), default=0)

    def roster(self, env: str, sku: str, need: int) -> _Roster | None:
        names = self.where.get((env, sku))
        if not names or need > self.need_max:
            return None
        key = (env, sku, need)
        if key not in self.rosters:
            self.rosters[key] = _Roster(names, [self.free[c][sku] >= need for c in names])
        return self.rosters[key]

    def take(self, cname: str, sku: str, nodes: int) -> None:
        before = self.free[cname][sku]
        after = self.free[cname][sku] = before - nodes
        env, pos = self.env_of[cname], self.pos[(cname, sku)]
        for need in range(max(after + 1, 1), before + 1):
            r = self.rosters.get((env, sku, need))
            if r is not None:
                r.remove(pos)


def synthetic_fleet(n: int, seed: int = 0) -> dict:
    rng = random.Random(seed)
    cat = default_catalog()
    clusters = _clusters(n, rng)
    free = {c["name"]: dict(c["gpuCapacity"]) for c in clusters
            if not c.get("taints") and c.get("heartbeatAgeMinutes", 0) <= 5}
    rosters = _Rosters(clusters, free)
    skus = sorted({sku for pools in free.values() for sku in pools})
    models = [m.preset for m in cat.models if m.nodes_on("Standard_NC24ads_A100_v4") in (1, 2)
              or m.nodes_on("g5.xlarge") in (1, 2)]
    # per model, the instance types it runs on and the nodes one replica needs there (in ``skus`` order)
    runs_on = {m: [(s, per) for s in skus if (per := cat.resolve(m).nodes_on(s))] for m in models}
    # (the draws below are those of ``rng.choices(population, weights)``: same cumulative weights, same results)
    env_names, env_cum = [e for e, _ in ENVIRONMENTS], list(itertools.accumulate(w for _, w in ENVIRONMENTS))
    replica_cum = list(itertools.accumulate([0.8, 0.15, 0.05]))
    deployments: list[dict] = []
    names: set[str] = set()
    for i in range(5 * n):
        for _attempt in range(20):
            model = rng.choice(models)
            env = rng.choices(env_names, cum_weights=env_cum)[0]
            replicas = rng.choices([1, 2, 3], cum_weights=replica_cum)[0]
            fits: dict[str, _Roster] = {}  # instance type -> clusters with room for the replicas
            nodes: dict[str, int] = {}  # instance type -> nodes one replica needs there
            for sku, per in runs_on[model]:
                roster = rosters.roster(env, sku, per * replicas)
                if roster:
                    fits[sku] = roster
                    nodes[sku] = per
            if not fits:
                continue
            # the cheapest instance type that fits, sometimes the runner-up
            ranked = sorted(fits, key=lambda s: (BASE_PRICE[s] * nodes[s], s))
            sku = ranked[1] if len(ranked) > 1 and rng.random() < 0.3 else ranked[0]
            chosen = sorted(rng.sample(fits[sku], k=min(len(fits[sku]), rng.choice([1, 1, 2, 2, 3]))))
            for cname in chosen:
                rosters.take(cname, sku, nodes[sku] * replicas)
            name = f"{rng.choice(TEAMS)}-{_slug(model)}-{i}"
            if name in names:
                continue
            names.add(name)
            dep: dict = {"name": name, "clusters": chosen,
                         "revisions": _revisions(model, sku, replicas, rng, models)}
            if rng.random() < 0.06:
                cluster = rng.choice(chosen)
                if rng.random() < 0.5:
                    dep["status"] = {cluster: {"state": "Failed", "reason": "InferenceNotReady",
                                               "message": rng.choice(FAIL_MESSAGES)}}
                else:
                    dep["status"] = {cluster: {"state": "Progressing", "reason": "ResourceNotReady",
                                               "message": f"waiting for 1 of {nodes[sku] * replicas}"
                                                          f" GPU nodes ({sku}) to become ready"}}
            deployments.append(dep)
            break
    return {"version": 1, "hub": {"name": "fleet-hub"}, "labels": dict(LABELS), "clusters": clusters,
            "deployments": deployments}
