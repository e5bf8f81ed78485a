"""Tiered prices in the model: plans against a hand-built scipy LP (one variable per tier) or MILP
(order binaries), written here without the package's model code; order and spend along the schedule."""

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from optimizer import Scenario, optimize
from optimizer.errors import ScenarioError
from optimizer.model.build import build_program
from optimizer.model.verify import verify_tiers

EMAIL = [{"up_to": 2000, "cost": 35}, {"up_to": 5000, "cost": 55}, {"cost": 90}]


def units_of(plan, name):
    return next(c for c in plan.channels if c.name == name).units


def spend_of(plan, name):
    return next(c for c in plan.channels if c.name == name).spend


def test_a_convex_schedule_is_the_lp_with_a_variable_per_tier():
    s = Scenario(channels=[{"name": "email", "cost_per_lead": EMAIL, "win_rate": 0.1},
                           {"name": "search", "cost_per_lead": 60, "win_rate": 0.05}],
                 funnel={"qualification_rate": 0.5}, targets={"leads": 6000, "deals": 180})
    plan = optimize(s)
    # x = email tiers 0, 1, 2 and search; deals per lead 0.05 (email), 0.025 (search)
    res = linprog([35, 55, 90, 60], A_ub=-np.array([[1, 1, 1, 1], [0.05, 0.05, 0.05, 0.025]]),
                  b_ub=[-6000, -180], bounds=[(0, 2000), (0, 3000), (0, None), (0, None)], method="highs")
    assert res.status == 0 and not plan.program.integer
    assert plan.total_spend == pytest.approx(res.fun, rel=1e-9)
    assert units_of(plan, "email") == pytest.approx(res.x[:3].sum(), rel=1e-9)
    assert spend_of(plan, "email") == pytest.approx(res.x[:3] @ [35, 55, 90], rel=1e-9)
    assert plan.warnings == ()


def test_units_a_later_tier_needs_not_are_put_in_order():
    # most leads under a cap on units: spend does not matter to the objective, the LP may fill any
    # tier; the plan fills them in order and reports spend along the schedule
    s = Scenario(objective="max_leads", budget=10**6,
                 channels=[{"name": "email", "cost_per_lead": EMAIL, "max_units": 3000}])
    plan = optimize(s)
    assert units_of(plan, "email") == pytest.approx(3000)
    assert spend_of(plan, "email") == pytest.approx(2000 * 35 + 1000 * 55)
    assert verify_tiers(plan.program, plan.units).passed


def test_min_spend_on_a_tiered_channel_is_met_by_units_in_order():
    s = Scenario(channels=[{"name": "email", "cost_per_lead": [{"up_to": 2000, "cost": 35}, {"cost": 90}],
                            "min_spend": 100_000},
                           {"name": "search", "cost_per_lead": 20}], targets={"leads": 100})
    plan = optimize(s)
    # 2,000 leads at 35 (70,000), then 30,000 more at 90: 333.33 leads
    assert units_of(plan, "email") == pytest.approx(2000 + 30_000 / 90)
    assert spend_of(plan, "email") == pytest.approx(100_000)
    assert units_of(plan, "search") == pytest.approx(0)
    limit = next(lim for lim in plan.program.limits if lim.name == "channels[email].min_spend")
    assert limit.kind == "channel_bound" and limit.bound == pytest.approx(2000 + 30_000 / 90)
    assert not plan.program.integer


def test_max_spend_on_a_tiered_channel_bounds_its_units():
    s = Scenario(objective="max_leads", budget=10**6,
                 channels=[{"name": "email", "cost_per_lead": EMAIL, "max_spend": 100_000}])
    plan = optimize(s)
    assert units_of(plan, "email") == pytest.approx(2000 + 30_000 / 55)
    assert spend_of(plan, "email") == pytest.approx(100_000)


def test_a_share_rule_rewarding_spend_enforces_the_order_with_binaries():
    # email's units are capped; its spend lets search (cheaper, at most 30% of all spend) grow: an LP
    # would buy email's dear tier first to inflate that spend
    s = Scenario(objective="max_leads", budget=10**6,
                 channels=[{"name": "email", "cost_per_lead": [{"up_to": 1000, "cost": 40}, {"cost": 80}],
                            "max_units": 1500},
                           {"name": "search", "cost_per_lead": 10}],
                 constraints=["spend[search] <= 0.3 * total_spend"])
    plan = optimize(s)
    # x = e0, e1, s, z: the share rule 10 s <= 0.3 (40 e0 + 80 e1 + 10 s) is 7 s - 12 e0 - 24 e1 <= 0;
    # order: e0 >= 1000 z, e1 <= 500 z (500: what max_units leaves the open tier)
    rows = np.array([[40, 80, 10, 0], [1, 1, 0, 0], [-12, -24, 7, 0], [1, 0, 0, -1000], [0, 1, 0, -500]],
                    dtype=float)
    cons = LinearConstraint(rows, [-np.inf, -np.inf, -np.inf, 0, -np.inf], [10**6, 1500, 0, np.inf, 0])
    res = milp(-np.array([1, 1, 1, 0]), constraints=cons, integrality=[0, 0, 0, 1],
               bounds=Bounds([0] * 4, [1000, np.inf, np.inf, 1]), options={"mip_rel_gap": 1e-9})
    assert res.status == 0
    assert plan.status == "optimal" and plan.program.integer
    assert plan.objective_value == pytest.approx(-res.fun, rel=1e-7)
    assert plan.objective_value == pytest.approx(1500 + 0.3 * 80_000 / 7)  # by hand: 1,000 at 40, 500 at 80
    assert spend_of(plan, "email") == pytest.approx(80_000)
    assert "mixed-integer: tier order enforced on channels[email] (constraints[0] rewards its spend)" in plan.warnings
    # the LP alone buys the dear tier first (0 at 40, 1,500 at 80): more leads than the ordered plan
    lp = linprog([-1, -1, -1], A_ub=rows[:3, :3], b_ub=[10**6, 1500, 0], bounds=[(0, 1000), (0, None), (0, None)],
                 method="highs")
    assert -lp.fun > plan.objective_value + 100


