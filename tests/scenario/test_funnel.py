"""Funnel semantics (issue 3, section 1), per unit of one channel, derived by hand."""

from __future__ import annotations

import pytest

from optimizer.scenario.funnel import channel_yields

FUNNEL = {"response_rate": 0.02, "qualification_rate": 0.25, "opportunity_rate": None, "win_rate": 0.2,
          "deal_value": 40_000.0}


@pytest.mark.parametrize(("price", "entry", "expected"), [
    # reach 1 -> 0.02 leads -> 0.005 qualified -> x1 (opportunity_rate given nowhere) -> x0.2 -> x40,000
    ("cost_per_contact", "reach", [1, 0.02, 0.005, 0.005, 0.001, 40.0]),
    ("cost_per_lead", "leads", [0, 1, 0.25, 0.25, 0.05, 2000.0]),
    ("cost_per_qualified_lead", "qualified_leads", [0, 0, 1, 1, 0.2, 8000.0]),
])
def test_entry_stage_per_price_and_each_later_stage(price: str, entry: str, expected: list[float]) -> None:
    y = channel_yields(price, None, {}, FUNNEL)
    assert y.entry == entry
    stages = ["reach", "leads", "qualified_leads", "opportunities", "deals", "revenue"]
    assert [y.per_unit[s] for s in stages] == pytest.approx(expected)
    assert y.missing == {} and y.ignored_rates == ()


def test_a_channel_rate_overrides_the_funnel_and_the_default_opportunity_rate() -> None:
    y = channel_yields("cost_per_lead", None, {"qualification_rate": 0.5, "opportunity_rate": 0.4}, FUNNEL)
    assert y.per_unit["deals"] == pytest.approx(0.5 * 0.4 * 0.2)
    assert y.per_unit["revenue"] == pytest.approx(0.5 * 0.4 * 0.2 * 40_000)


def test_unit_cost_enters_at_the_earliest_stage_of_its_yields_and_takes_given_stages_as_given() -> None:
    y = channel_yields("unit_cost", {"impressions": 50_000, "leads": 300, "qualified_leads": 110}, {}, FUNNEL)
    assert y.entry == "leads"
    assert y.per_unit["reach"] == 0
    assert y.per_unit["leads"] == 300
    assert y.per_unit["qualified_leads"] == 110  # not 300 x 0.25 = 75
    assert y.per_unit["deals"] == pytest.approx(110 * 0.2)
    assert y.per_unit["impressions"] == 50_000  # an invented metric, per unit


def test_unit_cost_without_a_funnel_stage_stays_outside() -> None:
    y = channel_yields("unit_cost", {"audience": 9000}, {"win_rate": 0.3}, FUNNEL)
    assert y.entry is None
    assert y.per_unit["audience"] == 9000
    assert all(y.per_unit[s] == 0 for s in ("reach", "leads", "deals", "revenue"))
    assert y.ignored_rates == ("win_rate",)


def test_rates_at_or_before_the_entry_or_into_a_given_stage_do_not_apply() -> None:
    y = channel_yields("unit_cost", {"leads": 10, "qualified_leads": 4},
                       {"response_rate": 0.1, "qualification_rate": 0.9, "win_rate": 0.5}, FUNNEL)
    assert y.ignored_rates == ("response_rate", "qualification_rate")
    assert y.per_unit["deals"] == pytest.approx(4 * 0.5)  # the channel's win rate does apply


def test_a_missing_rate_leaves_later_stages_unknown_and_names_the_first_missing_rate() -> None:
    y = channel_yields("cost_per_contact", None, {}, {"qualification_rate": 0.25})
    assert y.per_unit["reach"] == 1
    assert [y.per_unit[s] for s in ("leads", "qualified_leads", "deals", "revenue")] == [None] * 4
    assert y.missing == {"leads": "response_rate", "qualified_leads": "response_rate",
                         "opportunities": "response_rate", "deals": "response_rate", "revenue": "response_rate"}


def test_a_stage_given_in_yields_restarts_the_funnel_after_a_missing_rate() -> None:
    y = channel_yields("unit_cost", {"reach": 1000, "qualified_leads": 5}, {}, {"win_rate": 0.2})
    assert y.per_unit["leads"] is None and y.missing["leads"] == "response_rate"
    assert y.per_unit["qualified_leads"] == 5
    assert y.per_unit["deals"] == pytest.approx(5 * 1 * 0.2)
    assert y.missing == {"leads": "response_rate", "revenue": "deal_value"}
