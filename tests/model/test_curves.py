"""Response curves in the model: plans against scipy LPs built here by hand, one variable per
segment (costs per unit derived from the points by hand), and a non-concave curve against the
enumeration of its segments (for each last segment used, an LP with the segments before it full)."""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from optimizer import Scenario, optimize
from optimizer.model.build import build_program
from optimizer.model.verify import verify_tiers

SEARCH = {"stage": "leads", "points": [[0, 0], [20000, 900], [50000, 1700], [100000, 2400]]}
# by hand: 20,000 / 900, 30,000 / 800, 50,000 / 700 per lead; segment widths 900, 800, 700
SEARCH_COSTS = [20000 / 900, 30000 / 800, 50000 / 700]
SEARCH_WIDTHS = [900, 800, 700]
# an S-curve: $150 a lead for the first 200, then $30,000 / 1,300 = $23.08, then $100
VIDEO = {"stage": "leads", "points": [[0, 0], [30000, 200], [60000, 1500], [90000, 1800]]}
VIDEO_COSTS = [150.0, 30000 / 1300, 100.0]
VIDEO_WIDTHS = [200, 1300, 300]


def channel(plan, name):
    return next(c for c in plan.channels if c.name == name)


def test_a_concave_curve_is_the_lp_with_a_variable_per_segment():
    s = Scenario(objective="max_deals", budget=120_000, funnel={"qualification_rate": 0.4, "win_rate": 0.25},
                 channels=[{"name": "search", "response_curve": SEARCH},
                           {"name": "email", "cost_per_lead": 60, "max_units": 1000}])
    plan = optimize(s)
    # x = search's three segments, email; every lead is 0.1 deals; budget row
    res = linprog(-0.1 * np.ones(4), A_ub=[[*SEARCH_COSTS, 60]], b_ub=[120_000],
                  bounds=[*((0, w) for w in SEARCH_WIDTHS), (0, 1000)], method="highs")
    assert res.status == 0 and not plan.program.integer
    assert plan.objective_value == pytest.approx(-res.fun, rel=1e-9)
    search = channel(plan, "search")
    assert search.units == pytest.approx(res.x[:3].sum(), rel=1e-9)
    assert search.spend == pytest.approx(res.x[:3] @ SEARCH_COSTS, rel=1e-9)
    assert [t.units for t in search.tiers] == pytest.approx([900, 800, 140])  # 10,000 / (50,000 / 700)
    assert plan.warnings == ("response curve on channels[search]: concave, an LP",)


def test_a_min_spend_plan_buys_along_the_curve_and_its_last_point_caps_it():
    s = Scenario(targets={"leads": 3000}, channels=[{"name": "search", "response_curve": SEARCH},
                                                    {"name": "email", "cost_per_lead": 50}])
    plan = optimize(s)
    res = linprog([*SEARCH_COSTS, 50], A_ub=-np.ones((1, 4)), b_ub=[-3000],
                  bounds=[*((0, w) for w in SEARCH_WIDTHS), (0, None)], method="highs")
    assert plan.objective_value == pytest.approx(res.fun, rel=1e-9)
    # search's first two segments (22.22, 37.50) beat email's 50; its third (71.43) does not
    assert channel(plan, "search").units == pytest.approx(1700)
    assert channel(plan, "search").spend == pytest.approx(50_000)
    cap = next(limit for limit in plan.program.limits if limit.name == "channels[search].response_curve")
    assert (cap.kind, cap.sense, cap.bound) == ("channel_bound", "<=", 2400)
    inner = [limit.name for limit in plan.program.limits if limit.kind == "tier"]
    assert inner == ["channels[search].response_curve.points[1]", "channels[search].response_curve.points[2]"]


def test_the_last_point_binds_when_the_curve_is_all_there_is():
    plan = optimize(Scenario(objective="max_leads", budget=10**6, channels=[{"name": "search",
                                                                             "response_curve": SEARCH}]))
    assert plan.objective_value == pytest.approx(2400)
    assert channel(plan, "search").spend == pytest.approx(100_000)
    assert "channels[search].response_curve" in {b.name for b in plan.binding}


