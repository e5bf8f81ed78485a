"""Parametric steps read from the scaled model (optimizer/model/parametric.py): the unscaled basis
solves, rows of B^-1, duals and reduced costs against dense linear algebra on the program's own
matrix (numpy, no solver), on scenarios whose coefficients span many decades and on ordinary ones."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import Scenario
from optimizer.model.build import build_program
from optimizer.model.highs import WarmModel
from optimizer.model.parametric import Parametric

FUNNEL = {"response_rate": "0.001%", "qualification_rate": "1%", "opportunity_rate": "50%", "win_rate": "1.5%"}
# tv (7.5e-10 deals a contact) capped at 1e10 contacts gives 7.5 deals; events (3 deals each, $200,000 a
# deal) give the rest; radio ($266,667 a deal) stays out: a basis with columns and rows of many sizes
WIDE = Scenario.model_validate({
    "deal_value": 40000, "targets": {"deals": 10}, "funnel": FUNNEL,
    "channels": [{"name": "tv", "cost_per_contact": 0.0001, "max_units": 1e10},
                 {"name": "radio", "cost_per_contact": 0.0002},
                 {"name": "events", "unit_cost": 600000, "yields": {"leads": 100}, "qualification_rate": 0.3,
                  "win_rate": 0.2, "max_units": 50}]})


def dense(b: Parametric) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The program's matrix, the rows at a bound and the basic columns, and those rows' values."""
    rows, cols, coefs = b.program.terms
    a = np.zeros((b.m, b.n))
    np.add.at(a, (rows, cols), coefs)
    tight = np.flatnonzero(~b.row_basic)
    basic = np.flatnonzero(b.col_basic)
    value = np.where(b.row_at_upper, b.row_upper, b.row_lower)[tight]
    value = np.where(np.isfinite(value), value, np.where(np.isfinite(b.row_lower), b.row_lower, b.row_upper)[tight])
    return a, tight, basic, value


def check_against_dense(b: Parametric) -> None:
    a, tight, basic, value = dense(b)
    assert len(tight) == len(basic), "a basis pairs each basic column with a row at its bound"
    square = a[np.ix_(tight, basic)]
    x = np.zeros(b.n)
    x[basic] = np.linalg.solve(square, value - a[np.ix_(tight, np.flatnonzero(~b.col_basic))] @ b.x[~b.col_basic])
    assert b.x == pytest.approx(x, rel=1e-9, abs=1e-9 * max(1.0, float(np.abs(x).max())))
    y = np.zeros(b.m)
    y[tight] = np.linalg.solve(square.T, b.costs[basic])
    assert b.y == pytest.approx(y, rel=1e-8, abs=1e-12 * max(1.0, float(np.abs(y).max())))
    d = b.costs - a.T @ y
    assert b.d == pytest.approx(d, rel=1e-8, abs=1e-9 * max(1.0, float(np.abs(b.costs).max())))
    for k in tight:  # B^-1 e_k: one more unit of a bound moves the basic columns by this
        e = np.zeros(len(tight))
        e[list(tight).index(k)] = 1.0
        dx = np.zeros(b.n)
        dx[basic] = np.linalg.solve(square, e)
        e_k = np.zeros(b.m)
        e_k[k] = 1.0
        got = b._solve(e_k)
        assert got == pytest.approx(dx, rel=1e-8, abs=1e-9 * max(1.0, float(np.abs(dx).max())))
    for j in basic:  # row of B^-1: one unit more of column j's cost moves the duals by it
        _, at = b.column_direction(int(j), 1.0, np.zeros(0, dtype=int), np.zeros(0), keep=False)
        costs = b.costs.copy()
        costs[j] += 0.5
        y2 = np.zeros(b.m)
        y2[tight] = np.linalg.solve(square.T, costs[basic])
        assert at(0.5)[1] == pytest.approx(y2, rel=1e-8, abs=1e-12 * max(1.0, float(np.abs(y2).max())))
        # and a coefficient of column j moving (its row at a bound): a rank-one change of B
        k = int(tight[np.flatnonzero(square[:, list(basic).index(j)])[0]])
        da = 0.25 * a[k, j]
        _, at = b.column_direction(int(j), 0.0, np.array([k]), np.array([da]), keep=False)
        moved = a.copy()
        moved[k, j] += da
        x2 = np.zeros(b.n)
        x2[basic] = np.linalg.solve(moved[np.ix_(tight, basic)], value)
        assert at(1.0)[0] == pytest.approx(x2, rel=1e-8, abs=1e-9 * max(1.0, float(np.abs(x2).max())))


