"""The basis certificates (optimizer/model/parametric.py) against the definitions, element by element
in plain Python: the worst primal violation relative to each number's size, the worst sign violation
of the duals and reduced costs relative to the largest cost, the objective, and the one-column
certificate of a channel out of the plan (a scalar and a one-element array give the same)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizer import Scenario
from optimizer.model.build import build_program
from optimizer.model.highs import WarmModel
from optimizer.model.parametric import Parametric

SCENARIO = Scenario.model_validate({
    "budget": 50_000, "targets": {"qualified_leads": 300}, "objective": "min_spend",
    "channels": [{"name": "email", "cost_per_lead": 20, "qualification_rate": 0.2, "max_units": 800},
                 {"name": "search", "cost_per_lead": 60, "qualification_rate": 0.4},
                 {"name": "events", "cost_per_lead": 90, "qualification_rate": 0.3}]})


@pytest.fixture(scope="module")
def basis() -> Parametric:
    b = Parametric(WarmModel(build_program(SCENARIO)))
    assert b.status == "optimal"
    return b


def by_hand(b: Parametric, units, duals, reduced, costs, activity) -> tuple[float, float, float]:
    """(primal, dual, objective) from the definitions, one number at a time."""
    primal = 0.0
    for i in range(b.m):
        lo, hi, a = float(b.row_lower[i]), float(b.row_upper[i]), float(activity[i])
        bound = abs(lo) if math.isfinite(lo) else abs(hi) if math.isfinite(hi) else 0.0
        primal = max(primal, max(lo - a, a - hi) / max(1.0, bound, abs(a)))
    for j in range(b.n):
        x = float(units[j])
        primal = max(primal, max(float(b.col_lower[j]) - x, x - float(b.col_upper[j])) / max(1.0, abs(x)))
    col_lo, col_hi, row_lo, row_hi = b._signs
    s = b.sigma
    worst = 0.0
    for j in range(b.n):
        worst = max(worst, float(col_lo[j]) - s * float(reduced[j]), s * float(reduced[j]) - float(col_hi[j]))
    for i in range(b.m):
        worst = max(worst, float(row_lo[i]) - s * float(duals[i]), s * float(duals[i]) - float(row_hi[i]))
    size = max(1.0, max(abs(float(c)) for c in costs))
    return primal, worst / size, sum(float(c) * float(x) for c, x in zip(costs, units))


def test_certificate_of_the_optimum_holds(basis):
    c = basis.certificate(basis.x, basis.y, basis.d, basis.costs, basis.activity)
    assert c.holds
    primal, dual, objective = by_hand(basis, basis.x, basis.y, basis.d, basis.costs, basis.activity)
    assert c.primal == pytest.approx(primal, abs=1e-15)
    assert c.dual == pytest.approx(dual, abs=1e-15)
    assert c.objective == pytest.approx(objective, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_certificate_of_moved_numbers_against_the_definitions(basis, seed):
    rng = np.random.default_rng(seed)
    units = basis.x + rng.normal(0, 5, basis.n)
    duals = basis.y + rng.normal(0, 0.5, basis.m)
    reduced = basis.d + rng.normal(0, 0.5, basis.n)
    costs = basis.costs * (1 + rng.normal(0, 0.1, basis.n))
    activity = basis.apply(units)
    c = basis.certificate(units, duals, reduced, costs, activity)
    primal, dual, objective = by_hand(basis, units, duals, reduced, costs, activity)
    assert c.primal == pytest.approx(primal, rel=1e-12, abs=1e-15)
    assert c.dual == pytest.approx(dual, rel=1e-12, abs=1e-15)
    assert c.objective == pytest.approx(objective, rel=1e-12)
    assert not c.holds  # numbers moved this far break the basis's optimality


def test_entry_certificate_one_column_scalar_and_array_agree(basis):
    out = [j for j in range(basis.n) if not basis.col_basic[j] and basis.x[j] == 0.0]
    assert out, "a channel stays out of the plan (events: dearer per qualified lead)"
    size = max(1.0, float(np.abs(basis.costs).max()))
    for j in out:
        d = float(basis.d[j])
        assert d > 0  # minimising: a column at its lower bound has a reduced cost >= 0
        for r in (d, d / 2, 0.0, -d, -3.0):
            scalar = basis.entry_certificate(j, r)
            array = basis.entry_certificate(np.array([j]), np.array([r]))
            assert scalar == array
            # by hand: a negative reduced cost at the lower bound violates optimality by |r| / size
            assert scalar.dual == pytest.approx(max(basis._base_certificate.dual, max(0.0, -r) / size), abs=1e-15)
            assert scalar.holds == (r >= -1e-9 * size)
