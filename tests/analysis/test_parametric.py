"""Parametric steps on one basis (optimizer/model/parametric.py) against scipy's linprog and by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from optimizer import Scenario
from optimizer.model.build import build_program
from optimizer.model.highs import WarmModel
from optimizer.model.parametric import Parametric

# email: 20 per lead, at most 150 leads; search: 50 per lead; 100 leads wanted; budget 4,000
SCENARIO = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "max_units": 150},
                              {"name": "search", "cost_per_lead": 50}], targets={"leads": 100}, budget=4000)


def basis() -> Parametric:
    return Parametric(WarmModel(build_program(SCENARIO)))


def linprog_units(email_price: float, target: float = 100) -> np.ndarray | None:
    """min p x + 50 y s.t. x + y >= target, x <= 150, p x + 50 y <= 4000: scipy, from scratch (None:
    no plan)."""
    done = linprog([email_price, 50], A_ub=[[-1, -1], [1, 0], [email_price, 50]], b_ub=[-target, 150, 4000],
                   method="highs")
    return done.x if done.status == 0 else None


def test_a_limits_range_is_where_its_basis_stays_feasible_and_the_certificate_says_so():
    b = basis()
    k = [limit.name for limit in b.program.limits].index("targets.leads")
    assert b.row_range(k) == pytest.approx((-100.0, 50.0))  # email alone covers 0 to 150 leads
    e = np.zeros(b.m)
    e[k] = 1.0
    direction = b._solve(e)
    inside, outside = b.x + 50 * direction, b.x + 60 * direction
    assert b.certificate(inside, b.y, b.d, b.costs, b.apply(inside), *bounds(b, k, 150)).holds
    # 160 email leads break email's 150: the certificate fails (it is not a formality)
    assert not b.certificate(outside, b.y, b.d, b.costs, b.apply(outside), *bounds(b, k, 160)).holds
    assert linprog_units(20, target=150) == pytest.approx([150, 0])
    assert linprog_units(20, target=160) == pytest.approx([150, 10])  # the mix changes past 150


def bounds(b: Parametric, k: int, target: float) -> tuple[np.ndarray, np.ndarray]:
    lower, upper = b.row_lower.copy(), b.row_upper.copy()
    lower[k] = target
    return lower, upper


def test_a_price_in_the_plan_moves_its_column_until_the_mix_changes_as_linprog_shows():
    """Email's price sits in the objective and the budget: email stays the only channel while its 100
    leads fit the budget (price <= 40); above that even mixing in search (dearer) breaks the budget."""
    b = basis()
    j = 0
    budget = [limit.name for limit in b.program.limits].index("budget")
    low, high = b.column_range(j, 1.0, np.array([budget]), np.array([1.0]))
    assert (20 + low, 20 + high) == pytest.approx((0.0, 40.0))
    assert linprog_units(39.9) == pytest.approx([100, 0])
    assert linprog_units(40.1) is None


def test_a_price_out_of_the_plan_moves_only_its_reduced_cost():
    b = basis()
    budget = [limit.name for limit in b.program.limits].index("budget")
    low, high = b.column_range(1, 1.0, np.array([budget]), np.array([1.0]))
    assert (50 + low, high) == (pytest.approx(20.0), np.inf)  # search enters below email's 20


# leads at 20 (email, at most 60), 35 (search, at most 30), 45 (display), 50 (social), 70 (print):
# 100 leads come from email, search and 10 of display; social and print stay out
FIVE = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "max_units": 60},
                          {"name": "search", "cost_per_lead": 35, "max_units": 30},
                          {"name": "display", "cost_per_lead": 45}, {"name": "social", "cost_per_lead": 50},
                          {"name": "print", "cost_per_lead": 70}], targets={"leads": 100}, budget=10000)


def five_linprog_units(prices: list[float]) -> np.ndarray:
    """min prices . x s.t. sum x >= 100, email <= 60, search <= 30, prices . x <= 10,000: scipy."""
    done = linprog(prices, A_ub=[[-1] * 5, prices], b_ub=[-100, 10000],
                   bounds=[(0, 60), (0, 30), (0, None), (0, None), (0, None)], method="highs")
    assert done.status == 0
    return done.x


def test_entry_ranges_of_every_channel_out_of_the_plan_at_once_match_one_at_a_time_and_linprog():
    """All out-of-plan columns from one product: the same ends as column_range gives each alone
    (price moves: cost and budget term), and each end is where scipy's plan starts to buy it."""
    b = Parametric(WarmModel(build_program(FIVE)))
    names = [c.channel for c in b.program.columns]
    out = [names.index("social"), names.index("print")]
    assert all(b.x[j] == 0 and j not in b.position for j in out)
    budget = [limit.name for limit in b.program.limits].index("budget")
    low, high, g = b.entry_ranges(np.array(out), np.ones(2), np.array([0, 1]), np.array([budget, budget]),
                                  np.ones(2))
    for i, j in enumerate(out):
        assert (low[i], high[i]) == pytest.approx(b.column_range(j, 1.0, np.array([budget]), np.array([1.0])),
                                                  rel=1e-12)
        _, _, reduced = b.entry(j, float(g[i]))(float(low[i]))
        assert reduced[j] == pytest.approx(0.0, abs=1e-9)  # at the end its reduced cost reaches 0
    assert (50 + low[0], 70 + low[1]) == pytest.approx((45.0, 45.0))  # both enter below display's 45
    assert high.tolist() == [np.inf, np.inf]
    for i, (j, price) in enumerate(zip(out, (50.0, 70.0))):
        prices = [20.0, 35.0, 45.0, 50.0, 70.0]
        prices[j] = (price + low[i]) * (1 + 1e-4)  # just inside the range: still out of scipy's plan
        assert five_linprog_units(prices)[j] == pytest.approx(0.0, abs=1e-9)
        prices[j] = (price + low[i]) * (1 - 1e-4)  # just outside: scipy buys it
        assert five_linprog_units(prices)[j] > 1.0