def _best_by_enumeration(objective, rows, bound, curves, others):
    """Max ``objective`` . x subject to ``rows`` x <= ``bound``: for each choice of the last segment
    used on each curve (none, or k), an LP with that curve's segments before k full, k within its
    width, later ones empty; the best of them."""
    best = -np.inf
    offsets = np.cumsum([0] + [len(w) for w, _ in curves])
    for last in itertools.product(*[range(-1, len(w)) for w, _ in curves]):
        bounds = []
        for (widths, _), m in zip(curves, last):
            for k, width in enumerate(widths):
                bounds.append((width, width) if k < m else (0, width) if k == m else (0, 0))
        bounds += others
        res = linprog(-np.asarray(objective), A_ub=rows, b_ub=bound, bounds=bounds, method="highs")
        if res.status == 0:
            best = max(best, -res.fun)
    assert offsets[-1] + len(others) == len(objective)
    return best


@pytest.mark.parametrize("budget", [25_000, 45_000, 60_000, 75_000, 100_000, 140_000])
def test_a_non_concave_curve_is_the_best_of_its_segments_enumerated(budget):
    s = Scenario(objective="max_leads", budget=budget,
                 channels=[{"name": "video", "response_curve": VIDEO},
                           {"name": "email", "cost_per_lead": 30, "max_units": 1000}])
    plan = optimize(s)
    best = _best_by_enumeration(np.ones(4), [[*VIDEO_COSTS, 30]], [budget], [(VIDEO_WIDTHS, VIDEO_COSTS)],
                                [(0, 1000)])
    assert plan.status == "optimal" and plan.program.integer
    assert plan.objective_value == pytest.approx(best, rel=1e-7)
    assert verify_tiers(plan.program, plan.units).passed  # segments in order, spend along the curve
    assert "mixed-integer: non-concave response curve on channels[video]" in plan.warnings
    video = channel(plan, "video")
    held = [t.units for t in video.tiers]
    for k in range(2):  # a later segment holds units only when the one before is full
        assert held[k + 1] <= 1e-6 or held[k] == pytest.approx(VIDEO_WIDTHS[k])


def test_a_non_concave_curve_with_a_concave_one_against_enumeration():
    s = Scenario(targets={"deals": 80}, deal_value=30_000,
                 funnel={"qualification_rate": 0.3, "opportunity_rate": 0.4, "win_rate": 0.25},
                 channels=[{"name": "search", "response_curve": SEARCH},
                           {"name": "video", "response_curve": VIDEO, "qualification_rate": 0.25},
                           {"name": "webinars", "unit_cost": 12_000, "yields": {"leads": 150, "qualified_leads": 60},
                            "max_units": 10}])
    plan = optimize(s)
    # min spend as max of -spend; deals per lead 0.03 (search), 0.025 (video); per webinar 60 x 0.1 = 6
    costs = [*SEARCH_COSTS, *VIDEO_COSTS, 12_000]
    deals = [0.03] * 3 + [0.025] * 3 + [6]
    best = _best_by_enumeration(-np.array(costs), [[-d for d in deals]], [-80],
                                [(SEARCH_WIDTHS, SEARCH_COSTS), (VIDEO_WIDTHS, VIDEO_COSTS)], [(0, 10)])
    assert plan.objective_value == pytest.approx(-best, rel=1e-7)
    # by hand: video's S in full (1,500 leads, $60,000, 37.5 deals), then search's first two
    # segments for the other 42.5 deals: 900 at $22.22 and 516.67 at $37.50
    assert plan.objective_value == pytest.approx(60_000 + 20_000 + (42.5 / 0.03 - 900) * 37.5)


def test_cbc_agrees_on_a_concave_and_a_non_concave_curve():
    for curve in (SEARCH, VIDEO):
        s = Scenario(objective="max_leads", budget=55_000,
                     channels=[{"name": "a", "response_curve": curve}, {"name": "b", "cost_per_lead": 40}])
        assert optimize(s, solver="cbc").objective_value == pytest.approx(optimize(s).objective_value, rel=1e-7)


