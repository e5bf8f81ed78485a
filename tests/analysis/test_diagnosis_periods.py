"""Diagnosis and plan text with periods: availability never "binds", and the budget needed drops every
budget limit (the horizon's and each period's), checked against a hand-built scipy linprog."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml
from scipy.optimize import linprog

from optimizer import optimize
from optimizer.output.plan import no_plan_text, plan_table

# Two quarters; a is cheap but limited to 100 leads a quarter, b costs 30 a lead without limit.
# 400 leads are needed; the budget allows 5,000 over the horizon and 500 in Q1.
SCENARIO = {
    "name": "two-quarters",
    "periods": ["Q1", "Q2"],
    "budget": {"total": 5000, "Q1": 500},
    "targets": {"leads": 400},
    "channels": [
        {"name": "a", "cost_per_lead": 10, "max_units": {"Q1": 100, "Q2": 100}},
        {"name": "b", "cost_per_lead": 30},
    ],
}


def _cheapest(extra_rows: list[tuple[list[float], float]]) -> float:
    """min 10 a1 + 10 a2 + 30 b1 + 30 b2 s.t. a1 + a2 + b1 + b2 >= 400, a1, a2 <= 100, and ``extra_rows`` (<=)."""
    cost = [10, 10, 30, 30]
    rows = [[-1, -1, -1, -1]] + [row for row, _ in extra_rows]
    rhs = [-400] + [bound for _, bound in extra_rows]
    result = linprog(cost, A_ub=rows, b_ub=rhs, bounds=[(0, 100), (0, 100), (0, None), (0, None)], method="highs")
    assert result.status == 0
    return result.fun


def test_the_budget_needed_drops_every_budget_limit():
    plan = optimize(SCENARIO)
    assert plan.status == "infeasible"
    d = plan.diagnosis
    without_any = _cheapest([])
    assert without_any == pytest.approx(8000)
    assert d.budget_needed == pytest.approx(without_any, rel=1e-9)
    # dropping only the horizon's budget, keeping Q1 <= 500, would need more: that is not what is reported
    only_horizon_dropped = _cheapest([([10, 0, 30, 0], 500)])
    assert only_horizon_dropped == pytest.approx(9000)
    assert d.budget_needed < only_horizon_dropped - 1
    by_period = d.budget_needed_by_period
    assert list(by_period) == ["Q1", "Q2"]
    assert sum(by_period.values()) == pytest.approx(without_any, rel=1e-9)
    assert by_period["Q1"] >= 1000 - 1e-6 and by_period["Q2"] >= 1000 - 1e-6  # a's 100 leads in each quarter
    assert plan.to_dict()["diagnosis"]["budget_needed_by_period"] == pytest.approx(by_period)


def test_the_text_says_every_budget_limit_is_dropped():
    text = no_plan_text(optimize(SCENARIO))
    assert ("Meeting every other limit needs a spend of at least $8,000 over the horizon, with every budget limit "
            "dropped (the horizon's and each period's).") in text
    assert "the budget is now $5,000 over the horizon and $500 in Q1." in text
    assert "One such plan spends Q1 $" in text


def test_a_budget_by_period_only():
    scenario = {**SCENARIO, "budget": {"Q1": 500, "Q2": 500}}
    plan = optimize(scenario)
    assert plan.diagnosis.budget_needed == pytest.approx(_cheapest([]), rel=1e-9)
    assert "the budget is now $500 in Q1 and $500 in Q2." in no_plan_text(plan)


def test_a_number_budget_keeps_its_sentence():
    scenario = {**SCENARIO, "budget": 5000}
    plan = optimize(scenario)
    assert plan.diagnosis.budget_needed == pytest.approx(_cheapest([]), rel=1e-9)
    assert "Meeting every target needs a budget of at least $8,000 (budget now $5,000)." in no_plan_text(plan)


def test_the_bundled_quarterly_plan_with_a_tiny_q1_budget_exits_3_with_the_diagnosis(tmp_path):
    # the budget as a mapping once made this an exit 1 (TypeError) instead of the diagnosis
    done = subprocess.run([sys.executable, "-m", "optimizer", "optimize", "scenarios/b2b-quarterly-plan.yaml",
                           "--set", "budget.Q1=1000"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr
    assert "with every budget limit dropped (the horizon's and each period's)" in done.stdout
    assert "$1,000 in Q1" in done.stdout and "Traceback" not in done.stderr


AVAILABLE = {
    "name": "seasonal",
    "periods": ["Q1", "Q2"],
    "targets": {"leads": 150},
    "channels": [
        {"name": "a", "cost_per_lead": 10, "available": ["Q2"], "max_units": 100},
        {"name": "b", "cost_per_lead": 30},
    ],
}


def test_availability_is_never_a_binding_limit():
    plan = optimize(AVAILABLE)
    assert plan.status == "optimal"
    # by hand: a's 100 leads in Q2 at 10, then 50 of b at 30
    assert plan.objective_value == pytest.approx(100 * 10 + 50 * 30)
    assert [c.name for c in plan.binding] == ["targets.leads", "channels[a].max_units"]
    text = plan_table(plan)
    assert "channels[a].available" not in text.split("Limits that bind:")[1]
    document = json.loads(json.dumps(plan.to_dict()))
    available = [c for c in document["constraints"] if c["name"] == "channels[a].available"]
    assert available and available[0]["binding"] is False and available[0]["value"] == 0
    assert np.isclose(available[0]["slack"], 0)


def test_the_yaml_form_reads_the_same(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(SCENARIO))
    done = subprocess.run([sys.executable, "-m", "optimizer", "optimize", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 3
    diagnosis = json.loads(done.stdout)["diagnosis"]
    assert diagnosis["budget_needed"] == pytest.approx(_cheapest([]), rel=1e-9)
    assert set(diagnosis["budget_needed_by_period"]) == {"Q1", "Q2"}


@pytest.mark.parametrize("workers", [1, None])
def test_a_sweep_points_binding_list_leaves_availability_out(workers):
    from optimizer import Scenario
    from optimizer.analysis.sweeps import run_sweep

    result = run_sweep(Scenario(**AVAILABLE), {"targets.leads": [50, 150]}, workers=workers)
    points = result.to_dict()["points"]
    # by hand: 50 leads are a's alone (its max_units does not bind); 150 need all of a's 100 and 50 of b
    assert [p["objective_value"] for p in points] == pytest.approx([500, 100 * 10 + 50 * 30])
    assert [p["binding"] for p in points] == [["targets.leads"], ["targets.leads", "channels[a].max_units"]]


# One channel, 10 a lead, at most 100 leads a quarter: at most 100 leads in a quarter, 200 in both.
CAPPED = {"name": "capped", "periods": ["Q1", "Q2"], "budget": 5000,
          "channels": [{"name": "a", "cost_per_lead": 10, "max_units": {"Q1": 100, "Q2": 100}}]}


def test_a_target_within_reach_is_not_listed_as_short():
    text = no_plan_text(optimize({**CAPPED, "targets": {"leads": {"total": 800, "Q1": 50}}}))
    assert "Under the other limits, the most achievable is: leads 200 (target 800).\n" in text
    assert "Within reach on its own under the other limits: leads in Q1 (up to 100, target 50).\n" in text


def test_targets_each_within_reach_but_not_together():
    # 80 leads in each quarter cost 1,600; the budget is 1,500, and either target alone costs 800
    plan = optimize({**CAPPED, "budget": 1500, "targets": {"leads": {"Q1": 80, "Q2": 80}}})
    assert plan.diagnosis.achievable == pytest.approx({"leads.Q1": 100, "leads.Q2": 100})
    text = no_plan_text(plan)
    assert "most achievable" not in text
    assert ("Each target is within reach on its own under the other limits, but not all of them together: "
            "leads in Q1 (up to 100, target 80); leads in Q2 (up to 100, target 80).\n") in text
    assert "Meeting every target needs a budget of at least $1,600 (budget now $1,500)." in text
