"""Reloading the policy without a restart (bot.policy.reload): a changed file or `fleetops policy reload` makes the
running copy reload; `policy check` runs first and a bad file is refused (the old policy stays), logged and
audited. Real files in tmp_path, a real SQLite store."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from audit.store import open_store
from bot.cli import main
from bot.policy import Facts, decide, default_policy, load_policy
from bot.policy.live import LivePolicy
from bot.policy.reload import PolicyWatcher
from bot.settings import get_settings

DEFAULT_TEXT = (Path(__file__).resolve().parents[2] / "bot" / "policy_default.yaml").read_text(encoding="utf-8")
STRICT_DEV = DEFAULT_TEXT.replace("dev: {approvals: 0}", "dev: {approvals: 1}")
BAD = DEFAULT_TEXT.replace("ttl: 4h", "ttl: soon")
DEV_SCALE = Facts(tool="scale", mutating=True, environments=frozenset({"dev"}))


def _write(path: Path, text: str, bump: int) -> None:
    """Write ``text`` with a modification time ``bump`` seconds later than the file had (no timing in tests)."""
    before = path.stat().st_mtime if path.exists() else 0.0
    path.write_text(text, encoding="utf-8")
    os.utime(path, (before + bump, before + bump))


@pytest.fixture
def setup(tmp_path):
    path = tmp_path / "policy.yaml"
    _write(path, DEFAULT_TEXT, 0)
    store = open_store(tmp_path / "fleetops.db")
    live = LivePolicy(load_policy(path), store.freezes.active)
    yield path, store, live, PolicyWatcher(live, path, store.audit)
    store.close()


def _policy_events(store, action):
    return [e for e in store.audit.list(event="policy", limit=None) if e.result.get("action") == action]


def test_nothing_changed_nothing_reloaded(setup):
    _, store, _, watcher = setup
    assert watcher.poll() is None
    assert store.audit.list(event="policy") == []


def test_a_changed_good_file_is_picked_up(setup):
    path, store, live, watcher = setup
    assert decide(live.at(), "U0ALICE", DEV_SCALE).kind == "allow"
    _write(path, STRICT_DEV, 10)
    assert watcher.poll() == "reloaded"
    assert decide(live.at(), "U0ALICE", DEV_SCALE).kind == "approve"
    assert len(_policy_events(store, "reloaded")) == 1


def test_a_bad_file_is_refused_and_the_old_policy_stays(setup, caplog):
    path, store, live, watcher = setup
    old = live.base
    _write(path, BAD, 10)
    assert watcher.poll() == "refused"
    assert live.base == old
    (ev,) = _policy_events(store, "refused")
    assert any("ttl" in p for p in ev.result["problems"])
    assert "refused" in caplog.text
    assert watcher.poll() is None  # refused once per version of the file, not at every poll


def test_the_fixed_file_is_picked_up_after_a_refusal(setup):
    path, _, live, watcher = setup
    _write(path, BAD, 10)
    watcher.poll()
    _write(path, STRICT_DEV, 10)
    assert watcher.poll() == "reloaded"
    assert live.base.rules["deploy"]["dev"].approvals == 1


@pytest.fixture
def cli_env(setup, monkeypatch):
    path, store, live, watcher = setup
    monkeypatch.setenv("FLEETOPS_POLICY", str(path))
    get_settings.cache_clear()
    yield path, store, live, watcher
    get_settings.cache_clear()


def test_policy_reload_asks_every_running_copy(cli_env, capsys):
    path, store, _, watcher = cli_env
    other_live = LivePolicy(default_policy())  # a second replica, still on another policy
    other = PolicyWatcher(other_live, path, store.audit)
    assert main(["policy", "reload", "--db", str(store.database.path)]) == 0  # the file did not change
    assert "Asked the running bot to reload" in capsys.readouterr().out
    assert len(_policy_events(store, "reload_requested")) == 1
    assert watcher.poll() == "reloaded"
    assert other.poll() == "reloaded"
    assert other_live.base.source == str(path)
    assert watcher.poll() is None  # one request, one reload


def test_policy_reload_refuses_a_bad_file_before_asking(cli_env, capsys):
    path, store, _, _ = cli_env
    _write(path, BAD, 10)
    assert main(["policy", "reload", "--db", str(store.database.path)]) == 1
    assert "Not reloaded" in capsys.readouterr().err
    assert _policy_events(store, "reload_requested") == []
    assert len(_policy_events(store, "refused")) == 1
