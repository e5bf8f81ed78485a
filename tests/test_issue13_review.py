"""Issue 13 (reps to hire) tried as a user and as an adversary: each test is a problem found in
review, with the number or message it should give, derived by hand or with scipy in the test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEAM = str(ROOT / "scenarios" / "b2b-sales-team.yaml")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=cwd,
                          env={"COLUMNS": "150", "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("value, path", [
    ("[0.5, null]", "sales_team[sdr].ramp[1]"),
    ("[null]", "sales_team[sdr].ramp[0]"),
])
def test_an_empty_ramp_share_is_an_input_error(value, path):
    # was: "error: TypeError: '<' not supported between NoneType and float", exit 1
    done = run("optimize", TEAM, "--set", f"sales_team[sdr].ramp={value}")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "TypeError" not in done.stderr
    assert f"b2b-sales-team.yaml: {path}: an empty value is not a number; allowed: a number in [0, 1]" in done.stderr


def test_an_empty_capacity_is_an_input_error_saying_what_is_allowed():
    # was: "an empty value: Input should be a valid number" (pydantic's words, no "allowed")
    done = run("optimize", TEAM, "--set", "sales_team[sdr].capacity={qualified_leads: null}")
    assert done.returncode == 2, done.stderr
    assert ("sales_team[sdr].capacity.qualified_leads: an empty value is not a number; allowed: a number > 0"
            in done.stderr)
