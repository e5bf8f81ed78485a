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