def test_a_curve_applies_within_each_period():
    s = Scenario(periods=["Q1", "Q2"], targets={"leads": {"Q1": 1000, "Q2": 2000}},
                 channels=[{"name": "search", "response_curve": {
                     "Q1": {"stage": "leads", "points": [[0, 0], [20000, 900], [50000, 1700]]},
                     "Q2": {"stage": "leads", "points": [[0, 0], [10000, 900], [50000, 2400]]}}},
                     {"name": "email", "cost_per_lead": 60}])
    plan = optimize(s)
    # each quarter alone: Q1 900 at 22.22 and 100 at 37.50; Q2 900 at 11.11 and 1,100 at 26.67 (both below 60)
    q1 = linprog([20000 / 900, 30000 / 800, 60], A_ub=-np.ones((1, 3)), b_ub=[-1000],
                 bounds=[(0, 900), (0, 800), (0, None)], method="highs")
    q2 = linprog([10000 / 900, 40000 / 1500, 60], A_ub=-np.ones((1, 3)), b_ub=[-2000],
                 bounds=[(0, 900), (0, 1500), (0, None)], method="highs")
    assert plan.objective_value == pytest.approx(q1.fun + q2.fun, rel=1e-9)
    assert plan.objective_value == pytest.approx(20_000 + 3_750 + 10_000 + 1100 * 40000 / 1500)
    names = {limit.name for limit in plan.program.limits}
    assert {"channels[search].response_curve.Q1", "channels[search].response_curve.Q2"} <= names


def test_the_same_curve_every_period_counts_units_within_each_period():
    s = Scenario(periods=["Q1", "Q2"], objective="max_leads", budget=100_000,
                 channels=[{"name": "search", "response_curve": SEARCH}])
    plan = optimize(s)
    # $50,000 a quarter buys 1,700 leads in each (a curve over the horizon would buy 2,400 in all)
    assert plan.objective_value == pytest.approx(3400)


def test_a_curve_in_a_later_stage_buys_that_stage_and_the_funnel_goes_on():
    s = Scenario(funnel={"win_rate": 0.5}, targets={"deals": 3},
                 channels=[{"name": "sdr", "response_curve": {"stage": "opportunities",
                                                              "points": [[0, 0], [1000, 4], [3000, 8]]}}])
    plan = optimize(s)
    # 6 opportunities: 4 at 250, then 2 at 500
    assert plan.objective_value == pytest.approx(2000)
    assert channel(plan, "sdr").metrics["opportunities"] == pytest.approx(6)
    assert build_program(s).columns[0].per_unit["deals"] == pytest.approx(0.5)


def test_a_curve_in_a_metric_of_your_own():
    s = Scenario(targets={"demos": 30}, channels=[{"name": "trials", "response_curve": {
        "stage": "demos", "points": [[0, 0], [500, 20], [1500, 40]]}}])
    plan = optimize(s)
    assert plan.objective_value == pytest.approx(500 + 10 * 50)
    assert "demos" in s.metrics


def test_a_rule_rewarding_spend_on_a_concave_curve_gets_the_order_binaries():
    s = Scenario(targets={"leads": 1000}, constraints=["spend[search] >= 0.5 * total_spend"],
                 channels=[{"name": "search", "response_curve": SEARCH}, {"name": "email", "cost_per_lead": 30}])
    plan = optimize(s)
    assert plan.program.integer
    assert verify_tiers(plan.program, plan.units).passed
    assert not any(w.startswith("response curve on") for w in plan.warnings)
    assert any(w.startswith("mixed-integer: tier order enforced on channels[search]") for w in plan.warnings)
    # by enumeration of search's last segment: search >= email in spend, 1,000 leads at least
    best = _best_by_enumeration(-np.array([*SEARCH_COSTS, 30]), [[-1, -1, -1, -1], [-c for c in SEARCH_COSTS] + [30]],
                                [-1000, 0], [(SEARCH_WIDTHS, SEARCH_COSTS)], [(0, None)])
    assert plan.objective_value == pytest.approx(-best, rel=1e-7)
