"""``compare`` with periods: horizon rows as before, spend per period where every scenario has the
same periods; and what a missing channel or metric counts as. Numbers derived by hand.

The two-period scenario is that of tests/analysis/test_check_periods.py: its cheapest plan costs
$1,800, $1,400 in P1 (b's 20 units $600, a's 80 leads $800) and $400 in P2 (a's 40 leads). With
P1's cap on qualified leads at 60: b's 20 units, a's 40 leads in P1 ($400, 4 deals in the year),
and the other 6 deals from a in P2 at 0.05 deals closing in the year per lead: 120 leads, $1,200
(120 qualified leads <= 150). $2,200: P1 $1,000, P2 $1,200.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from optimizer import Scenario, apply_changes, compare
from optimizer.cli import app
from optimizer.output.whatif import compare_json, compare_table

DATA = {
    "name": "two-periods",
    "periods": ["P1", "P2"],
    "budget": 10_000,
    "deal_value": 1000,
    "funnel": {"qualification_rate": 1, "win_rate": 0.1, "sales_cycle": [0.5, 0.5]},
    "targets": {"revenue": 20_000},
    "caps": {"qualified_leads": {"P1": 100, "P2": 150}},
    "channels": [
        {"name": "a", "cost_per_lead": 10},
        {"name": "b", "cost_per_qualified_lead": 30, "win_rate": 0.5, "available": ["P1"], "max_units": {"P1": 20}},
    ],
}


def _pair():
    base = Scenario.model_validate(DATA)
    return compare([base, apply_changes(base, {"caps.qualified_leads.P1": 60})])


def test_spend_per_period_and_its_differences():
    result = _pair()
    first, second = result.scenarios
    assert [p["total_spend"] for p in first.period_spend] == [pytest.approx(1400), pytest.approx(400)]
    assert [p["total_spend"] for p in second.period_spend] == [pytest.approx(1000), pytest.approx(1200)]
    diff = result.differences()[0]
    assert diff["total_spend"] == pytest.approx(400)
    assert [(p["name"], p["total_spend"]) for p in diff["periods"]] == [("P1", pytest.approx(-400)),
                                                                        ("P2", pytest.approx(800))]
    assert diff["periods"][1]["spend"] == {"a": pytest.approx(800), "b": pytest.approx(0, abs=1e-9)}


def test_json_keys_with_periods():
    doc = json.loads(compare_json(_pair()))
    assert list(doc["scenarios"][0]) == ["name", "file", "changes", "status", "objective_value", "total_spend",
                                         "spend", "totals", "provenance", "periods"]
    assert list(doc["scenarios"][0]["periods"][0]) == ["name", "total_spend", "spend"]
    assert list(doc["differences"][0]) == ["name", "objective_value", "total_spend", "spend", "totals", "periods"]


def test_table_rows_of_spend_per_period():
    text = compare_table(_pair())
    assert "│ spend in P1           │      $1,400 │" in text
    lines = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]] for line in text.splitlines()
             if line.startswith("│")}
    assert lines["spend in P1"] == ["$1,400", "$1,000", "-$400"]
    assert lines["spend in P2"] == ["$400", "$1,200", "+$800"]
    assert lines["total spend"] == ["$1,800", "$2,200", "+$400"]


def test_different_periods_are_not_compared_by_period():
    base = Scenario.model_validate(DATA)
    flat = Scenario.model_validate({**{k: v for k, v in DATA.items() if k != "periods"}, "name": "flat",
                                    "funnel": {"qualification_rate": 1, "win_rate": 0.1},
                                    "caps": {"qualified_leads": 250},
                                    "channels": [{"name": "a", "cost_per_lead": 10}]})
    result = compare([base, flat])
    assert result.same_periods == ()
    diff = result.differences()[0]
    assert diff["periods"] is None
    # flat: 20 deals from a at 0.1 a lead: 200 leads, $2,000 (QL 200 <= 250)
    assert diff["total_spend"] == pytest.approx(200)
    text = compare_table(result)
    assert "spend in P1" not in text
    assert "Spend by period is not compared: the scenarios' periods differ (two-periods: P1, P2; flat: no periods)." \
           in text


def test_without_periods_no_period_keys():
    flat = Scenario.model_validate({"name": "x", "channels": [{"name": "a", "cost_per_lead": 10}],
                                    "targets": {"leads": 10}})
    doc = compare([flat, flat]).to_dict()
    assert "periods" not in doc["scenarios"][0] and "periods" not in doc["differences"][0]


def test_a_missing_channel_spends_zero_and_a_missing_metric_is_unknown():
    # A: b's 20 units ($600, 10 deals) and a's 100 leads ($1,000, 10 deals): $1,600, revenue $20,000.
    # B has no channel b and no deal value: 200 leads of a, $2,000; its revenue is not measured.
    funnel = {"qualification_rate": 1, "win_rate": 0.1}
    a = Scenario.model_validate({"name": "A", "deal_value": 1000, "funnel": funnel, "targets": {"deals": 20},
                                 "channels": [{"name": "a", "cost_per_lead": 10},
                                              {"name": "b", "cost_per_qualified_lead": 30, "win_rate": 0.5,
                                               "max_units": 20}]})
    b = Scenario.model_validate({"name": "B", "funnel": funnel, "targets": {"deals": 20},
                                 "channels": [{"name": "a", "cost_per_lead": 10}]})
    result = compare([a, b])
    diff = result.differences()[0]
    assert diff["spend"] == {"a": pytest.approx(1000), "b": pytest.approx(-600)}
    assert diff["totals"]["revenue"] is None and diff["totals"]["deals"] == pytest.approx(0, abs=1e-9)
    lines = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
             for line in compare_table(result).splitlines() if line.startswith("│")}
    assert lines["spend b"] == ["$600", "$0", "-$600"]  # the cell and its difference agree: B spends $0 on b
    assert lines["deals b"] == ["10", "0", "-10"]
    assert lines["revenue"] == ["$20,000", "-", "-"]  # unknown in B, so no difference


def test_cli_compare_with_periods_exit_0_and_one_json_document():
    from pathlib import Path

    quarterly = Path(__file__).resolve().parents[2] / "scenarios" / "b2b-quarterly-plan.yaml"
    done = CliRunner().invoke(app, ["compare", str(quarterly), "--set", "caps.qualified_leads.Q3=300",
                                    "--format", "json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    diff = doc["differences"][0]
    assert [p["name"] for p in diff["periods"]] == ["Q1", "Q2", "Q3", "Q4"]
    # the period differences add up to the horizon's
    assert sum(p["total_spend"] for p in diff["periods"]) == pytest.approx(diff["total_spend"], abs=1e-6)


def test_large_money_is_never_cut(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    base = Scenario.model_validate({"name": "big", "channels": [{"name": "a_rather_long_channel_name",
                                                                 "cost_per_lead": 1000}],
                                    "targets": {"leads": 123_456_789}})
    text = compare_table(compare([base, apply_changes(base, {"targets.leads": 123_456_790})]))
    assert "…" not in text
    assert "$123,456,789,000" in text and "$123,456,790,000" in text and "+$1,000" in text


def test_csv_adds_spend_per_period_where_the_periods_agree():
    from optimizer.output.whatif import compare_csv

    rows = compare_csv(_pair()).splitlines()
    header = rows[0].split(",")
    assert header[6:10] == ["spend[a]", "spend[b]", "period_spend[P1]", "period_spend[P2]"]
    assert header[10:] == ["reach", "leads", "qualified_leads", "opportunities", "deals", "revenue"]
    first, second = (dict(zip(header, row.split(","))) for row in rows[1:])
    # by hand (module docstring): P1 $1,400 and P2 $400, then P1 $1,000 and P2 $1,200
    assert [float(first[k]) for k in ("period_spend[P1]", "period_spend[P2]")] == [pytest.approx(1400),
                                                                                   pytest.approx(400)]
    assert [float(second[k]) for k in ("period_spend[P1]", "period_spend[P2]")] == [pytest.approx(1000),
                                                                                    pytest.approx(1200)]
    # a scenario without periods beside it: no spend by period, the horizon's columns as before
    flat = Scenario.model_validate({k: v for k, v in DATA.items() if k != "periods"} | {
        "name": "flat", "funnel": {"qualification_rate": 1, "win_rate": 0.1}, "caps": {"qualified_leads": 250},
        "channels": [{"name": "a", "cost_per_lead": 10}, {"name": "b", "cost_per_qualified_lead": 30,
                                                          "win_rate": 0.5, "max_units": 20}]})
    mixed = compare_csv(compare([Scenario.model_validate(DATA), flat])).splitlines()[0]
    assert "period_spend" not in mixed
