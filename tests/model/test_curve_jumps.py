"""A flat stretch inside a response curve is a jump in spend, paid when the segment after it opens:
plans against the enumeration of the last segment used (for each, a scipy LP with the segments
before it full and every jump up to it paid), costs and jumps derived from the points by hand."""

import numpy as np
import pytest
from scipy.optimize import linprog

from optimizer import Scenario, optimize
from optimizer.model.verify import verify_tiers

# $10,000 for 500 leads; then $15,000 buys nothing more (a jump), then $15,000 for 1,000, $20,000 for 500
JUMPY = {"stage": "leads", "points": [[0, 0], [10000, 500], [25000, 500], [40000, 1500], [60000, 2000]]}
COSTS, WIDTHS, JUMPS = [20.0, 15.0, 40.0], [500, 1000, 500], [0.0, 15000.0, 0.0]
# a jump before the first lead: $8,000 buys nothing, then $12,000 for 400 leads, $16,000 for 400 more
LATE = {"stage": "leads", "points": [[0, 0], [8000, 0], [20000, 400], [36000, 800]]}
LATE_COSTS, LATE_WIDTHS, LATE_JUMPS = [30.0, 40.0], [400, 400], [8000.0, 0.0]


def enumerate_max(costs, widths, jumps, budget, other_cost, other_most, per_lead):
    """The most deals over every last segment used (-1: the curve unused): an LP each."""
    best = -np.inf
    for m in range(-1, len(costs)):
        fixed = sum(jumps[k] + costs[k] * widths[k] for k in range(m)) + (jumps[m] if m >= 0 else 0.0)
        amount = sum(widths[:m]) if m >= 0 else 0.0
        if fixed > budget:
            continue
        # x: segment m (none when m = -1), e: the other channel
        res = linprog([-per_lead, -per_lead], A_ub=[[costs[m] if m >= 0 else 0.0, other_cost]],
                      b_ub=[budget - fixed], bounds=[(0, widths[m] if m >= 0 else 0), (0, other_most)], method="highs")
        assert res.status == 0
        best = max(best, per_lead * amount - res.fun)
    return best


def enumerate_min(costs, widths, jumps, target, other_cost):
    best = np.inf
    for m in range(-1, len(costs)):
        fixed = sum(jumps[k] + costs[k] * widths[k] for k in range(m)) + (jumps[m] if m >= 0 else 0.0)
        amount = sum(widths[:m]) if m >= 0 else 0.0
        res = linprog([costs[m] if m >= 0 else 0.0, other_cost], A_ub=[[-1.0, -1.0]], b_ub=[amount - target],
                      bounds=[(0, widths[m] if m >= 0 else 0), (0, None)], method="highs")
        assert res.status == 0
        best = min(best, fixed + res.fun)
    return best


def deals_scenario(curve, budget):
    return Scenario(objective="max_deals", budget=budget, funnel={"qualification_rate": 0.4, "win_rate": 0.25},
                    channels=[{"name": "search", "response_curve": curve},
                              {"name": "email", "cost_per_lead": 33, "max_units": 600}])


@pytest.mark.parametrize("budget", [8000, 20000, 30000, 45000, 60000, 75000, 100000])
def test_a_jump_in_spend_is_paid_when_the_next_segment_opens(budget):
    plan = optimize(deals_scenario(JUMPY, budget))
    assert plan.status == "optimal" and plan.program.integer
    assert plan.objective_value == pytest.approx(enumerate_max(COSTS, WIDTHS, JUMPS, budget, 33, 600, 0.1),
                                                 rel=1e-7, abs=1e-7)
    search = next(c for c in plan.channels if c.name == "search")
    curve = plan.scenario.channels[0].response_curve
    # the spend is what the units cost along the curve (the jump paid once more than 500 leads are bought)
    if search.units > 500 + 1e-6 or search.units < 500 - 1e-6:
        assert search.spend == pytest.approx(curve.spend_for(search.units), rel=1e-9, abs=1e-6)
    assert curve.amount_at(search.spend) == pytest.approx(search.units, rel=1e-9, abs=1e-6)
    assert sum(t.spend for t in search.tiers) == pytest.approx(search.spend, rel=1e-12, abs=1e-9)
    assert verify_tiers(plan.program, plan.solution.units).passed
    assert "mixed-integer: non-concave response curve on channels[search]" in plan.warnings


