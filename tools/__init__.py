"""fleetops typed tools, their argument models, and the fleet adapter.

Layers (lowest first): ``tools.catalog`` (KAITO model catalog), ``tools.fleet`` (the only code that
imports ``kubernetes``), ``tools.embedded`` (the embedded fleet used by the demo, tests and
benchmarks), then the tools themselves (argument models, placement, plans, executor).
"""
from importlib import resources as _resources
from pathlib import Path as _Path


def data_path(*parts: str) -> _Path:
    """Path of a file shipped in ``tools/data`` (CRDs, model catalog, demo fleet)."""
    return _Path(str(_resources.files("tools").joinpath("data", *parts)))
