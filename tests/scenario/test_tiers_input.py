"""Tiered prices as input: the format, its rules and messages, sheets, one tier as a flat price."""

import pytest

from optimizer import Scenario
from optimizer.errors import ScenarioError
from optimizer.scenario.loading import load_scenario
from optimizer.scenario.tiers import Tier, describe, spend_of, units_for_spend

TIERS = [{"up_to": 2000, "cost": 35}, {"up_to": 5000, "cost": 55}, {"cost": 90}]


def scenario(price, **extra):
    return Scenario(channels=[{"name": "email", "cost_per_lead": price, **extra}], targets={"leads": 3000}, **{})


def message(price, **extra) -> str:
    with pytest.raises(ScenarioError) as info:
        scenario(price, **extra)
    return str(info.value)


def test_a_tier_list_is_read_in_order():
    c = scenario(TIERS).channels[0]
    assert c.cost_per_lead == (Tier(up_to=2000, cost=35), Tier(up_to=5000, cost=55), Tier(cost=90))
    assert c.tiered and c.price == 35 and c.price_field == "cost_per_lead"


def test_one_open_tier_is_the_flat_price_and_the_same_fingerprint():
    one, flat = scenario([{"cost": 35}]), scenario(35)
    assert one == flat and one.sha256 == flat.sha256
    assert scenario(TIERS).sha256 != flat.sha256


def test_a_tiered_scenario_round_trips_through_its_data():
    s = scenario(TIERS)
    assert Scenario(**s.to_data()) == s


@pytest.mark.parametrize(("price", "expected"), [
    ([], "channels[email].cost_per_lead: the list is empty; allowed: a number, or tiers such as [{up_to: 2000, "
         "cost: 35}, {up_to: 5000, cost: 55}, {cost: 90}]"),
    ([{"up_to": 2000, "cost": 35}, {"up_to": 2000, "cost": 55}],
     "channels[email].cost_per_lead[1].up_to: 2000 is not above the tier before's up_to 2000; allowed: up_to "
     "strictly rising (cumulative units), such as [{up_to: 2000, cost: 35}, {up_to: 5000, cost: 55}, {cost: 90}]"),
    ([{"cost": 35}, {"cost": 55}],
     "channels[email].cost_per_lead[0].up_to: is missing, and only the last tier may leave it out; allowed: a "
     "number > 0 (the units this tier reaches, counted from the first unit)"),
    ([{"up_to": 0, "cost": 35}],
     "channels[email].cost_per_lead[0].up_to: 0 is not a positive number; allowed: a number > 0 (4800000, "
     "4_800_000 or 4.8e6)"),
    ([{"up_to": 10, "cost": 35}, {"cost": -1}],
     "channels[email].cost_per_lead[1].cost: -1 is not a number >= 0; allowed: a number >= 0 (4800000, "
     "4_800_000 or 4.8e6)"),
    ([{"up_to": 10}], "channels[email].cost_per_lead[0].cost: is required and missing; allowed: a number >= 0 "
                      "(4800000, 4_800_000 or 4.8e6)"),
    ([{"up_to": 10, "price": 3}], 'channels[email].cost_per_lead[0].price: unknown field "price"; allowed: '
                                  "up_to, cost"),
    ([35], "channels[email].cost_per_lead[0]: 35 is not a tier; allowed: a mapping such as {up_to: 2000, cost: 35} "
           "(the last tier may leave out up_to)"),
])
def test_bad_tiers_are_named_by_their_path(price, expected):
    assert message(price) == expected


def test_tiers_per_period_are_checked_by_period():
    with pytest.raises(ScenarioError) as info:
        Scenario(periods=["Q1", "Q2"], targets={"leads": 10},
                 channels=[{"name": "email", "cost_per_lead": {"Q1": [{"up_to": 5, "cost": 1}, {"up_to": 3, "cost": 2}],
                                                               "Q2": 4}}])
    assert str(info.value) == (
        "channels[email].cost_per_lead.Q1[1].up_to: 3 is not above the tier before's up_to 5; allowed: up_to "
        "strictly rising (cumulative units), such as [{up_to: 2000, cost: 35}, {up_to: 5000, cost: 55}, {cost: 90}]")
    s = Scenario(periods=["Q1", "Q2"], targets={"leads": 10},
                 channels=[{"name": "email", "cost_per_lead": {"Q1": TIERS, "Q2": 4}}])
    assert s.channels[0].cost_per_lead["Q2"] == 4 and s.channels[0].cost_per_lead["Q1"][2] == Tier(cost=90)


def test_a_tier_mapping_without_periods_needs_periods():
    with pytest.raises(ScenarioError) as info:
        scenario({"Q1": TIERS})
    assert str(info.value).startswith("channels[email].cost_per_lead: a mapping by period needs periods")


def test_the_schedule_by_hand():
    tiers = scenario(TIERS).channels[0].cost_per_lead
    assert spend_of(tiers, 2000) == 70_000 and spend_of(tiers, 6000) == 70_000 + 165_000 + 90_000
    assert units_for_spend(tiers, 70_000 + 55 * 100) == 2100
    assert units_for_spend(tiers, 0) == 0
    free = (Tier(up_to=10, cost=0), Tier(cost=2))
    assert units_for_spend(free, 4) == 12 and units_for_spend(free, 4, most=True) == 12
    assert units_for_spend(free, 0, most=True) == 10 and units_for_spend(free, 0) == 0
    assert describe(tiers, "$", "lead") == "$35 / lead to 2,000, $55 to 5,000, then $90"


def test_a_sheet_gives_tiers_by_column(tmp_path):
    (tmp_path / "channels.csv").write_text(
        "name,cost_per_lead,cost_per_lead[0].cost,cost_per_lead[0].up_to,cost_per_lead[1].cost\n"
        "email,,35,2000,55\nsearch,40,,,\n")
    (tmp_path / "plan.yaml").write_text("channels: channels.csv\ntargets: {leads: 100}\n")
    s = load_scenario(tmp_path / "plan.yaml")
    written = Scenario(targets={"leads": 100}, channels=[
        {"name": "email", "cost_per_lead": [{"up_to": 2000, "cost": 35}, {"cost": 55}]},
        {"name": "search", "cost_per_lead": 40}])
    assert s.channels == written.channels and s.sha256 == written.sha256


def test_a_bad_tier_in_a_sheet_is_named_by_row_and_column(tmp_path):
    (tmp_path / "channels.csv").write_text(
        "name,cost_per_lead[0].cost,cost_per_lead[0].up_to,cost_per_lead[1].cost,cost_per_lead[1].up_to\n"
        "email,35,2000,55,1000\n")
    (tmp_path / "plan.yaml").write_text("channels: channels.csv\ntargets: {leads: 100}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "plan.yaml")
    assert str(info.value) == (
        f"{tmp_path / 'channels.csv'}: row 2, cost_per_lead[1].up_to: 1000 is not above the tier before's up_to "
        "2000; allowed: up_to strictly rising (cumulative units), such as [{up_to: 2000, cost: 35}, {up_to: 5000, "
        "cost: 55}, {cost: 90}]")


def test_a_tiered_channels_own_minimum_above_its_maximum_is_still_an_input_error():
    assert message(TIERS, min_spend=50, max_spend=20) == (
        "channels[email]: min_spend 50 is above max_spend 20; allowed: min_spend <= max_spend: lower one of them")
