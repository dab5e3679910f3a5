"""Settings read only FLEETOPS_*, Slack's SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET / SLACK_APP_TOKEN and KUBECONFIG;
the default home is ~/.fleetops; ``--help`` shows the defaults; an unknown FLEETOPS_* variable is reported at start."""
from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from bot import cli
from bot.settings import Settings, known_variables

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A clean environment: no fleetops or Slack variables, HOME in tmp, no .env in the working directory."""
    for name in list(os.environ):
        if name.startswith(("FLEETOPS_", "SLACK_")) or name.upper() in {
                "KUBECONFIG", "DB_PATH", "LLM", "PORT", "HOME", "IN_CLUSTER", "POLICY_PATH", "DEMO_READY_DELAY"}:
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return monkeypatch


def test_home_defaults_to_dot_fleetops_under_the_users_home(env):
    assert Settings().home == Path.home() / ".fleetops"


def test_database_defaults_to_fleetops_db_in_dot_fleetops(env):
    assert Settings().database == Path.home() / ".fleetops" / "fleetops.db"


@pytest.mark.parametrize(("name", "value", "field", "default"), [
    ("DB_PATH", "/elsewhere/x.db", "db_path", None),
    ("LLM", "openai:gpt-4.1-mini", "llm", "offline"),
    ("PORT", "8080", "port", 3000),
    ("IN_CLUSTER", "true", "in_cluster", False),
    ("POLICY_PATH", "/etc/policy.yaml", "policy_path", None),
    ("DEMO_READY_DELAY", "9", "demo_ready_delay", 2.0),
    ("kubeconfig", "/lower/case", "kubeconfig", None),
    ("fleetops_llm", "openai:gpt-4.1-mini", "llm", "offline"),
])
def test_generic_environment_names_are_not_read(env, name, value, field, default):
    env.setenv(name, value)
    assert getattr(Settings(), field) == default


@pytest.mark.parametrize(("name", "value", "field", "expected"), [
    ("FLEETOPS_HOME", "/srv/fo", "home", Path("/srv/fo")),
    ("FLEETOPS_DB", "/srv/fo/x.db", "database", Path("/srv/fo/x.db")),
    ("FLEETOPS_LLM", "openai:gpt-4.1-mini", "llm", "openai:gpt-4.1-mini"),
    ("FLEETOPS_PORT", "8080", "port", 8080),
    ("FLEETOPS_IN_CLUSTER", "true", "in_cluster", True),
    ("FLEETOPS_DEMO_READY_DELAY", "0.5", "demo_ready_delay", 0.5),
    ("KUBECONFIG", "/k/config", "kubeconfig", Path("/k/config")),
    ("FLEETOPS_KUBECONFIG", "/k/fleet", "kubeconfig", Path("/k/fleet")),
])
def test_declared_names_are_read(env, name, value, field, expected):
    env.setenv(name, value)
    assert getattr(Settings(), field) == expected


@pytest.mark.parametrize(("name", "field"), [
    ("SLACK_BOT_TOKEN", "slack_bot_token"),
    ("SLACK_SIGNING_SECRET", "slack_signing_secret"),
    ("SLACK_APP_TOKEN", "slack_app_token"),
])
def test_slack_documented_names_are_read(env, name, field):
    env.setenv(name, "s3cret-value")
    assert getattr(Settings(), field).get_secret_value() == "s3cret-value"


def test_fleetops_kubeconfig_wins_over_kubeconfig(env):
    env.setenv("KUBECONFIG", "/k/config")
    env.setenv("FLEETOPS_KUBECONFIG", "/k/fleet")
    assert Settings().kubeconfig == Path("/k/fleet")


def test_explicit_arguments_override_the_environment(env):
    env.setenv("FLEETOPS_KUBECONFIG", "/k/fleet")
    env.setenv("FLEETOPS_LLM", "openai:gpt-4.1-mini")
    s = Settings(kubeconfig=None, llm="offline")
    assert (s.kubeconfig, s.llm) == (None, "offline")


def test_dot_env_file_is_read_by_declared_names_only(env):
    Path(".env").write_text("FLEETOPS_LLM=openai:gpt-4.1-mini\nPORT=8080\n")
    s = Settings()
    assert (s.llm, s.port) == ("openai:gpt-4.1-mini", 3000)


def test_environment_wins_over_dot_env(env):
    Path(".env").write_text("FLEETOPS_PORT=8080\n")
    env.setenv("FLEETOPS_PORT", "9090")
    assert Settings().port == 9090


def test_every_variable_read_is_fleetops_slack_or_kubeconfig():
    allowed = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "KUBECONFIG"}
    assert [n for n in known_variables() if not n.startswith("FLEETOPS_") and n not in allowed] == []


def _start(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_unknown_fleetops_variable_is_reported_at_start_with_the_closest_name(env, capsys):
    env.setenv("FLEETOPS_DB_PATH", "/x.db")
    _, _, err = _start(capsys)
    assert "warning: FLEETOPS_DB_PATH is not a fleetops setting and is ignored (did you mean FLEETOPS_DB?)" in err


def test_unknown_variable_in_dot_env_is_reported(env, capsys):
    Path(".env").write_text("FLEETOPS_LLM_KEY=abc\n")
    _, _, err = _start(capsys)
    assert "FLEETOPS_LLM_KEY is not a fleetops setting and is ignored (did you mean FLEETOPS_LLM_API_KEY?)" in err


def test_known_variables_raise_no_warning(env, capsys):
    env.setenv("FLEETOPS_DB", "/x.db")
    env.setenv("KUBECONFIG", "/k")
    _, _, err = _start(capsys)
    assert "warning" not in err


def test_help_shows_the_real_default_home_and_database(env):
    text = cli.build_parser().format_help()
    home = Path.home() / ".fleetops"
    assert f"FLEETOPS_HOME  (default: {home})" in text
    assert f"FLEETOPS_DB  (default: {home / 'fleetops.db'})" in text


def test_help_lists_every_setting(env):
    text = cli.build_parser().format_help()
    assert [n for n in known_variables() if n not in text] == []


def _datasette_command() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    line = next(ln for ln in readme.splitlines() if re.match(r"\s*datasette\s", ln))
    return shlex.split(line)


def test_readme_datasette_command_opens_the_default_database(env):
    db = _datasette_command()[1]
    assert Path(os.path.expanduser(db)) == Settings().database


def test_readme_datasette_metadata_file_exists():
    cmd = _datasette_command()
    assert (ROOT / cmd[cmd.index("-m") + 1]).is_file()


def test_readme_names_every_setting():
    readme = (ROOT / "README.md").read_text()
    assert [n for n in known_variables() if f"`{n}`" not in readme] == []
