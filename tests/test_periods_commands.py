"""Commands on a scenario with periods, end to end (every command reads periods)."""

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


def test_report_reads_a_scenario_with_periods(tmp_path):
    result = run("report", QUARTERLY, "--output", "out.md", "--no-sensitivity", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "wrote out.md\n"
    assert "## Periods" in (tmp_path / "out.md").read_text()


def test_optimize_with_periods_writes_one_json_document_with_periods(tmp_path):
    result = run("optimize", QUARTERLY, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    plan = json.loads(result.stdout)
    assert [p["name"] for p in plan["periods"]] == ["Q1", "Q2", "Q3", "Q4"]
    assert all("period" in c for c in plan["constraints"])
    assert sum(p["total_spend"] for p in plan["periods"]) == pytest.approx(plan["total_spend"], rel=1e-9)
