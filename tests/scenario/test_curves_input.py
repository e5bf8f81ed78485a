"""Response curves as input: the tiered price a curve becomes (costs derived by hand), its rules
and their exact messages, periods, paths, the fingerprint and the round trip through data."""

import re
from pathlib import Path

import pytest
import yaml

from optimizer import Scenario
from optimizer.errors import ScenarioError
from optimizer.scenario.curves import response_curve
from optimizer.scenario.loading import load_scenario
from optimizer.scenario.paths import apply_changes

ROOT = Path(__file__).resolve().parents[2]
POINTS = [[0, 0], [20000, 900], [50000, 1700], [100000, 2400]]


def scenario(curve=None, **extra) -> Scenario:
    channel = {"name": "search", "response_curve": {"stage": "leads", "points": POINTS} if curve is None else curve}
    extra.setdefault("targets", {"leads": 100})
    return Scenario(channels=[{**channel, **extra.pop("channel", {})}], **extra)


def message(curve=None, **extra) -> str:
    with pytest.raises(ScenarioError) as info:
        scenario(curve, **extra)
    return str(info.value)


def test_a_curve_is_the_tiered_price_in_its_stage():
    c = scenario().channels[0]
    assert c.price_field == "cost_per_lead" and c.price_path == "response_curve"
    assert [t.up_to for t in c.cost_per_lead] == [900, 1700, 2400]
    assert [t.cost for t in c.cost_per_lead] == pytest.approx([20000 / 900, 30000 / 800, 50000 / 700])
    assert c.price == pytest.approx(20000 / 900)  # "what 1,000 buys" is at the first segment's price


@pytest.mark.parametrize(("stage", "field"), [("reach", "cost_per_contact"), ("contacts", "cost_per_contact"),
                                              ("leads", "cost_per_lead"),
                                              ("qualified_leads", "cost_per_qualified_lead"),
                                              ("opportunities", "unit_cost"), ("deals", "unit_cost"),
                                              ("demos", "unit_cost")])
def test_each_stage_is_bought_by_its_own_price(stage, field):
    s = scenario({"stage": stage, "points": POINTS}, targets={})
    c = s.channels[0]
    assert c.price_field == field
    own = "reach" if stage == "contacts" else stage
    assert c.response_curve.stage == own
    assert s.yields["search"].per_unit[own] == 1.0
    if field == "unit_cost":
        assert c.yields == {own: 1.0}


def test_points_flat_at_the_end_buy_nothing_more():
    c = scenario({"stage": "leads", "points": [*POINTS, [120000, 2400], [150000, 2400]]}).channels[0]
    assert [t.up_to for t in c.cost_per_lead] == [900, 1700, 2400]
    assert c.response_curve.cap == 2400 and c.response_curve.amount_at(140000) == 2400


def test_a_curve_walks_both_ways():
    curve = scenario().channels[0].response_curve
    assert curve.amount_at(35000) == pytest.approx(900 + 15000 / 37.5)
    assert curve.spend_for(2000) == pytest.approx(50000 + 300 * 50000 / 700)
    assert curve.concave
    assert not response_curve({"stage": "leads", "points": [[0, 0], [10, 1], [20, 5]]}).concave


CURVE = "channels[search].response_curve"


@pytest.mark.parametrize(("curve", "expected"), [
    ({"stage": "leads", "points": [[0, 0], [20000, 900], [10000, 1700]]},
     ".points[2]: spend 10000 is not above the point before's 20000; allowed: spend strictly rising from point to "
     "point"),
    ({"stage": "leads", "points": [[0, 0], [20000, 900], [20000, 1700]]},
     ".points[2]: spend 20000 is not above the point before's 20000; allowed: spend strictly rising from point to "
     "point"),
    ({"stage": "leads", "points": [[0, 0], [20000, 900], [30000, 800]]},
     ".points[2]: amount 800 is below the point before's 900; allowed: amounts that never fall (more spend buys at "
     "least as much)"),
    ({"stage": "leads", "points": [[100, 0], [20000, 900]]},
     ".points[0]: the curve starts at [100, 0]; allowed: a first point [0, 0] (no spend buys nothing)"),
    ({"stage": "leads", "points": [[0, 0], [20000, -5]]},
     ".points[1]: the amount -5 is not a number >= 0; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6)"),
    ({"stage": "leads", "points": [[0, 0], ["lots", 5]]},
     '.points[1]: the spend "lots" is not a number; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6)'),
    ({"stage": "leads", "points": [[0, 0], [20000, 900, 3]]},
     ".points[1]: a list of 3 numbers is not a point; allowed: a pair [spend, amount], such as [20000, 900]"),
    ({"stage": "leads", "points": [[0, 0]]},
     ".points: one point is given, and a curve needs two or more; allowed: points from [0, 0] on, such as "
     "[[0, 0], [20000, 900], [50000, 1700]]"),
    ({"stage": "leads", "points": [[0, 0], [100, 0]]},
     ".points: every point's amount is 0: the curve buys nothing; allowed: a curve whose amount rises, such as "
     "[[0, 0], [20000, 900], [50000, 1700]]"),
    ({"stage": "leads", "points": [[0, 0], [1e9, 1e-7]]},
     ".points[1]: the segment to this point costs 1e+16 per unit (spend 1000000000 for an amount of 1e-07); "
     'allowed: a cost per unit at most 1e15 (docs/scenario-format.md, "Limits of the input")'),
    ({"stage": "lead", "points": POINTS},
     '.stage: "lead" looks like a misspelt funnel stage (did you mean leads?); allowed: a stage (reach, leads, '
     "qualified_leads, opportunities, deals, revenue) or a metric of your own"),
    ({"points": POINTS},
     ".stage: is required and missing; allowed: a funnel stage (reach, leads, qualified_leads, opportunities, "
     "deals, revenue) or a metric of your own"),
    ({"stage": "leads"},
     ".points: is required and missing; allowed: [spend, amount] points such as [[0, 0], [20000, 900], [50000, "
     "1700]]"),
    ({"stage": "leads", "points": POINTS, "shape": "s"},
     '.shape: unknown field "shape"; allowed: stage, points'),
    (35, ": 35 is not a response curve; allowed: a mapping such as {stage: leads, points: [[0, 0], [20000, 900], "
         "[50000, 1700]]}"),
])
def test_a_bad_curve_is_an_input_error_naming_the_point(curve, expected):
    assert message(curve) == CURVE + expected


