"""Load the real CRDs shipped in ``tools/data/crds`` into the ResourceTypes the embedded server serves."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from tools import data_path
from tools.embedded.store import BUILTIN_TYPES, ResourceType, register_type

# libyaml's loader parses the 2 MB of CRDs about 10x faster than the pure-Python one
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def crd_files() -> list[Path]:
    root = data_path("crds")
    return sorted(p for p in root.rglob("*.yaml") if p.name.count("_") == 1 and "." in p.name.split("_")[0])


def type_from_crd(crd: dict) -> ResourceType:
    spec = crd["spec"]
    names = spec["names"]
    served = [v for v in spec["versions"] if v.get("served", True)]
    storage = next(v for v in served if v.get("storage"))
    ordered = [storage] + [v for v in served if v is not storage]
    subres = storage.get("subresources") or {}
    rt = ResourceType(
        group=spec["group"],
        plural=names["plural"],
        kind=names["kind"],
        namespaced=spec["scope"] == "Namespaced",
        versions=tuple(v["name"] for v in ordered),
        singular=names.get("singular", names["kind"].lower()),
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        status_subresource="status" in subres,
        scale_subresource="scale" in subres,
        schemas={v["name"]: (v.get("schema") or {}).get("openAPIV3Schema") for v in ordered},
        printer_columns={v["name"]: v.get("additionalPrinterColumns") or [] for v in ordered},
    )
    register_type(rt)
    return rt


@lru_cache(maxsize=1)
def load_types() -> dict[tuple[str, str], ResourceType]:
    """All served kinds keyed by (group, plural): the built-ins plus every shipped CRD."""
    types = {(t.group, t.plural): t for t in BUILTIN_TYPES}
    for path in crd_files():
        for doc in yaml.load_all(path.read_text(), Loader=_Loader):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                rt = type_from_crd(doc)
                types[(rt.group, rt.plural)] = rt
    return types


@lru_cache(maxsize=256)
def by_kind(kind: str, group: str | None = None) -> ResourceType:
    """The served type of ``kind`` (in ``group``), looked up once (the controllers and the settled seed ask for
    the same few kinds hundreds of thousands of times on a large fleet)."""
    for rt in load_types().values():
        if rt.kind == kind and (group is None or rt.group == group):
            return rt
    raise KeyError(kind)
