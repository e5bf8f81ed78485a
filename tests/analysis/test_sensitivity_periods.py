"""``sensitivity`` of a scenario with periods: shadow prices per period against the duals of a
three-period LP written here and solved with scipy's linprog, range ends against re-solves just
inside and just outside them, and the command on the bundled quarterly plan.

The scenario (numbers by hand, as the LP below states them):
- periods P1, P2, P3; funnel: opportunity_rate 0.5, win_rate 0.2, sales cycle [0.5, 0.5] (half of
  a period's deals close in it, half in the next; bought in P3, half close after the horizon), so a
  qualified lead is worth 0.1 deals, $1,000 of revenue at deal_value 10,000 (P3: $500 inside)
- email: $20 per lead, qualification rate by period {P1: 10%, P2: 15%, P3: 5%} (one item per
  period), at most 4,000 leads over the horizon ($200, $133 and $400 per qualified lead)
- webinars: $7,000 per unit, 100 leads at qualification rate 40% (a plain number: one item, every
  period's column), at most 2 per period ($175 per qualified lead)
- search: a price by period {P1: 65, P2: 70, P3: 50} per lead at 30% (one channel entry per period)
- revenue target $300,000 over the horizon, 5 deals ($50,000) in flight in P1; sales capacity
  {P1: 150, P2: 150, P3: 100} qualified leads; budget $200,000

Cheapest plan: email in P2 up to P2's capacity (1,000 leads, 150 QL, $20,000), both webinars of P1
(80 QL, $14,000), then email in P1 (200 leads, 20 QL, $4,000): $38,000. One more dollar of revenue
costs $0.20 (email in P1 at $200 per qualified lead), one more qualified lead of P2 capacity saves
$66.67 ($200 - $133.33), one more webinar in P1 saves $1,000 (40 QL at $7,000 instead of $8,000).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from optimizer import Scenario, ScenarioError, optimize
from optimizer.analysis.sensitivity import sensitivity
from optimizer.scenario.loading import load_scenario
from optimizer.scenario.paths import apply_changes

ROOT = Path(__file__).resolve().parents[2]
QUARTERLY = ROOT / "scenarios" / "b2b-quarterly-plan.yaml"
PERIODS = ("P1", "P2", "P3")
DATA = {
    "name": "three-periods",
    "periods": list(PERIODS),
    "budget": 200_000,
    "deal_value": 10_000,
    "funnel": {"opportunity_rate": 0.5, "win_rate": 0.2, "sales_cycle": [0.5, 0.5]},
    "targets": {"revenue": 300_000},
    "caps": {"qualified_leads": {"P1": 150, "P2": 150, "P3": 100}},
    "pipeline": {"deals": {"P1": 5}},
    "channels": [
        {"name": "email", "cost_per_lead": 20, "qualification_rate": {"P1": 0.1, "P2": 0.15, "P3": 0.05},
         "max_units": 4000},
        {"name": "webinars", "unit_cost": 7000, "yields": {"leads": 100}, "qualification_rate": 0.4,
         "max_units": {"P1": 2, "P2": 2, "P3": 2}},
        {"name": "search", "cost_per_lead": {"P1": 65, "P2": 70, "P3": 50}, "qualification_rate": 0.3},
    ],
}
# columns of the LP: (channel, period), channels in order, periods in order
QL = np.array([0.1, 0.15, 0.05, 40, 40, 40, 0.3, 0.3, 0.3])  # qualified leads per unit
PRICE = np.array([20, 20, 20, 7000, 7000, 7000, 65, 70, 50], dtype=float)
INSIDE = np.array([1, 1, 0.5] * 3)  # share of a unit's deals closing inside the horizon
PER_QL = 0.5 * 0.2 * 10_000  # revenue of a qualified lead


def _scenario(**changes) -> Scenario:
    return Scenario.model_validate({**DATA, **changes})


def _rows() -> dict[str, tuple[np.ndarray, float, str]]:
    """Every limit of the scenario as (coefficients, bound, sense), written from the docstring."""
    rows = {"budget": (PRICE, 200_000.0, "<="),
            "targets.revenue": (QL * INSIDE * PER_QL, 300_000.0 - 5 * 10_000, ">=")}
    for t, (p, cap) in enumerate(zip(PERIODS, (150, 150, 100))):
        rows[f"caps.qualified_leads.{p}"] = (QL * (np.arange(9) % 3 == t), float(cap), "<=")
        rows[f"channels[webinars].max_units.{p}"] = (np.eye(9)[3 + t], 2.0, "<=")
    rows["channels[email].max_units"] = (np.r_[np.ones(3), np.zeros(6)], 4000.0, "<=")
    return rows


def _linprog(objective: np.ndarray, rows: dict, maximise: bool = False):
    """The LP solved by scipy: (optimum, {limit: its shadow price, the change of the optimum per
    unit more of the limit})."""
    names = list(rows)
    sign = np.array([1.0 if rows[k][2] == "<=" else -1.0 for k in names])
    a = np.array([rows[k][0] for k in names]) * sign[:, None]
    b = np.array([rows[k][1] for k in names]) * sign
    result = linprog(-objective if maximise else objective, A_ub=a, b_ub=b, bounds=(0, None), method="highs")
    assert result.status == 0
    marginals = result.ineqlin.marginals * sign * (-1.0 if maximise else 1.0)
    return (-result.fun if maximise else result.fun), dict(zip(names, marginals))


def _mix(plan) -> tuple[frozenset, frozenset]:
    """The columns (channel, period) with units above zero and the limits that bind."""
    units = plan.units
    scale = 1e-9 * max(1.0, float(np.max(units)))  # as the analysis sees the mix
    bought = frozenset((c.channel, c.period) for c, u in zip(plan.program.columns, units) if u > scale)
    return bought, frozenset(state.name for state in plan.constraints if state.binding)


def _solved(scenario: Scenario, path: str, value: float):
    return optimize(apply_changes(scenario, {path: value}))


def _check_end(scenario: Scenario, base, path: str, value: float, end: float | None, reason: str) -> None:
    """Just inside ``end`` the mix is the plan's; just outside it changes (or no plan meets every limit)."""
    if end is None or reason == "domain" or math.isclose(end, value, rel_tol=1e-9, abs_tol=1e-12):
        return
    gap = end - value
    inside = _solved(scenario, path, value + gap * (1 - 1e-4))
    assert inside.has_plan and _mix(inside) == _mix(base), (path, end, "inside")
    outside = end + gap * 1e-3
    if outside < 0 or outside > 1 and ".cost_per" not in path and ".unit_cost" not in path:
        return  # beyond what the number may be
    outside = _solved(scenario, path, outside)
    assert not outside.has_plan or _mix(outside) != _mix(base), (path, end, "outside")


