"""Sensitivity of plans with whole-unit channels: held at the plan's units, or relaxed; and whether
another whole-unit plan is exactly as good.

Dorian Auto (Winston, Operations Research, ch. 3): comedy ads cost $50k and reach 7M high-income
women and 2M high-income men, football ads cost $100k and reach 2M and 12M; reach at least 28M
women and 24M men at least cost: min 50x + 100y s.t. 7x + 2y >= 28, 2x + 12y >= 24. Its LP optimum
is x = 3.6, y = 1.4 (cost 320) with shadow prices 5 and 7.5 (7a + 2b = 50, 2a + 12b = 100); with
whole ads, (4, 2) and (6, 1) both cost 400 (enumerated below).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer import Scenario, optimize
from optimizer.analysis.sensitivity import sensitivity
from optimizer.cli import app
from optimizer.output.whatif import sensitivity_table as _table

ROOT = Path(__file__).resolve().parents[2]
WHOLE = ROOT / "scenarios" / "fixed-budget-max-deals.yaml"


def sensitivity_table(result) -> str:
    """The table's text with its line wrapping (the terminal's width) undone."""
    return " ".join(_table(result).split())


def dorian(budget: float | None = 1000, integer: bool = True) -> Scenario:
    data = {"name": "dorian-auto", "targets": {"leads": 28, "reach": 24},
            "channels": [{"name": "comedy", "unit_cost": 50, "yields": {"leads": 7, "reach": 2}, "integer": integer},
                         {"name": "football", "unit_cost": 100, "yields": {"leads": 2, "reach": 12},
                          "integer": integer}]}
    if budget is not None:
        data["budget"] = budget
    return Scenario.model_validate(data)


def whole_optima() -> tuple[float, set[tuple[int, int]]]:
    """Every whole plan within the budget's bounds (20 comedy, 10 football ads), by enumeration."""
    plans = {(x, y): 50 * x + 100 * y for x, y in itertools.product(range(21), range(11))
             if 7 * x + 2 * y >= 28 and 2 * x + 12 * y >= 24}
    best = min(plans.values())
    return best, {p for p, cost in plans.items() if cost == best}


def test_dorian_auto_with_whole_ads_has_two_optimal_plans():
    best, optima = whole_optima()
    assert (best, optima) == (400, {(4, 2), (6, 1)})
    plan = optimize(dorian())
    result = sensitivity(plan)
    assert result.analysed_as == "integers_fixed" and result.objective_value == pytest.approx(best)
    planned = tuple(int(round(c.units)) for c in plan.channels)
    other = tuple(int(round(result.alternative_units[name])) for name in ("comedy", "football"))
    assert {planned, other} == optima
    assert result.left_out == ()
    assert "Another mix is exactly as good" in sensitivity_table(result)


def test_whole_units_without_a_bound_are_left_out_of_the_search_and_named():
    result = sensitivity(optimize(dorian(budget=None)))
    assert result.alternative is None and result.left_out == ("comedy", "football")
    assert result.to_dict()["alternative_left_out"] == ["comedy", "football"]
    assert "it leaves out comedy, football" in sensitivity_table(result)


def test_relaxed_analysis_is_the_lp_relaxation_with_its_plan():
    result = sensitivity(optimize(dorian()), relax=True)
    assert result.analysed_as == "relaxed" and result.objective_value == pytest.approx(320)
    assert result.analysed_units == pytest.approx({"comedy": 3.6, "football": 1.4})
    assert result.limit("targets.leads").shadow_price == pytest.approx(5)
    assert result.limit("targets.reach").shadow_price == pytest.approx(7.5)
    doc = result.to_dict()
    assert doc["analysed_as"] == "relaxed" and doc["analysed_plan"]["units"]["comedy"] == pytest.approx(3.6)
    assert "Analysed as the LP relaxation" in sensitivity_table(result)


def test_a_plan_without_whole_units_is_lp_with_or_without_relax():
    plan = optimize(dorian(integer=False))
    assert sensitivity(plan).analysed_as == sensitivity(plan, relax=True).analysed_as == "lp"
    assert sensitivity(plan, relax=True).to_dict() == sensitivity(plan).to_dict()


def test_held_limits_have_no_shadow_price_and_say_why():
    # (4, 2) or (6, 1) held: both targets' columns are all whole units, so no price moves them
    result = sensitivity(optimize(dorian()))
    for name in ("targets.leads", "targets.reach"):
        limit = result.limit(name)
        assert limit.held and limit.shadow_price is None and limit.shadow_price_down is None
    text = sensitivity_table(result)
    assert "held at their planned units" in text and "the whole-unit choice itself may change" in text
    assert "targets.leads: held at the planned whole units" in text or not result.limit("targets.leads").binding


def test_a_plan_stopped_at_the_time_limit_is_analysed_around_its_incumbent_with_status_and_gap():
    plan = optimize(dorian())
    stopped = replace(plan, status="time_limit", solution=replace(plan.solution, status="time_limit", mip_gap=0.25))
    result = sensitivity(stopped)
    assert result.status == "time_limit" and result.mip_gap == 0.25
    assert result.objective_value == pytest.approx(400)
    assert "stopped at the time limit, gap 25.00%" in sensitivity_table(result)
    assert result.to_dict()["mip_gap"] == 0.25


def test_cli_relax_and_report_conflict(tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["sensitivity", str(WHOLE), "--relax", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["analysed_as"] == "relaxed"
    done = runner.invoke(app, ["report", str(WHOLE), "--output", str(tmp_path / "r.md"), "--relax",
                               "--no-sensitivity"])
    assert done.exit_code == 2
    assert "--relax: asks for the sensitivity of the LP relaxation, and --no-sensitivity skips the analysis; " \
           "allowed: one of --relax and --no-sensitivity" in done.output
    done = runner.invoke(app, ["report", str(WHOLE), "--output", str(tmp_path / "r.md")])
    assert done.exit_code == 0, done.output
    assert "held at their planned units" in (tmp_path / "r.md").read_text()
