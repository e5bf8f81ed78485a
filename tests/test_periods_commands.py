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


@pytest.mark.parametrize("sensitivity", [False, True])
def test_report_reads_a_scenario_with_periods(tmp_path, sensitivity):
    flags = [] if sensitivity else ["--no-sensitivity"]
    result = run("report", QUARTERLY, "--output", "out.md", *flags, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "wrote out.md\n"
    text = (tmp_path / "out.md").read_text()
    assert "## Periods" in text
    row = next(line for line in text.splitlines() if line.startswith("| caps.qualified_leads.Q3 |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    # limit, period, kind, sense, value, limit value, slack, binding, shadow price, one unit less, from, to:
    # the ranges of a per-period limit come from sensitivity, so they are blank without it
    assert cells[1] == "Q3" and cells[7] == "yes"
    assert all(cells[9:12]) if sensitivity else not any(cells[9:12])


def test_optimize_with_periods_writes_one_json_document_with_periods(tmp_path):
    result = run("optimize", QUARTERLY, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    plan = json.loads(result.stdout)
    assert [p["name"] for p in plan["periods"]] == ["Q1", "Q2", "Q3", "Q4"]
    assert all("period" in c for c in plan["constraints"])
    assert sum(p["total_spend"] for p in plan["periods"]) == pytest.approx(plan["total_spend"], rel=1e-9)
