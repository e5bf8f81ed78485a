"""Tiered prices in the plan's JSON, CSV and tables, and in validate."""

import json

import pytest

from optimizer import Scenario, optimize
from optimizer.output.plan import plan_csv, plan_json, plan_table, understood, validate_table

EMAIL = [{"up_to": 2000, "cost": 35}, {"up_to": 5000, "cost": 55}, {"cost": 90}]


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Tables as wide as they need: a narrow COLUMNS would wrap the rows these tests look for."""
    monkeypatch.setenv("COLUMNS", "250")


def tiered():
    return Scenario(channels=[{"name": "email", "cost_per_lead": EMAIL}, {"name": "search", "cost_per_lead": 60}],
                    targets={"leads": 6000})


def test_json_gives_tiers_on_tiered_channels_only():
    doc = json.loads(plan_json(optimize(tiered()), timing=False))
    email, search = doc["channels"]
    # by hand: 2,000 at 35 and 3,000 at 55 fill the two first tiers; 1,000 more from search at 60 (< 90)
    assert email["tiers"] == [{"up_to": 2000, "cost": 35, "units": 2000, "spend": 70000},
                              {"up_to": 5000, "cost": 55, "units": 3000, "spend": 165000},
                              {"up_to": None, "cost": 90, "units": 0, "spend": 0}]
    assert "tiers" not in search and email["spend"] == 235000


def test_csv_has_a_tier_column_with_the_tier_rows_after_their_channel():
    lines = plan_csv(optimize(tiered())).splitlines()
    assert lines[0] == "channel,tier,units,spend,share,reach,leads,qualified_leads,opportunities,deals,revenue"
    assert [line.split(",")[:4] for line in lines[1:]] == [
        ["email", "", "5000.0", "235000.0"], ["email", "0", "2000.0", "70000.0"], ["email", "1", "3000.0", "165000.0"],
        ["email", "2", "0.0", "0.0"], ["search", "", "1000.0", "60000.0"]]


def test_a_scenario_without_tiers_writes_no_tier_column_or_key():
    plan = optimize(Scenario(channels=[{"name": "email", "cost_per_lead": 35}], targets={"leads": 10}))
    assert plan_csv(plan).splitlines()[0] == "channel,units,spend,share,reach,leads,qualified_leads,opportunities," \
                                             "deals,revenue"
    assert "tiers" not in json.loads(plan_json(plan))["channels"][0]
    assert "tiers" not in understood(plan.scenario)["channels"][0]


def test_with_periods_the_tier_rows_follow_each_period_row():
    s = Scenario(periods=["Q1", "Q2"], targets={"leads": 300},
                 channels=[{"name": "email", "cost_per_lead": [{"up_to": 100, "cost": 1}, {"cost": 3}]},
                           {"name": "search", "cost_per_lead": 2}])
    plan = optimize(s)
    lines = plan_csv(plan).splitlines()
    assert lines[0].startswith("channel,period,tier,units,spend,share,")
    assert [line.split(",")[:5] for line in lines[1:5]] == [
        ["email", "Q1", "", "100.0", "100.0"], ["email", "Q1", "0", "100.0", "100.0"],
        ["email", "Q1", "1", "0.0", "0.0"], ["email", "Q2", "", "100.0", "100.0"]]
    doc = plan.to_dict()
    assert doc["periods"][1]["channels"][0]["tiers"][0] == {"up_to": 100, "cost": 1, "units": 100, "spend": 100}
    assert "Tiers of email in Q2: 100 at $1.00." in plan_table(plan)


def test_the_table_shows_tier_rows_under_the_channel():
    text = plan_table(optimize(tiered()))
    assert "  tier 1 ($55.00, to 5,000) │ 3,000 │ $165,000" in text


def test_validate_shows_the_schedule():
    text = validate_table(tiered())
    assert "$35 / lead to 2,000, $55 to 5,000, then $90" in text
    assert understood(tiered())["channels"][0]["tiers"] == [{"up_to": 2000, "cost": 35}, {"up_to": 5000, "cost": 55},
                                                           {"up_to": None, "cost": 90}]