def test_the_scaled_basis_is_read_back_in_the_programs_units():
    model = WarmModel(build_program(WIDE))
    assert model.scaled and model.scaling.span > 1e6  # the factors are far from 1: unscaling matters
    b = Parametric(model)
    assert b.status == "optimal" and not model.dropped_entries
    tv, radio, events = (b.program.columns.index(next(c for c in b.program.columns if c.channel == name))
                         for name in ("tv", "radio", "events"))
    # by hand: tv at its cap (7.5 deals), events the other 2.5 deals (5/6 of a show)
    assert b.x[tv] == pytest.approx(1e10, rel=1e-12)
    assert b.x[events] == pytest.approx(2.5 / 3, rel=1e-12)
    assert b.x[radio] == 0.0
    # one more deal: 1/3 of a show, $200,000; radio's reduced cost 0.0002 - 7.5e-10 * 200,000 per contact
    deals = [limit.name for limit in b.program.limits].index("targets.deals")
    assert b.y[deals] == pytest.approx(200000, rel=1e-12)
    assert b.d[radio] == pytest.approx(0.0002 - 7.5e-10 * 200000, rel=1e-9)
    check_against_dense(b)


def test_scaled_and_unscaled_ranges_agree_on_the_wide_scenario_where_both_hold_it():
    program = build_program(WIDE.model_copy(update={"funnel": WIDE.funnel.model_copy(update={"response_rate": 0.01})}))
    scaled, plain = Parametric(WarmModel(program)), Parametric(WarmModel(program, scale=None))
    assert not WarmModel(program, scale=None).dropped_entries  # 7.5e-7 a contact: HiGHS keeps it unscaled
    for k in range(scaled.m):
        ours, theirs = scaled.row_range(k), plain.row_range(k)
        assert (ours is None) == (theirs is None)
        if ours is not None:
            assert ours == pytest.approx(theirs, rel=1e-9)
    for j in range(scaled.n):
        assert scaled.column_range(j, 1.0, np.zeros(0, dtype=int), np.zeros(0)) == pytest.approx(
            plain.column_range(j, 1.0, np.zeros(0, dtype=int), np.zeros(0)), rel=1e-9)


channel = st.tuples(st.sampled_from(["cost_per_contact", "cost_per_lead", "unit_cost"]),
                    st.floats(1e-4, 1e4), st.floats(0.05, 1.0), st.one_of(st.none(), st.floats(10, 1e6)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(channel, min_size=1, max_size=4), st.floats(1, 100), st.sampled_from([1e-5, 0.01, 0.5]))
def test_the_scaled_basis_matches_dense_algebra_on_random_scenarios(channels, deals, response):
    data = []
    for i, (field, price, rate, cap) in enumerate(channels):
        c = {"name": f"c{i}", field: price, "win_rate": rate}
        if field == "unit_cost":
            c["yields"] = {"leads": 10}
        if cap is not None:
            c["max_units"] = cap
        data.append(c)
    s = Scenario.model_validate({"funnel": {"response_rate": response, "qualification_rate": 0.5},
                                 "targets": {"deals": deals}, "channels": data})
    b = Parametric(WarmModel(build_program(s)))
    if b.status != "optimal":  # caps too low for the target: nothing to analyse
        return
    check_against_dense(b)
