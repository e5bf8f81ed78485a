"""``validate`` on tiered prices: the price column shows the schedule, and "what 1,000 buys" is at
the first tier's cost (hand-computed: 1,000 / first cost, down the funnel's rates; a free first tier
that ends: along the schedule)."""

from __future__ import annotations

import pytest

from optimizer import Scenario
from optimizer.output.plan import understood, validate_table

SEARCH = [{"up_to": 2000, "cost": 35}, {"up_to": 5000, "cost": 55}, {"cost": 90}]


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Tables as wide as they need: a narrow COLUMNS would wrap the rows these tests look for."""
    monkeypatch.setenv("COLUMNS", "250")


def test_the_price_column_shows_the_schedule_and_1000_buys_at_the_first_tier():
    s = Scenario(channels=[{"name": "search", "cost_per_lead": SEARCH, "qualification_rate": 0.3},
                           {"name": "mail", "cost_per_contact": [{"up_to": 10_000, "cost": 2}, {"cost": 4}],
                            "response_rate": 0.05},
                           {"name": "booth", "unit_cost": [{"up_to": 2, "cost": 10_000}, {"cost": 25_000}],
                            "yields": {"leads": 200}}],
                 funnel={"qualification_rate": 0.2}, targets={"leads": 100})
    text = validate_table(s)
    assert "$35 / lead to 2,000, $55 to 5,000, then $90" in text
    assert "$2 / contact to 10,000, then $4" in text
    assert "$10,000 / unit to 2, then $25,000" in text
    per = {c["name"]: c["per_1000"] for c in understood(s)["channels"]}
    assert per["search"]["leads"] == pytest.approx(1000 / 35)
    assert per["search"]["qualified_leads"] == pytest.approx(1000 / 35 * 0.3)
    assert per["mail"]["reach"] == pytest.approx(1000 / 2)
    assert per["mail"]["leads"] == pytest.approx(1000 / 2 * 0.05)
    assert per["booth"]["leads"] == pytest.approx(1000 / 10_000 * 200)


def test_with_periods_each_periods_schedule_and_first_tier():
    s = Scenario(periods=["H1", "H2"], channels=[{"name": "search", "cost_per_lead": {"H1": SEARCH, "H2": 40}}],
                 targets={"leads": {"H1": 100, "H2": 100}})
    text = validate_table(s)
    assert "search in H1 │ $35 / lead to 2,000, $55 to 5,000, then $90" in text
    assert "search in H2 │ $40.00 / lead" in text
    periods = understood(s)["channels"][0]["periods"]
    assert periods["H1"]["per_1000"]["leads"] == pytest.approx(1000 / 35)
    assert periods["H2"]["per_1000"]["leads"] == pytest.approx(1000 / 40)


def test_a_free_first_tier_that_ends_buys_along_the_schedule():
    # $1,000 buys the 1,000 free leads, then 1,000 / $10 = 100 more: 1,100 leads, half qualified
    # (an open free tier would be unlimited; a first tier that costs is read at its own cost)
    s = Scenario(channels=[{"name": "search", "cost_per_lead": [{"up_to": 1000, "cost": 0}, {"cost": 10}]},
                           {"name": "free", "cost_per_lead": 0, "max_units": 10}],
                 funnel={"qualification_rate": 0.5}, targets={"leads": 100})
    search, free = understood(s)["channels"]
    assert search["per_1000"]["leads"] == pytest.approx(1100)
    assert search["per_1000"]["qualified_leads"] == pytest.approx(550)
    assert free["per_1000"]["leads"] == float("inf")
    assert "1,100" in validate_table(s)
