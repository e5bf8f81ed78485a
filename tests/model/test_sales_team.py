"""Reps to hire as part of the plan: each optimum against an LP or MILP written here by hand with
scipy (variables: qualified leads bought per channel and period, and reps hired per period)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from optimizer import Scenario, optimize
from optimizer.model.build import build_program

SEARCH, REFERRALS = 200.0, 1200.0  # price of a qualified lead
SEARCH_RATE, REFERRAL_RATE = 0.2, 0.5  # opportunities per qualified lead


def scenario(periods=None, **role) -> Scenario:
    """Two channels entering at qualified leads, a target of opportunities, one SDR role."""
    target = {p: 120 for p in periods} if periods else 120
    data = {"name": "team", "budget": 2_000_000, "targets": {"opportunities": target},
            "channels": [{"name": "search", "cost_per_qualified_lead": SEARCH, "opportunity_rate": SEARCH_RATE},
                         {"name": "referrals", "cost_per_qualified_lead": REFERRALS,
                          "opportunity_rate": REFERRAL_RATE}],
            "sales_team": [{"name": "sdr", "cost": 30_000, "capacity": {"qualified_leads": 120}, "current": 3,
                            **role}]}
    if periods:
        data["periods"] = list(periods)
    return Scenario.model_validate(data)


def by_hand(periods: int, cost: float, per_rep: float, current: float, ramp=(), budget=None, integer=False,
            target=120.0, max_hires=None):
    """min sum_t (200 s_t + 1200 r_t) + sum_t cost x (T - t) h_t
    s.t. 0.2 s_t + 0.5 r_t >= target                        (opportunities in t)
         s_t + r_t - per_rep sum_{u<=t} share(t-u) h_u <= per_rep x current   (capacity in t)
         200 s_t + 1200 r_t + cost sum_{u<=t} h_u <= budget_t  (per-period budget, where given)
         sum_t h_t <= max_hires
    Variables in order s_0..s_{T-1}, r_0.., h_0.. ."""
    T = periods
    share = [ramp[k] if k < len(ramp) else 1.0 for k in range(T)]
    n = 3 * T
    c = np.zeros(n)
    c[:T], c[T:2 * T] = SEARCH, REFERRALS
    c[2 * T:] = [cost * (T - t) for t in range(T)]
    rows, lo, hi = [], [], []
    for t in range(T):
        row = np.zeros(n)
        row[t], row[T + t] = SEARCH_RATE, REFERRAL_RATE
        rows.append(row), lo.append(target), hi.append(np.inf)
        row = np.zeros(n)
        row[t], row[T + t] = 1.0, 1.0
        for u in range(t + 1):
            row[2 * T + u] = -per_rep * share[t - u]
        rows.append(row), lo.append(-np.inf), hi.append(per_rep * current)
        if budget is not None:
            row = np.zeros(n)
            row[t], row[T + t] = SEARCH, REFERRALS
            row[2 * T:2 * T + t + 1] = cost
            rows.append(row), lo.append(-np.inf), hi.append(budget[t])
    if max_hires is not None:
        row = np.zeros(n)
        row[2 * T:] = 1.0
        rows.append(row), lo.append(-np.inf), hi.append(max_hires)
    A = np.array(rows)
    if integer:
        res = milp(c, constraints=LinearConstraint(A, lo, hi), integrality=np.r_[np.zeros(2 * T), np.ones(T)],
                   bounds=Bounds(0, np.inf), options={"mip_rel_gap": 1e-9})
    else:
        ub = [(A[k], hi[k]) if np.isfinite(hi[k]) else (-A[k], -lo[k]) for k in range(len(rows))]
        res = linprog(c, A_ub=np.array([a for a, _ in ub]), b_ub=np.array([b for _, b in ub]), bounds=(0, None),
                      method="highs")
    assert res.status == 0
    return res.fun, res.x[:T], res.x[T:2 * T], res.x[2 * T:]


def hires_of(plan) -> list[float]:
    return list(plan.sales_team[0].hires.values())


def test_without_periods_a_hire_counts_at_full_capacity_and_its_cost_once():
    plan = optimize(scenario())
    fun, search, referrals, hires = by_hand(1, 30_000, 120, 3)
    assert plan.status == "optimal"
    assert plan.objective_value == pytest.approx(fun, rel=1e-9)
    assert plan.total_cost == pytest.approx(fun, rel=1e-9)
    assert plan.hiring_cost == pytest.approx(30_000 * hires[0], rel=1e-9)
    assert plan.total_spend == pytest.approx(SEARCH * search[0] + REFERRALS * referrals[0], rel=1e-9)
    assert hires_of(plan) == pytest.approx(list(hires), abs=1e-6)
    assert hires[0] == pytest.approx(2.0)  # 240 more leads of capacity: search alone, no referrals
    assert list(plan.sales_team[0].hires) == ["total"]


def test_periods_with_a_ramp_match_the_hand_built_lp():
    s = scenario(["Q1", "Q2", "Q3", "Q4"], ramp=[0.25, 0.75])
    fun, search, referrals, hires = by_hand(4, 30_000, 120, 3, ramp=(0.25, 0.75))
    plan = optimize(s)
    assert plan.objective_value == pytest.approx(fun, rel=1e-9)
    assert plan.hiring_cost == pytest.approx(sum(30_000 * (4 - t) * h for t, h in enumerate(hires)), rel=1e-9)
    capacity = plan.sales_team[0].capacity
    shares = [0.25, 0.75, 1.0, 1.0]
    for t, p in enumerate(["Q1", "Q2", "Q3", "Q4"]):  # the capacity reported: recomputed by hand from the hires
        own = 120 * (3 + sum(plan.sales_team[0].hires[q] * shares[t - u] for u, q in enumerate(["Q1", "Q2", "Q3",
                                                                                                  "Q4"]) if u <= t))
        assert capacity[p] == pytest.approx(own, rel=1e-9)
        assert plan.sales_team[0].used[p] <= capacity[p] * (1 + 1e-9)


def test_a_per_period_budget_counts_the_hiring_cost_paid_in_it():
    budget = [233_000, 225_000, 190_000, 190_000]
    s = scenario(["Q1", "Q2", "Q3", "Q4"], ramp=[0.5]).model_copy(
        update={"budget": {"Q1": 233_000.0, "Q2": 225_000.0, "Q3": 190_000.0, "Q4": 190_000.0}})
    s = Scenario.model_validate(s.to_data())
    fun, _, _, hires = by_hand(4, 30_000, 120, 3, ramp=(0.5,), budget=budget)
    plan = optimize(s)
    assert plan.objective_value == pytest.approx(fun, rel=1e-9)
    for t, p in enumerate(plan.periods):  # each period's marketing plus its hiring within budget.Q
        assert p.total_spend + p.hiring_cost <= budget[t] * (1 + 1e-9)
        assert p.hiring_cost == pytest.approx(30_000 * sum(plan.sales_team[0].hires[q.name]
                                                           for q in plan.periods[:t + 1]), rel=1e-9, abs=1e-6)


def test_whole_reps_match_the_hand_built_milp_and_cbc_agrees():
    s = scenario(["Q1", "Q2", "Q3"], ramp=[0.5], integer=True, max_hires=3)
    s = Scenario.model_validate({**s.to_data(), "channels": [
        {"name": "search", "cost_per_qualified_lead": SEARCH, "opportunity_rate": SEARCH_RATE},
        {"name": "referrals", "cost_per_qualified_lead": REFERRALS, "opportunity_rate": REFERRAL_RATE}],
        "targets": {"opportunities": {"Q1": 100, "Q2": 130, "Q3": 130}}})
    plan = optimize(s)
    assert build_program(s).integer
    # by hand, with the targets of this variant
    T, share = 3, [0.5, 1.0, 1.0]
    n = 3 * T
    c = np.r_[np.full(T, SEARCH), np.full(T, REFERRALS), [30_000 * (T - t) for t in range(T)]]
    rows, lo, hi = [], [], []
    for t, target in enumerate([100, 130, 130]):
        row = np.zeros(n)
        row[t], row[T + t] = SEARCH_RATE, REFERRAL_RATE
        rows.append(row), lo.append(target), hi.append(np.inf)
        row = np.zeros(n)
        row[t], row[T + t] = 1, 1
        for u in range(t + 1):
            row[2 * T + u] = -120 * share[t - u]
        rows.append(row), lo.append(-np.inf), hi.append(360)
    rows.append(np.r_[np.zeros(2 * T), np.ones(T)]), lo.append(-np.inf), hi.append(3)
    res = milp(c, constraints=LinearConstraint(np.array(rows), lo, hi), integrality=np.r_[np.zeros(2 * T), np.ones(T)],
               options={"mip_rel_gap": 1e-9})
    assert plan.objective_value == pytest.approx(res.fun, rel=1e-7)
    assert hires_of(plan) == pytest.approx(list(np.round(res.x[2 * T:])), abs=1e-9)
    assert all(h == int(h) for h in hires_of(plan))
    cbc = optimize(s, solver="cbc")
    assert cbc.objective_value == pytest.approx(res.fun, rel=1e-6)


def test_max_hires_zero_is_exactly_a_fixed_cap_of_current_times_capacity():
    periods = ["Q1", "Q2", "Q3"]
    hired = optimize(scenario(periods, max_hires=0, ramp=[0.5]))
    data = scenario(periods).to_data()
    data.pop("sales_team")
    data["caps"] = {"qualified_leads": {p: 360 for p in periods}}
    capped = optimize(Scenario.model_validate(data))
    assert hired.objective_value == pytest.approx(capped.objective_value, rel=1e-12)
    assert [c.units for c in hired.channels] == pytest.approx([c.units for c in capped.channels], rel=1e-12)
    assert hired.hiring_cost == 0
    fun, *_ = by_hand(3, 30_000, 120, 3, ramp=(0.5,), max_hires=0)
    assert hired.objective_value == pytest.approx(fun, rel=1e-9)


def test_max_hires_by_period_bounds_each_period():
    s = scenario(["Q1", "Q2"], max_hires={"Q1": 1})
    plan = optimize(s)
    assert plan.sales_team[0].hires["Q1"] <= 1 + 1e-9
    assert any(c.name == "sales_team[sdr].max_hires.Q1" and c.kind == "max_hires" for c in plan.constraints)


def test_max_deals_spends_the_budget_on_marketing_and_hiring_together():
    data = scenario().to_data()
    data.update(objective="max_opportunities", budget=500_000)
    data["targets"] = {}
    plan = optimize(Scenario.model_validate(data))
    # max 0.2 s + 0.5 r  s.t. 200 s + 1200 r + 30000 h <= 500000,  s + r - 120 h <= 360
    res = linprog([-SEARCH_RATE, -REFERRAL_RATE, 0], A_ub=[[SEARCH, REFERRALS, 30_000], [1, 1, -120]],
                  b_ub=[500_000, 360], bounds=(0, None), method="highs")
    assert plan.objective_value == pytest.approx(-res.fun, rel=1e-9)
    assert plan.total_cost == pytest.approx(500_000, rel=1e-9)
    assert plan.total_spend < plan.total_cost  # total_spend stays marketing spend


def test_max_profit_subtracts_the_hiring_cost():
    data = scenario().to_data()
    data.update(objective="max_profit", deal_value=10_000, budget=500_000)
    data["funnel"] = {"win_rate": 0.5}
    data["targets"] = {}
    plan = optimize(Scenario.model_validate(data))
    # revenue per qualified lead: 10000 x 0.5 x rate
    res = linprog([-(5_000 * SEARCH_RATE - SEARCH), -(5_000 * REFERRAL_RATE - REFERRALS), 30_000],
                  A_ub=[[SEARCH, REFERRALS, 30_000], [1, 1, -120]], b_ub=[500_000, 360], bounds=(0, None),
                  method="highs")
    assert plan.objective_value == pytest.approx(-res.fun, rel=1e-9)
    assert plan.objective_value == pytest.approx(plan.totals["revenue"] - plan.total_cost, rel=1e-9)


def test_constraints_may_name_hires_and_hiring_cost():
    data = scenario().to_data()
    data["constraints"] = ["hires[sdr] <= 1", "hiring_cost <= 0.2 * total_spend"]
    plan = optimize(Scenario.model_validate(data))
    fun, _, _, hires = by_hand(1, 30_000, 120, 3, max_hires=1)
    assert plan.objective_value == pytest.approx(fun, rel=1e-9)
    assert hires_of(plan) == pytest.approx([1.0])
    assert plan.hiring_cost <= 0.2 * plan.total_spend


def test_hiring_stays_out_of_marketing_spend_and_shares():
    plan = optimize(scenario())
    assert sum(c.spend for c in plan.channels) == pytest.approx(plan.total_spend)
    assert sum(c.share for c in plan.channels) == pytest.approx(1.0)
    program = plan.program
    hires = [h.column for h in program.hires]
    assert not program.prices[hires].any()
    assert program.hiring_prices[hires].tolist() == [30_000.0]