@pytest.mark.parametrize("budget", [40_000, 100_000])
def test_a_volume_discount_is_the_milp_of_its_fill_levels(budget):
    s = Scenario(objective="max_leads", budget=budget,
                 channels=[{"name": "email", "cost_per_lead": [{"up_to": 1000, "cost": 50}, {"cost": 20}]},
                           {"name": "search", "cost_per_lead": 30}])
    plan = optimize(s)
    # x = e0, e1, s, z; e1 <= M z with M = budget / 20 (all of the budget in the cheap tier)
    big = budget / 20
    cons = LinearConstraint(np.array([[50, 20, 30, 0], [1, 0, 0, -1000], [0, 1, 0, -big]], dtype=float),
                            [-np.inf, 0, -np.inf], [budget, np.inf, 0])
    res = milp(-np.array([1, 1, 1, 0]), constraints=cons, integrality=[0, 0, 0, 1],
               bounds=Bounds([0] * 4, [1000, np.inf, np.inf, 1]), options={"mip_rel_gap": 1e-9})
    assert plan.objective_value == pytest.approx(-res.fun, rel=1e-7)
    assert units_of(plan, "email") == pytest.approx(res.x[0] + res.x[1], abs=1e-6)
    assert "mixed-integer: volume discount on channels[email]" in plan.warnings
    assert "mixed-integer: volume discount on channels[email]" in s.warnings
    assert verify_tiers(plan.program, plan.units).passed
    # by hand: 40,000 cannot fill the dear first tier, so search buys 1,333.3; 100,000 buys 1,000 at 50
    # and 2,500 at 20 (3,500 leads, more than 3,333.3 from search alone)
    assert plan.objective_value == pytest.approx(40_000 / 30 if budget == 40_000 else 3500)


def test_a_discount_without_a_bound_on_units_is_an_input_error():
    s = Scenario(channels=[{"name": "email", "cost_per_lead": [{"up_to": 1000, "cost": 50}, {"cost": 20}]}],
                 targets={"leads": 3000})
    with pytest.raises(ScenarioError) as info:
        optimize(s)
    assert str(info.value) == (
        "channels[email].cost_per_lead: filling the tiers in order (volume discount) is a mixed-integer model, "
        "which needs a finite bound on the channel's units, and none is given; allowed: max_units, max_spend or a "
        "budget, or a cap (up_to) on the last tier")


def test_a_capped_last_tier_caps_the_units_by_name():
    s = Scenario(channels=[{"name": "email", "cost_per_lead": [{"up_to": 2000, "cost": 35}, {"up_to": 3000,
                                                                                                "cost": 55}]},
                           {"name": "search", "cost_per_lead": 70}], targets={"leads": 4000})
    plan = optimize(s)
    cap = next(c for c in plan.constraints if c.name == "channels[email].cost_per_lead.up_to")
    assert cap.kind == "channel_bound" and cap.limit == 3000 and cap.binding
    assert plan.total_spend == pytest.approx(2000 * 35 + 1000 * 55 + 1000 * 70)
    assert [lim.kind for lim in build_program(s).limits if "cost_per_lead[0]" in lim.name] == ["tier"]


def test_one_tier_is_the_flat_price():
    flat = optimize(Scenario(channels=[{"name": "email", "cost_per_lead": 35}], targets={"leads": 10}))
    one = optimize(Scenario(channels=[{"name": "email", "cost_per_lead": [{"cost": 35}]}], targets={"leads": 10}))
    assert one.to_dict(timing=False) == flat.to_dict(timing=False)


def test_tiers_count_units_within_each_period():
    s = Scenario(periods=["Q1", "Q2"], targets={"leads": 300},
                 channels=[{"name": "email", "cost_per_lead": [{"up_to": 100, "cost": 1}, {"cost": 3}]},
                           {"name": "search", "cost_per_lead": 2}])
    plan = optimize(s)
    # 100 cheap leads in each quarter (200), then 100 from search at 2: 400
    assert plan.total_spend == pytest.approx(400)
    for p in plan.periods:
        assert next(c for c in p.channels if c.name == "email").units == pytest.approx(100)
    assert len(plan.program.tier_groups) == 2


