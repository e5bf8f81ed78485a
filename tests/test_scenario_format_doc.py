"""docs/scenario-format.md stays true: every field is documented, and its YAML examples are valid
scenarios that mean what the text says (numbers derived by hand here, not copied from output)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from optimizer import Scenario, optimize
from optimizer.scenario.funnel import STAGES
from optimizer.scenario.schema import Channel, ConstraintSpec, Funnel

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "scenario-format.md").read_text()


def yaml_block(heading: str, index: int = 0) -> str:
    """The ``index``-th ```yaml block of the section under ``heading``."""
    section = DOC.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```yaml\n(.*?)^```", section, re.S | re.M)[index]


@pytest.mark.parametrize("model", [Scenario, Funnel, Channel, ConstraintSpec])
def test_every_field_is_documented(model) -> None:
    missing = [f for f in model.model_fields if f"`{f}`" not in DOC]
    assert not missing, f"{model.__name__} fields missing from docs/scenario-format.md: {missing}"


def test_every_stage_and_price_is_documented() -> None:
    for word in (*STAGES, "cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost"):
        assert f"`{word}`" in DOC


def test_the_small_scenario_costs_what_the_text_says() -> None:
    scenario = Scenario.model_validate(yaml.safe_load(yaml_block("A small scenario")))
    plan = optimize(scenario)
    # 10 deals / 0.2 won / 1 opportunity per qualified lead / 0.25 qualified = 200 leads at 45
    assert plan.status == "optimal"
    assert plan.allocation.loc["email", "units"] == pytest.approx(200)
    assert plan.objective_value == pytest.approx(9000)


def test_the_complete_example_uses_every_field_and_solves() -> None:
    data = yaml.safe_load(yaml_block("A complete, annotated example"))
    used_channel_fields = {k for c in data["channels"] for k in c}
    # the fields of periods are the quarterly example's (test_the_quarterly_example_uses_every_period_field)
    by_period = {"periods", "pipeline", "sales_cycle", "available"}
    # set-up costs and minimum buys make a mixed-integer model: their section's example has them
    # (test_the_set_up_example_costs_what_the_text_says)
    set_up = {"fixed_cost", "min_units_if_used", "min_spend_if_used"}
    # the sales team's section has its own example (test_the_sales_team_example_is_what_the_text_says)
    assert set(Scenario.model_fields) - by_period - {"sales_team"} <= set(data)
    assert set(Funnel.model_fields) - {"deal_value"} - by_period <= set(data["funnel"])  # deal_value: top level
    # a response curve replaces a price: its example is the section's own (tests/scenario/test_curves_input.py)
    assert set(Channel.model_fields) - {"response_rate", "opportunity_rate", "deal_value", "response_curve"} \
        - by_period - set_up <= used_channel_fields

    scenario = Scenario.model_validate(data)
    assert scenario.warnings == ()
    y = scenario.yields
    # entry stages, as the comments say
    assert {c: y[c].entry for c in y} == {"direct_mail": "reach", "email": "leads", "partners": "qualified_leads",
                                         "webinars": "leads", "events": "leads", "video": None}
    # direct mail: 1 contact -> 0.015 leads -> x0.25 -> x0.4 -> x0.2 -> x38,000
    assert y["direct_mail"].per_unit["revenue"] == pytest.approx(0.015 * 0.25 * 0.4 * 0.2 * 38000)
    assert y["email"].per_unit["qualified_leads"] == pytest.approx(0.12)  # its own 12%
    # events: 110 qualified leads as given (not 300 x 0.25 = 75), then x0.4 x0.2 x38,000
    assert y["events"].per_unit["qualified_leads"] == 110
    assert y["events"].per_unit["revenue"] == pytest.approx(110 * 0.4 * 0.2 * 38000)
    assert y["video"].per_unit["impressions"] == 400_000
    assert y["video"].per_unit["deals"] == 0

    plan = optimize(scenario)
    assert plan.status == "optimal"
    units = plan.allocation["units"]
    assert units["webinars"] == pytest.approx(round(units["webinars"]), abs=1e-6)  # integer: true
    assert units["partners"] >= 50 - 1e-6 and plan.allocation.loc["events", "spend"] >= 110_000 - 1e-3
    assert plan.totals["revenue"] >= 4.2e6 * (1 - 1e-9)
    assert plan.totals["impressions"] >= 2e6 * (1 - 1e-9)
    assert plan.totals["qualified_leads"] <= 1500 * (1 + 1e-9)
    assert plan.allocation.loc["direct_mail", "spend"] <= 0.3 * plan.total_spend + 1e-6


def test_the_constraint_examples_parse_against_the_b2b_scenario() -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "b2b-annual-plan.yaml").read_text())
    data["constraints"] = yaml.safe_load(yaml_block("Constraints"))["constraints"]
    scenario = Scenario.model_validate(data)
    parsed = [spec.parsed for spec in scenario.constraints]
    assert parsed[1].terms == {("units", "partners"): 1.0, ("units", "events"): -2.0}
    assert (parsed[1].constant, parsed[1].sense) == (-10.0, ">=")
    assert parsed[2].terms == {("qualified_leads", "email"): 1.0, ("qualified_leads", "webinars"): 1.0,
                               ("qualified_leads", None): -0.5}
    assert (parsed[3].terms, parsed[3].constant, parsed[3].sense) == ({("spend", "events"): 1.0}, -110_000, "==")


def test_targets_and_caps_example() -> None:
    fragment = yaml.safe_load(yaml_block("Targets and caps"))
    assert fragment == {"targets": {"revenue": 4_800_000, "deals": 100}, "caps": {"qualified_leads": 3200}}


def test_rates_that_do_not_apply_are_warnings() -> None:
    scenario = Scenario(
        funnel={"qualification_rate": 0.5, "win_rate": 0.2},
        channels=[{"name": "tv", "unit_cost": 10, "yields": {"impressions": 1000}, "win_rate": 0.3},
                  {"name": "booth", "unit_cost": 10, "yields": {"leads": 10, "qualified_leads": 4},
                   "qualification_rate": 0.2, "response_rate": 0.1},
                  {"name": "email", "cost_per_lead": 5, "response_rate": 0.1}],
        targets={"deals": 1})
    assert scenario.warnings == (
        "channels[tv].win_rate does not apply: the channel stays outside the funnel (its yields name no funnel "
        "stage)",
        "channels[booth].response_rate does not apply: the channel enters the funnel at leads",
        "channels[booth].qualification_rate does not apply: its yields give qualified_leads directly",
        "channels[email].response_rate does not apply: the channel enters the funnel at leads",
    )
    # and they change nothing: booth deals come from its 4 qualified leads, email's from 1 lead
    assert scenario.yields["booth"].per_unit["deals"] == pytest.approx(4 * 1 * 0.2)
    assert scenario.yields["email"].per_unit["deals"] == pytest.approx(0.5 * 0.2)


def test_the_quarterly_example_uses_every_period_field() -> None:
    data = yaml.safe_load(yaml_block("Periods"))
    assert {"periods", "pipeline"} <= set(data) and "sales_cycle" in data["funnel"]
    assert {"available", "sales_cycle"} <= {k for c in data["channels"] for k in c}
    assert {k for c in data["constraints"] for k in c} >= {"each_period", "period"}
    plan = optimize(Scenario.model_validate(data))
    assert plan.status == "optimal"
    names = {c.name for c in plan.constraints}
    assert {"budget", "budget.Q4", "caps.qualified_leads.Q3", "targets.deals.Q4", "channels[events].available",
            "constraints[0].Q2", "constraints[q1_email].Q1", "channels[events].max_units.Q3"} <= names
    # events run only in Q1 and Q3; email's Q1 spend at least 20,000
    spend = {p.name: {c.name: c.spend for c in p.channels} for p in plan.periods}
    assert spend["Q2"]["events"] == spend["Q4"]["events"] == 0
    assert spend["Q1"]["email"] >= 20_000 * (1 - 1e-9)
    assert plan.totals["revenue"] >= 8e6 * (1 - 1e-9)


def set_up_block() -> str:
    section = DOC.split("\n### Set-up costs and minimum buys\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```yaml\n(.*?)^```", section, re.S | re.M)[0]


def test_the_set_up_example_costs_what_the_text_says() -> None:
    """The trade-show channel of "Set-up costs and minimum buys", beside $50 leads (up to 2,000), for
    2,300 leads: one show (43,000) and 2,000 leads (100,000) would be 143,000, but the minimum buy
    is two shows, so 2 shows (25,000 + 36,000 = 61,000, 600 leads) and 1,700 leads (85,000): 146,000."""
    channels = yaml.safe_load(set_up_block())["channels"]
    data = {"budget": 500_000, "targets": {"leads": 2300},
            "channels": [{"name": "email", "cost_per_lead": 50, "max_units": 2000}, *channels]}
    plan = optimize(Scenario.model_validate(data))
    assert plan.status == "optimal"
    assert plan.allocation.loc["trade_shows", "units"] == pytest.approx(2)
    assert plan.allocation.loc["trade_shows", "spend"] == pytest.approx(25_000 + 2 * 18_000)
    assert plan.objective_value == pytest.approx(1700 * 50 + 25_000 + 2 * 18_000)
    data["channels"][1] = {**channels[0], "min_units_if_used": 0}  # without the minimum buy: one show
    assert optimize(Scenario.model_validate(data)).objective_value == pytest.approx(2000 * 50 + 25_000 + 18_000)


def test_the_sales_team_example_is_what_the_text_says() -> None:
    from optimizer.scenario.sales_team import Role

    data = yaml.safe_load(yaml_block("Sales team"))
    assert [f for f in Role.model_fields if f"`{f}`" not in DOC.split("\n## Sales team\n", 1)[1]] == []
    assert set(Role.model_fields) <= set(data["sales_team"][0])
    data.update(targets={"opportunities": {"Q4": 50}}, funnel={"opportunity_rate": 0.4},
                channels=[{"name": "search", "cost_per_qualified_lead": 100}])
    scenario = Scenario.model_validate(data)
    sdr, ae = scenario.sales_team
    assert (sdr.metric, sdr.per_rep, [sdr.share(k) for k in range(3)]) == ("qualified_leads", 120, [0.25, 0.75, 1])
    assert ae.most_hires("Q1") == 1 and ae.most_hires(None) is None
    plan = optimize(scenario)
    # Q4: 50 opportunities take 125 qualified leads, within the 720 the six SDRs follow up; 25 x 4 AEs
    # follow up 100 opportunities: nobody is hired, and 125 leads cost $12,500
    assert plan.status == "optimal" and plan.objective_value == pytest.approx(12_500)
    assert plan.hiring_cost == 0