def test_shadow_prices_by_period_are_the_duals_of_the_lp():
    result = sensitivity(optimize(_scenario()))
    optimum, duals = _linprog(PRICE, _rows())
    assert result.objective_value == pytest.approx(optimum, rel=1e-9)
    assert optimum == pytest.approx(38_000, rel=1e-9)
    for name, dual in duals.items():
        limit = result.limit(name)
        assert limit.shadow_price == pytest.approx(dual, rel=1e-6, abs=1e-9), name
        assert limit.period == (name.rsplit(".", 1)[-1] if name.rsplit(".", 1)[-1] in PERIODS else None)
    assert result.limit("targets.revenue").shadow_price == pytest.approx(0.2, rel=1e-9)
    assert result.limit("caps.qualified_leads.P2").shadow_price == pytest.approx(-200 + 20 / 0.15, rel=1e-9)
    assert result.limit("channels[webinars].max_units.P1").shadow_price == pytest.approx(-1000, rel=1e-9)
    assert sorted(x.name for x in result.limits) == sorted(duals)  # every limit, named by its path


def test_limit_ranges_hold_the_shadow_price_by_re_solves():
    scenario = _scenario()
    result = sensitivity(optimize(scenario))
    base = optimize(scenario).objective_value
    for name in ("caps.qualified_leads.P2", "targets.revenue", "channels[webinars].max_units.P1"):
        limit = result.limit(name)
        for end in (limit.valid_from, limit.valid_to):
            inside = limit.limit + (end - limit.limit) * (1 - 1e-4)
            plan = _solved(scenario, name, inside)
            assert plan.objective_value == pytest.approx(base + limit.shadow_price * (inside - limit.limit),
                                                         rel=1e-7), (name, end)
            outside = limit.limit + (end - limit.limit) * 1.01
            if outside < 0:  # the range reaches the end of the limit's domain
                continue
            plan = _solved(scenario, name, outside)
            assert not plan.has_plan or not math.isclose(
                plan.objective_value, base + limit.shadow_price * (outside - limit.limit), rel_tol=1e-7), (name, end)


