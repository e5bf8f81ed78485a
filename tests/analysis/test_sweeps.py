"""Sweeps: points against independent solves (``optimize`` through PuLP) and hand values; invalid and
infeasible points kept; bad paths and ranges are input errors naming the nearest path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from optimizer import Scenario, apply_changes, load_scenario, optimize
from optimizer.analysis.sweeps import parse_values, run_sweep, sweep
from optimizer.cli import app
from optimizer.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
B2B = ROOT / "scenarios" / "b2b-annual-plan.yaml"


def test_hand_values_one_channel():
    """20 per lead, at most 200 leads: spend is 20 x target up to 200, then no plan."""
    s = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "max_units": 200}], targets={"leads": 50})
    frame = sweep(s, {"targets.leads": [0, 50, 199.5, 200, 200.5]})
    assert frame["status"].tolist() == ["optimal"] * 4 + ["infeasible"]
    assert frame["objective_value"].tolist()[:4] == pytest.approx([0, 1000, 3990, 4000])
    assert frame["spend[email]"].tolist()[:4] == pytest.approx([0, 1000, 3990, 4000])
    assert frame["leads"].tolist()[:4] == pytest.approx([0, 50, 199.5, 200])


@pytest.mark.parametrize("path, values", [
    ("targets.revenue", [3e6, 4.8e6, 5.2e6, 5.6e6]),  # a row bound on the kept model
    ("channels[webinars].qualification_rate", [0.2, 0.35, 0.6, 1.0]),  # coefficients on the kept model
    ("channels[email].cost_per_lead", [10, 30, 45]),  # a price: objective, budget row and spend terms
    ("channels.events.max_units", [2, 4, 8]),  # dotted path, a channel bound
    ("funnel.win_rate", [0.1, 0.2, 0.3]),  # a default many channels inherit
    ("channels[email].max_spend", [0, 1e4, 1e6]),  # a field left unset: a new limit, the model reloaded
    ("deal_value", [3e4, 4e4, 6e4]),  # revenue per deal, for every channel
    ("channels[events].yields.qualified_leads", [50, 0, 110, 200]),  # 0: terms vanish and come back
    ("fixed-budget-max-deals.yaml:budget", [4e5, 6e5, 8e5]),  # whole units: a MIP on the kept model
])
def test_points_match_independent_solves(path, values):
    file, _, path = path.rpartition(":")
    scenario = load_scenario(ROOT / "scenarios" / file if file else B2B)
    result = run_sweep(scenario, {path: values})
    for i, value in enumerate(values):
        plan = optimize(apply_changes(scenario, {path: value}))
        assert result.status[i] == plan.status
        if plan.has_plan:
            assert result.objective_value[i] == pytest.approx(plan.objective_value, rel=1e-7)
            if plan.program.integer:
                continue  # whole units: equal plans may differ (ties); the objective is what must agree
            spend = {c.name: c.spend for c in plan.channels}
            assert dict(zip(result.channels, result.spend[i])) == pytest.approx(spend, rel=1e-6, abs=1e-4)
            assert result.totals[i][list(result.metrics).index("revenue")] == pytest.approx(plan.totals["revenue"])


def test_grid_order_and_invalid_points():
    scenario = load_scenario(B2B)
    result = run_sweep(scenario, {"budget": [5e5, 9e5], "channels[webinars].qualification_rate": [0.35, 1.2]})
    assert result.values.tolist() == [[5e5, 0.35], [5e5, 1.2], [9e5, 0.35], [9e5, 1.2]]
    assert result.status == ("infeasible", "invalid", "optimal", "invalid")
    assert result.messages[1] == ('channels[webinars].qualification_rate: 1.2 is not a rate; allowed: a number in '
                                  '(0, 1], or a percentage such as "12%"')
    point = result.to_dict()["points"][1]
    assert point["status"] == "invalid" and point["objective_value"] is None and "message" in point
    assert list(result.to_dict()["points"][2]) == ["values", "status", "objective_value", "total_spend", "spend",
                                                   "totals"]


def test_a_path_left_to_its_default_is_set():
    scenario = load_scenario(B2B)
    assert scenario.channels[0].win_rate is None
    result = run_sweep(scenario, {"channels[direct_mail].win_rate": [0.2, 0.9]})
    plan = optimize(apply_changes(scenario, {"channels[direct_mail].win_rate": 0.9}))
    assert result.objective_value[1] == pytest.approx(plan.objective_value)


@pytest.mark.parametrize("path, message", [
    ("target.revenue", "target.revenue: is not a number of this scenario (did you mean targets.revenue?)"),
    ("channels[webinar].qualification_rate",
     "channels[webinar].qualification_rate: is not a number of this scenario (did you mean "
     "channels[webinars].qualification_rate?)"),
    ("channels[email].cost_per_contact", "channels[email].cost_per_contact: is not a number of this scenario (the "
                                         "channel is priced by cost_per_lead: channels[email].cost_per_lead)"),
    ("objective", "objective: is not a number of this scenario"),
])
def test_bad_path_exits_2_naming_the_nearest(path, message):
    done = CliRunner().invoke(app, ["sweep", str(B2B), "--vary", f"{path}=1:2:2"])
    assert done.exit_code == 2
    assert done.output.startswith(f"{B2B}: {message}") or done.output.startswith(message), done.output


@pytest.mark.parametrize("option, message", [
    ("budget=1:2", "--vary budget: '1:2' is not a range"),
    ("budget=1:2:0", "--vary budget: '0' is not a number of steps"),
    ("budget=a,b", "--vary budget: 'a' is not a number"),
    ("budget", "--vary: 'budget' is not PATH=START:STOP:STEPS"),
])
def test_bad_range_exits_2(option, message):
    done = CliRunner().invoke(app, ["sweep", str(B2B), "--vary", option])
    assert done.exit_code == 2 and done.output.startswith(message), done.output


def test_three_parameters_is_an_input_error():
    with pytest.raises(ScenarioError, match="3 parameters are varied; allowed: one"):
        run_sweep(load_scenario(B2B), {"budget": [1e6], "targets.revenue": [1e6], "caps.qualified_leads": [1e3]})


def test_parse_values_is_inclusive():
    assert parse_values("x", "0:1:5") == [0, 0.25, 0.5, 0.75, 1]
    assert parse_values("x", "7:7:1") == [7]


def test_json_stdout_is_exactly_one_document_and_csv_has_a_row_per_point(tmp_path):
    base = [sys.executable, "-m", "optimizer", "sweep", str(B2B), "--vary", "targets.revenue=4e6:6e6:5"]
    done = subprocess.run([*base, "--format", "json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["parameters"] == ["targets.revenue"] and len(doc["points"]) == 5
    assert [p["status"] for p in doc["points"]] == ["optimal"] * 3 + ["infeasible"] * 2
    done = subprocess.run([*base, "--format", "csv", "--plot", str(tmp_path / "curve.png")], capture_output=True,
                          text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == 6 and lines[0].startswith("targets.revenue,status,objective_value")
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_grid_plot_is_a_png(tmp_path):
    from optimizer.output.sweep_plot import plot_sweep

    result = run_sweep(load_scenario(B2B), {"targets.revenue": [4e6, 5e6, 6e6],
                                            "caps.qualified_leads": [1200, 1300]})
    plot_sweep(result, tmp_path / "grid.png")
    assert (tmp_path / "grid.png").read_bytes()[:4] == b"\x89PNG"
    assert np.isnan(result.objective_value[-1])


def test_points_spread_across_processes_match_one_process():
    scenario = load_scenario(B2B)
    values = {"targets.revenue": list(np.linspace(4e6, 5.5e6, 60))}
    one, two = run_sweep(scenario, values, workers=1), run_sweep(scenario, values, workers=2)
    assert one.status == two.status
    np.testing.assert_allclose(one.objective_value, two.objective_value, rtol=1e-9)
    np.testing.assert_allclose(one.spend, two.spend, rtol=1e-7, atol=1e-6)
    assert one.mix_changes() == two.mix_changes()


def test_a_plan_the_warm_model_cannot_prove_goes_through_the_ladder_then_is_reported_unverified(monkeypatch):
    import optimizer.analysis.variation as variation
    import optimizer.model.solve as ladder
    from optimizer.model.certify import Certificate

    real = variation.optimality
    calls = []

    def fails_once(program, units, duals, **kw):
        calls.append(1)
        if len(calls) == 1:
            return Certificate(0.0, None, 0.5, 0.0, failed="the dual test (forced)")
        return real(program, units, duals, **kw)

    scenario = load_scenario(B2B)
    monkeypatch.setattr(variation, "optimality", fails_once)
    result = run_sweep(scenario, {"targets.revenue": [4.8e6]})
    assert result.status == ("optimal",) and len(calls) == 1  # the ladder proved it, on its own
    assert result.objective_value[0] == pytest.approx(545_600)  # hand-checked in README's walk-through
    never = lambda program, units, duals, **kw: Certificate(  # noqa: E731
        0.0, None, 0.5, 0.0, failed="the dual test (forced)")
    monkeypatch.setattr(variation, "optimality", never)
    monkeypatch.setattr(ladder, "optimality", never)
    result = run_sweep(scenario, {"targets.revenue": [4.8e6, 4e6]})
    assert result.status == ("unverified", "unverified")
    assert np.isnan(result.objective_value).all()


def test_a_mix_change_counts_limits_that_start_or_stop_binding():
    # e-commerce: search ads at $0.50 a click stay below their $120,000 limit; from $0.75 the limit
    # binds with the same channels in the plan. Found in review: only channels were compared.
    from optimizer import load_scenario
    from optimizer.analysis.sweeps import run_sweep

    scenario = load_scenario("scenarios/ecommerce-holiday.yaml")
    result = run_sweep(scenario, {"channels[search_ads].cost_per_lead": [0.5, 0.75]})
    assert np.array_equal(result.in_plan[0], result.in_plan[1])
    assert "channels[search_ads].max_spend" in result.binding[1] - result.binding[0]
    assert result.mix_changes() == [1]
