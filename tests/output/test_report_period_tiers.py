"""The report's Periods sheet shows a tiered channel's tiers in each period (tiers count the units
bought within the period), read back from the workbook with openpyxl against hand-derived numbers."""

from __future__ import annotations

import pytest

from optimizer import Scenario, optimize
from optimizer.output.report import write_report

SEARCH = [{"up_to": 1000, "cost": 20}, {"cost": 50}]


def rows_of(path, sheet: str) -> list[list]:
    from openpyxl import load_workbook

    return [[cell.value for cell in row] for row in load_workbook(path)[sheet].iter_rows()]


def block(rows: list[list], name: str, period: str) -> list[list]:
    """The channel's row in ``period`` and the indented tier rows that follow it."""
    start = next(i for i, row in enumerate(rows) if row[0] == name and row[1] == period)
    end = start + 1
    while end < len(rows) and str(rows[end][0]).startswith("  tier "):
        end += 1
    return rows[start:end]


def test_each_period_shows_its_tiers_filled_within_the_period(tmp_path):
    s = Scenario(periods=["H1", "H2"], channels=[{"name": "search", "cost_per_lead": SEARCH},
                                                 {"name": "display", "cost_per_lead": 60}],
                 targets={"leads": {"H1": 1500, "H2": 800}})
    plan = optimize(s)
    path = tmp_path / "plan.xlsx"
    write_report(plan, None, path)
    rows = rows_of(path, "Periods")
    header = rows[0]
    units, spend, leads, share = (header.index(c) for c in ("units", "spend", "leads",
                                                             "share of the period's spend"))
    # by hand: H1 needs 1,500 leads: 1,000 at $20, then 500 at $50 (display costs $60); H2: 800 at $20
    h1 = block(rows, "search", "H1")
    assert [row[0] for row in h1[1:]] == ["  tier 0 ($20.00, to 1,000)", "  tier 1 ($50.00, open)"]
    assert [row[units] for row in h1] == pytest.approx([1500, 1000, 500])
    assert [row[spend] for row in h1] == pytest.approx([45_000, 20_000, 25_000])
    assert [row[leads] for row in h1] == pytest.approx([1500, 1000, 500])
    assert [row[share] for row in h1[1:]] == pytest.approx([20_000 / 45_000, 25_000 / 45_000])
    h2 = block(rows, "search", "H2")
    assert [row[units] for row in h2] == pytest.approx([800, 800, 0])
    assert [row[spend] for row in h2] == pytest.approx([16_000, 16_000, 0])
    assert len(block(rows, "display", "H1")) == 1  # a flat price has no tier rows
    # the period's total counts each channel once, not its tiers again
    total = next(row for row in rows if row[0] == "total" and row[1] == "H1")
    assert total[spend] == pytest.approx(45_000)
    notes = [str(row[0]) for row in rows if row[0] and "tiered price's tiers follow its channel in each period"
             in str(row[0])]
    assert notes


def test_a_tier_list_given_for_one_period_shows_in_that_period_only(tmp_path):
    s = Scenario(periods=["H1", "H2"], channels=[{"name": "search", "cost_per_lead": {"H1": SEARCH, "H2": 30}}],
                 targets={"leads": {"H1": 1200, "H2": 500}})
    path = tmp_path / "plan.xlsx"
    write_report(optimize(s), None, path)
    rows = rows_of(path, "Periods")
    spend = rows[0].index("spend")
    # by hand: H1 1,000 at $20 and 200 at $50; H2 500 at the flat $30
    assert [row[spend] for row in block(rows, "search", "H1")] == pytest.approx([30_000, 20_000, 10_000])
    assert [row[spend] for row in block(rows, "search", "H2")] == pytest.approx([15_000])


def test_markdown_and_html_reports_carry_the_tier_rows(tmp_path):
    s = Scenario(periods=["H1", "H2"], channels=[{"name": "search", "cost_per_lead": SEARCH}],
                 targets={"leads": {"H1": 1500, "H2": 800}})
    plan = optimize(s)
    write_report(plan, None, tmp_path / "plan.md", timing=False)
    write_report(plan, None, tmp_path / "plan.html", timing=False)
    assert "tier 1 ($50.00, open)" in (tmp_path / "plan.md").read_text()
    assert "tier 1 ($50.00, open)" in (tmp_path / "plan.html").read_text()


@pytest.mark.parametrize("periods", [None, ["H1", "H2"]])
def test_the_inputs_sheet_shows_a_tiered_price_as_its_schedule(tmp_path, periods):
    leads = {"H1": 1500, "H2": 800} if periods else 1500
    s = Scenario(periods=periods, channels=[{"name": "search", "cost_per_lead": SEARCH}], targets={"leads": leads})
    path = tmp_path / "plan.xlsx"
    write_report(optimize(s), None, path)
    rows = rows_of(path, "Inputs")
    price = rows[0].index("price")
    search = next(row for row in rows if row[0] == "search")
    assert search[price] == "$20 / lead to 1,000, then $50"
