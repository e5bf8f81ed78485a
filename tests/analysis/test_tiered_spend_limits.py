"""A tiered channel's ``min_spend``/``max_spend`` is a bound on its units through the schedule in
the model; the plan and the sensitivity analysis report it in money, as the scenario gives it: its
value, limit and slack along the schedule (by hand), its shadow prices per $ (against scipy linprog
with the spend row written by hand, and against re-solves of the limit one $ up and down)."""

from __future__ import annotations

import pytest
from scipy.optimize import linprog

from optimizer import Scenario, optimize
from optimizer.analysis.sensitivity import sensitivity
from optimizer.scenario.paths import apply_changes

SEARCH = [{"up_to": 2000, "cost": 35}, {"cost": 55}]


def scenario(**search) -> Scenario:
    return Scenario(channels=[{"name": "search", "cost_per_lead": SEARCH, **search},
                              {"name": "display", "cost_per_lead": 120}], targets={"leads": 4000})


def constraint(plan, name: str) -> dict:
    return next(c for c in plan.to_dict()["constraints"] if c["name"] == name)


def test_a_binding_max_spend_is_reported_and_priced_per_dollar():
    s = scenario(max_spend=100_000)
    plan = optimize(s)
    # by hand: $100,000 buys 2,000 leads at $35 and 30,000 / 55 at $55; display brings the rest
    assert constraint(plan, "channels[search].max_spend") == {
        "name": "channels[search].max_spend", "kind": "channel_bound", "value": pytest.approx(100_000),
        "limit": pytest.approx(100_000), "slack": 0.0, "binding": True}
    limit = sensitivity(plan).limit("channels[search].max_spend")
    assert (limit.value, limit.limit) == pytest.approx((100_000, 100_000))
    # the spend row by hand (the LP fills these rising tiers in order by itself): x0 <= 2000, x1, display
    lp = linprog([35, 55, 120], A_ub=[[-1, -1, -1], [35, 55, 0]], b_ub=[-4000, 100_000],
                 bounds=[(0, 2000), (0, None), (0, None)], method="highs")
    assert limit.shadow_price == pytest.approx(lp.ineqlin.marginals[1]) == pytest.approx(-65 / 55)
    for d, price in ((1, limit.shadow_price), (-1, -limit.shadow_price_down)):
        again = optimize(apply_changes(s, {"channels[search].max_spend": 100_000 + d}))
        assert again.objective_value - plan.objective_value == pytest.approx(d * price, rel=1e-6)
    # the price holds while the limit's last $ buys tier 1's leads at $55: from $70,000 (tier 0 spent)
    # up to $180,000 (every lead from search: 2,000 at $35 and 2,000 at $55)
    assert (limit.valid_from, limit.valid_to) == pytest.approx((70_000, 180_000))


def test_a_binding_min_spend_is_priced_per_dollar_as_re_solves_find():
    s = Scenario(channels=[{"name": "search", "cost_per_lead": SEARCH, "min_spend": 100_000},
                           {"name": "display", "cost_per_lead": 20}], targets={"leads": 4000})
    plan = optimize(s)
    state = constraint(plan, "channels[search].min_spend")
    assert (state["value"], state["limit"], state["binding"]) == (pytest.approx(100_000), pytest.approx(100_000),
                                                                  True)
    limit = sensitivity(plan).limit("channels[search].min_spend")
    # by hand: the fewest search leads $100,000 buys in order (2,545.45) replace display's $20 leads;
    # one $ more buys 1/55 of a lead more at $55 and one fewer display lead's $20 / 55
    assert limit.shadow_price == pytest.approx((55 - 20) / 55)
    for d, price in ((1, limit.shadow_price), (-1, -limit.shadow_price_down)):
        again = optimize(apply_changes(s, {"channels[search].min_spend": 100_000 + d}))
        assert again.objective_value - plan.objective_value == pytest.approx(d * price, rel=1e-6)


def test_a_max_spend_with_room_reports_its_slack_in_money():
    plan = optimize(scenario(max_spend=500_000))
    # by hand: every lead from search, 2,000 at $35 and 2,000 at $55: $180,000 of $500,000
    state = constraint(plan, "channels[search].max_spend")
    assert (state["value"], state["limit"], state["slack"], state["binding"]) == (
        pytest.approx(180_000), pytest.approx(500_000), pytest.approx(320_000), False)
    limit = sensitivity(plan).limit("channels[search].max_spend")
    assert (limit.value, limit.shadow_price, limit.valid_from) == (pytest.approx(180_000), 0.0,
                                                                   pytest.approx(180_000))


def test_a_proposal_over_a_tiered_max_spend_is_told_in_money():
    from optimizer.analysis.check import check

    s = scenario(max_spend=100_000)
    result = check(s, {"search": {"spend": 150_000}, "display": {"spend": 200_000}})
    broken = next(v for v in result.violations if v.name == "channels[search].max_spend")
    # $150,000 along the schedule against the $100,000 limit: over by $50,000
    assert (broken.value, broken.limit, broken.by) == pytest.approx((150_000, 100_000, 50_000))


def test_a_tier_cost_range_moves_the_units_a_binding_spend_limit_buys():
    # $80,000 of search buys 2,000 leads at c0 and (80,000 - 2,000 c0) / c1 more; display ($120) the rest
    s = Scenario(channels=[{"name": "search", "cost_per_lead": [{"up_to": 2000, "cost": 20}, {"cost": 55}],
                            "max_spend": 80_000},
                           {"name": "display", "cost_per_lead": 120}], targets={"leads": 3000})
    result = sensitivity(optimize(s))

    def pattern(c0: float, c1: float) -> tuple:
        """The mix of the LP by hand, the spend limit as the spend row it is: x0 <= 2000, x1, display."""
        lp = linprog([c0, c1, 120], A_ub=[[-1, -1, -1], [c0, c1, 0]], b_ub=[-3000, 80_000],
                     bounds=[(0, 2000), (0, None), (0, None)], method="highs")
        return tuple(lp.x > 1e-6), tuple(abs(lp.ineqlin.residual) < 1e-6), abs(lp.x[0] - 2000) < 1e-6

    base = pattern(20, 55)
    # by hand: tier 1's cost may fall until search buys all 3,000 leads (80,000 - 40,000 = 1,000 c1: c1 = 40)
    # and rise to display's $120; tier 0's until tier 1 buys nothing (c0 = 40) or all (1,000 x 55 = 80,000
    # - 2,000 c0: c0 = 12.5)
    tier0, tier1 = result.channel("search", tier=0), result.channel("search", tier=1)
    assert (tier1.price_from, tier1.price_to) == pytest.approx((40, 120), rel=1e-5)
    assert (tier0.price_from, tier0.price_to) == pytest.approx((12.5, 40), rel=1e-5)
    for entry, costs in ((tier0, lambda v: (v, 55)), (tier1, lambda v: (20, v))):
        assert entry.from_reason == entry.to_reason == "mix"
        for end, side in ((entry.price_from, -1), (entry.price_to, +1)):
            assert pattern(*costs(end - side * 1e-3 * end)) == base
            assert pattern(*costs(end + side * 1e-3 * end)) != base
