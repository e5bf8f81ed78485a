"""Sweeps over per-period paths (issue 11): every path ``--set`` takes, with ``--set``'s meaning.

Each point of a sweep must be the plan ``optimize --set PATH=VALUE`` finds (the oracle for every
path kind), and for some paths the plan of a three-quarter LP written out by hand below from the
rules in docs/scenario-format.md ("Periods") and solved by scipy's linprog.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.optimize import linprog

from optimizer import Scenario, apply_changes, optimize
from optimizer.analysis.sweeps import run_sweep
from optimizer.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
Q = ["Q1", "Q2", "Q3"]

DATA = {
    "name": "three-quarters",
    "periods": Q,
    "budget": {"total": 60_000, "Q1": 8_000, "Q2": 9_000},
    "deal_value": 1_000,
    "funnel": {"qualification_rate": 0.5, "opportunity_rate": 0.5, "win_rate": 0.4, "sales_cycle": [0.5, 0.5]},
    "targets": {"revenue": 50_000},
    "caps": {"qualified_leads": 400},
    "pipeline": {"deals": {"Q1": 2}},
    "channels": [
        {"name": "email", "cost_per_lead": 10, "qualification_rate": 0.2, "win_rate": 0.3,
         "max_units": {"Q1": 500, "Q2": 500, "Q3": 500}},
        {"name": "search", "cost_per_lead": 40, "max_units": {"Q1": 100, "Q2": 100, "Q3": 400}},
        {"name": "events", "unit_cost": 4_000, "yields": {"leads": 100}, "available": ["Q2", "Q3"],
         "max_units": {"Q2": 2, "Q3": 2}},
    ],
}


def scenario() -> Scenario:
    return Scenario.model_validate(DATA)


# -- the hand-built LP ------------------------------------------------------------------------------
def hand_lp(qr_email=(0.2, 0.2, 0.2), cap_q=None, budget_q=None, deal_value=(1_000, 1_000, 1_000)):
    """The scenario above by hand: 9 columns (channel x quarter), deals closing half in their quarter
    and half in the next (Q3's second half after the horizon), pipeline 2 deals in Q1 at Q1's deal
    value. ``cap_q``/``budget_q``: per-quarter limits {quarter: bound} besides the scenario's.
    Returns the least spend, or None when infeasible."""
    cycle = [0.5, 0.5]
    leads = {"email": [1.0] * 3, "search": [1.0] * 3, "events": [100.0] * 3}
    qrate = {"email": list(qr_email), "search": [0.5] * 3, "events": [0.5] * 3}
    win = {"email": 0.3, "search": 0.4, "events": 0.4}
    price = {"email": 10.0, "search": 40.0, "events": 4_000.0}
    names = list(leads)
    n = len(names) * 3

    def col(c, t):
        return names.index(c) * 3 + t

    cost = np.zeros(n)
    qualified = np.zeros((3, n))  # per quarter, qualified leads per unit bought then
    revenue = np.zeros(n)  # revenue closing inside the horizon per unit
    spend_in = np.zeros((3, n))
    for c in names:
        for t in range(3):
            j = col(c, t)
            cost[j] = price[c]
            spend_in[t, j] = price[c]
            q = leads[c][t] * qrate[c][t]
            qualified[t, j] = q
            deals = q * 0.5 * win[c]
            for k, share in enumerate(cycle):
                if t + k < 3:
                    revenue[j] += deals * share * deal_value[t + k]
    rows, rhs = [], []
    rows.append(cost)
    rhs.append(60_000)  # budget
    rows.append(spend_in[0])
    rhs.append(8_000)  # budget.Q1
    rows.append(spend_in[1])
    rhs.append(9_000)  # budget.Q2
    rows.append(-revenue)
    rhs.append(-(50_000 - 2 * deal_value[0]))  # targets.revenue, pipeline counted
    rows.append(qualified.sum(axis=0))
    rhs.append(400)  # caps.qualified_leads over the year
    for t, bound in (cap_q or {}).items():
        rows.append(qualified[Q.index(t)])
        rhs.append(bound)
    for t, bound in (budget_q or {}).items():
        rows.append(spend_in[Q.index(t)])
        rhs.append(bound)
    bounds = [(0, None)] * n
    for t in range(3):
        bounds[col("email", t)] = (0, 500)
        bounds[col("search", t)] = (0, [100, 100, 400][t])
    bounds[col("events", 0)] = (0, 0)  # not available in Q1
    bounds[col("events", 1)] = (0, 2)
    bounds[col("events", 2)] = (0, 2)
    done = linprog(cost, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds, method="highs")
    return done.fun if done.status == 0 else None


def _same(a: float, b: float | None) -> bool:
    if b is None:
        return math.isnan(a)
    return abs(a - b) <= 1e-7 * max(1.0, abs(b))


def test_the_hand_lp_is_the_scenario():
    assert _same(optimize(scenario()).objective_value, hand_lp())


def test_a_per_period_cap_on_a_plain_number_against_linprog():
    """caps.qualified_leads.Q3 where the cap is over the year: each point adds Q3's own cap."""
    values = [0.0, 4.0, 6.0, 8.0, 400.0]
    result = run_sweep(scenario(), {"caps.qualified_leads.Q3": values})
    for i, v in enumerate(values):
        expected = hand_lp(cap_q={"Q3": v})
        assert _same(result.objective_value[i], expected), (v, result.objective_value[i], expected)
    assert any(result.objective_value[i] > result.objective_value[-1] + 1 for i in range(len(values) - 1))


def test_a_per_period_rate_on_a_plain_number_against_linprog():
    """channels[email].qualification_rate.Q3 on a plain 0.2: the other quarters keep 0.2."""
    values = [0.05, 0.1, 0.2, 0.4, 0.9]
    result = run_sweep(scenario(), {"channels[email].qualification_rate.Q3": values})
    objectives = set()
    for i, v in enumerate(values):
        expected = hand_lp(qr_email=(0.2, 0.2, v))
        assert _same(result.objective_value[i], expected), (v, result.objective_value[i], expected)
        objectives.add(round(expected))
    assert len(objectives) > 2  # the rate matters here


def test_a_plain_rate_moves_it_in_every_period_against_linprog():
    values = [0.1, 0.3, 0.6]
    result = run_sweep(scenario(), {"channels[email].qualification_rate": values})
    for i, v in enumerate(values):
        assert _same(result.objective_value[i], hand_lp(qr_email=(v, v, v)))


def test_a_deal_value_of_one_period_moves_the_pipeline_too_against_linprog():
    values = [500.0, 1_000.0, 3_000.0]
    result = run_sweep(scenario(), {"deal_value.Q1": values})
    for i, v in enumerate(values):
        assert _same(result.objective_value[i], hand_lp(deal_value=(v, 1_000, 1_000)))


PATHS = {
    "budget.Q2": [3_000, 9_000, 20_000],
    "budget.Q3": [100, 300, 30_000],  # absent: added at each point
    "budget.total": [15_000, 17_340, 60_000],
    "budget": [17_000, 40_000],
    "caps.qualified_leads.Q1": [10, 50, 200],
    "targets.revenue": [20_000, 50_000, 90_000],
    "targets.deals.Q3": [0, 5, 12, 40],
    "targets.revenue.Q2": [0, 10_000, 30_000],
    "channels[email].max_units.Q1": [0, 100, 500],
    "channels[events].max_units.Q3": [0, 1, 3],
    "channels[search].max_spend.Q2": [0, 1_000, 50_000],
    "channels[search].max_units.Q3": [0, 50, 400],
    "channels[email].min_units.Q3": [0, 300, 1_000],
    "channels[email].qualification_rate.Q1": [0.05, 0.3, 1.0],
    "channels[email].cost_per_lead.Q2": [0, 5, 25, 80],
    "channels[search].cost_per_lead": [10, 40, 200],
    "channels[email].win_rate.Q2": [0.1, 0.5],
    "channels[events].yields.leads.Q2": [0, 50, 300],
    "channels[events].unit_cost.Q3": [1_000, 9_000],
    "deal_value.Q2": [300, 1_000, 5_000],
    "funnel.win_rate.Q3": [0.1, 0.9],
    "channels[email].caps.qualified_leads.Q2": [0, 20, 1_000],
}


@pytest.mark.parametrize("path", list(PATHS))
def test_every_point_is_what_optimize_set_finds(path):
    values = PATHS[path]
    result = run_sweep(scenario(), {path: values}, workers=1)
    set_path = "budget" if path == "budget.total" else path
    for i, v in enumerate(values):
        plan = optimize(apply_changes(scenario(), {set_path: v}))
        assert result.status[i] == plan.status, (path, v)
        if plan.has_plan:
            assert _same(result.objective_value[i], plan.objective_value), (path, v)
            assert _same(result.total_spend[i], plan.total_spend), (path, v)
            by_period = {p["name"]: p["total_spend"] for p in plan.to_dict()["periods"]}
            spend = dict(zip(result.periods, result.period_spend[i]))
            assert abs(sum(spend.values()) - sum(by_period.values())) <= 1e-6 * max(1.0, plan.total_spend)
            target = v if path == "targets.revenue" else 50_000  # revenue counts the pipeline, as optimize's
            assert result.totals[i, result.metrics.index("revenue")] >= target * (1 - 1e-9), (path, v)


def test_totals_count_the_pipeline_as_optimize_does():
    """The cheapest plan meets the revenue target exactly: $48,000 from the channels, $2,000 in flight."""
    result = run_sweep(scenario(), {"targets.revenue": [50_000, 60_000]})
    for i, target in enumerate([50_000, 60_000]):
        assert result.totals[i, result.metrics.index("revenue")] == pytest.approx(target, rel=1e-9)
        assert result.totals[i, result.metrics.index("revenue")] == pytest.approx(
            optimize(apply_changes(scenario(), {"targets.revenue": target})).to_dict()["totals"]["revenue"], rel=1e-9)


def test_a_grid_with_a_per_period_axis():
    caps = [4.0, 6.0, 150.0]
    rates = [0.1, 0.2, 0.6]
    result = run_sweep(scenario(), {"caps.qualified_leads.Q3": caps, "channels[email].qualification_rate.Q3": rates})
    assert result.shape == (3, 3) and len(result) == 9
    for i, (cap, rate) in enumerate(result.values):
        assert _same(result.objective_value[i], hand_lp(qr_email=(0.2, 0.2, rate), cap_q={"Q3": cap}))
        plan = optimize(apply_changes(scenario(), {"caps.qualified_leads.Q3": cap,
                                                   "channels[email].qualification_rate.Q3": rate}))
        assert _same(result.objective_value[i], plan.objective_value)


def test_a_grid_of_two_values_of_one_channel():
    """Two rates of one channel multiply in its yields: the grid is still exact at every point."""
    grid = {"channels[email].qualification_rate.Q2": [0.1, 0.5, 0.9], "channels[email].win_rate": [0.1, 0.3, 0.8]}
    result = run_sweep(scenario(), grid, workers=1)
    for i, (qr, win) in enumerate(result.values):
        plan = optimize(apply_changes(scenario(), {"channels[email].qualification_rate.Q2": qr,
                                                   "channels[email].win_rate": win}))
        assert result.status[i] == plan.status
        if plan.has_plan:
            assert _same(result.objective_value[i], plan.objective_value), (qr, win)


def test_points_in_parallel_match_points_in_one_process():
    values = [0.05 + 0.01 * k for k in range(30)]
    alone = run_sweep(scenario(), {"channels[email].qualification_rate.Q3": values}, workers=1)
    spread = run_sweep(scenario(), {"channels[email].qualification_rate.Q3": values}, workers=2)
    assert np.allclose(alone.objective_value, spread.objective_value, rtol=1e-9)
    assert [alone.binding_names(i) for i in range(len(values))] == [spread.binding_names(i) for i in range(len(values))]


def test_bad_values_are_invalid_points_with_the_validations_message():
    result = run_sweep(scenario(), {"channels[email].qualification_rate.Q3": [0.2, 1.5],
                                    "budget.Q3": [-1, 10_000]})
    assert result.status == ("invalid", "optimal", "invalid", "invalid")
    assert result.messages[0] == ("budget.Q3: -1 is not a positive number; allowed: a number > 0 (4800000, "
                                  "4_800_000 or 4.8e6)")
    assert result.messages[3] == ('channels[email].qualification_rate.Q3: 1.5 is not a rate; allowed: a number in '
                                  '(0, 1], or a percentage such as "12%"')
    horizon = run_sweep(scenario(), {"budget": [-5, 50_000]})  # a mapping: the validation names its total
    assert horizon.messages[0] == ("budget.total: -5 is not a positive number; allowed: a number > 0 (4800000, "
                                   "4_800_000 or 4.8e6)")
    minimum = run_sweep(Scenario.model_validate({**DATA, "channels": [
        {"name": "email", "cost_per_lead": 10, "max_spend": 1_000, "min_spend": 500}]}),
        {"channels[email].min_spend": [800, 2_000]})
    assert minimum.status[1] == "invalid"
    assert minimum.messages[1].startswith("channels[email]: min_spend 2000 is above max_spend 1000")


def test_json_points_gain_spend_per_period_and_binding_limits_by_path():
    result = run_sweep(scenario(), {"caps.qualified_leads.Q3": [6, 400]})
    document = json.loads(json.dumps(result.to_dict()))
    point = document["points"][0]
    assert list(point["periods"]) == Q
    assert abs(sum(point["periods"].values()) - point["total_spend"]) <= 1e-6 * point["total_spend"]
    assert "caps.qualified_leads.Q3" in point["binding"]
    assert "caps.qualified_leads.Q3" not in document["points"][1]["binding"]
    assert not any(name.endswith(".available") for p in document["points"] for name in p["binding"])
    assert set(point) == {"values", "status", "objective_value", "total_spend", "spend", "totals", "periods",
                          "binding"}


def test_without_periods_points_keep_their_keys_and_columns():
    plain = Scenario.model_validate({"channels": [{"name": "email", "cost_per_lead": 20}], "targets": {"leads": 100}})
    result = run_sweep(plain, {"targets.leads": [100, 200]})
    assert list(result.to_dict()["points"][0]) == ["values", "status", "objective_value", "total_spend", "spend",
                                                   "totals"]
    assert not any(c.startswith("period_spend") for c in result.columns())


# -- paths that name nothing ----------------------------------------------------------------------
def _error(parameters, s=None) -> str:
    with pytest.raises(ScenarioError) as info:
        run_sweep(s or scenario(), parameters)
    return info.value.issues[0].render()


def test_an_unknown_period_names_the_nearest():
    assert _error({"budget.Q7": [1, 2]}) == ('budget.Q7: "Q7" is not a period of this scenario (did you mean Q3?); '
                                             "allowed: Q1, Q2, Q3, total")
    assert _error({"channels[email].qualification_rate.Q4": [0.1]}) == (
        'channels[email].qualification_rate.Q4: "Q4" is not a period of this scenario (did you mean Q3?); '
        "allowed: Q1, Q2, Q3")
    assert _error({"caps.qualified_leads.q2": [1]}).startswith('caps.qualified_leads.q2: "q2" is not a period of '
                                                               "this scenario (did you mean Q2?)")


def test_total_is_the_horizon_limit_and_no_value_has_one():
    total = run_sweep(scenario(), {"budget.total": [30_000]})
    assert total.parameters == ("budget",)
    assert _error({"channels[email].qualification_rate.total": [0.1]}) == (
        "channels[email].qualification_rate.total: channels[email].qualification_rate is a value, not a limit: "
        "it has no total; allowed: channels[email].qualification_rate.PERIOD (Q1, Q2, Q3)")


def test_a_per_period_path_without_periods_is_an_input_error():
    plain = Scenario.model_validate({"channels": [{"name": "email", "cost_per_lead": 20}], "targets": {"leads": 100}})
    assert _error({"targets.leads.Q2": [1]}, plain) == (
        "targets.leads.Q2: names a period (Q2), but this scenario has no periods; allowed: targets.leads, "
        "or periods: [Q1, Q2, ...] in the scenario")


# -- the command ------------------------------------------------------------------------------------
def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "three.yaml"
    path.write_text(yaml.safe_dump(DATA, sort_keys=False))
    return path


def test_cli_json_and_csv(scenario_file):
    done = cli("sweep", str(scenario_file), "--vary", "caps.qualified_leads.Q3=6:400:3", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [p["values"]["caps.qualified_leads.Q3"] for p in document["points"]] == [6, 203, 400]
    assert all(set(p["periods"]) == set(Q) for p in document["points"])
    done = cli("sweep", str(scenario_file), "--vary", "budget.Q2=5000,20000", "--format", "csv")
    assert done.returncode == 0, done.stderr
    header = done.stdout.splitlines()[0].split(",")
    assert header[:3] == ["budget.Q2", "status", "objective_value"]
    assert [f"period_spend[{q}]" for q in Q] == [h for h in header if h.startswith("period_spend")]


def test_cli_table_names_binding_limits_by_path(scenario_file):
    done = cli("sweep", str(scenario_file), "--vary", "caps.qualified_leads.Q3=6,400")
    assert done.returncode == 0, done.stderr
    assert "Q3 spend" in done.stdout
    assert "  caps.qualified_leads.Q3 = 6: caps.qualified_leads.Q3" in done.stdout
    assert ".available" not in done.stdout


@pytest.mark.parametrize("vary, message", [
    ("budget.Q9=1,2", 'budget.Q9: "Q9" is not a period of this scenario (did you mean Q3?); allowed: Q1, Q2, Q3, '
                      "total"),
    ("deal_value.total=1,2", "deal_value.total: deal_value is a value, not a limit: it has no total; allowed: "
                             "deal_value.PERIOD (Q1, Q2, Q3)"),
])
def test_cli_bad_paths_exit_2_without_a_traceback(scenario_file, vary, message):
    done = cli("sweep", str(scenario_file), "--vary", vary)
    assert done.returncode == 2
    assert done.stderr == f"{scenario_file}: {message}\n" and done.stdout == ""
    done = cli("sweep", str(scenario_file), "--vary", vary, "--format", "json")
    assert done.returncode == 2
    error = json.loads(done.stdout)["errors"][0]
    assert error["file"] == str(scenario_file) and f"{error['path']}: {error['message']}" == message


def test_cli_per_period_path_without_periods_exits_2():
    done = cli("sweep", "scenarios/b2b-annual-plan.yaml", "--vary", "budget.Q2=1e5,2e5")
    assert done.returncode == 2
    assert done.stderr == ("scenarios/b2b-annual-plan.yaml: budget.Q2: names a period (Q2), but this scenario has no "
                           "periods; allowed: budget, or periods: [Q1, Q2, ...] in the scenario\n")


def test_cli_the_bundled_quarterly_plan():
    done = cli("sweep", "scenarios/b2b-quarterly-plan.yaml", "--vary", "budget.Q2=100000:300000:3", "--format", "json")
    assert done.returncode == 0, done.stderr
    points = json.loads(done.stdout)["points"]
    assert [p["status"] for p in points] == ["infeasible", "optimal", "optimal"]
    assert points[1]["periods"]["Q2"] <= 200_000 * (1 + 1e-9)


@pytest.mark.parametrize("path, values", [
    ("caps.qualified_leads.Q3", [4 + k for k in range(40)]),  # a limit the scenario lacks: added once
    ("budget.Q2", [3_000 + 500 * k for k in range(40)]),
    ("channels[email].qualification_rate.Q3", [0.05 + 0.02 * k for k in range(40)]),
    ("deal_value.Q1", [500 + 100 * k for k in range(40)]),
])
def test_points_are_cheap_variants_not_rebuilds(monkeypatch, path, values):
    """However many points, the program is built a fixed number of times: the scenario, the sweep's
    base (a limit or value set at its first value) and a value's other corner; every point then
    moves a bound or the coefficients the value feeds on the kept model."""
    from optimizer.analysis import variation

    built = []
    real = variation.build_program

    def counting(s):
        built.append(s)
        return real(s)

    monkeypatch.setattr(variation, "build_program", counting)
    result = run_sweep(scenario(), {path: values}, workers=1)
    assert len(built) <= 3
    assert sum(s != "invalid" for s in result.status) == len(values)


def test_a_plots_axis_reads_a_periods_entry_as_its_field():
    from optimizer.output.sweep_plot import _axis_label

    assert _axis_label("budget.Q2", "USD") == "budget.Q2 ($, USD)"
    assert _axis_label("deal_value.Q4", "EUR") == "deal_value.Q4 (€, EUR)"
    assert _axis_label("channels[email].qualification_rate.Q3", "USD") == (
        "channels[email].qualification_rate.Q3 (rate, 0 to 1)")
    assert _axis_label("caps.qualified_leads.Q3", "USD") == "caps.qualified_leads.Q3 (count)"


@pytest.mark.parametrize("path", [p for p in PATHS if p != "budget.total"])
def test_a_bad_value_gets_the_full_validations_exact_message(path):
    """The oracle: validating the whole changed scenario (what --set does)."""
    for bad in (-1.0, 1.5, float("nan"), float("inf"), -0.25):
        result = run_sweep(scenario(), {path: [bad]}, workers=1)
        try:
            apply_changes(scenario(), {path: bad})
            expected = None
        except ScenarioError as exc:
            expected = "; ".join(issue.render() for issue in exc.issues)
        if expected is None:
            assert result.status[0] != "invalid", (path, bad, result.messages[0])
        else:
            assert (result.status[0], result.messages[0]) == ("invalid", expected), (path, bad)
