"""Sensitivity of a tiered price whose order needs binaries (a volume discount, a rule rewarding
spend on the channel): the binaries held at the plan's values (``tier_order: held``, the fixed LP)
or relaxed with ``relax=True``, against scipy ``linprog`` with the order fixed by hand (each tier
full, partly bought or closed as the plan has it) and against re-solves of the whole model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from optimizer import Scenario, optimize
from optimizer.analysis.sensitivity import sensitivity
from optimizer.scenario.paths import apply_changes

DISCOUNT = [{"up_to": 2000, "cost": 55}, {"up_to": 5000, "cost": 35}, {"up_to": 8000, "cost": 90}]
COSTS = [55.0, 35.0, 90.0]


def scenario(target: float, search=DISCOUNT) -> Scenario:
    return Scenario(channels=[{"name": "search", "cost_per_lead": search},
                              {"name": "email", "cost_per_lead": 60, "max_units": 1500},
                              {"name": "display", "cost_per_lead": 120}], targets={"leads": target})


def fixed(costs, target: float, tiers, cap: float = 8000.0):
    """The fixed LP by hand: x0, x1, x2 (search's tiers), email, display; ``tiers`` gives each tier's
    bounds as the plan's order holds them (full: (width, width); partly bought: (0, width); after
    the partly bought one: (0, 0); a tier after a full one up to the cap: (0, None)). Rows: leads
    >= target, search's cap, email's max_units."""
    c = np.array([*costs, 60.0, 120.0])
    a_ub = np.array([[-1, -1, -1, -1, -1], [1, 1, 1, 0, 0], [0, 0, 0, 1, 0]], dtype=float)
    result = linprog(c, A_ub=a_ub, b_ub=[-target, cap, 1500.0], bounds=[*tiers, (0, None), (0, None)],
                     method="highs")
    assert result.status == 0
    return result


def pattern(result) -> tuple:
    return tuple(result.x > 1e-6), tuple(abs(result.ineqlin.residual) < 1e-6)


# target 10,000: the plan fills all three tiers (binaries on, on) up to the cap, then email and display
FULL = [(2000, 2000), (3000, 3000), (0, None)]
# target 4,000: tier 0 full, tier 1 partly bought (binaries on, off): tier 2 closed
PART = [(2000, 2000), (0, 3000), (0, 0)]


def test_the_plan_is_the_milp_and_the_analysis_says_the_order_is_held():
    plan = optimize(scenario(10_000))
    assert "mixed-integer: volume discount on channels[search]" in plan.program.notes
    result = sensitivity(plan)
    assert (result.analysed_as, result.tier_order, result.ordered) == (
        "integers_fixed", "held", ("channels[search].cost_per_lead",))
    out = result.to_dict()
    assert out["tier_order"] == "held" and out["ordered_by_binaries"] == ["channels[search].cost_per_lead"]
    assert result.objective_value == pytest.approx(fixed(COSTS, 10_000, FULL).fun)
    # a scenario without such a price has neither key
    assert "tier_order" not in sensitivity(optimize(scenario(10_000, [{"up_to": 2000, "cost": 35},
                                                                      {"cost": 55}]))).to_dict()


def test_the_cap_of_the_last_tier_is_priced_as_the_fixed_lp_and_a_milp_re_solve_price_it():
    result = sensitivity(optimize(scenario(10_000)))
    reference = fixed(COSTS, 10_000, FULL)
    cap = result.limit("channels[search].cost_per_lead.up_to")
    assert cap.binding
    assert cap.shadow_price == pytest.approx(reference.ineqlin.marginals[1])
    assert cap.shadow_price == pytest.approx(90 - 120)  # one search lead more at $90 replaces one at $120
    # the whole model (binaries free) one lead of cap more and one less: the same saving, the same cost
    more = optimize(apply_changes(scenario(10_000), {"channels[search].cost_per_lead[2].up_to": 8001}))
    less = optimize(apply_changes(scenario(10_000), {"channels[search].cost_per_lead[2].up_to": 7999}))
    base = reference.fun
    assert more.objective_value - base == pytest.approx(cap.shadow_price)
    assert less.objective_value - base == pytest.approx(cap.shadow_price_down)
    # where it holds: down to tier 2 empty (5,000), up to display gone (8,500): by hand
    assert (cap.valid_from, cap.valid_to) == pytest.approx((5000, 8500))
    target = result.limit("targets.leads")
    assert target.shadow_price == pytest.approx(-reference.ineqlin.marginals[0]) == pytest.approx(120)
    email = result.limit("channels[email].max_units")
    assert email.shadow_price == pytest.approx(reference.ineqlin.marginals[2]) == pytest.approx(-60)


def test_a_partly_bought_tier_prices_the_target_at_its_cost_and_closes_the_next():
    result = sensitivity(optimize(scenario(4000)))
    reference = fixed(COSTS, 4000, PART)
    assert result.objective_value == pytest.approx(reference.fun) == pytest.approx(2000 * 55 + 2000 * 35)
    target = result.limit("targets.leads")
    assert target.shadow_price == pytest.approx(-reference.ineqlin.marginals[0]) == pytest.approx(35)
    # the order held: tier 1 takes 0 to 3,000 more leads over tier 0's 2,000
    assert (target.valid_from, target.valid_to) == pytest.approx((2000, 5000))
    closed = result.channel("search", tier=2)
    assert not closed.in_plan and closed.reduced_cost is None  # held closed: no price brings it in


@pytest.mark.parametrize(("target", "tiers", "k"), [(4000, PART, 0), (4000, PART, 1), (10_000, FULL, 0),
                                                    (10_000, FULL, 1), (10_000, FULL, 2)])
def test_each_tier_cost_range_holds_the_mix_of_the_fixed_lp(target, tiers, k):
    entry = sensitivity(optimize(scenario(target))).channel("search", tier=k)
    assert entry.from_reason != "tier_order" and entry.to_reason != "tier_order"  # binaries keep the order
    base = pattern(fixed(COSTS, target, tiers))
    for end, reason, side in ((entry.price_from, entry.from_reason, -1), (entry.price_to, entry.to_reason, +1)):
        if end is None:  # no end: the fixed LP keeps its mix however dear the tier gets
            far = list(COSTS)
            far[k] = 1e4
            assert pattern(fixed(far, target, tiers)) == base
            continue
        inside, outside = list(COSTS), list(COSTS)
        inside[k] = end - side * 1e-3 * max(1.0, end)
        outside[k] = end + side * 1e-3 * max(1.0, end)
        if reason == "domain":
            assert end == 0.0 and pattern(fixed(inside, target, tiers)) == base
            continue
        assert reason == "mix"
        assert pattern(fixed(inside, target, tiers)) == base
        assert pattern(fixed(outside, target, tiers)) != base


def test_the_expected_ends_by_hand():
    part = sensitivity(optimize(scenario(4000)))
    # tier 1 buys the last leads until email ($60) is cheaper; tier 0 is held full, whatever it costs
    assert (part.channel("search", tier=1).price_from, part.channel("search", tier=1).price_to) == (0.0,
                                                                                                   pytest.approx(60))
    assert part.channel("search", tier=0).price_to is None
    full = sensitivity(optimize(scenario(10_000)))
    # tier 2 fills to the cap until display ($120) is cheaper
    assert full.channel("search", tier=2).price_to == pytest.approx(120)


def test_a_rule_rewarding_spend_orders_by_binaries_and_is_analysed_held():
    # a share rule (search at least 40% of spend) rewards dearer search leads: binaries keep the order
    s = Scenario(channels=[{"name": "search", "cost_per_lead": [{"up_to": 1000, "cost": 20}, {"cost": 50}]},
                           {"name": "email", "cost_per_lead": 30}],
                 targets={"leads": 3000}, budget=200_000, constraints=["spend[search] >= 0.4 * total_spend"])
    plan = optimize(s)
    assert any("tier order enforced on channels[search]" in n for n in plan.program.notes)
    result = sensitivity(plan)
    assert result.tier_order == "held"
    # by hand: search s0 <= 1000 at 20, s1 at 50, email e; s0 + s1 + e >= 3000; 20 s0 + 50 s1 >=
    # 0.4 (20 s0 + 50 s1 + 30 e), i.e. 12 s0 + 30 s1 - 12 e >= 0; the plan fills s0 (binary on), so by hand
    # s0 = 1000 held full and s1 free (the budget, 200,000, has room)
    reference = linprog([20, 50, 30], A_ub=[[-1, -1, -1], [-12, -30, 12], [20, 50, 30]], b_ub=[-3000, 0, 200_000],
                        bounds=[(1000, 1000), (0, None), (0, None)], method="highs")
    assert result.objective_value == pytest.approx(reference.fun)
    assert result.limit("targets.leads").shadow_price == pytest.approx(-reference.ineqlin.marginals[0])
    rule = next(x for x in result.limits if x.kind == "constraint")
    assert rule.shadow_price == pytest.approx(-reference.ineqlin.marginals[1])


def test_relaxed_analyses_the_lp_relaxation_which_may_fill_tiers_out_of_order():
    result = sensitivity(optimize(scenario(4000)), relax=True)
    assert (result.analysed_as, result.tier_order) == ("relaxed", "relaxed")
    # the relaxation by hand: x0, x1, x2, email, display, b0, b1 in [0, 1]; x0 <= 2000, x1 <= 3000,
    # x0 >= 2000 b0, x1 <= 3000 b0, x1 >= 3000 b1, x2 <= 3000 b1, leads >= 4000, cap 8000, email 1500
    c = [55, 35, 90, 60, 120, 0, 0]
    a_ub = [[-1, -1, -1, -1, -1, 0, 0], [1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0],
            [-1, 0, 0, 0, 0, 2000, 0], [0, 1, 0, 0, 0, -3000, 0], [0, -1, 0, 0, 0, 0, 3000],
            [0, 0, 1, 0, 0, 0, -3000]]
    relaxation = linprog(c, A_ub=a_ub, b_ub=[-4000, 8000, 1500, 0, 0, 0, 0],
                         bounds=[(0, 2000), (0, 3000), (0, None), (0, None), (0, None), (0, 1), (0, 1)],
                         method="highs")
    assert result.objective_value == pytest.approx(relaxation.fun)
    assert relaxation.fun < 180_000  # below the plan's: out of order, tier 1 bought before tier 0 is full
    assert result.limit("targets.leads").shadow_price == pytest.approx(-relaxation.ineqlin.marginals[0])
    from optimizer.output.whatif import sensitivity_table

    assert "the relaxation may fill its tiers out of order" in sensitivity_table(result)