def test_a_curve_and_a_price_are_two_prices():
    assert message(channel={"cost_per_lead": 30}) == (
        "channels[search]: 2 prices are given (cost_per_lead, response_curve); allowed: exactly one of "
        "cost_per_contact, cost_per_lead, cost_per_qualified_lead, unit_cost, response_curve")
    with pytest.raises(ScenarioError) as info:
        Scenario(channels=[{"name": "search"}])
    assert str(info.value) == ("channels[search]: no price is given; allowed: exactly one of cost_per_contact, "
                               "cost_per_lead, cost_per_qualified_lead, unit_cost, response_curve")


def test_yields_are_not_read_with_a_curve():
    assert message(channel={"yields": {"leads": 3}}) == (
        "channels[search]: yields is not read for a response_curve channel: its units are the curve's "
        "stage; allowed: remove yields, or price the channel by unit_cost with yields")


def test_a_curve_by_period():
    q1 = {"stage": "leads", "points": [[0, 0], [100, 10]]}
    q2 = {"stage": "leads", "points": [[0, 0], [100, 20]]}
    s = scenario({"Q1": q1, "Q2": q2}, periods=["Q1", "Q2"])
    assert [t.cost for t in s.channels[0].cost_per_lead["Q2"]] == [5.0]
    with pytest.raises(ScenarioError) as info:
        scenario({"Q1": q1, "Q3": q2}, periods=["Q1", "Q2"])
    assert 'channels[search].response_curve.Q3: "Q3" is not a period of this scenario' in str(info.value)
    with pytest.raises(ScenarioError) as info:
        scenario({"Q1": q1, "Q2": {**q2, "stage": "deals"}}, periods=["Q1", "Q2"])
    assert str(info.value) == ('channels[search].response_curve.Q2.stage: the stage "deals" differs from the '
                               'first period\'s "leads"; allowed: one stage in every period (the channel\'s units)')
    with pytest.raises(ScenarioError) as info:
        scenario({"Q1": q1})
    assert str(info.value).startswith("channels[search].response_curve: a mapping by period needs periods")


def test_the_data_of_a_curve_validates_back_to_the_same_scenario():
    s = scenario({"stage": "demos", "points": POINTS}, targets={"demos": 5})
    data = s.to_data()
    assert "unit_cost" not in data["channels"][0] and "yields" not in data["channels"][0]
    assert Scenario(**data) == s and Scenario(**data).sha256 == s.sha256


def test_the_fingerprint_tells_a_curve_from_the_tiers_it_equals():
    curve = scenario()
    tiers = Scenario(channels=[{"name": "search", "cost_per_lead": [
        {"up_to": 900, "cost": 20000 / 900}, {"up_to": 1700, "cost": 30000 / 800},
        {"up_to": 2400, "cost": 50000 / 700}]}],
        targets={"leads": 100})
    assert tiers.channels[0].cost_per_lead == curve.channels[0].cost_per_lead
    assert curve.sha256 != tiers.sha256  # the outputs differ: the cap's name and the notes
    again = scenario({"stage": "leads", "points": [[0, 0], ["2e4", 900], [50_000, 1700], [1e5, 2400.0]]})
    assert again.sha256 == curve.sha256