def test_entry_ranges_refuses_a_column_in_the_plan():
    b = Parametric(WarmModel(build_program(FIVE)))
    with pytest.raises(ValueError, match="out of the basis at zero"):
        b.entry_ranges(np.array([0]), np.ones(1), np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0))


def five_linprog(leads_per_display: float = 1.0, target: float = 100.0) -> tuple[float, np.ndarray]:
    """FIVE by scipy with display's leads per unit and the target changed: (spend, units)."""
    prices = [20, 35, 45, 50, 70]
    done = linprog(prices, A_ub=[[-1, -1, -leads_per_display, -1, -1], prices], b_ub=[-target, 10000],
                   bounds=[(0, 60), (0, 30), (0, None), (0, None), (0, None)], method="highs")
    assert done.status == 0
    return done.fun, done.x


def test_probes_leave_matrix_entries_changed_only_until_something_else_needs_the_matrix():
    """Successive probes of one number set its entries without putting them back in between; a
    probe of a bound, a basis solve and the alternative search all see the program's own matrix."""
    b = Parametric(WarmModel(build_program(FIVE)))
    names = [c.channel for c in b.program.columns]
    display = names.index("display")
    leads = [limit.name for limit in b.program.limits].index("targets.leads")
    e = np.zeros(b.m)
    e[leads] = 1.0
    before = b._solve(e)
    entries = (np.array([leads]), np.array([display]))
    for per_unit in (0.5, 0.8, 2.0):  # the same entry three times: scipy agrees at each
        probe = b.probe((*entries, np.array([per_unit])))
        assert probe.objective == pytest.approx(five_linprog(per_unit)[0], rel=1e-9)
        assert b.probe((*entries, np.array([per_unit]))).units == pytest.approx(five_linprog(per_unit)[1], abs=1e-7)
    lower = 90.0  # a bound's probe right after: on the program's own matrix, as scipy's
    assert b.probe(row=(leads, lower, np.inf)).objective == pytest.approx(five_linprog(1.0, 90.0)[0], rel=1e-9)
    b.probe((*entries, np.array([0.5])))
    assert b._solve(e) == pytest.approx(before, rel=1e-12)  # the optimal basis's own solves again
    b.probe((*entries, np.array([0.5])))
    other = (np.array([leads]), np.array([names.index("search")]), np.array([0.5]))  # another entry
    spend = b.probe(other).objective
    prices = [20, 35, 45, 50, 70]
    done = linprog(prices, A_ub=[[-1, -0.5, -1, -1, -1], prices], b_ub=[-100, 10000],
                   bounds=[(0, 60), (0, 30), (0, None), (0, None), (0, None)], method="highs")
    assert spend == pytest.approx(done.fun, rel=1e-9)
    assert b.alternative(np.full(b.n, 1e6)) is None  # display's 10 leads at 45: no other plan as cheap
    assert b.probe().objective == pytest.approx(five_linprog()[0], rel=1e-9)
