"""sweep over what one rep follows up, ``sales_team[sdr].capacity.METRIC`` (each point rebuilt), on
scenarios/b2b-sales-team.yaml.

By hand: a quarter's marketing within capacity C (240 <= C <= 600) costs 200 C + 1000 L_r with
L_r = (120 - 0.2 C) / 0.3 referrals, that is 400,000 - 466.67 C, and $120,000 (all paid search)
from C = 600 on. With c leads a rep, 3 on staff follow up 3c and a hire in Q1 adds c / 2 in Q1,
c after; a hire costs $30,000 a quarter.
- c = 200: the staff's 600 suffice: 4 x 120,000 = $480,000, no hires.
- c = 150: staff 450 (4 x 190,000 = $760,000 without hires). One hire in Q1: Q1 C = 525,
  $155,000, then 3 x $120,000, plus $120,000 of hiring = $635,000; two in Q1: $480,000 + $240,000;
  one in Q2: $190,000 + $360,000 + $90,000 = $640,000. One in Q1 is best.
- c = 120: the README's two in Q1, $776,000."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer import apply_changes
from optimizer.analysis.plan import optimize
from optimizer.analysis.sweeps import run_sweep
from optimizer.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TEAM = ROOT / "scenarios" / "b2b-sales-team.yaml"
PER_REP = "sales_team[sdr].capacity.qualified_leads"


@pytest.fixture(scope="module")
def team():
    return load_scenario(TEAM)


@pytest.fixture(scope="module")
def by_capacity(team):
    return run_sweep(team, {PER_REP: [100, 120, 150, 200]})


def test_hand_derived_points(by_capacity):
    points = dict(zip([100, 120, 150, 200], by_capacity.to_dict()["points"]))
    assert points[200]["objective_value"] == pytest.approx(480_000)
    assert points[200]["hiring_cost"] == 0 and points[200]["hires"]["sdr"]["Q1"] == 0
    assert points[150]["objective_value"] == pytest.approx(635_000)
    assert points[150]["hires"]["sdr"] == {"Q1": 1.0, "Q2": 0.0, "Q3": 0.0, "Q4": 0.0}
    assert points[150]["total_spend"] == pytest.approx(155_000 + 3 * 120_000)
    assert points[120]["objective_value"] == pytest.approx(776_000)
    assert points[120]["hires"]["sdr"]["Q1"] == 2.0


@pytest.mark.parametrize("value", [100, 120, 150, 200])
def test_each_point_is_optimize_with_set(team, by_capacity, value):
    point = by_capacity.to_dict()["points"][[100, 120, 150, 200].index(value)]
    plan = optimize(apply_changes(team, {PER_REP: value}))
    assert point["status"] == plan.status == "optimal"
    assert point["objective_value"] == pytest.approx(plan.objective_value)
    assert point["total_spend"] == pytest.approx(plan.total_spend)
    assert point["hiring_cost"] == pytest.approx(plan.hiring_cost)
    assert point["hires"] == {"sdr": pytest.approx(plan.sales_team[0].hires)}


def _sweep(vary: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", "sweep", str(TEAM), "--vary", vary, *options],
                          capture_output=True, text=True, cwd=ROOT)


def test_capacity_on_another_metric_or_by_period_is_an_input_error():
    done = _sweep("sales_team[sdr].capacity.deals=1,2")
    assert done.returncode == 2
    assert "sales_team[sdr].capacity.deals: is not a number of this scenario (did you mean " \
           "sales_team[sdr].capacity.qualified_leads?)" in done.stderr
    done = _sweep("sales_team[sdr].capacity.qualified_leads.Q1=1,2")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "sales_team[sdr].capacity.qualified_leads.Q1: is not a number of this scenario" in done.stderr


def test_a_point_the_field_rejects_is_invalid_and_the_rest_solve():
    done = _sweep(f"{PER_REP}=0,150", "--format", "json")
    assert done.returncode == 0, done.stderr
    zero, fine = json.loads(done.stdout)["points"]
    assert zero["status"] == "invalid"
    assert zero["message"].startswith(f"{PER_REP}: 0 is not a positive number; allowed: a number > 0")
    assert fine["status"] == "optimal" and fine["objective_value"] == pytest.approx(635_000)
