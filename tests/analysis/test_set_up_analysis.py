"""Set-up costs and minimum buys in check, diagnosis and sweeps (issue 12, sections 3 and 4):
numbers derived by hand in each test."""

from __future__ import annotations

import pytest

from optimizer import Scenario, check, optimize, sweep
from optimizer.errors import ScenarioError

BOOTH = {"name": "booth", "unit_cost": 10_000, "yields": {"leads": 400}, "fixed_cost": 25_000, "max_units": 6}
EMAIL = {"name": "email", "cost_per_lead": 40, "max_units": 2500}


def booth_scenario(**booth) -> Scenario:
    return Scenario(budget=200_000, targets={"leads": 3000}, channels=[EMAIL, {**BOOTH, **booth}])


def test_a_proposal_spend_pays_the_set_up_first():
    result = check(booth_scenario(), {"booth": {"spend": 45_000}, "email": {"units": 1000}})
    booth = result.channels[1]
    # 45,000 - 25,000 = 20,000 buys 2 shows (800 leads); with 1,000 e-mail leads 1,800 of 3,000
    assert booth.units == pytest.approx(2) and booth.spend == pytest.approx(45_000)
    assert (booth.fixed_cost, booth.used) == (25_000, True)
    assert result.total_spend == pytest.approx(85_000)
    assert [(v.name, v.value, v.limit) for v in result.violations] == [("targets.leads", 1800, 3000)]
    # the optimum: 6 shows and 600 e-mail leads, 109,000 (tests/model/test_set_up.py)
    assert result.optimum.objective_value == pytest.approx(109_000)
    assert result.optimum.spend["booth"] == pytest.approx(85_000)
    # units given: the set-up is paid with them
    assert check(booth_scenario(), {"booth": {"units": 3}}).total_spend == pytest.approx(55_000)
    assert check(booth_scenario(), {"booth": {"units": 0}, "email": 4000}).channels[1].used is False


def test_a_spend_below_the_set_up_is_an_input_error():
    with pytest.raises(ScenarioError) as err:
        check(booth_scenario(), {"booth": {"spend": 5000}})
    assert str(err.value) == ("booth.spend: spend 5000 is below booth's set-up cost 25000 (fixed_cost), so it buys "
                              "nothing; allowed: 0, or at least 25000")
    with pytest.raises(ScenarioError) as err:  # a share of the budget too: 10% of 200,000
        check(booth_scenario(), {"booth": {"share": "10%"}})
    assert "spend 20000 is below booth's set-up cost 25000" in str(err.value)


def test_a_broken_minimum_buy_is_a_violation():
    result = check(booth_scenario(min_units_if_used=3), {"booth": {"units": 2}, "email": {"units": 2500}})
    broken = [v for v in result.violations if v.name == "channels[booth].min_units_if_used"]
    assert len(broken) == 1
    assert (broken[0].value, broken[0].limit, broken[0].by, broken[0].unit) == (2, 3, 1, "units")
    assert not result.feasible
    spend = check(booth_scenario(fixed_cost=0, min_spend_if_used=40_000), {"booth": {"units": 3}, "email": 2500})
    [v] = [v for v in spend.violations if v.name == "channels[booth].min_spend_if_used"]
    assert (v.value, v.limit, v.by, v.unit) == (30_000, 40_000, 10_000, "USD")


def test_with_periods_a_horizon_set_up_is_paid_from_the_first_period_spent_in():
    s = Scenario(periods=["Q1", "Q2"], budget=300_000, targets={"leads": 2000},
                 channels=[EMAIL, {**BOOTH, "max_units": {"Q1": 3, "Q2": 3}}])
    result = check(s, {"booth": {"Q1": {"units": 0}, "Q2": {"spend": 45_000}}, "email": {"Q1": 20_000}})
    q1, q2 = (p.channels[1] for p in result.periods)
    assert (q1.units, q2.units) == (0, pytest.approx(2))  # Q2's 45,000 pays the set-up, then 2 shows
    assert result.channels[1].spend == pytest.approx(45_000)
    result = check(s, {"booth": {"Q1": {"spend": 35_000}, "Q2": {"spend": 20_000}}})
    assert [p.channels[1].units for p in result.periods] == [pytest.approx(1), pytest.approx(2)]


def test_the_whole_units_line_covers_on_off_choices_and_names_the_minimum_buy():
    # the booth may yield at most 1,000 leads (2.5 shows), but buys at least 3 shows if used; e-mail
    # gives 2,500 of the 3,000 leads. With fractional set-ups the LP has a plan; with whole ones none.
    s = Scenario(budget=300_000, targets={"leads": 3000},
                 channels=[EMAIL, {**BOOTH, "fixed_cost": 0, "min_units_if_used": 3, "caps": {"leads": 1000}}])
    plan = optimize(s)
    assert plan.status == "infeasible"
    d = plan.diagnosis
    assert d.integer_only is True
    assert d.on_off == {"booth": True}
    assert sorted(d.conflict) == ["channels[booth].caps.leads", "channels[booth].min_units_if_used"]
    assert d.achievable == {"leads": pytest.approx(2500)}  # e-mail alone: the booth cannot be used


def test_a_sweep_counts_the_set_up_in_spend():
    frame = sweep(booth_scenario(), {"channels[booth].fixed_cost": [10_000, 60_000]})
    # 10,000: 6 shows + 600 e-mail = 94,000; 60,000: the same mix (e-mail alone cannot), 144,000
    assert frame["objective_value"].tolist() == pytest.approx([94_000, 144_000])
    assert frame["spend[booth]"].tolist() == pytest.approx([70_000, 120_000])
    frame = sweep(booth_scenario(), {"budget": [100_000, 150_000]})
    assert frame["status"].tolist() == ["infeasible", "optimal"]
    assert frame["spend[booth]"].tolist()[1] == pytest.approx(85_000)
