"""The first hour of a new user (issue 16), as a new user types it: the README's demo block pasted as is, twice;
piped output cut short; bad arguments; each answer one line saying what to do, never a traceback."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli.cmd_audit import datasette_metadata

ROOT = Path(__file__).resolve().parents[2]


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEETOPS_", "SLACK_")) and k != "KUBECONFIG"}
    env.update(FLEETOPS_HOME=str(home), FLEETOPS_DEMO_READY_DELAY="0", FLEETOPS_LLM="offline", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def fleetops(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=home, env=env_for(home), input=stdin,
                          capture_output=True, text=True, timeout=300)


def one_line_error(run: subprocess.CompletedProcess) -> str:
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


def readme_demo() -> str:
    text = (ROOT / "README.md").read_text()
    block = text.split("Paste these lines as they are:", 1)[1].split("```", 2)[1]
    return block.strip("\n") + "\n"


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    """The README's demo block pasted into `fleetops chat` twice, in one home."""
    home = tmp_path_factory.mktemp("home")
    return home, [fleetops(home, "chat", stdin=readme_demo()) for _ in range(2)]


def test_the_readme_demo_block_runs_as_pasted(demo_runs):
    _, (first, _) = demo_runs
    assert first.returncode == 0
    assert "Traceback" not in first.stdout + first.stderr
    assert "change 1 is now succeeded" in first.stdout  # the prod deploy, after the quorum
    assert "change 3 is now succeeded" in first.stdout  # the dev deploy ran at once


def test_a_second_demo_run_starts_afresh(demo_runs):
    _, (_, second) = demo_runs
    assert second.returncode == 0
    assert "change 1 is now pending" in second.stdout
    assert "change 4" not in second.stdout


def test_the_demo_database_verifies(demo_runs):
    home, _ = demo_runs
    run = fleetops(home, "audit", "verify", "--db", str(home / "demo.db"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("OK:")


def test_audit_verify_on_a_fresh_install_is_zero_events(tmp_path):
    run = fleetops(tmp_path, "audit", "verify")
    assert run.returncode == 0
    assert "0 events" in run.stdout


def test_piped_output_cut_short_is_not_an_error(demo_runs):
    home, _ = demo_runs
    for args in (["audit", "list", "--json", "--db", str(home / "demo.db")], ["tool", "list_clusters", "--json"]):
        p = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=home, env=env_for(home),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert p.stdout is not None
        p.stdout.readline()  # `| head -1`
        p.stdout.close()
        err = p.stderr.read().decode() if p.stderr else ""
        assert p.wait(timeout=300) == 0, err
        assert "BrokenPipeError" not in err and "Traceback" not in err


@pytest.mark.parametrize("n", ["-1", "0"])
def test_a_synthetic_fleet_needs_at_least_one_cluster(tmp_path, n):
    assert "--synthetic" in one_line_error(fleetops(tmp_path, "demo-fleet", "--synthetic", n))


def test_version(tmp_path):
    run = fleetops(tmp_path, "--version")
    assert re.fullmatch(r"fleetops \S+\n", run.stdout)


def test_eval_without_a_file_scores_the_shipped_examples(tmp_path):
    run = fleetops(tmp_path, "eval")
    assert run.returncode == 0
    assert re.search(r"passed \d+/\d+", run.stdout)


def test_eval_of_a_missing_file_says_what_to_do(tmp_path):
    line = one_line_error(fleetops(tmp_path, "eval", "nl-dev.yaml"))
    assert "`fleetops eval` with no file" in line


def test_changes_show_is_concise_and_json_has_everything(demo_runs):
    home, _ = demo_runs
    short = fleetops(home, "changes", "show", "1", "--db", str(home / "demo.db"))
    full = fleetops(home, "changes", "show", "1", "--json", "--db", str(home / "demo.db"))
    assert short.returncode == 0 and full.returncode == 0
    assert len(short.stdout.splitlines()) < 30
    assert "apiVersion" not in short.stdout
    assert "apiVersion" in full.stdout
    assert "--json" in short.stdout.splitlines()[-1]


def test_chat_answers_bad_audit_filters_no_and_cancel_in_one_line(tmp_path):
    run = fleetops(tmp_path, "chat", stdin="/audit --bogus\nno\ncancel change 1\n/quit\n")
    lines = run.stdout.splitlines()
    after = {lines[i].split("> ", 1)[1]: lines[i + 1] for i in range(len(lines) - 1) if "U0ALICE> " in lines[i]}
    assert after["/audit --bogus"].startswith("error: bogus") and "--since" in after["/audit --bogus"]
    assert "pydantic" not in run.stdout
    assert "Yes to what" not in after["no"]
    assert "/cancel" in after["cancel change 1"]


@pytest.mark.parametrize("name", ["fleetops.db", "copy.db", "demo.db"])
def test_datasette_metadata_is_keyed_by_the_file_name(name):
    shipped = (ROOT / "audit" / "datasette" / "metadata.yaml").read_text()
    data = datasette_metadata(shipped, Path("/somewhere") / name)
    assert list(data["databases"]) == [Path(name).stem]
    assert data["databases"][Path(name).stem] == yaml.safe_load(shipped)["databases"]["fleetops"]