def test_a_tier_list_for_one_period():
    s = Scenario(periods=["Q1", "Q2"], targets={"leads": 300},
                 channels=[{"name": "email", "cost_per_lead": {"Q1": [{"up_to": 100, "cost": 1}, {"cost": 3}],
                                                               "Q2": 5}},
                           {"name": "search", "cost_per_lead": 2}])
    plan = optimize(s)
    assert plan.total_spend == pytest.approx(100 * 1 + 200 * 2)
    assert [g.period for g in plan.program.tier_groups] == ["Q1"]


def test_verification_catches_units_out_of_order_and_names_the_tier():
    program = build_program(Scenario(channels=[{"name": "email", "cost_per_lead": EMAIL}], targets={"leads": 10}))
    ordered = verify_tiers(program, np.array([2000.0, 500.0, 0.0]))
    assert ordered.passed
    broken = verify_tiers(program, np.array([1000.0, 500.0, 0.0]))
    assert not broken.passed and broken.worst == "channels[email].cost_per_lead: tier 0 full before tier 1"
    assert broken.max_violation == pytest.approx(0.5)


def test_the_bundled_tiered_scenario_is_its_hand_built_milp():
    from pathlib import Path

    from optimizer import load_scenario

    plan = optimize(load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "b2b-tiered-search.yaml"))
    # x = search tiers 0, 1, 2 (leads), content leads, event booths, partner qualified leads, and the
    # events' on/off binary (its $40,000 booth, paid when any show is bought; 0 or 2 to 6 shows).
    # revenue per unit at $40,000 a deal: search 0.30 x 0.40 x 0.20 = 0.024 deals a lead; content
    # 0.15 x 0.4 x 0.2 = 0.012; a booth 110 qualified x 0.4 x 0.26 = 11.44; a partner lead 0.4 x 0.3 = 0.12
    cost = np.array([35, 55, 90, 70, 55_000, 900, 40_000])
    revenue = np.array([0.024, 0.024, 0.024, 0.012, 11.44, 0.12, 0]) * 40_000
    qualified = [0.3, 0.3, 0.3, 0.15, 110, 1, 0]
    rows = [(-revenue, -6e6), (qualified, 1600), (cost, 900_000), ([0, 0, 0, 70, 0, 0, 0], 120_000),
            ([0, 0, 0, 0, 1, 0, -6], 0), ([0, 0, 0, 0, -1, 0, 2], 0)]  # shows <= 6 x on, shows >= 2 x on
    res = milp(cost, constraints=LinearConstraint([r for r, _ in rows], -np.inf, [b for _, b in rows]),
               bounds=Bounds([0] * 7, [2000, 3000, np.inf, np.inf, 6, 250, 1]), integrality=[0] * 6 + [1],
               options={"mip_rel_gap": 1e-9})
    assert res.status == 0
    assert plan.total_spend == pytest.approx(res.fun, rel=1e-9)
    search = next(c for c in plan.channels if c.name == "paid_search")
    assert search.units == pytest.approx(res.x[:3].sum(), rel=1e-9)
    assert [t.units for t in search.tiers] == pytest.approx(list(res.x[:3]), abs=1e-6)
    events = next(c for c in plan.channels if c.name == "events")
    assert (events.used, events.fixed_cost) == (True, 40_000)
    assert events.spend == pytest.approx(55_000 * res.x[4] + 40_000)


def test_cbc_solves_the_order_binaries_too():
    s = Scenario(objective="max_leads", budget=100_000,
                 channels=[{"name": "email", "cost_per_lead": [{"up_to": 1000, "cost": 50}, {"cost": 20}]},
                           {"name": "search", "cost_per_lead": 30}])
    assert optimize(s, solver="cbc").objective_value == pytest.approx(3500)  # by hand, as above


def test_a_volume_discount_in_each_period_is_ordered_per_period():
    s = Scenario(periods=["Q1", "Q2"], budget={"Q1": 1000, "Q2": 3000}, objective="max_leads",
                 channels=[{"name": "email", "cost_per_lead": [{"up_to": 100, "cost": 5}, {"cost": 1}]},
                           {"name": "search", "cost_per_lead": 3}])
    plan = optimize(s)
    # Q1: 100 at 5, then 500 at 1 (600 > 333 from search); Q2: 100 at 5, then 2,500 at 1
    assert plan.objective_value == pytest.approx(3200)
    assert [[t.units for t in p.channels[0].tiers] for p in plan.periods] == [pytest.approx([100, 500]),
                                                                               pytest.approx([100, 2500])]


def test_a_capped_last_tier_beyond_the_target_is_named_in_the_conflict():
    s = Scenario(channels=[{"name": "email", "cost_per_lead": [{"up_to": 2000, "cost": 35}, {"up_to": 3000,
                                                                                                "cost": 55}]}],
                 targets={"leads": 4000})
    plan = optimize(s)
    assert plan.status == "infeasible"
    assert set(plan.diagnosis.conflict) == {"targets.leads", "channels[email].cost_per_lead.up_to"}
