"""Money printed as money by every writer (check, sensitivity, compare, report), through formats.is_money.

The scenario, by hand: email at $10 a lead and search at $20, every lead 0.5 x 0.2 = 0.1 deals of
$1,000, so $100 of revenue per lead. A $50,000 revenue target needs 500 leads: $5,000 of email
alone. With the constraint that email spends at most half of the total, email and search spend
the same amount e, and e / 10 + e / 20 = 500 gives e = $3,333.33, $6,666.67 in all.
"""

from __future__ import annotations

import re

import pytest

from optimizer import Scenario, check, compare, optimize, sensitivity
from optimizer.output.finance import check_table
from optimizer.output.plan import plan_table
from optimizer.output.report import MONEY, Typed, report_tables
from optimizer.output.whatif import compare_table, limit_sentence, sensitivity_table


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Tables as wide as they need: a narrow COLUMNS would wrap the names these tests look for."""
    monkeypatch.setenv("COLUMNS", "250")


def _scenario(revenue: float = 50_000, constraint: bool = False) -> Scenario:
    data = {"name": "money", "deal_value": 1000, "funnel": {"qualification_rate": 0.5, "win_rate": 0.2},
            "targets": {"revenue": revenue}, "caps": {"leads": 10_000},
            "channels": [{"name": "email", "cost_per_lead": 10}, {"name": "search", "cost_per_lead": 20}]}
    if constraint:
        data["constraints"] = [{"name": "email_half", "expr": "spend[email] <= 0.5 * total_spend"}]
    return Scenario.model_validate(data)


def _row(text: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is ``first``."""
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row {first!r} in:\n{text}")


def test_check_prints_revenue_and_a_spend_constraint_as_money() -> None:
    result = check(_scenario(constraint=True), {"email": {"spend": 4000}})  # 400 leads: $40,000 of revenue
    text = check_table(result)
    header = _row(text, "channel")
    email, total = _row(text, "email"), _row(text, "total")
    assert email[header.index("revenue")] == "$40,000" and total[header.index("revenue")] == "$40,000"
    assert email[header.index("leads")] == "400"  # a count stays a count
    # spend[email] - 0.5 total_spend = 4,000 - 2,000: broken by $2,000
    assert "constraints[email_half] (spend[email] <= 0.5 * total_spend): broken by $2,000 " in text
    assert "targets.revenue: $40,000 against a limit of $50,000: short by $10,000" in text
    assert "The cheapest plan meeting every limit costs $6,667" in text


def test_sensitivity_prints_the_revenue_target_as_money() -> None:
    s = sensitivity(optimize(_scenario()))
    cells = _row(sensitivity_table(s), "targets.revenue")
    assert cells[1:3] == ["$50,000", "$50,000"]  # its value and its limit
    assert _row(sensitivity_table(s), "caps.leads")[2] == "10,000"
    # one more $1,000 of revenue is 10 more leads, $100 of email
    sentence = limit_sentence(s.limit("targets.revenue"), s)
    assert sentence.startswith("targets.revenue: one more $1,000 of revenue costs $100")
    assert re.search(r"holds for the limit from \$[\d,]+ to ", sentence)


def test_compare_prints_revenue_as_money() -> None:
    text = compare_table(compare([_scenario(), _scenario(revenue=60_000)]))
    assert _row(text, "revenue")[1:] == ["$50,000", "$60,000", "+$10,000"]
    assert _row(text, "leads")[1:] == ["500", "600", "+100"]


@pytest.fixture(scope="module")
def sheets():
    return {sheet.title: sheet for sheet in report_tables(optimize(_scenario()), None, timing=False)}


def test_report_notes_print_targets_as_money_and_caps_as_counts(sheets) -> None:
    notes = " ".join(sheets["Inputs"].notes)
    assert "Targets: revenue >= $50,000." in notes
    assert "Caps: leads <= 10,000." in notes


def test_report_types_the_money_objective_as_money(sheets) -> None:
    about = dict((row[0], row[1]) for row in sheets["About"].rows)
    assert about["objective_value"] == Typed(5000.0, MONEY)
    revenue = [kind for header, kind in sheets["Plan"].columns if header.startswith("revenue")]
    assert revenue == [MONEY]


def test_prices_below_a_tenth_of_a_cent_keep_two_significant_digits():
    # found by a fresh-user review: a sweep over cost_per_contact 0.0001, 0.00015, 0.0002 showed
    # $0.0001 twice; differences below $0.00005 stay $0 (the noise of two solves' spend)
    from optimizer.output.formats import money

    assert [money(v) for v in (0.0001, 0.00015, 0.0002)] == ["$0.0001", "$0.00015", "$0.0002"]
    assert money(0.354166) == "$0.3542" and money(0.004) == "$0.004" and money(6e-11) == "$0"


def _by_period() -> Scenario:
    """Two periods, one channel at $10 a qualified lead, 0.5 deals of $100 each: $50 of revenue per
    $10. Revenue of $4,000 in P1 needs 80 qualified leads, $800 (P1's budget, so it binds), and $1,500
    in P2 needs 30, $300 (the rule's limit on spend in P2, so it binds too): $1,100 in all."""
    return Scenario.model_validate({
        "name": "by-period", "periods": ["P1", "P2"], "budget": {"P1": 800}, "deal_value": 100,
        "funnel": {"win_rate": 0.5}, "targets": {"revenue": {"P1": 4000, "P2": 1500}},
        "channels": [{"name": "a", "cost_per_qualified_lead": 10, "max_spend": {"P1": 900}}],
        "constraints": [{"name": "p2", "expr": "spend[a] <= 300", "period": "P2"}]})


def test_a_periods_limits_of_money_print_as_money() -> None:
    plan = optimize(_by_period())
    assert plan.total_spend == pytest.approx(1100, rel=1e-9)
    lines = plan_table(plan).splitlines()
    assert "  budget.P1: $800 (<= $800)" in lines
    assert "  targets.revenue.P1: $4,000 (>= $4,000)" in lines
    assert "  targets.revenue.P2: $1,500 (>= $1,500)" in lines
    assert "  constraints[p2].P2: $0 (<= $0)" in lines  # spend[a] - 300 in P2, moved to one side
    # a proposal of $700 in P1 (70 qualified leads, $3,500) and $300 in P2: short by $500 in P1
    text = check_table(check(_by_period(), {"a": {"P1": {"spend": 700}, "P2": {"spend": 300}}}))
    assert "targets.revenue.P1: $3,500 against a limit of $4,000: short by $500" in text
