"""The README's example policy (teams, scopes, budgets) is one `fleetops policy check` accepts and explains."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    m = re.search(r"<!-- policy-example -->\n```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert m, "README has no policy example after <!-- policy-example -->"
    return m.group(1)


def _check(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "policy.yaml"
    path.write_text(_example(), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "bot", "policy", "check", str(path)], capture_output=True,
                          text=True, timeout=120, cwd=README.parent)


def test_policy_check_accepts_the_readme_example(tmp_path):
    r = _check(tmp_path)
    assert r.returncode == 0, r.stderr


def test_policy_check_explains_requesters_teams_and_scopes(tmp_path):
    out = _check(tmp_path).stdout
    assert "prod: members of approvers [requesters.undeploy.prod]" in out
    assert "search: users U0GRACE, U0HANK; GPU budget $40.00/h [teams.search]" in out
    assert "staging-only: channels C0STAGING and DMs of members of contractors see environments staging, dev" in out
    assert "also needs 1 approval from budget-override [budgets.over_budget]" in out