def test_the_plan_shows_the_jump_in_the_segment_it_opens():
    plan = optimize(deals_scenario(JUMPY, 45000))
    # by hand: without the jump, 500 leads ($10,000) and email's 600 ($19,800) leave money unspent:
    # 1,100 leads. With it: $10,000 + $15,000, then the second segment's 1,000 leads at $15 (cheaper
    # than email's $33) for $15,000, and the last $5,000 on email: 5,000 / 33 leads. 1,651.5 leads.
    assert plan.objective_value == pytest.approx(0.1 * (1500 + 5000 / 33))
    search = next(c for c in plan.channels if c.name == "search").to_dict()
    assert (search["units"], search["spend"]) == (pytest.approx(1500), pytest.approx(40000))
    assert search["tiers"] == [
        {"up_to": 500.0, "cost": 20.0, "units": pytest.approx(500), "spend": pytest.approx(10000)},
        {"up_to": 1500.0, "cost": 15.0, "units": pytest.approx(1000), "spend": pytest.approx(30000), "jump": 15000.0},
        {"up_to": 2000.0, "cost": 40.0, "units": pytest.approx(0, abs=1e-9), "spend": pytest.approx(0, abs=1e-6)}]


@pytest.mark.parametrize("target", [300, 500, 700, 1200, 2500, 3000])
def test_a_min_spend_plan_pays_a_jump_only_where_it_pays(target):
    s = Scenario(targets={"leads": target}, channels=[{"name": "search", "response_curve": JUMPY},
                                                      {"name": "email", "cost_per_lead": 32}])
    plan = optimize(s)
    assert plan.objective_value == pytest.approx(enumerate_min(COSTS, WIDTHS, JUMPS, target, 32), rel=1e-7)


@pytest.mark.parametrize("budget", [5000, 8000, 15000, 25000, 40000])
def test_a_jump_before_the_first_segment_is_a_set_up_cost(budget):
    plan = optimize(deals_scenario(LATE, budget))
    assert plan.objective_value == pytest.approx(
        enumerate_max(LATE_COSTS, LATE_WIDTHS, LATE_JUMPS, budget, 33, 600, 0.1), rel=1e-7, abs=1e-7)
    search = next(c for c in plan.channels if c.name == "search")
    assert search.spend == pytest.approx(0.0 if search.units == 0 else 8000 + LATE_COSTS[0] * min(400, search.units)
                                         + LATE_COSTS[1] * max(0.0, search.units - 400), abs=1e-6)


def test_a_jump_counts_in_spend_limits_and_the_budget():
    # max_spend 30,000 on search: 500 leads for $10,000, the jump $15,000, 5,000 / 15 = 333.3 more
    s = Scenario(targets={"leads": 5000}, channels=[{"name": "search", "response_curve": JUMPY, "max_spend": 30000},
                                                    {"name": "email", "cost_per_lead": 100}])
    plan = optimize(s)
    search = next(c for c in plan.channels if c.name == "search")
    assert search.spend == pytest.approx(30000)
    assert search.units == pytest.approx(500 + 5000 / 15)
    assert plan.objective_value == pytest.approx(30000 + 100 * (5000 - 500 - 5000 / 15))


def test_a_flat_stretch_names_its_rows_by_the_points():
    plan = optimize(deals_scenario(JUMPY, 60000))
    widths = [limit.name for limit in plan.program.limits if limit.kind == "tier" and len(limit.index) == 1]
    # segment 0 ends at point 1, segment 1 at point 3 (point 2 ends the flat stretch); point 4 caps the channel
    assert widths == ["channels[search].response_curve.points[1]", "channels[search].response_curve.points[3]"]


def test_with_periods_a_jump_is_paid_in_the_period_whose_segment_opens():
    s = Scenario(objective="max_deals", periods=["Q1", "Q2"], budget={"Q1": 30000, "Q2": 45000},
                 funnel={"qualification_rate": 0.4, "win_rate": 0.25},
                 channels=[{"name": "search", "response_curve": {
                     "Q1": JUMPY, "Q2": {"stage": "leads", "points": [[0, 0], [10000, 500], [40000, 1500]]}}},
                     {"name": "email", "cost_per_lead": 33, "max_units": {"Q1": 300, "Q2": 300}}])
    plan = optimize(s)
    # Q1 by hand: 500 leads ($10,000) and email's 300 ($9,900) are 800 leads; paying the jump,
    # $25,000 and 5,000 / 15 leads more are 833.3: the jump pays. Q2 (no jump): 1,500 leads for
    # $40,000, then $5,000 of email (151.5 leads). 0.1 deals a lead.
    assert plan.objective_value == pytest.approx(0.1 * (500 + 5000 / 15 + 1500 + 5000 / 33))
    q1 = next(c for c in plan.periods[0].channels if c.name == "search")
    assert q1.spend == pytest.approx(30000) and q1.tiers[1].jump == 15000
    q2 = next(c for c in plan.periods[1].channels if c.name == "search")
    assert q2.spend == pytest.approx(40000) and q2.tiers[1].jump is None