@pytest.mark.parametrize(("path", "value", "costs"), [
    ("channels[search].response_curve.points[2]", [60000, 1800], [20000 / 900, 40000 / 900, 40000 / 600]),
    ("channels[search].response_curve.points[2][1]", 2000, [20000 / 900, 30000 / 1100, 50000 / 400]),
    ("channels[search].response_curve.points[3][0]", 120000, [20000 / 900, 30000 / 800, 70000 / 700]),
])
def test_set_moves_a_point(path, value, costs):
    changed = apply_changes(scenario(), {path: value})
    assert [t.cost for t in changed.channels[0].cost_per_lead] == pytest.approx(costs)


def test_set_changes_the_stage_and_refuses_what_names_no_point():
    assert apply_changes(scenario(), {"channels[search].response_curve.stage": "reach",
                                       "funnel.response_rate": 0.1}).channels[0].price_field \
        == "cost_per_contact"
    with pytest.raises(ScenarioError) as info:
        apply_changes(scenario(), {"channels[search].response_curve.points[7]": [1, 1]})
    assert str(info.value) == (
        "channels[search].response_curve.points[7]: channels[search].response_curve has 4 points, numbered from 0; "
        "allowed: channels[search].response_curve.points[0] to channels[search].response_curve.points[3], or "
        "channels[search].response_curve=CURVE for another list of points")
    with pytest.raises(ScenarioError) as info:
        apply_changes(scenario(), {"channels[search].response_curve.points[1][2]": 5})
    assert "does not name a part of the curve; allowed: channels[search].response_curve.points[1]=[SPEND, AMOUNT]" \
        in str(info.value)
    with pytest.raises(ScenarioError) as info:
        apply_changes(scenario(), {"channels[search].response_curve.points[2]": [10000, 1000]})
    assert str(info.value) == ("channels[search].response_curve.points[2]: spend 10000 is not above the "
                               "point before's 20000; allowed: spend strictly rising from point to point")


def test_the_docs_example_is_the_tiered_price_the_docs_give():
    doc = (ROOT / "docs" / "scenario-format.md").read_text()
    section = doc.split("\n### Response curves\n", 1)[1].split("\n## ", 1)[0]
    data = yaml.safe_load(re.findall(r"^```yaml\n(.*?)^```", section, re.S | re.M)[0])
    s = Scenario(**data, targets={"leads": 10})
    shown = re.search(r"tiered\s+price `(\[.*?\])`", section, re.S).group(1)
    tiers = yaml.safe_load(shown.replace("\n", " "))
    assert [(t.up_to, round(t.cost, 2)) for t in s.channels[0].cost_per_lead] == [
        (t["up_to"], t["cost"]) for t in tiers]


def test_a_sheet_column_response_curve_is_an_input_error(tmp_path):
    (tmp_path / "channels.csv").write_text("name,cost_per_lead,response_curve\nemail,20,\n")
    (tmp_path / "plan.yaml").write_text("targets: {leads: 10}\nchannels: channels.csv\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "plan.yaml")
    assert str(info.value) == (
        f"{tmp_path / 'channels.csv'}: row 1, response_curve: a response curve cannot come from a channel sheet (it is "
        "a list of points); allowed: the channel in the scenario file's channels list, with response_curve: {stage: "
        "leads, points: [[0, 0], [20000, 900], ...]}")


def test_validate_warns_which_model_a_curve_makes():
    assert scenario().warnings == ("response curve on channels[search]: concave, an LP",)
    s = scenario({"stage": "leads", "points": [[0, 0], [30000, 200], [60000, 1500]]})
    assert s.warnings == ("mixed-integer: non-concave response curve on channels[search]",)


def test_the_price_a_curve_becomes_is_not_set_nor_swept():
    with pytest.raises(ScenarioError) as info:
        apply_changes(scenario(), {"channels[search].cost_per_lead[0].cost": 10})
    assert str(info.value) == (
        "channels[search].cost_per_lead[0].cost: channels[search] is priced by a response curve, so it has no "
        "cost_per_lead of its own; allowed: channels[search].response_curve.points[K]=[SPEND, AMOUNT] (a point), or "
        "channels[search].response_curve=null with channels[search].cost_per_lead=NUMBER (a price instead of the "
        "curve)")
    flat = apply_changes(scenario(), {"channels[search].response_curve": None, "channels[search].cost_per_lead": 40})
    assert flat.channels[0].cost_per_lead == 40 and flat.channels[0].response_curve is None
    from optimizer.scenario.tiers import tier_path

    with pytest.raises(ScenarioError) as info:
        tier_path(scenario(), "channels[search].cost_per_lead[0].cost")
    assert str(info.value) == (
        "--vary channels[search].cost_per_lead[0].cost: channels[search] is priced by a response curve, and "
        "cost_per_lead is the tiered price it becomes, which a sweep does not vary; allowed: --set "
        "channels[search].response_curve.points[K]=[SPEND, AMOUNT] for one run at a time")
