"""Tier columns in a channel sheet (``cost_per_lead[0].cost``, ``cost_per_lead[0].up_to``, ...):
a tier list per row, checked by the YAML tiers' own rules and named by row and column."""

from __future__ import annotations

import pytest

from optimizer import Scenario, load_scenario, optimize
from optimizer.errors import ScenarioError

HEADER = "name,cost_per_lead[0].cost,cost_per_lead[0].up_to,cost_per_lead[1].cost,cost_per_lead[1].up_to"


def load(tmp_path, body: str):
    (tmp_path / "channels.csv").write_text(body)
    (tmp_path / "plan.yaml").write_text("channels: channels.csv\ntargets: {leads: 3000}\n")
    return load_scenario(tmp_path / "plan.yaml")


def error(tmp_path, body: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, body)
    return str(info.value).removeprefix(f"{tmp_path / 'channels.csv'}: ")


def test_tier_columns_make_the_schedule_and_rows_without_them_stay_flat(tmp_path):
    s = load(tmp_path, f"{HEADER},unit_cost,yields.leads\nsearch,35,2000,55,,,\nevents,,,,,5000,50\n")
    written = Scenario(targets={"leads": 3000}, channels=[
        {"name": "search", "cost_per_lead": [{"up_to": 2000, "cost": 35}, {"cost": 55}]},
        {"name": "events", "unit_cost": 5000, "yields": {"leads": 50}}])
    assert s.channels == written.channels and s.sha256 == written.sha256
    # and it plans as the written one does: by hand, 2,000 leads at $35 and 1,000 at $55 (events: $100 a lead)
    assert optimize(s).objective_value == pytest.approx(2000 * 35 + 1000 * 55)


def test_a_capped_last_tier_from_a_sheet_caps_the_channel(tmp_path):
    s = load(tmp_path, f"{HEADER}\nsearch,35,2000,55,2500\nemail,,,,\n".replace("email,,,,", "email,80,,,"))
    assert s.channels[0].cost_per_lead[-1].up_to == 2500
    # email is flat (one open tier: the plain number); by hand 2,000 at 35, 500 at 55, 500 at 80
    assert s.channels[1].cost_per_lead == 80
    assert optimize(s).objective_value == pytest.approx(2000 * 35 + 500 * 55 + 500 * 80)


def test_an_xlsx_sheet_gives_tiers_by_column(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["search", 35, 2000, 55, None])
    book.save(tmp_path / "channels.xlsx")
    (tmp_path / "plan.yaml").write_text("channels: channels.xlsx\ntargets: {leads: 3000}\n")
    assert load_scenario(tmp_path / "plan.yaml").channels[0].cost_per_lead == \
        Scenario(channels=[{"name": "search", "cost_per_lead": [{"up_to": 2000, "cost": 35}, {"cost": 55}]}],
                 targets={"leads": 3000}).channels[0].cost_per_lead


def test_a_flat_price_and_its_tiers_on_one_row_is_an_input_error(tmp_path):
    assert error(tmp_path, "name,cost_per_lead,cost_per_lead[0].cost,cost_per_lead[0].up_to,cost_per_lead[1].cost\n"
                           "search,40,,,\nemail,40,35,2000,55\n") == (
        "row 3, cost_per_lead[0].cost: cost_per_lead is given too; allowed: cost_per_lead (one price) or its tiers "
        "cost_per_lead[0].cost, ...")


@pytest.mark.parametrize(("row", "expected"), [
    ("search,35,2000,55,1000", "row 2, cost_per_lead[1].up_to: 1000 is not above the tier before's up_to 2000; "
                               "allowed: up_to strictly rising (cumulative units), such as [{up_to: 2000, cost: 35}, "
                               "{up_to: 5000, cost: 55}, {cost: 90}]"),
    ("search,35,,55,", "row 2, cost_per_lead[0].up_to: is missing, and only the last tier may leave it out; allowed: "
                       "a number > 0 (the units this tier reaches, counted from the first unit)"),
    ("search,,,55,", "row 2, cost_per_lead[0].cost: is required and missing; allowed: a number >= 0 (4800000, "
                     "4_800_000 or 4.8e6)"),
    ("search,35,2000,,3000", "row 2, cost_per_lead[1].cost: is required and missing; allowed: a number >= 0 "
                             "(4800000, 4_800_000 or 4.8e6)"),
    ("search,35,-5,55,", "row 2, cost_per_lead[0].up_to: -5 is not a positive number; allowed: a number > 0 "
                         "(4800000, 4_800_000 or 4.8e6)"),
    ("search,cheap,2000,55,", "row 2, cost_per_lead[0].cost: \"cheap\" is not a number; allowed: a number >= 0 "
                              "(4800000, 4_800_000 or 4.8e6)"),
])
def test_a_bad_tier_cell_is_named_by_row_and_column_with_the_yaml_rule(tmp_path, row, expected):
    assert error(tmp_path, f"{HEADER}\n{row}\n") == expected


def test_the_same_tier_in_yaml_gets_the_same_message_by_its_path():
    with pytest.raises(ScenarioError) as info:
        Scenario(channels=[{"name": "search", "cost_per_lead": [{"up_to": 2000, "cost": 35},
                                                                {"up_to": 1000, "cost": 55}]}])
    assert "channels[search].cost_per_lead[1].up_to: 1000 is not above the tier before's up_to 2000" in str(info.value)
