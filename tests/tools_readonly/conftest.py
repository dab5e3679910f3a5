"""Fixtures: the demo fleet as a FleetSnapshot built straight from the YAML (tests/snapshot_from_yaml.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # so that ``tests.snapshot_from_yaml`` imports under any pytest runner
    sys.path.insert(0, str(ROOT))

from tests.snapshot_from_yaml import demo_snapshot  # noqa: E402
from tools.catalog import default_catalog  # noqa: E402


@pytest.fixture(scope="session")
def snapshot():
    return demo_snapshot()


@pytest.fixture(scope="session")
def catalog():
    return default_catalog()