def test_channels_and_rates_by_period_or_for_every_period():
    result = sensitivity(optimize(_scenario()))
    assert [(c.name, c.period) for c in result.channels] == [
        ("email", None), ("webinars", None), ("search", "P1"), ("search", "P2"), ("search", "P3")]
    assert [(r.name, r.period) for r in result.rates][:3] == [
        ("channels[email].qualification_rate.P1", "P1"), ("channels[email].qualification_rate.P2", "P2"),
        ("channels[email].qualification_rate.P3", "P3")]
    webinars = result.rate("channels[webinars].qualification_rate")
    assert webinars.period is None
    # search is out of the plan: it enters when its P1 price costs less per qualified lead than email's
    # $200 there (its reduced cost: 65 - 0.3 * 200 = $5)
    search = result.channel("search", "P1")
    assert not search.in_plan and search.reduced_cost == pytest.approx(5.0, rel=1e-9)
    assert search.price_from == pytest.approx(60.0, rel=1e-9)
    messages = {}
    for args in (("search",), ("search", "P9"), ("email", "P1")):
        with pytest.raises(ScenarioError) as error:
            result.channel(*args)
        messages[args] = error.value.issues[0].render()
    assert messages == {
        ("search",): "search: search's price is given per period; allowed: channel('search', PERIOD) with PERIOD "
                     "one of P1, P2, P3",
        ("search", "P9"): "search: search's price is given per period, and P9 is not one of its periods; allowed: "
                          "channel('search', PERIOD) with PERIOD one of P1, P2, P3",
        ("email", "P1"): "email: email's price is one number over every period; allowed: channel('email')"}
    assert result.channel("email").in_plan


@pytest.mark.parametrize("objective", ["min_spend", "max_deals"])
def test_range_ends_by_re_solves_just_inside_and_outside(objective):
    changes = {} if objective == "min_spend" else {"objective": "max_deals", "budget": 30_000, "targets": {}}
    scenario = _scenario(**changes)
    base = optimize(scenario)
    result = sensitivity(base)
    for c in result.channels:
        path = f"channels[{c.name}].{c.price_field}" + (f".{c.period}" if c.period else "")
        for end in (c.price_from, c.price_to):
            _check_end(scenario, base, path, c.price, end, "mix")
    for r in result.rates:
        _check_end(scenario, base, r.name, r.value, r.low, r.low_reason)
        _check_end(scenario, base, r.name, r.value, r.high, r.high_reason)
        for end, at in ((r.low, r.objective_at_low), (r.high, r.objective_at_high)):
            if at is not None and 0 < end <= 1:  # the objective at an end counts the pipeline (max_deals)
                assert _solved(scenario, r.name, end).objective_value == pytest.approx(at, rel=1e-6), r.name


def test_max_deals_counts_the_pipeline_in_the_objective():
    scenario = _scenario(objective="max_deals", budget=30_000, targets={})
    rows = {k: v for k, v in _rows().items() if k != "targets.revenue"}
    rows["budget"] = (PRICE, 30_000.0, "<=")
    optimum, duals = _linprog(QL * INSIDE * 0.1, rows, maximise=True)
    result = sensitivity(optimize(scenario))
    assert result.objective_value == pytest.approx(optimum + 5, rel=1e-9)  # 5 deals in flight
    assert result.to_dict()["objective_value"] == pytest.approx(optimum + 5, rel=1e-9)
    for name, dual in duals.items():
        assert result.limit(name).shadow_price == pytest.approx(dual, rel=1e-6, abs=1e-12), name


