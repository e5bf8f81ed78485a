"""sweep over a sales role's cost and max_hires (issue 13, section 2) on scenarios/b2b-sales-team.yaml.

Hand-derived (see tests/analysis/test_check_hires.py): a quarter's marketing within capacity C
costs 400,000 - 466.67 C while C <= 600, so a rep's capacity saves $466.67 a lead a quarter. An SDR
hired in Q1 adds 60 leads in Q1 and 120 in each of Q2-Q4: it saves 466.67 x 420 = $196,000 and
costs 4c; hired in Q2, 60 + 240 = 300 leads, $140,000 for 3c. Two hires fill Q2-Q4 (C = 600). So
hiring two in Q1 pays while 4c < 196,000: up to c = $49,000 (the break-even); without hires the
year costs $928,000. With max_hires 1: 928,000 - (196,000 - 120,000) = $852,000; with max_hires.Q1
0 the two are hired in Q2: 928,000 - 2 x (140,000 - 90,000) = $828,000, with max_hires.Q1 1:
928,000 - 76,000 - 50,000 = $802,000."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer import apply_changes
from optimizer.analysis.plan import optimize
from optimizer.analysis.sweeps import run_sweep
from optimizer.output.whatif import sweep_csv, sweep_table
from optimizer.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TEAM = ROOT / "scenarios" / "b2b-sales-team.yaml"
COST = "sales_team[sdr].cost"


@pytest.fixture(scope="module")
def team():
    return load_scenario(TEAM)


@pytest.fixture(scope="module")
def by_cost(team):
    return run_sweep(team, {COST: [40_000, 48_000, 50_000, 55_000]})


def test_hiring_pays_below_the_break_even_cost(by_cost):
    points = by_cost.to_dict()["points"]
    assert [p["hires"]["sdr"]["Q1"] for p in points] == [2, 2, 0, 0]
    assert [p["objective_value"] for p in points] == pytest.approx([536_000 + 8 * 40_000, 536_000 + 8 * 48_000,
                                                                    928_000, 928_000])
    assert [p["hiring_cost"] for p in points] == pytest.approx([320_000, 384_000, 0, 0])
    assert [p["total_cost"] for p in points] == pytest.approx([p["objective_value"] for p in points])


@pytest.mark.parametrize(("path", "values", "expected"), [
    (COST, [40_000, 48_000, 50_000, 55_000], None),
    ("sales_team[sdr].max_hires", [0, 1, 2, 3], [928_000, 852_000, 776_000, 776_000]),
    ("sales_team[sdr].max_hires.Q1", [0, 1, 2], [828_000, 802_000, 776_000]),
])
def test_each_point_is_optimize_with_set_at_the_same_value(team, path, values, expected):
    result = run_sweep(team, {path: values})
    points = result.to_dict()["points"]
    if expected is not None:
        assert [p["objective_value"] for p in points] == pytest.approx(expected)
    for value, point in zip(values, points):
        plan = optimize(apply_changes(team, {path: value}))
        assert point["objective_value"] == pytest.approx(plan.objective_value)
        assert point["hiring_cost"] == pytest.approx(plan.hiring_cost)
        assert point["total_spend"] == pytest.approx(plan.total_spend)
        assert point["hires"] == {"sdr": pytest.approx(plan.sales_team[0].hires)}


def test_table_and_csv_show_hires_and_where_they_change(by_cost):
    text = sweep_table(by_cost)
    assert "The hires change at sales_team[sdr].cost = $50,000." in text
    row = next(line for line in text.splitlines() if line.startswith("│") and "$48,000" in line)
    assert "$384,000" in row and "2 (Q1)" in row
    table = list(csv.DictReader(io.StringIO(sweep_csv(by_cost))))
    assert [float(r["hires[sdr][Q1]"]) for r in table] == [2, 2, 0, 0]
    assert [float(r["hiring_cost"]) for r in table] == pytest.approx([320_000, 384_000, 0, 0])


def test_a_role_that_is_not_there_is_an_input_error():
    done = subprocess.run([sys.executable, "-m", "optimizer", "sweep", str(TEAM), "--vary",
                           "sales_team[sdrs].cost=1:2:2"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert "sales_team[sdrs].cost: is not a number of this scenario (did you mean sales_team[sdr].cost?)" \
        in done.stderr
    assert "Traceback" not in done.stderr


def test_points_solved_in_worker_processes_carry_their_hires(team):
    values = [0, 1, 2, 3] * 6  # past the 20 points timed in this process: the rest go to the workers
    result = run_sweep(team, {"sales_team[sdr].max_hires": values}, workers=2)
    assert [p["hiring_cost"] for p in result.to_dict()["points"]] == pytest.approx([0, 120_000, 240_000, 240_000] * 6)
