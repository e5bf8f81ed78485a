"""Commands that do not plan by period yet refuse a scenario with periods as an input error (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUARTERLY = str(ROOT / "scenarios" / "b2b-quarterly-plan.yaml")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("command", [
    ["report", QUARTERLY, "--output", "out.md", "--no-sensitivity"],
])
def test_not_yet_by_period_is_an_input_error(tmp_path, command):
    (tmp_path / "proposal.yaml").write_text("email: {spend: 1000}\n")
    result = run(*command, "--format", "json", cwd=tmp_path) if command[0] != "report" else run(*command, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"{command[0]} does not read scenarios with periods yet" in result.stderr
    if command[0] != "report":
        assert json.loads(result.stdout)["errors"][0]["path"] == "periods"
    assert not (tmp_path / "out.md").exists()


def test_optimize_with_periods_writes_one_json_document_with_periods(tmp_path):
    result = run("optimize", QUARTERLY, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    plan = json.loads(result.stdout)
    assert [p["name"] for p in plan["periods"]] == ["Q1", "Q2", "Q3", "Q4"]
    assert all("period" in c for c in plan["constraints"])
    assert sum(p["total_spend"] for p in plan["periods"]) == pytest.approx(plan["total_spend"], rel=1e-9)