def test_a_plain_price_moves_every_period_together():
    """webinars' price is one number: its range is where the mix holds with every period's price
    moved, which differs from moving one period's column alone (P2 and P3 stay out either way)."""
    scenario = _scenario()
    result = sensitivity(optimize(scenario))
    webinars = result.channel("webinars")
    assert webinars.period is None and webinars.in_plan
    # by hand: webinars in P1 stay until 40 QL cost more than email's $200 per QL there: $8,000
    assert webinars.price_to == pytest.approx(8000, rel=1e-6)
    # and a cheaper webinar pulls P2's (P2's capacity then buys webinars over email at $133 per QL)
    assert webinars.price_from == pytest.approx(40 * 20 / 0.15, rel=1e-6)


def test_availability_is_not_a_limit_to_move():
    channels = [dict(c) for c in DATA["channels"]]
    channels[1] = {**channels[1], "available": ["P1", "P2"], "max_units": {"P1": 2, "P2": 2}}
    result = sensitivity(optimize(_scenario(channels=channels)))
    assert not any(x.name.endswith(".available") for x in result.limits)
    with pytest.raises(ScenarioError):
        result.limit("channels[webinars].available")
    assert result.limit("budget.total") is result.limit("budget")


def test_one_period_with_cycle_one_is_the_same_as_no_periods():
    plain = load_scenario(ROOT / "scenarios" / "b2b-annual-plan.yaml")
    data = plain.to_data()
    data["periods"] = ["Y"]
    data["funnel"] = {**data["funnel"], "sales_cycle": [1]}
    one = Scenario.model_validate(data)
    a, b = sensitivity(optimize(plain)).to_dict(), sensitivity(optimize(one)).to_dict()
    for section in ("limits", "channels", "rates"):
        assert all(entry.pop("period") is None for entry in b[section])
        assert all("period" not in entry for entry in a[section])
        assert [x["name"] for x in a[section]] == [x["name"] for x in b[section]]
        for x, y in zip(a[section], b[section]):
            for key, value in x.items():
                if isinstance(value, float):
                    assert y[key] == pytest.approx(value, rel=1e-7, abs=1e-9), (section, x["name"], key)
                else:
                    assert y[key] == value, (section, x["name"], key)
    assert b["objective_value"] == pytest.approx(a["objective_value"], rel=1e-9)


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}  # the text tables at full width
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env)


