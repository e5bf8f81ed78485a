"""Sensitivity on the scaled model (issue 10): coefficients of 1e-9 or less are analysed, and every
figure matches an independent computation (exact fractions, and scipy's linprog on a model this test
scales itself); on ordinary scenarios the figures match linprog re-solves of the perturbed LP."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from typer.testing import CliRunner

from optimizer import Scenario, optimize
from optimizer.analysis import sensitivity as sensitivity_module
from optimizer.analysis.sensitivity import sensitivity
from optimizer.errors import NoPlanError
from optimizer.model.certify import Certificate

ISSUE = {"deal_value": 40000, "targets": {"deals": 10},
         "funnel": {"response_rate": "0.001%", "qualification_rate": "1%", "opportunity_rate": "50%",
                    "win_rate": "1.5%"},
         "channels": [{"name": "tv", "cost_per_contact": 0.0001},
                      {"name": "events", "unit_cost": 600000, "yields": {"leads": 100},
                       "qualification_rate": 0.3, "win_rate": 0.2}]}

# by hand, exactly: tv makes 1e-5 * 1% * 50% * 1.5% = 7.5e-10 deals a contact at $0.0001 a contact,
# $133,333.33 a deal; events make 100 * 0.3 * 0.5 * 0.2 = 3 deals an event at $600,000, $200,000 a deal
TV_DEALS = Fraction("0.00001") * Fraction("0.01") * Fraction("0.5") * Fraction("0.015")
TV_PRICE = Fraction("0.0001")
EVENT_DEALS = 100 * Fraction("0.3") * Fraction("0.5") * Fraction("0.2")
EVENT_PRICE = Fraction(600000)


def deals_lp(tv_price: float, event_price: float, deals: float) -> np.ndarray:
    """min cost of ``deals`` deals, solved by linprog in deals per channel (the test's own scaling:
    z = deals from tv, deals from events, both near 1), returned as units (contacts, events)."""
    per_deal = np.array([tv_price / float(TV_DEALS), event_price / float(EVENT_DEALS)])
    done = linprog(per_deal / per_deal.max(), A_ub=[[-1.0, -1.0]], b_ub=[-deals / 10], method="highs")
    assert done.status == 0
    return done.x * 10 / np.array([float(TV_DEALS), float(EVENT_DEALS)])


def cost(units: np.ndarray, tv_price: float = float(TV_PRICE), event_price: float = float(EVENT_PRICE)) -> float:
    return float(units @ [tv_price, event_price])


def test_the_issue_case_is_analysed_and_matches_exact_fractions():
    result = sensitivity(optimize(Scenario.model_validate(ISSUE)))
    assert result.status == "optimal"
    assert result.objective_value == pytest.approx(float(10 * TV_PRICE / TV_DEALS), rel=1e-9)
    deals = result.limit("targets.deals")
    assert deals.binding
    assert deals.shadow_price == pytest.approx(float(TV_PRICE / TV_DEALS), rel=1e-9)  # $133,333.33
    assert deals.shadow_price_down == pytest.approx(-float(TV_PRICE / TV_DEALS), rel=1e-9)
    assert (deals.valid_from, deals.valid_to) == (0.0, None)  # tv alone, however many deals
    tv, events = result.channel("tv"), result.channel("events")
    assert tv.in_plan and not events.in_plan
    # tv stays the mix until its deal costs an events deal: price * 1 / 7.5e-10 = 200,000
    assert tv.price_from == 0.0
    assert tv.price_to == pytest.approx(float(EVENT_PRICE / EVENT_DEALS * TV_DEALS), rel=1e-6)  # 0.00015
    # events enter when 3 deals cost what tv charges for them: 3 * 133,333.33 = 400,000
    assert events.reduced_cost == pytest.approx(float(EVENT_PRICE - EVENT_DEALS * TV_PRICE / TV_DEALS), rel=1e-9)
    assert events.price_from == pytest.approx(float(EVENT_DEALS * TV_PRICE / TV_DEALS), rel=1e-9)
    assert events.price_to is None
    # tv's response rate may fall until its deal costs $200,000: r = 0.0001 / (200,000 * 0.01 * 0.5 * 0.015)
    rate = result.rate("channels[tv].response_rate")
    assert rate.low == pytest.approx(float(TV_PRICE / (EVENT_PRICE / EVENT_DEALS * TV_DEALS / Fraction("0.00001"))),
                                     rel=1e-6)
    assert rate.objective_at_low == pytest.approx(2_000_000, rel=1e-6)


def test_the_issue_case_agrees_with_linprog_on_the_perturbed_lps():
    result = sensitivity(optimize(Scenario.model_validate(ISSUE)))
    p_tv, p_ev = float(TV_PRICE), float(EVENT_PRICE)
    # one more deal costs the shadow price
    more = cost(deals_lp(p_tv, p_ev, 11)) - cost(deals_lp(p_tv, p_ev, 10))
    assert result.limit("targets.deals").shadow_price == pytest.approx(more, rel=1e-7)
    # just inside tv's price range the plan is tv alone; just outside, events alone
    to = result.channel("tv").price_to
    inside, outside = deals_lp(to * (1 - 1e-5), p_ev, 10), deals_lp(to * (1 + 1e-5), p_ev, 10)
    assert inside[0] > 0 and inside[1] == 0
    assert outside[0] == 0 and outside[1] > 0
    entry = result.channel("events").price_from
    inside, outside = deals_lp(p_tv, entry * (1 + 1e-5), 10), deals_lp(p_tv, entry * (1 - 1e-5), 10)
    assert inside[1] == 0 and outside[1] > 0


def test_the_issue_case_through_the_command_is_optimal_in_json(tmp_path):
    from optimizer.cli import app

    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(ISSUE))
    done = CliRunner().invoke(app, ["sensitivity", str(path), "--format", "json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert doc["status"] == "optimal"
    assert doc["limits"][0]["shadow_price"] == pytest.approx(float(TV_PRICE / TV_DEALS), rel=1e-9)


def test_a_basis_the_certificate_rejects_after_scaling_is_refused_as_unverified(monkeypatch):
    failing = Certificate(0.0, None, 0.5, 0.0, "a reduced cost has the wrong sign")
    monkeypatch.setattr(sensitivity_module, "optimality", lambda *args, **kwargs: failing)
    plan = optimize(Scenario.model_validate(ISSUE))
    with pytest.raises(NoPlanError, match=r"no sensitivity analysis \(unverified\): the plan is proven optimal, "
                                          r"but the basis the analysis reads is not \(a reduced cost has the "
                                          r"wrong sign\)") as raised:
        sensitivity(plan)
    assert raised.value.status == "unverified"


# -- ordinary scenarios: the figures against linprog re-solves of the perturbed LP ----------------
def _lp(prices, rates, caps, deals, budget):
    """min prices . x s.t. rates . x >= deals, x <= caps, prices . x <= budget (units = leads)."""
    a_ub = [[-r for r in rates], list(prices)]
    b_ub = [-deals, budget]
    done = linprog(prices, A_ub=a_ub, b_ub=b_ub, bounds=[(0, c) for c in caps], method="highs")
    return (done.x, done.fun) if done.status == 0 else (None, None)


channel = st.tuples(st.integers(1, 200), st.integers(1, 100), st.integers(5, 500))  # price, win rate %, cap


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(channel, min_size=2, max_size=4), st.integers(2, 40))
def test_ordinary_scenarios_match_linprog_re_solves(channels, deals):
    prices = [float(p) for p, _, _ in channels]
    rates = [w / 100 for _, w, _ in channels]
    caps = [float(c) for _, _, c in channels]
    reach = sum(r * c for r, c in zip(rates, caps))
    per_deal = sorted(p / r for p, r in zip(prices, rates))
    # keep the target comfortably reachable and the optimum unique (no two equal prices a deal)
    assume(reach >= 1.5 * deals and all(b > a * 1.01 for a, b in zip(per_deal, per_deal[1:])))
    budget = 1e7
    s = Scenario.model_validate({
        "funnel": {"qualification_rate": 1, "opportunity_rate": 1}, "budget": budget, "targets": {"deals": deals},
        "channels": [{"name": f"c{i}", "cost_per_lead": p, "win_rate": r, "max_units": c}
                     for i, (p, r, c) in enumerate(zip(prices, rates, caps))]})
    x0, f0 = _lp(prices, rates, caps, deals, budget)
    result = sensitivity(optimize(s))
    assert result.objective_value == pytest.approx(f0, rel=1e-9)
    target = result.limit("targets.deals")
    h = 1e-3
    up = _lp(prices, rates, caps, deals + h, budget)[1]
    down = _lp(prices, rates, caps, deals - h, budget)[1]
    if up is not None and (target.valid_to is None or target.valid_to > deals + h):
        assert target.shadow_price == pytest.approx((up - f0) / h, rel=1e-6, abs=1e-6)
    if target.valid_from is not None and target.valid_from < deals - h and target.shadow_price_down is not None:
        assert target.shadow_price_down == pytest.approx((down - f0) / h, rel=1e-6, abs=1e-6)

    def support(x):
        return frozenset(np.flatnonzero(x > 1e-7 * max(1.0, float(x.max()))).tolist())

    for i in range(len(prices)):
        c = result.channel(f"c{i}")
        for end, inside, outside in ((c.price_from, 1 + 1e-4, 1 - 1e-4), (c.price_to, 1 - 1e-4, 1 + 1e-4)):
            if end is None or end <= 1e-6:
                continue
            moved = list(prices)
            moved[i] = end * inside
            x_in = _lp(moved, rates, caps, deals, budget)[0]
            moved[i] = end * outside
            x_out = _lp(moved, rates, caps, deals, budget)[0]
            assert x_in is not None and support(x_in) == support(x0) or c.in_plan is False and x_in[i] <= 1e-7
            if c.in_plan:
                assert x_out is None or support(x_out) != support(x0) or _binds_differently(
                    x_out, x0, caps), (i, end)
            else:  # out of the plan: below its entry price it comes in
                assert x_out is not None and x_out[i] > 1e-7, (i, end)


def _binds_differently(x: np.ndarray, x0: np.ndarray, caps: list[float]) -> bool:
    """A mix is the channels in the plan and the limits that bind: a cap may start or stop binding."""
    at_cap = [abs(v - c) <= 1e-7 * c for v, c in zip(x, caps)]
    at_cap0 = [abs(v - c) <= 1e-7 * c for v, c in zip(x0, caps)]
    return at_cap != at_cap0
