"""Sensitivity of tiered prices: each tier's cost range and the cap of a capped last tier, against
a hand-built LP with one variable per tier (scipy linprog) and against re-solves at the ends."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from optimizer import Scenario, optimize
from optimizer.analysis.sensitivity import sensitivity
from optimizer.errors import ScenarioError
from optimizer.scenario.paths import apply_changes

SEARCH = [{"up_to": 2000, "cost": 35}, {"up_to": 5000, "cost": 55}, {"up_to": 8000, "cost": 90}]
TARGET = 10_000


def scenario(search=SEARCH) -> Scenario:
    return Scenario(channels=[{"name": "search", "cost_per_lead": search},
                              {"name": "email", "cost_per_lead": 60, "max_units": 1500},
                              {"name": "display", "cost_per_lead": 120}], targets={"leads": TARGET})


def lp(costs, cap=8000.0):
    """The scenario by hand: x0, x1, x2 (search's tiers), email, display; min cost, leads >= TARGET,
    each tier's width, the last tier's cap on search's units, email's max_units."""
    c = np.array([*costs, 60.0, 120.0])
    a_ub = np.array([[-1, -1, -1, -1, -1],   # leads >= TARGET
                     [1, 1, 1, 0, 0],        # channels[search].cost_per_lead.up_to
                     [0, 0, 0, 1, 0]], dtype=float)  # channels[email].max_units
    b_ub = np.array([-TARGET, cap, 1500.0])
    bounds = [(0, 2000), (0, 3000), (0, None), (0, None), (0, None)]
    result = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    assert result.status == 0
    return result


def pattern(result) -> tuple:
    """The mix: which tiers and channels buy, which tiers are full, which limits bind."""
    x = result.x
    full = (abs(x[0] - 2000) < 1e-6, abs(x[1] - 3000) < 1e-6)
    return tuple(x > 1e-6), full, tuple(abs(result.ineqlin.residual) < 1e-6)


COSTS = [t["cost"] for t in SEARCH]


def test_every_tier_is_an_item_and_tier_rows_are_no_limits():
    result = sensitivity(optimize(scenario()))
    tiers = [c for c in result.channels if c.name == "search"]
    assert [(c.tier, c.price, c.up_to) for c in tiers] == [(0, 35, 2000), (1, 55, 5000), (2, 90, 8000)]
    assert sorted(x.name for x in result.limits) == ["channels[email].max_units",
                                                     "channels[search].cost_per_lead.up_to", "targets.leads"]
    assert result.channel("search", tier=1).price == 55
    assert "tier" not in result.channel("email").to_dict()
    entry = result.to_dict()["channels"][1]
    assert entry["tier"] == 1 and entry["up_to"] == 5000 and entry["price_from_reason"] == "tier_order"
    with pytest.raises(ScenarioError, match=r"search's price has tiers 0, 1, 2; allowed: channel\('search', tier=K\)"):
        result.channel("search")


def test_the_cap_of_a_capped_last_tier_is_priced_as_linprog_prices_it():
    result = sensitivity(optimize(scenario()))
    cap = result.limit("channels[search].cost_per_lead.up_to")
    reference = lp(COSTS)
    assert cap.kind == "channel_bound" and cap.binding
    assert cap.shadow_price == pytest.approx(reference.ineqlin.marginals[1])  # one search lead more replaces display
    assert cap.shadow_price == pytest.approx(90 - 120)
    target = result.limit("targets.leads")
    assert target.shadow_price == pytest.approx(-reference.ineqlin.marginals[0])
    assert result.objective_value == pytest.approx(reference.fun)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_each_tier_cost_range_holds_the_mix_of_the_hand_built_lp(k):
    result = sensitivity(optimize(scenario()))
    entry = result.channel("search", tier=k)
    base = pattern(lp(COSTS))
    # hand-derived: the LP keeps every tier full up to display's $120, so the order's neighbours end
    # tiers 0 and 1 above; below, tier 1 and 2 end at the tier before's cost; tier 0 holds down to $0
    expected = [(0.0, "domain", 55.0, "tier_order"), (35.0, "tier_order", 90.0, "tier_order"),
                (55.0, "tier_order", 120.0, "mix")][k]
    assert (entry.price_from, entry.from_reason, entry.price_to, entry.to_reason) == pytest.approx(expected)
    assert entry.in_plan
    for end, reason, side in ((entry.price_from, entry.from_reason, -1), (entry.price_to, entry.to_reason, +1)):
        inside = list(COSTS)
        inside[k] = end - side * 1e-3 * max(1.0, end)
        if reason != "domain":
            assert pattern(lp(inside)) == base
        outside = list(COSTS)
        outside[k] = end + side * 1e-3 * max(1.0, end)
        if reason == "mix":  # just past it the hand-built LP buys another mix
            assert pattern(lp(outside)) != base
        elif reason == "tier_order":  # just past it the tier is out of order: the model needs binaries
            changed = apply_changes(scenario(), {f"channels[search].cost_per_lead[{k}].cost": outside[k]})
            program = optimize(changed).program
            assert any(group.binaries for group in program.tier_groups)


def test_a_tier_out_of_the_plan_enters_where_the_hand_built_lp_says():
    # target 4,000: tier 1 is partly bought, tier 2 not at all; email (60) is out
    s = Scenario(channels=[{"name": "search", "cost_per_lead": SEARCH},
                           {"name": "email", "cost_per_lead": 60, "max_units": 1500}], targets={"leads": 4000})
    result = sensitivity(optimize(s))
    second = result.channel("search", tier=1)
    assert (second.in_plan, second.price_from, second.price_to) == (True, 35.0, pytest.approx(60.0))
    assert second.to_reason == "mix"
    # the hand-built LP just past email's price: tier 1 gives way to email, bought to its maximum
    past = linprog(np.array([35.0, 60.0 * (1 + 1e-4), 90.0, 60.0]), A_ub=[[-1, -1, -1, -1], [0, 0, 0, 1]],
                   b_ub=[-4000, 1500], bounds=[(0, 2000), (0, 3000), (0, 3000), (0, None)], method="highs")
    assert past.x[3] == pytest.approx(1500) and past.x[1] == pytest.approx(500)
    third = result.channel("search", tier=2)
    assert not third.in_plan and third.reduced_cost is None and third.from_reason == "tier_order"


def test_a_tiered_price_per_period_is_an_item_per_period_and_tier():
    s = Scenario(periods=["H1", "H2"],
                 channels=[{"name": "search", "cost_per_lead": {"H1": SEARCH[:2] + [{"cost": 90}], "H2": 50}}],
                 targets={"leads": {"H1": 3000, "H2": 100}})
    result = sensitivity(optimize(s))
    names = [(c.period, c.tier) for c in result.channels]
    assert names == [("H1", 0), ("H1", 1), ("H1", 2), ("H2", None)]
    first = result.channel("search", "H1", tier=0)
    assert first.to_dict()["period"] == "H1" and first.price_to == pytest.approx(55.0)
    assert result.limit("targets.leads.H1").shadow_price == pytest.approx(55.0)


def test_a_tiered_channels_rate_moves_every_tier_together():
    # 1,200 qualified leads at 0.3 a lead: 2,000 leads at $35 and 2,000 of the next tier at $55. By hand the
    # mix holds while tier 1 is partly bought: 5,000 r >= 1,200 (r >= 0.24) and 2,000 r <= 1,200 (r <= 0.6)
    s = Scenario(channels=[{"name": "search", "cost_per_lead": SEARCH, "qualification_rate": 0.3},
                           {"name": "email", "cost_per_lead": 60, "qualification_rate": 0.2, "max_units": 1500}],
                 targets={"qualified_leads": 1200})
    rate = sensitivity(optimize(s)).rate("channels[search].qualification_rate")
    assert (rate.low, rate.high) == pytest.approx((0.24, 0.6), rel=1e-5)

    def hand(r):
        result = linprog([35, 55, 90, 60], A_ub=[[-r, -r, -r, -0.2], [1, 1, 1, 0]], b_ub=[-1200, 8000],
                         bounds=[(0, 2000), (0, 3000), (0, None), (0, 1500)], method="highs")
        return tuple(result.x > 1e-6), abs(result.x[0] - 2000) < 1e-6, abs(result.x[1] - 3000) < 1e-6

    assert hand(0.24 * 1.001) == hand(0.3) == hand(0.6 * 0.999)
    assert hand(0.24 * 0.999) != hand(0.3) and hand(0.6 * 1.001) != hand(0.3)