def test_command_on_the_quarterly_plan():
    result = run("sensitivity", str(QUARTERLY), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    for section in ("limits", "channels", "rates"):
        assert all("period" in entry for entry in document[section])
    limits = {x["name"]: x for x in document["limits"]}
    assert limits["caps.qualified_leads.Q3"]["period"] == "Q3" and limits["targets.revenue"]["period"] is None
    assert not any(name.endswith(".available") for name in limits)
    rates = {x["name"]: x for x in document["rates"]}
    assert rates["channels[email].qualification_rate.Q3"]["period"] == "Q3"
    assert rates["channels[webinars].qualification_rate"]["period"] is None
    # one more qualified lead of Q3 capacity, by re-solves (a finite difference computed here)
    scenario = load_scenario(QUARTERLY)
    f0 = optimize(scenario).objective_value
    f1 = _solved(scenario, "caps.qualified_leads.Q3", 251).objective_value
    assert limits["caps.qualified_leads.Q3"]["shadow_price"] == pytest.approx(f1 - f0, rel=1e-6)
    text = run("sensitivity", str(QUARTERLY))
    assert text.returncode == 0, text.stderr
    assert "caps.qualified_leads.Q3: one more qualified lead in Q3 saves" in text.stdout
    assert "channels[email].qualification_rate.Q3" in text.stdout


def test_set_by_period_then_sensitivity():
    result = run("sensitivity", str(QUARTERLY), "--set", "caps.qualified_leads.Q3=300",
                 "--set", "channels[paid_search].qualification_rate.Q3=0.35", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {x["name"]: x["limit"] for x in document["limits"]}["caps.qualified_leads.Q3"] == 300
    rates = {x["name"]: x for x in document["rates"]}
    assert rates["channels[paid_search].qualification_rate.Q3"]["value"] == 0.35
    assert rates["channels[paid_search].qualification_rate.Q1"]["value"] == 0.3
    assert "channels[paid_search].qualification_rate" not in rates


def test_without_periods_the_json_has_no_period_key():
    result = sensitivity(optimize(load_scenario(ROOT / "scenarios" / "b2b-annual-plan.yaml"))).to_dict()
    assert not any("period" in entry for section in ("limits", "channels", "rates") for entry in result[section])


def test_basis_step_of_a_number_moving_every_period_matches_re_solves():
    """email's opportunity rate is one number over three columns, two of them basic: the basis's
    units and duals at points inside its range are those of re-solves with every column moved."""
    from optimizer.analysis.sensitivity import _Analysis

    scenario = _scenario()
    analysis = _Analysis(scenario, optimize(scenario), None, "lp")
    move = next(m for m in analysis._moves() if m.path == "channels[email].opportunity_rate")
    assert len(move.columns) == 3 and sum(int(j) in analysis.basis.position for j in move.columns) == 2
    (t_lo, t_hi), at = analysis.basis.columns_direction(move.columns, move.cost, move.rows, move.cols, move.slope,
                                                        (-0.5, 0.5))
    # by hand, with r the rate: a $ of revenue from email in P1 costs 0.1 / r ($20 / (10% x r x 0.2 x
    # 10,000)), from search in P1 65 / 0.3 / 1,000: search enters below r = 6/13; above 17/30, email
    # in P2 (150 QL x 2,000 r) and P1's webinars (80 QL x 1,000) bring the $250,000 alone: email in P1 leaves
    assert 0.5 + t_lo == pytest.approx(6 / 13, rel=1e-12)
    assert 0.5 + t_hi == pytest.approx(17 / 30, rel=1e-8)  # (the mix's tolerance ends it a hair early)
    for t in (t_lo * 0.7, t_hi * 0.4):
        units, duals, _ = at(t)
        plan = _solved(scenario, "channels[email].opportunity_rate", 0.5 + t)
        assert np.allclose(units, plan.units, rtol=1e-9, atol=1e-9)
        assert np.allclose(duals, plan.solution.duals, rtol=1e-9, atol=1e-9)


def test_a_default_given_by_period_is_an_item_per_period():
    channels = [dict(c) for c in DATA["channels"]]
    channels[2] = {k: v for k, v in channels[2].items() if k != "qualification_rate"}  # search inherits it
    scenario = _scenario(channels=channels,
                         funnel={**DATA["funnel"], "qualification_rate": {"P1": 0.3, "P2": 0.25, "P3": 0.3}})
    base = optimize(scenario)
    result = sensitivity(base)
    names = [r.name for r in result.rates]
    assert {"funnel.qualification_rate.P2", "channels[search].qualification_rate.P2"} <= set(names)
    own = result.rate("channels[search].qualification_rate.P1")
    assert own.period == "P1" and own.value == 0.3
    # search in P1 enters when its qualified lead ($65 a lead over the rate) costs what email's costs
    # there, $200: at a rate of 65 / 200 = 0.325
    assert own.high == pytest.approx(65 / 200, rel=1e-9)
    mapping = {"P1": 0.3, "P2": 0.25, "P3": 0.3}
    inside = optimize(apply_changes(scenario, {"channels[search].qualification_rate": {**mapping, "P1": 0.3249}}))
    outside = optimize(apply_changes(scenario, {"channels[search].qualification_rate": {**mapping, "P1": 0.3251}}))
    assert _mix(inside) == _mix(base) and _mix(outside) != _mix(base)


def test_whole_units_with_periods_are_held():
    """Whole webinars and trade shows held at the plan's units: Q3's capacity is priced by the
    continuous channels alone, as a re-solve with those units fixed (as limits) and continuous says."""
    scenario = load_scenario(QUARTERLY, {"channels[events].integer": True, "channels[webinars].integer": True})
    plan = optimize(scenario)
    result = sensitivity(plan)
    assert result.analysed_as == "integers_fixed"
    assert result.objective_value == pytest.approx(plan.objective_value, rel=1e-9)
    assert result.limit("channels[events].max_units.Q2").held
    fixed = {}
    for name in ("events", "webinars"):
        units = {c.period: float(round(u)) for c, u in zip(plan.program.columns, plan.units) if c.channel == name}
        units = {p: v for p, v in units.items() if p in scenario.available(next(c for c in scenario.channels
                                                                                 if c.name == name))}
        fixed[f"channels[{name}].integer"] = False
        for p, v in units.items():
            fixed[f"channels[{name}].min_units.{p}"] = fixed[f"channels[{name}].max_units.{p}"] = v
    held = apply_changes(scenario, fixed)
    f0 = optimize(held).objective_value
    assert f0 == pytest.approx(plan.objective_value, rel=1e-9)
    q3 = result.limit("caps.qualified_leads.Q3")
    f1 = _solved(held, "caps.qualified_leads.Q3", 250.5).objective_value
    assert q3.period == "Q3" and q3.shadow_price == pytest.approx((f1 - f0) / 0.5, rel=1e-6)


def _random_scenario(seed: int) -> Scenario:
    """A small random scenario with periods: 2-3 periods, 2-3 channels, a cycle, capacity per period,
    a rate by period, a price by period, a pipeline, a min_spend or max_deals objective."""
    rng = np.random.default_rng(seed)
    periods = [f"P{k + 1}" for k in range(int(rng.integers(2, 4)))]
    cycle = [0.6, 0.4] if rng.random() < 0.5 else [0.3, 0.4, 0.3]
    channels = []
    for i in range(int(rng.integers(2, 4))):
        channel: dict = {"name": f"c{i}", "cost_per_lead": round(float(rng.uniform(20, 120)), 2),
                         "qualification_rate": round(float(rng.uniform(0.1, 0.5)), 3)}
        if i == 0:
            channel["qualification_rate"] = {p: round(float(rng.uniform(0.1, 0.5)), 3) for p in periods}
        if i == 1:
            channel["cost_per_lead"] = {p: round(float(rng.uniform(20, 120)), 2) for p in periods}
            channel["max_units"] = {p: round(float(rng.uniform(200, 800))) for p in periods}
        if i == 2:
            channel["max_units"] = round(float(rng.uniform(500, 2000)))
        channels.append(channel)
    data = {"name": f"random-{seed}", "periods": periods, "deal_value": 10_000,
            "funnel": {"opportunity_rate": 0.5, "win_rate": 0.2, "sales_cycle": cycle},
            "caps": {"qualified_leads": {p: round(float(rng.uniform(60, 200))) for p in periods}},
            "pipeline": {"deals": {periods[0]: 3}}, "channels": channels}
    if rng.random() < 0.5:
        data["targets"] = {"revenue": round(float(rng.uniform(60_000, 160_000)))}
        data["budget"] = 1_000_000
    else:
        data["objective"] = "max_deals"
        data["budget"] = {"total": round(float(rng.uniform(10_000, 40_000)))}
    return Scenario.model_validate(data)


@pytest.mark.parametrize("seed", range(12))
def test_random_scenarios_by_finite_differences_and_re_solves(seed):
    """Each binding limit's shadow price is the objective's change per unit over a small step (a
    finite difference of two re-solves, computed here); each range end of a price or a rate holds
    the mix just inside and changes it just outside (plans with another optimum as good are skipped:
    a cold re-solve may show the other one)."""
    scenario = _random_scenario(seed)
    base = optimize(scenario)
    if not base.has_plan:
        pytest.skip("no plan for this draw")
    result = sensitivity(base)
    assert result.objective_value == pytest.approx(base.objective_value, rel=1e-9)
    for limit in result.limits:
        if not limit.binding or limit.degenerate or limit.shadow_price is None:
            continue
        room = [abs(end - limit.limit) for end in (limit.valid_from, limit.valid_to) if end is not None]
        step = min([1e-3 * max(1.0, abs(limit.limit)), *(r / 2 for r in room if r > 0)])
        up = _solved(scenario, limit.name, limit.limit + step)
        assert up.has_plan
        assert (up.objective_value - base.objective_value) / step == pytest.approx(
            limit.shadow_price, rel=1e-5, abs=1e-7 * max(1.0, abs(base.objective_value)) / step), limit.name
    if result.alternative is not None:
        return
    for c in result.channels:
        path = f"channels[{c.name}].{c.price_field}" + (f".{c.period}" if c.period else "")
        for end in (c.price_from, c.price_to):
            _check_end(scenario, base, path, c.price, end, "mix")
    for r in result.rates:
        if r.name.startswith("funnel."):  # a default's inheritors are set one by one above
            continue
        _check_end(scenario, base, r.name, r.value, r.low, r.low_reason)
        _check_end(scenario, base, r.name, r.value, r.high, r.high_reason)
