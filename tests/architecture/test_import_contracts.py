"""The import contracts in pyproject.toml catch a wrong import. The packages' Python files are copied into a
temporary directory twice: untouched, and with one deliberately wrong import per case below. ``lint-imports``
(as ``.ci/run`` runs it) passes on the first copy and fails on the second, reporting each wrong import under
the contract it breaks."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "tools", "audit", "prompts")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# (contract id, module file changed, the import added, what the report says under that contract)
CASES = [
    ("layers", "audit/timeutil.py", "import tools.errors", "audit.timeutil -> tools.errors"),
    ("layers", "audit/messages.py", "from bot import settings", "audit.messages -> bot.settings"),
    ("layers", "tools/catalog.py", "import bot.settings", "tools.catalog -> bot.settings"),
    ("layers", "tools/render.py", "import audit.errors", "tools.render -> audit.errors"),
    ("front-ends", "bot/app.py", "import bot.slack", "bot.app -> bot.slack"),
    ("front-ends", "bot/settings.py", "from bot.cli import main", "bot.settings -> bot.cli"),
    ("cli-above-slack", "bot/slack/__init__.py", "import bot.cli", "bot.slack -> bot.cli"),
    ("kubernetes", "tools/embedded/__init__.py", "import kubernetes", "tools.embedded -> kubernetes"),
    ("kubernetes", "bot/app.py", "from kubernetes import client", "bot.app -> kubernetes"),
    ("slack-sdk", "bot/app.py", "import slack_sdk", "bot.app -> slack_sdk"),
    ("slack-sdk", "tools/catalog.py", "import slack_bolt", "tools.catalog -> slack_bolt"),
    ("langchain", "bot/app.py", "import langchain_core", "bot.app -> langchain_core"),
    ("sqlite-utils", "bot/app.py", "import sqlite_utils", "bot.app -> sqlite_utils"),
    ("acyclic-audit", "audit/timeutil.py", "import audit.log", "No cycles are allowed in audit"),
]
CONTRACTS = sorted({c[0] for c in CASES})


def _ignore(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or not (n.endswith(".py") or Path(directory, n).is_dir())]


def _copy(dest: Path) -> Path:
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, dest / pkg, ignore=_ignore)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    args = [str(LINT_IMPORTS), "--no-cache", "--no-logo", *(a for c in CONTRACTS for a in ("--contract", c))]
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "200"}
    return subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True, timeout=120)


def _contract_names() -> dict[str, str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["id"]: c["name"] for c in config["contracts"]}


def _broken_sections(report: str) -> dict[str, str]:
    """The body of each broken contract's section, by contract name."""
    _, _, broken = report.partition("Broken contracts\n----------------\n")
    heads = list(re.finditer(r"^(\S.*)\n-+\n", broken, flags=re.M))
    return {h.group(1).strip(): broken[h.end(): nxt.start() if nxt else len(broken)]
            for h, nxt in zip(heads, [*heads[1:], None], strict=True)}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> subprocess.CompletedProcess[str]:
    return _lint(_copy(tmp_path_factory.mktemp("clean")))


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory) -> subprocess.CompletedProcess[str]:
    tree = _copy(tmp_path_factory.mktemp("broken"))
    for _, module, bad_import, _ in CASES:
        with (tree / module).open("a") as f:
            f.write(f"\n{bad_import}  # deliberately wrong\n")
    return _lint(tree)


def test_the_contracts_pass_on_the_untouched_copy(clean_run):
    assert clean_run.returncode == 0, clean_run.stdout + clean_run.stderr


def test_lint_imports_fails_with_the_wrong_imports(broken_run):
    assert broken_run.returncode == 1, broken_run.stdout + broken_run.stderr


@pytest.mark.parametrize(("contract", "module", "bad_import", "reported"), CASES,
                         ids=[f"{c[0]}:{c[1]}:{c[2]}" for c in CASES])
def test_each_wrong_import_is_reported_under_its_contract(broken_run, contract, module, bad_import, reported):
    section = _broken_sections(broken_run.stdout).get(_contract_names()[contract], "")
    assert reported in section
