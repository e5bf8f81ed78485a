"""Compare: each scenario solved independently, differences against the first, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer import apply_changes, load_scenario, optimize
from optimizer.analysis.compare import compare_files
from optimizer.cli import app

ROOT = Path(__file__).resolve().parents[2]
B2B = ROOT / "scenarios" / "b2b-annual-plan.yaml"
CHANGE = {"channels[webinars].qualification_rate": 0.30}


def test_one_file_with_set_compares_it_with_itself_changed():
    result = compare_files([B2B], CHANGE)
    first, second = result.scenarios
    assert first.changes == {} and second.changes == CHANGE
    base = optimize(load_scenario(B2B))
    changed = optimize(apply_changes(load_scenario(B2B), CHANGE))
    diff = result.differences()[0]
    assert diff["objective_value"] == pytest.approx(changed.objective_value - base.objective_value)
    for c_base, c_changed in zip(base.channels, changed.channels):
        assert diff["spend"][c_base.name] == pytest.approx(c_changed.spend - c_base.spend, abs=1e-6)
    assert diff["totals"]["deals"] == pytest.approx(changed.totals["deals"] - base.totals["deals"], abs=1e-6)
    doc = result.to_dict()
    assert list(doc) == ["scenarios", "differences"]
    assert list(doc["scenarios"][0]) == ["name", "file", "changes", "status", "objective_value", "total_spend",
                                         "spend", "totals", "provenance"]  # provenance: issue 5
    assert list(diff) == ["name", "objective_value", "total_spend", "spend", "totals"]


def test_several_files():
    other = ROOT / "scenarios" / "ecommerce-holiday.yaml"
    result = compare_files([B2B, other])
    assert [c.name for c in result.scenarios] == ["b2b-annual-plan", "ecommerce-holiday"]
    assert result.scenarios[1].plan.objective_value == pytest.approx(optimize(load_scenario(other)).objective_value)


def test_exit_3_when_one_has_no_plan_and_all_are_printed():
    done = CliRunner().invoke(app, ["compare", str(B2B), "--set", "budget=500000", "--format", "json"])
    assert done.exit_code == 3
    doc = json.loads(done.output)
    assert [s["status"] for s in doc["scenarios"]] == ["optimal", "infeasible"]
    assert doc["differences"][0]["objective_value"] is None


def test_table_and_csv():
    runner = CliRunner()
    done = runner.invoke(app, ["compare", str(B2B), "--set", "channels[webinars].qualification_rate=0.3"])
    assert done.exit_code == 0 and "difference" in done.output and "+$27,000" in done.output
    done = runner.invoke(app, ["compare", str(B2B), "--set", "budget=1e6", "--format", "csv"])
    lines = done.output.splitlines()
    assert done.exit_code == 0 and len(lines) == 3 and lines[0].startswith("name,file,changes,status")


def test_json_stdout_is_exactly_one_document():
    done = subprocess.run([sys.executable, "-m", "optimizer", "compare", str(B2B), str(B2B), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [s["objective_value"] for s in doc["scenarios"]] == [pytest.approx(545_600)] * 2
    assert doc["differences"][0]["objective_value"] == 0


def test_objectives_of_different_kinds_are_not_subtracted():
    from optimizer import compare, load_scenario

    a = load_scenario("scenarios/b2b-annual-plan.yaml")
    b = load_scenario("scenarios/fixed-budget-max-deals.yaml")
    difference = compare([a, b]).differences()[0]
    assert difference["objective_value"] is None  # dollars minus deals means nothing
    assert difference["total_spend"] == pytest.approx(600000 - 545600)
